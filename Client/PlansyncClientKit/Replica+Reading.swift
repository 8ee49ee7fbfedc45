import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol

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
    /// Who made it, as the county knows the device (`nil` for a device never heard of).
    public var person: Account?
}

/// A plan this version of plansync cannot bring up to date: the county holds changes to it that a
/// later version made. It shows the plan as it was before them until plansync is updated.
public struct HeldPlan: Codable, Sendable, Equatable {
    public var plan: PlanID
    /// The first change it cannot apply, and why.
    public var since: Int64
    public var reason: String
    /// Changes not applied: the first one and those after it.
    public var count: Int
}

/// `plansync status`.
public struct ReplicaStatus: Codable, Sendable {
    public var device: DeviceID
    public var label: String
    /// Who this computer works for, and in which role.
    public var account: Account
    public var uat: String?
    public var county: String
    public var server: String
    public var pending: Int
    public var rejected: Int
    public var openConflicts: Int
    public var plans: Int
    public var held: [HeldPlan]
    public var lastSyncAt: String?
    public var cursor: Int64
    /// How far this computer's clock is from the county's (ms, county minus this computer), as
    /// measured at the last sync.
    public var clockOffsetMillis: Int64?
    /// The county's log as this computer last checked it, and the county key it holds.
    public var auditCheckpoint: Checkpoint?
    public var countyKey: String?
}

extension Replica {
    static func document(_ id: PlanID, in db: Database) throws -> PlanDocument? {
        try Data.fetchOne(db, sql: "SELECT document FROM plan WHERE id = ?", arguments: [id.rawValue])
            .map { try WireJSON.decode(PlanDocument.self, from: $0) }
    }

    static func save(_ plan: PlanDocument, in db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO plan (id, siruta, year, document, workflow) VALUES (?, ?, ?, ?, ?)",
                       arguments: [plan.id.rawValue, plan.siruta.rawValue, plan.year, try WireJSON.encode(plan), try WireJSON.encode(plan.workflow)])
    }

    /// A plan's versions and acts, without decoding its content (plans saved before they were
    /// kept apart are decoded whole).
    static func workflow(_ id: PlanID, in db: Database) throws -> PlanWorkflow? {
        guard let stored = try Row.fetchOne(db, sql: "SELECT workflow FROM plan WHERE id = ?", arguments: [id.rawValue]) else { return nil }
        if let workflow = stored["workflow"] as Data? { return try WireJSON.decode(PlanWorkflow.self, from: workflow) }
        return try document(id, in: db)?.workflow
    }

    public func plan(_ id: PlanID) throws -> PlanDocument? {
        try read { db in try Self.document(id, in: db) }
    }

    public func plans() throws -> [PlanDocument] {
        try read { db in
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

    /// The people behind the devices this replica has heard of: names are shown from here, never
    /// from what an operation says.
    public func people() throws -> [DeviceID: Account] {
        try read { db in try Self.people(in: db) }
    }

    static func people(in db: Database) throws -> [DeviceID: Account] {
        Dictionary(uniqueKeysWithValues: try PersonRecord.fetchAll(db).map { ($0.person.device, $0.person.account) })
    }

    /// The latest `limit` entries of the change log, oldest first: accepted ones in the county's
    /// order, then this device's pending ones.
    public func log(plan: PlanID? = nil, limit: Int = 100) throws -> [LoggedOperation] {
        try read { db in
            let people = try Self.people(in: db)
            return try LogRecord.fetchAll(db, sql: """
                SELECT * FROM operation WHERE ?1 IS NULL OR plan = ?1
                ORDER BY seq IS NULL DESC, seq DESC, counter DESC LIMIT ?2
                """, arguments: [plan?.rawValue, limit]).reversed().map { try $0.logged(people: people) }
        }
    }

    /// Whether any plan is held (cheap: most replicas never hold one).
    func holdsAny() throws -> Bool {
        try read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM held_operation)") ?? false }
    }

    /// Plans held at an earlier state because of changes this version cannot apply.
    public func heldPlans() throws -> [HeldPlan] {
        try read { db in try Self.heldPlans(in: db) }
    }

    static func heldPlans(in db: Database) throws -> [HeldPlan] {
        // Not applied: the held changes, and the accepted ones that came after the first of them.
        try Row.fetchAll(db, sql: """
            SELECT plan, min(seq) AS since, count(*)
                   + (SELECT count(*) FROM operation o WHERE o.plan = h.plan AND o.state = 'accepted' AND o.seq > min(h.seq)) AS count,
                   (SELECT reason FROM held_operation h2 WHERE h2.plan = h.plan ORDER BY seq LIMIT 1) AS reason
            FROM held_operation h GROUP BY plan ORDER BY plan
            """).map { HeldPlan(plan: PlanID($0["plan"] as String), since: $0["since"], reason: $0["reason"], count: $0["count"]) }
    }

    /// Why a plan is held, or `nil` when it is not.
    static func holdingReason(of plan: PlanID, in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT reason FROM held_operation WHERE plan = ? ORDER BY seq LIMIT 1", arguments: [plan.rawValue])
    }

    public func status() throws -> ReplicaStatus {
        let conflicts = try conflicts().count
        let audit = try auditState()
        return try read { db in
            let settings = try self.settings(in: db)
            return ReplicaStatus(
                device: settings.device, label: settings.label, account: settings.account, uat: settings.uatName, county: settings.county,
                server: settings.server,
                pending: try Int.fetchOne(db, sql: "SELECT count(*) FROM operation WHERE state = 'pending'") ?? 0,
                rejected: try Int.fetchOne(db, sql: "SELECT count(*) FROM operation WHERE state = 'rejected'") ?? 0,
                openConflicts: conflicts,
                plans: try Int.fetchOne(db, sql: "SELECT count(*) FROM plan") ?? 0,
                held: try Self.heldPlans(in: db),
                lastSyncAt: try Self.setting("last_sync_at", in: db),
                cursor: Int64(try Self.setting("cursor", in: db) ?? "0") ?? 0,
                clockOffsetMillis: Int64(try Self.setting("county_clock_offset", in: db) ?? ""),
                auditCheckpoint: audit.checkpoint, countyKey: audit.countyKey)
        }
    }

    public func pendingCount() throws -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM operation WHERE state = 'pending'") ?? 0 }
    }
}
