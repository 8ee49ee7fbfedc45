import Foundation

/// The request and response bodies of the sync API (`Protocol/openapi.yaml` describes the routes).

/// The protocol version every request names in the ``ProtocolVersion/header`` header.
public enum ProtocolVersion {
    /// The HTTP header that carries the version, on every request.
    public static let header = "Plansync-Protocol"
    /// The version this build speaks: 2 added accounts, `GET /v1/me`, `GET /v1/capabilities`,
    /// `POST /v1/fork` and the members of a pull page after `more`.
    public static let current = 2
    /// Versions this build's server accepts. Version 1 clients keep syncing: their operations are
    /// attributed to the account of their device like any other.
    public static let supported: ClosedRange<Int> = 1...2
}

/// `POST /v1/enroll`: a device trades a one-time enrollment token for its own credential.
public struct EnrollRequest: Codable, Sendable {
    public var token: String
    /// A label for the device, shown to the county ("laptop inspector").
    public var label: String
    /// The revoked device this computer was, when enrolling it again: the token must then be for
    /// the same person (or nothing happens and the token stays unused), and the edits the
    /// county never acknowledged go out under the new device.
    public var replaces: DeviceID?
    /// The device's Ed25519 public key (raw, base64), created on the device: its submissions are
    /// signed with it, and the county's log records it. Older clients send none.
    public var publicKey: String?

    public init(token: String, label: String, replaces: DeviceID? = nil, publicKey: String? = nil) {
        self.token = token
        self.label = label
        self.replaces = replaces
        self.publicKey = publicKey
    }
}

/// What a device is enrolled as: the answer of `GET /v1/me`, and of enrollment with the credential.
public struct Enrollment: Codable, Sendable, Equatable {
    public var device: DeviceID
    public var label: String
    /// The person the device works for; every operation it makes is theirs.
    public var account: Account
    public var county: String
    /// The UAT, for an account scoped to one.
    public var uatName: String?

    public init(device: DeviceID, label: String, account: Account, county: String, uatName: String?) {
        self.device = device
        self.label = label
        self.account = account
        self.county = county
        self.uatName = uatName
    }
}

/// The answer to `POST /v1/enroll` and `POST /v1/fork`.
///
/// `siruta` and `uatName` repeat the account's UAT at the top level, where version 1 clients read
/// them.
public struct EnrollResponse: Codable, Sendable {
    public var device: DeviceID
    /// The device's bearer credential. The server keeps only its hash; it is shown this once.
    public var credential: String
    public var account: Account
    public var siruta: Siruta?
    public var uatName: String?
    public var county: String

    public init(enrollment: Enrollment, credential: String) {
        device = enrollment.device
        self.credential = credential
        account = enrollment.account
        siruta = enrollment.account.siruta
        uatName = enrollment.uatName
        county = enrollment.county
    }
}

/// `POST /v1/fork`: a device whose data folder turned out to be in use on another computer too (a
/// copied folder, a restored backup) asks for an identity of its own, for the same account.
public struct ForkRequest: Codable, Sendable {
    public var label: String
    /// The key of the copied folder (the same key: the folder holds it).
    public var publicKey: String?
    public init(label: String, publicKey: String? = nil) {
        self.label = label
        self.publicKey = publicKey
    }
}

/// `GET /v1/capabilities`: what this server accepts, so a client refuses offline what it would refuse.
public struct Capabilities: Codable, Sendable, Equatable {
    public var protocols: [Int]
    public var operations: [OperationKind]
    public var templates: [String]
    public var limits: OperationLimits
    /// The county's clock (ms since 1970) when it answered.
    public var time: Int64
    /// The social service codes the county's checks know (its nomenclator, which may be fuller
    /// than the one shipped): a client checks a plan before submitting it with the same list, so
    /// its findings are the county's. Absent from servers before the workflow.
    public var serviceCodes: [String]?

    public init(protocols: [Int], operations: [OperationKind], templates: [String], limits: OperationLimits, time: Int64,
                serviceCodes: [String]? = nil) {
        self.protocols = protocols
        self.operations = operations
        self.templates = templates
        self.limits = limits
        self.time = time
        self.serviceCodes = serviceCodes
    }

