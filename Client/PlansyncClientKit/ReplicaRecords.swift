import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol

/// The rows of a replica, as plain values (GRDB records). Columns are snake_case. The sync's hot
/// paths (recording, pushing a batch, applying a page) use prepared statements instead.
protocol ReplicaRecord: Codable, FetchableRecord, PersistableRecord {}

extension ReplicaRecord {
    static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
    static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
}

/// One entry of the change log.
struct LogRecord: ReplicaRecord {
    static let databaseTableName = "operation"
    var device: String
    var counter: Int64
    var plan: String
    var body: Data
    var state: String
    var seq: Int64?
    var rejectionCode: String?
    var rejectionMessage: String?
    var recordedAt: String

    var operation: PlanOperation {
        get throws { try PlanOperation(json: JSONReader.parse(body), path: "operation \(device).\(counter)") }
    }

    func logged(people: [DeviceID: Account]) throws -> LoggedOperation {
        LoggedOperation(
            operation: try operation, state: LoggedOperation.State(rawValue: state) ?? .pending, seq: seq,
            rejection: rejectionCode.map { Rejection(code: $0, message: rejectionMessage ?? "") },
            person: people[DeviceID(device)])
    }
}

/// Who is behind a device, as the county said.
struct PersonRecord: ReplicaRecord {
    static let databaseTableName = "person"
    var device: String
    var account: String
    var name: String
    var role: String
    var siruta: Int?

    init(_ person: Person) {
        device = person.device.rawValue
        account = person.account.id.rawValue
        name = person.account.name
        role = person.account.role.rawValue
        siruta = person.account.siruta?.rawValue
    }

    var person: Person {
        Person(device: DeviceID(device), account: Account(id: AccountID(account), name: name, role: Role(rawValue: role) ?? .auditor,
                                                          siruta: siruta.map { Siruta($0) }))
    }
}

/// An accepted operation this version cannot apply, kept as received.
struct HeldRecord: ReplicaRecord {
    static let databaseTableName = "held_operation"
    var device: String
    var counter: Int64
    var plan: String
    var seq: Int64
    var kind: String?
    var body: Data
    var reason: String
    var receivedAt: String
}

/// A pending edit recorded again under a new identity, and where it went.
struct ReissuedRecord: ReplicaRecord {
    static let databaseTableName = "reissued_operation"
    var device: String
    var counter: Int64
    var plan: String
    var body: Data
    var newDevice: String
    var newCounter: Int64
    var reissuedAt: String
}
