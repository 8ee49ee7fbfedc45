import Foundation
import GRDB
import PlansyncProtocol

/// The rows of a county's database, as plain values (GRDB records). Columns are snake_case.
public protocol CountyRecord: Codable, FetchableRecord, PersistableRecord {}

extension CountyRecord {
    public static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
    public static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
}

/// A UAT registered with the county.
struct UATRecord: CountyRecord {
    static let databaseTableName = "uat"
    var siruta: Int
    var name: String
    var kind: String
    var registeredAt: String
}

/// A person's account: one role, one scope (a UAT, or the whole county when `siruta` is nil).
public struct AccountRecord: CountyRecord, Sendable, Equatable {
    public static let databaseTableName = "account"
    public var id: String
    public var name: String
    public var role: String
    public var siruta: Int?
    public var createdAt: String
    public var disabledAt: String?

    /// The account as the wire and the permission table see it.
    public var account: Account {
        Account(id: AccountID(id), name: name, role: Role(rawValue: role) ?? .auditor, siruta: siruta.map { Siruta($0) })
    }
}

/// An enrolled device: whose it is, and its credential's hash.
public struct DeviceRecord: CountyRecord, Sendable, Equatable {
    public static let databaseTableName = "device"
    public var id: String
    public var account: String
    public var label: String
    public var credentialHash: Data
    public var enrolledAt: String
    public var revokedAt: String?
    public var lastPushAt: String?
    /// The device whose data folder this one's was a copy of, when it was forked.
    public var forkedFrom: String?
    /// The Ed25519 public key the device registered at enrollment: its submissions are signed with it.
    public var publicKey: Data?

    public var deviceID: DeviceID { DeviceID(id) }
}

/// A one-time enrollment token (its hash) for one more device of an account.
struct EnrollmentRecord: CountyRecord {
    static let databaseTableName = "enrollment"
    var tokenHash: Data
    var account: String
    var issuedAt: String
    var expiresAt: String
    var usedAt: String?
    var device: String?
}

/// An accepted operation: the history, append-only.
struct OperationRecord: CountyRecord {
    static let databaseTableName = "operation"
    var seq: Int64?
    var device: String
    var counter: Int64
    var plan: String
    /// The UAT of the plan the operation changes (not of its author: a county reviewer's
    /// operations belong to the UAT's history).
    var siruta: Int
    var hlc: Int64
    var author: String
    var kind: String
    var body: Data
    var receivedAt: String
    var hash: Data?
    /// Its entry in the audit log.
    var entry: Int64?

    mutating func didInsert(_ inserted: InsertionSuccess) { seq = inserted.rowID }
}

/// An operation set aside, with its reason, so a repeated push gets the same answer.
struct RejectionRecord: CountyRecord {
    static let databaseTableName = "rejection"
    var device: String
    var counter: Int64
    var plan: String
    var code: String
    var message: String
    var body: Data
    var receivedAt: String
    var hash: Data?
}

/// The latest state of a plan: a projection of its history.
///
/// `baseDocument` is the plan as of its operation `documentSeq` (its version `documentVersion`); the
/// plan's operations after it, up to `lastSeq`, are applied when it is read
/// (``CountyStore/projection(of:in:)``). Encoding the whole document at every push was half of
/// the server's work per push; it is now rewritten once its tail reaches
/// ``CountyStore/projectionTail`` operations.
struct PlanRecord: CountyRecord {
    static let databaseTableName = "plan"
    var id: String
    var siruta: Int
    var year: Int
    var version: Int
    var lastSeq: Int64
    var updatedAt: String
    var baseDocument: Data
    var documentSeq: Int64
    var documentVersion: Int
}
