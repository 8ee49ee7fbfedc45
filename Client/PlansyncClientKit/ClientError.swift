import PlansyncProtocol

/// What went wrong on the commune's side, in words a clerk can act on.
public struct ClientError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }

    static let notInitialized = ClientError("This computer is not set up yet. Run `plansync init --server URL --token TOKEN` with the token the county gave you.")
    static func planNotFound(_ text: String) -> ClientError {
        ClientError("There is no plan '\(text)' on this computer. `plansync plan list` shows the plans.")
    }
    static func planHeld(_ plan: PlanID, reason: String) -> ClientError {
        ClientError("Plan \(plan) cannot be edited here until plansync is updated: the county holds changes to it that this version cannot apply (\(reason)). Update plansync, then run `plansync sync`.")
    }
}

/// The server answered with a problem document, or could not be reached.
public enum SyncFailure: Error, Sendable, CustomStringConvertible {
    case problem(Problem)
    case unreachable(String)
    case badResponse(String)

    public var description: String {
        switch self {
        case .problem(let problem): "The server refused: \(problem.title). \(problem.detail)"
        case .unreachable(let why): "The server cannot be reached (\(why)). Your edits are kept on this computer; run `plansync sync` again when the connection is back."
        case .badResponse(let why): "The server's answer could not be read (\(why)). Nothing was lost; try `plansync sync` again."
        }
    }
}