    /// A short fingerprint of what the server accepts (not of its clock): every pull page carries
    /// it, so a client fetches the capabilities again only when they change.
    public var tag: String {
        var copy = self
        copy.time = 0
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a: a change detector, not a secret
        for byte in (try? WireJSON.encode(copy)) ?? Data() {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}

/// Bounds that keep one device from exhausting a county server or a replica. The server refuses
/// what exceeds them with a rejection a clerk can act on; clients check them before recording.
public struct OperationLimits: Codable, Sendable, Equatable {
    /// Bytes of one value (a cell's text, a reference…).
    public var valueBytes: Int
    /// Bytes of the `by` member.
    public var authorBytes: Int
    /// Ids in an `over` list.
    public var supersedes: Int
    /// Ids in a removal's `seen` list.
    public var seen: Int
    /// Values a field may hold at once (one shown, the others a conflict to resolve).
    public var openValues: Int
    /// Rows of one table.
    public var rowsPerTable: Int
    /// Bytes of text in one plan.
    public var planBytes: Int
    /// Operations in one push.
    public var pushOperations: Int
    /// Bytes of one request body, after inflating.
    public var bodyBytes: Int
    /// Bytes of one pull page (a page always holds at least one operation).
    public var pageBytes: Int

    public static let standard = OperationLimits(
        valueBytes: 32 << 10, authorBytes: 200, supersedes: 64, seen: 2_048, openValues: 16, rowsPerTable: 2_000,
        planBytes: 4 << 20, pushOperations: 5_000, bodyBytes: 16 << 20, pageBytes: 1 << 20)
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
    /// Set when the county holds this very edit with another stamp — it was stamped again on
    /// another copy of this data folder (a clock far off): the replica takes the county's, so
    /// the edit is not recorded twice and every replica orders it the same way.
    public var hlc: HLCTimestamp?
    /// Set when accepted: when the county received it (ISO 8601, its clock), as stored — the same
    /// on every retry.
    public var receivedAt: String?

    public init(id: OpID, seq: Int64?, rejection: Rejection?, hlc: HLCTimestamp? = nil, receivedAt: String? = nil) {
        self.id = id
        self.seq = seq
        self.rejection = rejection
        self.hlc = hlc
        self.receivedAt = receivedAt
    }

    public static func accepted(_ id: OpID, seq: Int64, at receivedAt: String? = nil) -> PushOutcome {
        PushOutcome(id: id, seq: seq, rejection: nil, receivedAt: receivedAt)
    }
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

/// `GET /v1/pull?after=SEQ&limit=N`: what the server accepted after the cursor, in the device's scope.
public struct PullResponse: Sendable {
    public var operations: [SequencedOperation]
    /// Entries this build cannot read (an operation kind or member added by a later version):
    /// kept verbatim, in their place in `seq` order, never applied, never sent back.
    public var unreadable: [UnreadableOperation]
    /// The cursor to ask from next time; equal to `after` when nothing was new.
    public var next: Int64
    /// More operations wait beyond this page.
    public var more: Bool
    /// Who is behind the devices of this page's operations.
    public var people: [Person]
    /// The highest operation counter the server holds from the asking device (0: none). Higher
    /// than any this replica made means another computer uses its identity (a copied data folder,
    /// a restored backup).
    public var lastOwnCounter: Int64
    /// ``Capabilities/tag`` of the server.
    public var capabilities: String?
    /// The county's clock (ms since 1970) when it answered.
    public var time: Int64?

    public init(operations: [SequencedOperation], unreadable: [UnreadableOperation] = [], next: Int64, more: Bool,
                people: [Person] = [], lastOwnCounter: Int64 = 0, capabilities: String? = nil, time: Int64? = nil) {
        self.operations = operations
        self.unreadable = unreadable
        self.next = next
        self.more = more
        self.people = people
        self.lastOwnCounter = lastOwnCounter
        self.capabilities = capabilities
        self.time = time
    }
}

/// An accepted operation with its county-wide sequence number.
public struct SequencedOperation: Codable, Sendable, Hashable {
    public var seq: Int64
    public var operation: PlanOperation
    /// When the county received it (ISO 8601, the county's clock): an act's county time, beside
    /// the device time in its stamp. Absent from servers before the workflow.
    public var receivedAt: String?
    public init(seq: Int64, operation: PlanOperation, receivedAt: String? = nil) {
        self.seq = seq
        self.operation = operation
        self.receivedAt = receivedAt
    }
}

/// A pulled entry this build cannot read, kept as received (in the canonical encoding).
public struct UnreadableOperation: Sendable, Hashable {
    public var seq: Int64
    public var id: OpID
    public var plan: PlanID
    /// What it calls itself (`op`), if anything.
    public var kind: String?
    public var body: Data
    /// Why it cannot be read.
    public var reason: String

    public init(seq: Int64, id: OpID, plan: PlanID, kind: String?, body: Data, reason: String) {
        self.seq = seq
        self.id = id
        self.plan = plan
        self.kind = kind
        self.body = body
        self.reason = reason
    }
}

/// An RFC 9457 problem document (`application/problem+json`), the body of every error response.
///
/// Besides the standard members, a refused push may say which operations it concerns, which of
/// them the server already holds, and the county's clock: what a client needs to recover by itself.
public struct Problem: Codable, Sendable, Error, Equatable, CustomStringConvertible {
    public static let mediaType = "application/problem+json"

    /// A stable URI naming the kind of problem, e.g. `https://plansync.ro/problems/unsupported-protocol`.
    public var type: String
    public var title: String
    public var status: Int
    public var detail: String
    /// The operations the problem is about.
    public var operations: [OpID]?
    /// Operations of the refused push the server already holds, exactly as sent, with their `seq`.
    public var known: [PushOutcome]?
    /// The county's clock (ms since 1970).
    public var countyTime: Int64?

    public init(type: String, title: String, status: Int, detail: String,
                operations: [OpID]? = nil, known: [PushOutcome]? = nil, countyTime: Int64? = nil) {
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.operations = operations
        self.known = known
        self.countyTime = countyTime
    }

    /// The last segment of `type`, e.g. `op-id-reused`.
    public var slug: Substring { type.split(separator: "/").last ?? "" }

    public var description: String { "\(title): \(detail) (HTTP \(status))" }
}
