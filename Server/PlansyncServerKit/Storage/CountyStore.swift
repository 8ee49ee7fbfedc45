import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol
import Synchronization

/// Who made a request: a device of one UAT, or the county itself.
public enum Principal: Sendable, Equatable {
    case device(DeviceRecord)
    case county
}

/// An enrolled device as the county knows it.
public struct DeviceRecord: Sendable, Equatable, Codable {
    public let id: DeviceID
    public let siruta: Siruta
    public let label: String
    public let enrolledAt: String
    public let revokedAt: String?
    public let lastPushAt: String?
}

/// One line of the county's plan list.
public struct PlanSummary: Codable, Sendable, Equatable {
    public let id: PlanID
    public let siruta: Siruta
    public let uatName: String
    public let year: Int
    /// How many operations built the latest version.
    public let version: Int
    public let lastSeq: Int64
    /// When the server last received a change to it (ISO 8601).
    public let lastSyncAt: String
    public let openConflicts: Int
}

/// One county's database: UATs, devices, the accepted operation history and the latest plans.
///
/// The history is the source of truth; the `plan` table is its projection, updated in the same
/// transaction as every accepted operation, so the two never disagree. Writes are serialised by
/// SQLite's single writer; the in-memory plan cache is updated on that same writer after commit.
public final class CountyStore: Sendable {
    public let county: County
    public let path: String
    let pool: DatabasePool
    let registry: SirutaRegistry
    private let rules = OperationRules()
    /// Latest documents, filled on first use; touched only on the writer queue or under its lock.
    private let cache = Mutex<[PlanID: PlanDocument]>([:])

    /// The county reviewer's checks, run on every plan as received (``findings(of:)``).
    public let validator: PlanValidator

    init(county: County, path: String, registry: SirutaRegistry, nomenclator: ServiceNomenclator = .shipped) throws {
        self.county = county
        self.path = path
        self.registry = registry
        validator = PlanValidator(context: ValidationContext(registry: registry, nomenclator: nomenclator, county: county))
        pool = try CountyDatabase.open(at: path)
    }

    static func timestamp(_ date: Date = Date()) -> String { date.formatted(.iso8601) }

    // MARK: County credential

    /// Creates the county credential if there is none yet; returns it only when it was created.
    func createCountyCredentialIfNeeded() async throws -> String? {
        try await pool.write { [county] db -> String? in
            if try String.fetchOne(db, sql: "SELECT value FROM county WHERE key = 'credential_hash'") != nil { return nil }
            let credential = Credential.generate(.county, county: county.code)
            try db.execute(sql: "INSERT INTO county (key, value) VALUES ('credential_hash', ?), ('name', ?), ('created_at', ?)",
                           arguments: [credential.hash.base64EncodedString(), county.name, Self.timestamp()])
            return credential.text
        }
    }

