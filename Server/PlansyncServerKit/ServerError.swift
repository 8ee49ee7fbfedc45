import PlansyncProtocol

/// An error the server reports to its caller as an RFC 9457 problem document.
///
/// One struct with factories rather than an enum, so adding a kind breaks no caller. `type` is
/// stable: clients and tests match on it, never on the wording.
public struct ServerError: Error, Sendable, CustomStringConvertible {
    public let problem: Problem

    init(_ slug: String, status: Int, title: String, detail: String) {
        problem = Problem(type: "https://plansync.ro/problems/\(slug)", title: title, status: status, detail: detail)
    }

    public var description: String { problem.detail }

    static func malformedBody(_ detail: String) -> ServerError {
        ServerError("malformed-body", status: 400, title: "Malformed request body", detail: detail)
    }
    static func badParameter(_ detail: String) -> ServerError {
        ServerError("bad-parameter", status: 400, title: "Bad parameter", detail: detail)
    }
    static func unsupportedProtocol(_ sent: String?) -> ServerError {
        ServerError(
            "unsupported-protocol", status: 400, title: "Unsupported protocol version",
            detail: "This server speaks protocol version \(ProtocolVersion.supported.map(String.init).joined(separator: ", ")) "
                + "and the request \(sent.map { "asked for '\($0)'" } ?? "named none") in the \(ProtocolVersion.header) header. "
                + "Update plansync on this computer.")
    }
    static let missingCredential = ServerError(
        "unauthenticated", status: 401, title: "Credential required",
        detail: "Send the device's credential as 'Authorization: Bearer …'. Enroll the device with `plansync init` first.")
    static let unknownCredential = ServerError(
        "unauthenticated", status: 401, title: "Unknown credential",
        detail: "The server does not know this credential. Ask the county for a new enrollment token and run `plansync init` again.")
    static let revokedDevice = ServerError(
        "device-revoked", status: 401, title: "Device revoked",
        detail: "The county revoked this device's access. Ask the county for a new enrollment token.")
    static func unknownEnrollment() -> ServerError {
        ServerError("enrollment-invalid", status: 401, title: "Invalid enrollment token",
                    detail: "The county does not know this enrollment token. Check it was copied whole.")
    }
    static func usedEnrollment() -> ServerError {
        ServerError("enrollment-used", status: 409, title: "Enrollment token already used",
                    detail: "Each enrollment token enrolls one device. Ask the county for a new one (`plansync-server device add`).")
    }
    static func forbidden(_ detail: String) -> ServerError {
        ServerError("forbidden", status: 403, title: "Not allowed", detail: detail)
    }
    static func notFound(_ detail: String) -> ServerError {
        ServerError("not-found", status: 404, title: "Not found", detail: detail)
    }
    static func tooLarge(_ limit: Int) -> ServerError {
        ServerError("too-large", status: 413, title: "Request too large",
                    detail: "Send at most \(limit) operations (\(PushLimits.maximumBodyBytes >> 20) MiB) per push; plansync splits larger syncs itself.")
    }
    static func badInput(_ detail: String) -> ServerError {
        ServerError("bad-input", status: 400, title: "Bad input", detail: detail)
    }
}

/// Limits that keep one request from monopolising a county server.
public enum PushLimits {
    public static let maximumOperations = 5_000
    public static let maximumBodyBytes = 16 << 20
    public static let maximumPullPage = 5_000
}
