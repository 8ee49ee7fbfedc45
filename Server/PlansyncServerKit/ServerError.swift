import Foundation
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

    init(problem: Problem) { self.problem = problem }

    public var description: String { problem.detail }

    /// The stable last part of the problem's type, e.g. `op-id-reused`.
    var code: String { problem.type.split(separator: "/").last.map(String.init) ?? problem.type }

    static func malformedBody(_ detail: String) -> ServerError {
        ServerError("malformed-body", status: 400, title: "Malformed request body", detail: detail)
    }
    static func unreadableBody(_ why: String) -> ServerError {
        ServerError("unreadable-body", status: 400, title: "The request body could not be read",
                    detail: "The body did not arrive whole (\(why)). Nothing was written; send it again.")
    }
    static func unsupportedEncoding(_ encoding: String) -> ServerError {
        ServerError("unsupported-encoding", status: 415, title: "Unsupported content encoding",
                    detail: "The body is sent with Content-Encoding '\(encoding.prefix(40))'; this server reads gzip or no encoding.")
    }
    static func badParameter(_ detail: String) -> ServerError {
        ServerError("bad-parameter", status: 400, title: "Bad parameter", detail: detail)
    }
    static func unsupportedProtocol(_ sent: String?) -> ServerError {
        ServerError(
            "unsupported-protocol", status: 400, title: "Unsupported protocol version",
            detail: "This server speaks protocol versions \(ProtocolVersion.supported.map(String.init).joined(separator: ", ")) "
                + "and the request \(sent.map { "asked for '\($0.prefix(20))'" } ?? "named none") in the \(ProtocolVersion.header) header. "
                + "Update plansync on this computer, or ask the county to update plansync-server.")
    }
    static let missingCredential = ServerError(
        "unauthenticated", status: 401, title: "Credential required",
        detail: "Send the device's credential as 'Authorization: Bearer …'. Enroll the device with `plansync init` first.")
    static let unknownCredential = ServerError(
        "unauthenticated", status: 401, title: "Unknown credential",
        detail: "The server does not know this credential. Ask the county for a new enrollment token and run `plansync init` again.")
    static let revokedDevice = ServerError(
        "device-revoked", status: 401, title: "Device revoked",
        detail: "The county revoked this device's access. Ask the county for a new enrollment token for your account and run "
            + "`plansync init --token …` on this computer again: the edits on it are kept and sent.")
    static let accountDisabled = ServerError(
        "account-disabled", status: 401, title: "Account disabled",
        detail: "The county disabled the account this device works for. Edits made on it stay on this computer; ask the county's "
            + "administrator to enable the account again (`plansync-server user enable`).")
    static func enrollmentMismatch(_ replaced: DeviceID) -> ServerError {
        ServerError("enrollment-mismatch", status: 409, title: "Token for another person",
                    detail: "This computer was device \(replaced), revoked; the token is not for the same person, or the device was not revoked. "
                        + "The token was not used. Ask the county for a token for the person whose edits are on this computer.")
    }
    static func unknownEnrollment() -> ServerError {
        ServerError("enrollment-invalid", status: 401, title: "Invalid enrollment token",
                    detail: "The county does not know this enrollment token. Check it was copied whole.")
    }
    static func usedEnrollment() -> ServerError {
        ServerError("enrollment-used", status: 409, title: "Enrollment token already used",
                    detail: "Each enrollment token enrolls one device. Ask the county for a new one (`plansync-server device add`).")
    }
    static func expiredEnrollment(_ expiredAt: String) -> ServerError {
        ServerError("enrollment-expired", status: 401, title: "Enrollment token expired",
                    detail: "This enrollment token stopped working at \(expiredAt). Ask the county for a new one (`plansync-server device add`).")
    }
    static func forbidden(_ detail: String) -> ServerError {
        ServerError("forbidden", status: 403, title: "Not allowed", detail: detail)
    }
    static func notFound(_ detail: String) -> ServerError {
        ServerError("not-found", status: 404, title: "Not found", detail: detail)
    }
    static func tooLarge(_ detail: String) -> ServerError {
        ServerError("too-large", status: 413, title: "Request too large", detail: detail)
    }
    static func badInput(_ detail: String) -> ServerError {
        ServerError("bad-input", status: 400, title: "Bad input", detail: detail)
    }

    /// The push named ids the server already holds with other content.
    static func opIDReused(_ reused: [OpID], known: [PushOutcome]) -> ServerError {
        ServerError(problem: Problem(
            type: "https://plansync.ro/problems/op-id-reused", title: "Operation ids already used", status: 409,
            detail: "The county already holds other edits under the ids \(reused.prefix(5).map(\.description).joined(separator: ", "))"
                + "\(reused.count > 5 ? " and \(reused.count - 5) more" : ""): this device's data folder is in use on another "
                + "computer too (a copy, or a restored backup). Nothing was written. plansync gives this computer an identity of "
                + "its own and sends its edits again under it (POST /v1/fork).",
            operations: reused, known: known))
    }

    /// The push holds operations stamped with a clock the county refuses.
    static func clockOutOfRange(_ operations: [PlanOperation], countyNow: Int64) -> ServerError {
        let first = operations[0].hlc.wallMillis
        let stamped = Date(timeIntervalSince1970: Double(first) / 1000)
        let county = Date(timeIntervalSince1970: Double(countyNow) / 1000)
        return ServerError(problem: Problem(
            type: "https://plansync.ro/problems/clock-out-of-range", title: "This computer's clock is wrong", status: 422,
            detail: "\(operations.count) edit(s) are stamped \(first <= 0 ? "with no time" : stamped.formatted(.iso8601)) while the county's clock says "
                + "\(county.formatted(.iso8601)): set this computer's date and time. Nothing was written; plansync stamps these edits "
                + "again with the county's time and sends them, losing nothing.",
            operations: operations.map(\.id), countyTime: countyNow))
    }
}

/// Whether two secrets are equal, in a time that does not depend on where they differ.
func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let (x, y) = (Array(a.utf8), Array(b.utf8))
    guard x.count == y.count else { return false }
    return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
}