    /// Replaces the county credential (when the old one leaked or was lost).
    public func rotateCountyCredential() async throws -> String {
        let credential = Credential.generate(.county, county: county.code)
        try await pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO county (key, value) VALUES ('credential_hash', ?)",
                           arguments: [credential.hash.base64EncodedString()])
        }
        return credential.text
    }

    // MARK: UATs and devices

    /// Registers a UAT of this county and issues its first one-time enrollment token.
    public func registerUAT(_ siruta: Siruta) async throws -> (uat: UAT, enrollmentToken: String) {
        guard let uat = registry[siruta] else {
            throw ServerError.badInput("SIRUTA \(siruta) is not in the SIRUTA list of Romania's UATs. Check the code (match by SIRUTA, not by name).")
        }
        guard uat.county == county else {
            throw ServerError.badInput("\(uat.name) (SIRUTA \(siruta)) belongs to \(uat.county.name), not to \(county.name).")
        }
        let token = try await pool.write { db -> String in
            try db.execute(sql: "INSERT OR IGNORE INTO uat (siruta, name, kind, registered_at) VALUES (?, ?, ?, ?)",
                           arguments: [siruta.rawValue, uat.name, uat.kind.rawValue, Self.timestamp()])
            return try Self.issueEnrollment(for: siruta, county: self.county, in: db)
        }
        return (uat, token)
    }

    /// A one-time token for one more device of an already registered UAT.
    public func issueEnrollment(for siruta: Siruta) async throws -> String {
        try await pool.write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM uat WHERE siruta = ?", arguments: [siruta.rawValue]) != nil else {
                throw ServerError.notFound("UAT \(siruta) is not registered with \(self.county.name). Register it with `plansync-server uat add`.")
            }
            return try Self.issueEnrollment(for: siruta, county: self.county, in: db)
        }
    }

    private static func issueEnrollment(for siruta: Siruta, county: County, in db: Database) throws -> String {
        let token = Credential.generate(.enrollment, county: county.code)
        try db.execute(sql: "INSERT INTO enrollment (token_hash, siruta, issued_at) VALUES (?, ?, ?)",
                       arguments: [token.hash, siruta.rawValue, timestamp()])
        return token.text
    }

    /// Trades a one-time enrollment token for a device id and credential.
    func enroll(token: Credential, label: String) async throws -> EnrollResponse {
        let credential = Credential.generate(.device, county: county.code)
        return try await pool.write { db in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT e.siruta, e.used_at, u.name FROM enrollment e JOIN uat u USING (siruta) WHERE token_hash = ?",
                arguments: [token.hash])
            else { throw ServerError.unknownEnrollment() }
            guard row["used_at"] as String? == nil else { throw ServerError.usedEnrollment() }
            let siruta = Siruta(row["siruta"] as Int)
            var device = DeviceID(Self.newDeviceID())
            while try Bool.fetchOne(db, sql: "SELECT 1 FROM device WHERE id = ?", arguments: [device.rawValue]) != nil {
                device = DeviceID(Self.newDeviceID())
            }
            let now = Self.timestamp()
            try db.execute(sql: "INSERT INTO device (id, siruta, label, credential_hash, enrolled_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [device.rawValue, siruta.rawValue, label, credential.hash, now])
            try db.execute(sql: "UPDATE enrollment SET used_at = ?, device = ? WHERE token_hash = ?",
                           arguments: [now, device.rawValue, token.hash])
            return EnrollResponse(device: device, credential: credential.text, siruta: siruta,
                                  uatName: row["name"], county: self.county.name)
        }
    }

    /// 8 characters of `a-z0-9`: short, because it is in every operation id on the wire.
    private static func newDeviceID() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<8).map { _ in alphabet.randomElement()! })
    }

    public func revokeDevice(_ id: DeviceID) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE device SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                           arguments: [Self.timestamp(), id.rawValue])
            guard db.changesCount == 1 else {
                throw ServerError.notFound("No active device \(id) in \(self.county.name).")
            }
        }
    }

    public func devices() async throws -> [DeviceRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM device ORDER BY siruta, enrolled_at").map(Self.device(from:))
        }
    }

    private static func device(from row: Row) -> DeviceRecord {
        DeviceRecord(id: DeviceID(row["id"] as String), siruta: Siruta(row["siruta"] as Int), label: row["label"],
                     enrolledAt: row["enrolled_at"], revokedAt: row["revoked_at"], lastPushAt: row["last_push_at"])
    }

    /// Who holds this credential.
    func authenticate(_ credential: Credential) async throws -> Principal {
        try await pool.read { db in
            switch credential.kind {
            case .county:
                let stored = try String.fetchOne(db, sql: "SELECT value FROM county WHERE key = 'credential_hash'")
                guard stored == credential.hash.base64EncodedString() else { throw ServerError.unknownCredential }
                return .county
            case .device:
                guard let row = try Row.fetchOne(db, sql: "SELECT * FROM device WHERE credential_hash = ?", arguments: [credential.hash])
                else { throw ServerError.unknownCredential }
                let device = Self.device(from: row)
                guard device.revokedAt == nil else { throw ServerError.revokedDevice }
                return .device(device)
            case .enrollment:
                throw ServerError.unknownCredential
            }
        }
    }

    // MARK: Push

    /// Accepts or sets aside each operation, durably, before answering.
    ///
    /// Idempotent: an operation accepted before keeps its sequence number, one rejected before
    /// keeps its reason, so a push repeated after a lost answer gets the same answer and writes
    /// nothing. An operation that names another device or another UAT's plan is not a clerk's
    /// mistake but a misbehaving client: the whole push is refused and nothing is written.
    public func push(_ operations: [PlanOperation], from device: DeviceRecord) async throws -> PushResponse {
        let now = Self.timestamp()
        return try await pool.writeWithoutTransaction { db in
            var touched: [PlanID: PlanDocument] = [:]
            var outcomes: [PushOutcome] = []
            outcomes.reserveCapacity(operations.count)
            try db.inTransaction {
                // What this batch's counters already got: one range query each instead of two
                // probes per operation (a repeated batch is the common retry).
                let counters = operations.map(\.id.counter)
                let range: StatementArguments = [device.id.rawValue, counters.min() ?? 0, counters.max() ?? 0]
                var known: [Int64: PushOutcome] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT counter, seq FROM operation WHERE device = ? AND counter BETWEEN ? AND ?", arguments: range) {
                    known[row["counter"]] = .accepted(OpID(device: device.id, counter: row["counter"]), seq: row["seq"])
                }
                for row in try Row.fetchAll(db, sql: "SELECT counter, code, message FROM rejection WHERE device = ? AND counter BETWEEN ? AND ?", arguments: range) {
                    known[row["counter"]] = .rejected(OpID(device: device.id, counter: row["counter"]), Rejection(code: row["code"], message: row["message"]))
                }
                let insert = try db.cachedStatement(sql: """
                    INSERT INTO operation (device, counter, plan, siruta, hlc, author, kind, body, received_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                let reject = try db.cachedStatement(sql: """
                    INSERT INTO rejection (device, counter, plan, code, message, body, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                for operation in operations {
                    guard operation.id.device == device.id else {
                        throw ServerError.forbidden("Operation \(operation.id) was made by another device; a device pushes only its own operations.")
                    }
                    if let outcome = known[operation.id.counter] {
                        outcomes.append(outcome)
                        continue
                    }
                    let key: StatementArguments = [device.id.rawValue, operation.id.counter]
                    if touched[operation.plan] == nil, let stored = try self.document(operation.plan, in: db) {
                        touched[operation.plan] = stored
                    }
                    let verdict = try Self.check(operation, from: device, against: touched[operation.plan], rules: self.rules)
                    let body = operation.canonicalJSON
                    if let rejection = verdict {
                        try reject.execute(arguments: key + [operation.plan.rawValue, rejection.code, rejection.message, body, now])
                        known[operation.id.counter] = .rejected(operation.id, rejection)
                        outcomes.append(known[operation.id.counter]!)
                        continue
                    }
                    // Applied in place: the document is not copied per operation.
                    if touched[operation.plan] == nil {
                        touched[operation.plan] = try PlanDocument.created(by: operation)
                    } else {
                        touched[operation.plan]!.apply(operation)
                    }
                    try insert.execute(arguments: key + [
                        operation.plan.rawValue, device.siruta.rawValue, operation.hlc.rawValue, operation.author,
                        operation.change.kind, body, now,
                    ])
                    known[operation.id.counter] = .accepted(operation.id, seq: db.lastInsertedRowID)
                    outcomes.append(known[operation.id.counter]!)
                }
                let lastSeq = outcomes.compactMap(\.seq).max() ?? 0
                for (id, plan) in touched {
                    try db.execute(sql: """
                        INSERT INTO plan (id, siruta, year, version, last_seq, updated_at, document) VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (id) DO UPDATE SET version = excluded.version, last_seq = excluded.last_seq,
                            updated_at = excluded.updated_at, document = excluded.document
                        """, arguments: [id.rawValue, plan.siruta.rawValue, plan.year, plan.version, lastSeq, now, try WireJSON.encode(plan)])
                }
                if !operations.isEmpty {
                    try db.execute(sql: "UPDATE device SET last_push_at = ? WHERE id = ?", arguments: [now, device.id.rawValue])
                }
                return .commit
            }
            // Committed: only now may other requests see the new documents.
            self.cache.withLock { cache in cache.merge(touched) { $1 } }
            return PushResponse(outcomes: outcomes)
        }
    }

    /// Authorisation first (throws, refusing the whole push), then the shared rules (a rejection
    /// to record and report).
    private static func check(_ operation: PlanOperation, from device: DeviceRecord, against plan: PlanDocument?, rules: OperationRules) throws -> Rejection? {
        if let plan, plan.siruta != device.siruta {
            throw ServerError.forbidden("Plan \(plan.id) belongs to another UAT (SIRUTA \(plan.siruta)); this device may only change plans of SIRUTA \(device.siruta).")
        }
        if case .createPlan(let siruta, _, _) = operation.change, siruta != device.siruta {
            throw ServerError.forbidden("This device may only create plans of SIRUTA \(device.siruta), not \(siruta).")
        }
        do {
            try rules.check(operation, against: plan)
            return nil
        } catch {
            return error
        }
    }

    /// The latest document of a plan: from the cache, else from the database (and then cached).
    ///
    /// A reader's snapshot may be older than a push that committed meanwhile and already put its
    /// document in the cache; so a document read here only fills an empty slot, and only the
    /// writer, after its commit, replaces one. The cache therefore never goes back in time.
    private func document(_ id: PlanID, in db: Database) throws -> PlanDocument? {
        if let cached = cache.withLock({ $0[id] }) { return cached }
        guard let body = try Data.fetchOne(db, sql: "SELECT document FROM plan WHERE id = ?", arguments: [id.rawValue]) else {
            return nil
        }
        let document = try WireJSON.decode(PlanDocument.self, from: body)
        cache.withLock { cache in
            if cache[id] == nil { cache[id] = document }
        }
        return document
    }

    // MARK: Pull and reads

    /// Accepted operations on this UAT's plans after `cursor`, other devices' only (a device has
    /// its own), as the JSON of a ``PullResponse`` assembled from the stored bodies without
    /// decoding them.
    public func pull(for device: DeviceRecord, after cursor: Int64, limit: Int) async throws -> Data {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT seq, body FROM operation WHERE siruta = ? AND seq > ? AND device != ? ORDER BY seq LIMIT ?
                """, arguments: [device.siruta.rawValue, cursor, device.id.rawValue, limit + 1])
            let more = rows.count > limit
            var next = cursor
            if more, let last = rows.dropLast().last { next = last["seq"] } else if let last = rows.last { next = last["seq"] }
            if !more {
                // Nothing of another device beyond: move the cursor past our own operations too.
                next = max(next, try Int64.fetchOne(db, sql: "SELECT max(seq) FROM operation WHERE siruta = ?",
                                                    arguments: [device.siruta.rawValue]) ?? cursor)
            }
            return Self.sequencedJSON(rows.prefix(limit), prefix: "{\"more\":\(more),\"next\":\(next),\"operations\":[", suffix: "]}")
        }
    }

    /// One plan's operation history in sequence order, as the JSON of a list of ``SequencedOperation``.
    public func history(of plan: PlanID, after cursor: Int64, limit: Int) async throws -> Data {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT seq, body FROM operation WHERE plan = ? AND seq > ? ORDER BY seq LIMIT ?",
                                        arguments: [plan.rawValue, cursor, limit])
            return Self.sequencedJSON(rows[...], prefix: "[", suffix: "]")
        }
    }

    private static func sequencedJSON(_ rows: ArraySlice<Row>, prefix: String, suffix: String) -> Data {
        var json = Data(prefix.utf8)
        for (index, row) in rows.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            json.append(contentsOf: Array("{\"operation\":".utf8))
            json.append(row["body"] as Data)
            json.append(contentsOf: Array(",\"seq\":\(row["seq"] as Int64)}".utf8))
        }
        json.append(contentsOf: Array(suffix.utf8))
        return json
    }

    public func plan(_ id: PlanID) async throws -> PlanDocument? {
        try await pool.read { db in try self.document(id, in: db) }
    }

    /// The latest version of every plan of the county (or of one UAT).
    public func planSummaries(siruta: Siruta? = nil) async throws -> [PlanSummary] {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT p.id, p.siruta, p.year, p.version, p.last_seq, p.updated_at, u.name FROM plan p JOIN uat u USING (siruta)
                WHERE ?1 IS NULL OR p.siruta = ?1 ORDER BY u.name, p.year, p.id
                """, arguments: [siruta?.rawValue])
            return try rows.map { row in
                let id = PlanID(row["id"] as String)
                return PlanSummary(
                    id: id, siruta: Siruta(row["siruta"] as Int), uatName: row["name"], year: row["year"],
                    version: row["version"], lastSeq: row["last_seq"], lastSyncAt: row["updated_at"],
                    openConflicts: try self.document(id, in: db)?.conflicts.count ?? 0)
            }
        }
    }

    /// Counts for the operator: accepted operations and set-aside ones.
    public func counts() async throws -> (accepted: Int, rejected: Int, plans: Int) {
        try await pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM operation") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM rejection") ?? 0,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM plan") ?? 0)
        }
    }
}
