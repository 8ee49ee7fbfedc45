import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol

/// What this computer knows about its enrollment and its sync progress.
public struct ReplicaSettings: Codable, Sendable, Equatable {
    public var server: String
    public var device: DeviceID
    public var credential: String
    public var siruta: Siruta
    public var uatName: String
    public var county: String
    public var author: String

    public init(server: String, device: DeviceID, credential: String, siruta: Siruta, uatName: String, county: String, author: String) {
        self.server = server
        self.device = device
        self.credential = credential
        self.siruta = siruta
        self.uatName = uatName
        self.county = county
        self.author = author
    }
}

/// A line of `plansync log`: one operation of the change log and where it stands.
public struct LoggedOperation: Codable, Sendable {
    public enum State: String, Codable, Sendable {
        /// Recorded here, not yet acknowledged by the county server.
        case pending
        /// On the server, with its county-wide sequence number.
        case accepted
        /// Set aside by the server (or by a rebuild here), with the reason.
        case rejected
    }
    public var operation: PlanOperation
    public var state: State
    public var seq: Int64?
    public var rejection: Rejection?
}

/// `plansync status`.
public struct ReplicaStatus: Codable, Sendable {
    public var device: DeviceID
    public var uat: String
    public var siruta: Siruta
    public var server: String
    public var pending: Int
    public var rejected: Int
    public var openConflicts: Int
    public var plans: Int
    public var lastSyncAt: String?
    public var cursor: Int64
}

/// The commune's local replica: its plans and the append-only change log, in one SQLite file.
///
/// Every edit goes through ``record(on:_:)``, which checks it with the shared rules, applies it to
/// the plan and appends it to the log in one transaction: the replica and its log never disagree,
/// whatever crashes. Works with no network at all; ``Synchronizer`` moves the log to the county.
public final class Replica: Sendable {
    let queue: DatabaseQueue
    let clock: any WallClock
    private let rules = OperationRules()

