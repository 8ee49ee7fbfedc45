/// The request and response bodies of the sync API (`Protocol/openapi.yaml` describes the routes).

/// The protocol version every request names in the ``ProtocolVersion/header`` header.
public enum ProtocolVersion {
    /// The HTTP header that carries the version, on every request.
    public static let header = "Plansync-Protocol"
    /// The version this build speaks.
    public static let current = 1
    /// Versions this build's server accepts.
    public static let supported: ClosedRange<Int> = 1...1
}

/// `POST /v1/enroll`: a device trades a one-time enrollment token for its own credential.
public struct EnrollRequest: Codable, Sendable {
    public var token: String
    /// A label for the device, shown to the county ("laptop inspector").
    public var label: String
    public init(token: String, label: String) {
        self.token = token
        self.label = label
    }
}

public struct EnrollResponse: Codable, Sendable {
    public var device: DeviceID
    /// The device's bearer credential. The server keeps only its hash; it is shown this once.
    public var credential: String
    public var siruta: Siruta
    public var uatName: String
    public var county: String
    public init(device: DeviceID, credential: String, siruta: Siruta, uatName: String, county: String) {
        self.device = device
        self.credential = credential
        self.siruta = siruta
        self.uatName = uatName
        self.county = county
    }
}

/// `POST /v1/push`: operations the device has not had acknowledged yet, oldest first.
public struct PushRequest: Codable, Sendable {
    public var operations: [PlanOperation]
    public init(operations: [PlanOperation]) { self.operations = operations }
}

/// The server's answer to a push: one outcome per operation, in the request's order.
///
/// Pushing the same batch again gives the same answer: an operation accepted before is reported
/// accepted with its original sequence number, one rejected before is rejected with the same reason.
public struct PushResponse: Codable, Sendable, Equatable {
    public var outcomes: [PushOutcome]
    public init(outcomes: [PushOutcome]) { self.outcomes = outcomes }
}

public struct PushOutcome: Codable, Sendable, Equatable {
    public var id: OpID
    /// Set when accepted: the county-wide sequence number (the pull cursor position).
    public var seq: Int64?
    /// Set when rejected: why, in words a clerk can act on. The operation is set aside.
    public var rejection: Rejection?

    public static func accepted(_ id: OpID, seq: Int64) -> PushOutcome { PushOutcome(id: id, seq: seq, rejection: nil) }
    public static func rejected(_ id: OpID, _ rejection: Rejection) -> PushOutcome { PushOutcome(id: id, seq: nil, rejection: rejection) }
}

/// Why an operation was set aside: a stable code and a message.
public struct Rejection: Codable, Sendable, Equatable, Error, CustomStringConvertible {
    public var code: String
    public var message: String
    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
    public var description: String { "\(message) [\(code)]" }
}

/// `GET /v1/pull?after=SEQ&limit=N`: what the server accepted after the cursor, for this device's UAT.
public struct PullResponse: Codable, Sendable {
    public var operations: [SequencedOperation]
    /// The cursor to ask from next time; equal to `after` when nothing was new.
    public var next: Int64
    /// More operations wait beyond this page.
    public var more: Bool
    public init(operations: [SequencedOperation], next: Int64, more: Bool) {
        self.operations = operations
        self.next = next
        self.more = more
    }
}

/// An accepted operation with its county-wide sequence number.
public struct SequencedOperation: Codable, Sendable, Hashable {
    public var seq: Int64
    public var operation: PlanOperation
    public init(seq: Int64, operation: PlanOperation) {
        self.seq = seq
        self.operation = operation
    }
}

/// An RFC 9457 problem document (`application/problem+json`), the body of every error response.
public struct Problem: Codable, Sendable, Error, Equatable, CustomStringConvertible {
    public static let mediaType = "application/problem+json"

    /// A stable URI naming the kind of problem, e.g. `https://plansync.ro/problems/unsupported-protocol`.
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String

    public init(type: String, title: String, status: Int, detail: String) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
    }

    public var description: String { "\(title): \(detail) (HTTP \(status))" }
}