    public init(path: String, clock: any WallClock = SystemClock()) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL")
        }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        self.clock = clock
        try Self.migrator.migrate(queue)
    }

    /// Migrations are SQL and never change once shipped: a commune's unsynced edits live here.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: settings, change log, plans") { db in
            try db.execute(sql: """
                CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                -- The change log: this device's edits and those pulled from the county.
                CREATE TABLE operation (
                    device TEXT NOT NULL,
                    counter INTEGER NOT NULL,
                    plan TEXT NOT NULL,
                    body BLOB NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
                    seq INTEGER,
                    rejection_code TEXT,
                    rejection_message TEXT,
                    recorded_at TEXT NOT NULL,
                    PRIMARY KEY (device, counter));
                CREATE INDEX operation_by_state ON operation (state, counter);
                CREATE INDEX operation_by_plan ON operation (plan, seq);
                CREATE TRIGGER operation_body_immutable BEFORE UPDATE OF device, counter, plan, body ON operation
                    BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
                CREATE TRIGGER operation_no_delete BEFORE DELETE ON operation
                    BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
                CREATE TABLE plan (
                    id TEXT PRIMARY KEY,
                    siruta INTEGER NOT NULL,
                    year INTEGER NOT NULL,
                    document BLOB NOT NULL);
                """)
        }
        return migrator
    }

    // MARK: Settings

    public func configure(_ settings: ReplicaSettings) throws {
        try queue.write { db in
            if try Self.setting("settings", in: db) != nil {
                throw ClientError("This computer is already enrolled (device \(try self.settings(in: db).device)). Use another --data folder to enroll again.")
            }
            try Self.setSetting("settings", String(decoding: try WireJSON.encode(settings), as: UTF8.self), in: db)
        }
    }

    public func settings() throws -> ReplicaSettings {
        try queue.read { db in try self.settings(in: db) }
    }

    func settings(in db: Database) throws -> ReplicaSettings {
        guard let text = try Self.setting("settings", in: db) else { throw ClientError.notInitialized }
        return try WireJSON.decode(ReplicaSettings.self, from: Data(text.utf8))
    }

    static func setting(_ key: String, in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key])
    }

    static func setSetting(_ key: String, _ value: String, in db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)", arguments: [key, value])
    }

    // MARK: Editing

    /// Creates a plan of this commune for a budget year, following the current template version.
    @discardableResult
    public func createPlan(year: Int, template: PlanSchema = .current) throws -> PlanDocument {
        let siruta = try settings().siruta
        return try record(on: nil) { _ in .createPlan(siruta: siruta, year: year, template: template.template) }
    }

    /// The one way an edit enters the replica: builds the operation from the plan as it stands,
    /// checks it, applies it and appends it to the change log, all in one transaction.
    ///
    /// - Parameters:
    ///   - plan: the plan edited, or `nil` to create one.
    ///   - change: what to change, given the plan as it stands now (see ``PlanEditor``).
    @discardableResult
    public func record(on plan: PlanID?, _ change: (PlanDocument?) throws -> Change) throws -> PlanDocument {
        try queue.write { db in try self.append(on: plan, change, in: db) }
    }

    /// Imports a plan file (`plansync plan import`) as a new plan of this commune: its creation and
    /// one operation per field and row, recorded in one transaction, so an import is in the change
    /// log whole or not at all and syncs like any edit.
    public func importPlan(_ file: PlanFile) throws -> PlanDocument {
        let settings = try settings()
        guard file.siruta == settings.siruta else {
            throw ClientError("This file is a plan of SIRUTA \(file.siruta); this computer is enrolled for \(settings.uatName) (SIRUTA \(settings.siruta)). Import it on that commune's computer.")
        }
        return try queue.write { db in
            var document = try self.append(on: nil, { _ in file.creation }, in: db)
            for edit in file.edits {
                document = try self.append(on: document.id, { edit($0!) }, in: db)
            }
            return document
        }
    }

    /// Builds the operation from the plan as it stands, checks it, applies it and appends it to
    /// the change log, inside the caller's transaction.
    private func append(on plan: PlanID?, _ change: (PlanDocument?) throws -> Change, in db: Database) throws -> PlanDocument {
        let settings = try self.settings(in: db)
        let current = try plan.map { id in
            guard let document = try Self.document(id, in: db) else { throw ClientError.planNotFound(id.rawValue) }
            return document
        }
        let counter = (try Int64.fetchOne(db, sql: "SELECT max(counter) FROM operation WHERE device = ?",
                                          arguments: [settings.device.rawValue]) ?? 0) + 1
        let id = OpID(device: settings.device, counter: counter)
        let hlc = try Self.clock(in: db).tick(now: self.clock.nowMillis())
        let operation = PlanOperation(
            id: id, hlc: hlc, author: settings.author, plan: plan ?? PlanID(creatingOperation: id),
            change: try change(current))
        try self.rules.check(operation, against: current)
        var next = try current ?? PlanDocument.created(by: operation)
        if current != nil { next.apply(operation) }
        try Self.save(next, in: db)
        try db.execute(sql: """
            INSERT INTO operation (device, counter, plan, body, state, recorded_at) VALUES (?, ?, ?, ?, 'pending', ?)
            """, arguments: [id.device.rawValue, id.counter, operation.plan.rawValue, operation.canonicalJSON, Self.now()])
        try Self.setSetting("hlc", String(hlc.rawValue), in: db)
        return next
    }

    /// Sets a field or cell given by a path (see ``PlanPath``) from the text a clerk typed.
    @discardableResult
    public func set(_ plan: PlanID, path text: String, to valueText: String) throws -> PlanDocument {
        try record(on: plan) { current in
            let editor = PlanEditor(plan: current!)
            let schema = current!.schema
            switch try PlanPath(text) {
            case .field(let path):
                guard let kind = schema.kind(ofField: path) else {
                    throw ClientError("The plan (template \(schema.template)) has no field '\(path)'. `plansync plan fields` lists them.")
                }
                return editor.setField(path, to: try kind.parse(valueText))
            case .rowField(let table, let reference, let field):
                guard let kind = schema.table(table)?.kind(of: field) else {
                    throw ClientError("There is no column '\(field)' in table '\(table)'. `plansync plan fields` lists them.")
                }
                let row = try current!.findRow(reference, in: table)
                return editor.setRowField(table, row: row, field: field, to: try kind.parse(valueText))
            }
        }
    }

    static func now() -> String { Date().formatted(.iso8601) }

    static func clock(in db: Database) throws -> HLCTimestamp {
        HLCTimestamp(rawValue: Int64(try setting("hlc", in: db) ?? "0") ?? 0)
    }

    // MARK: Reading

    static func document(_ id: PlanID, in db: Database) throws -> PlanDocument? {
        try Data.fetchOne(db, sql: "SELECT document FROM plan WHERE id = ?", arguments: [id.rawValue])
            .map { try WireJSON.decode(PlanDocument.self, from: $0) }
    }

    static func save(_ plan: PlanDocument, in db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO plan (id, siruta, year, document) VALUES (?, ?, ?, ?)",
                       arguments: [plan.id.rawValue, plan.siruta.rawValue, plan.year, try WireJSON.encode(plan)])
    }

    public func plan(_ id: PlanID) throws -> PlanDocument? {
        try queue.read { db in try Self.document(id, in: db) }
    }

    public func plans() throws -> [PlanDocument] {
        try queue.read { db in
            try Data.fetchAll(db, sql: "SELECT document FROM plan ORDER BY year, id").map { try WireJSON.decode(PlanDocument.self, from: $0) }
        }
    }

    /// Finds a plan from what a clerk typed: its id, a unique start of it, or its year.
    public func findPlan(_ text: String) throws -> PlanDocument {
        let all = try plans()
        if let exact = all.first(where: { $0.id.rawValue == text }) { return exact }
        let matches = all.filter { $0.id.rawValue.hasPrefix(text) || String($0.year) == text }
        guard matches.count == 1 else {
            throw matches.isEmpty ? ClientError.planNotFound(text)
                : ClientError("'\(text)' matches \(matches.count) plans (\(matches.map(\.id.rawValue).joined(separator: ", "))); use the plan id.")
        }
        return matches[0]
    }

    public func conflicts(plan: PlanID? = nil) throws -> [(plan: PlanID, conflict: Conflict)] {
        try plans().filter { plan == nil || $0.id == plan }.flatMap { document in document.conflicts.map { (document.id, $0) } }
    }

    /// The latest `limit` entries of the change log, oldest first: accepted ones in the county's
    /// order, then this device's pending ones.
    public func log(plan: PlanID? = nil, limit: Int = 100) throws -> [LoggedOperation] {
        try queue.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM operation WHERE ?1 IS NULL OR plan = ?1
                ORDER BY seq IS NULL DESC, seq DESC, counter DESC LIMIT ?2
                """, arguments: [plan?.rawValue, limit]).reversed().map(Self.logged(from:))
        }
    }

    static func logged(from row: Row) throws -> LoggedOperation {
        let code: String? = row["rejection_code"]
        return LoggedOperation(
            operation: try WireJSON.decode(PlanOperation.self, from: row["body"]),
            state: LoggedOperation.State(rawValue: row["state"]) ?? .pending,
            seq: row["seq"],
            rejection: code.map { Rejection(code: $0, message: row["rejection_message"] ?? "") })
    }

    public func status() throws -> ReplicaStatus {
        let conflicts = try conflicts().count
        return try queue.read { db in
            let settings = try self.settings(in: db)
            return ReplicaStatus(
                device: settings.device, uat: settings.uatName, siruta: settings.siruta, server: settings.server,
                pending: try Int.fetchOne(db, sql: "SELECT count(*) FROM operation WHERE state = 'pending'") ?? 0,
                rejected: try Int.fetchOne(db, sql: "SELECT count(*) FROM operation WHERE state = 'rejected'") ?? 0,
                openConflicts: conflicts,
                plans: try Int.fetchOne(db, sql: "SELECT count(*) FROM plan") ?? 0,
                lastSyncAt: try Self.setting("last_sync_at", in: db),
                cursor: Int64(try Self.setting("cursor", in: db) ?? "0") ?? 0)
        }
    }
}
