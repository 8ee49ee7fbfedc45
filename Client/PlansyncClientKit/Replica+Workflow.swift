import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol

/// An edit that reached the county after the version it was made on froze: it is on a later draft.
public struct MovedEdit: Codable, Sendable, Hashable {
    public var operation: OpID
    public var plan: PlanID
    public var madeOn: Int
    public var landedOn: Int
    /// What the edit changed, in words.
    public var change: String
}

/// The legal workflow on this computer: acts recorded offline like any edit, versions as the
/// county froze them, and the edits that moved to a later draft.
extension Replica {
    /// The reviewer checks as the county runs them for this computer's county: with the service
    /// codes the county's server said it knows (as of the last sync), unless a list is given.
    public func validator(nomenclator: ServiceNomenclator? = nil) throws -> PlanValidator {
        let registry = SirutaRegistry.shipped
        let listed = try serverCapabilities()?.serviceCodes.map { ServiceNomenclator(codes: $0, source: "the county's server") }
        let codes = nomenclator ?? listed
        return PlanValidator(context: ValidationContext(registry: registry, nomenclator: codes ?? .shipped,
                                                        county: registry.county(named: try settings().county)))
    }

    /// Records an act on the version it is meant for now (see ``PlanWorkflow/target(for:)``).
    @discardableResult
    public func act(on plan: PlanID, _ name: ActName, _ make: @escaping (PlanVersion) -> WorkflowAct) throws -> PlanDocument {
        try record(on: plan) { current in
            let workflow = current!.workflow
            guard let version = workflow.target(for: name) else { throw workflow.nothingAwaits(name) }
            return .act(version: version.number, make(version))
        }
    }

    /// Sends the plan's draft to the county: its content hash and the checks' findings as they
    /// stand here, by the UAT's letter. Refused offline when the checks find errors.
    @discardableResult
    public func submit(_ plan: PlanID, letter: String) throws -> PlanDocument {
        let validator = try validator()
        // Signed with this device's key over the content it freezes.
        return try write { db in
            try self.append(on: plan, { current in try Self.signed(try validator.submission(of: current!, letter: letter), plan: plan, in: db) }, in: db)
        }
    }

    /// A version's content as the county holds it: a frozen version replayed from the log up to
    /// the act that froze it, the draft as it stands here; with the decision records of its acts.
    public func document(of plan: PlanID, version number: Int) throws -> PlanDocument {
        try read { db in
            guard let current = try Self.document(plan, in: db) else { throw ClientError.planNotFound(plan.rawValue) }
            guard let version = current.workflow.version(number) else {
                throw ClientError("Plan \(plan) has \(current.workflow.versions.count) version(s); there is no version \(number).")
            }
            guard let frozenBy = version.frozenBy else { return current.presenting(version) }
            let bodies = try Data.fetchAll(db, sql: """
                SELECT body FROM operation WHERE plan = ? AND state = 'accepted'
                  AND seq <= (SELECT seq FROM operation WHERE device = ? AND counter = ? AND state = 'accepted')
                ORDER BY seq
                """, arguments: [plan.rawValue, frozenBy.device.rawValue, frozenBy.counter])
            let operations = try bodies.map { try PlanOperation(json: JSONReader.parse($0), path: "operation") }
            guard let frozen = PlanDocument.replay(operations, rules: rules).document,
                  frozen.workflow.version(number)?.frozenBy == frozenBy
            else {
                throw ClientError("Version \(number) of plan \(plan) was frozen by \(frozenBy), which the county has not confirmed to this computer yet. Run `plansync sync`.")
            }
            // The acts made on it since (registration, aviz, HCL…) come from the plan as it stands.
            return frozen.presenting(version)
        }
    }

    /// Settles, after a sync, where this device's edits landed: each edit made on a draft that the
    /// county froze before the edit reached it is on a later draft. Returns those moved edits
    /// (each is reported once; `plan state` lists them all).
    ///
    /// Runs in the caller's transaction. Edits are taken a group at a time — a plan and the draft
    /// they were made on — through the index of unsettled edits: a group whose version is still a
    /// draft is settled in one statement, and only a frozen version's edits are looked at one by one.
    static func settleMovedEdits(in db: Database) throws -> [MovedEdit] {
        // Edits the county has answered for (accepted or set aside), by plan and draft. After a
        // whole sync nothing is pending, and every unsettled edit is answered: no join needed.
        let pending = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM operation WHERE state = 'pending')") ?? false
        let groups = try Row.fetchAll(db, sql: pending ? """
            SELECT u.plan, u.version FROM unsettled_edit u JOIN operation o ON o.device = u.device AND o.counter = u.counter
            WHERE o.state != 'pending' AND u.plan NOT IN (SELECT plan FROM held_operation)
            GROUP BY u.plan, u.version
            """ : "SELECT plan, version FROM unsettled_edit WHERE plan NOT IN (SELECT plan FROM held_operation) GROUP BY plan, version")
        var moved: [MovedEdit] = []
        let seqOf = try db.cachedStatement(sql: "SELECT seq FROM operation WHERE device = ? AND counter = ? AND state = 'accepted'")
        func seq(_ id: OpID) throws -> Int64? { try Int64.fetchOne(seqOf, arguments: [id.device.rawValue, id.counter]) }
        let answered = """
            plan = ?1 AND version = ?2 AND EXISTS (SELECT 1 FROM operation o
                WHERE o.device = unsettled_edit.device AND o.counter = unsettled_edit.counter AND o.state != 'pending')
            """
        for group in groups {
            let plan = PlanID(group["plan"] as String)
            let madeOn: Int = group["version"]
            guard let workflow = try workflow(plan, in: db), let version = workflow.version(madeOn) else { continue }
            if let frozenBy = version.frozenBy {
                guard let frozeAt = try seq(frozenBy) else { continue }  // the freeze is not pulled yet: settle later
                let openedAt = try workflow.versions.dropFirst(madeOn).map { (number: $0.number, seq: try seq($0.opening.by)) }
                for row in try Row.fetchAll(db, sql: """
                    SELECT o.device, o.counter, o.seq, o.body FROM unsettled_edit u JOIN operation o ON o.device = u.device AND o.counter = u.counter
                    WHERE u.plan = ? AND u.version = ? AND o.state = 'accepted' AND o.seq > ?
                    """, arguments: [plan.rawValue, madeOn, frozeAt]) {
                    // The draft that was open when the edit arrived: the last opened before it.
                    let editSeq: Int64 = row["seq"]
                    var landedOn = workflow.latest.number
                    for later in openedAt {
                        guard let opened = later.seq, opened <= editSeq else { break }
                        landedOn = later.number
                    }
                    let operation = try PlanOperation(json: JSONReader.parse(row["body"] as Data), path: "operation")
                    try db.execute(sql: "INSERT OR REPLACE INTO moved_edit (device, counter, plan, made_on, landed_on) VALUES (?, ?, ?, ?, ?)",
                                   arguments: [operation.id.device.rawValue, operation.id.counter, plan.rawValue, madeOn, landedOn])
                    moved.append(MovedEdit(operation: operation.id, plan: plan, madeOn: madeOn, landedOn: landedOn, change: operation.change.described))
                }
            }
            // Every answered edit of the group is settled now: where it was made, or moved above.
            try db.execute(sql: "DELETE FROM unsettled_edit WHERE " + (pending ? answered : "plan = ?1 AND version = ?2"),
                           arguments: [plan.rawValue, madeOn])
        }
        return moved
    }

    /// Every edit of this device that landed on another version than it was made on.
    public func movedEdits(plan: PlanID) throws -> [MovedEdit] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT o.body, m.made_on, m.landed_on FROM moved_edit m JOIN operation o ON o.device = m.device AND o.counter = m.counter
                WHERE m.plan = ? ORDER BY o.seq
                """, arguments: [plan.rawValue]).map { row in
                let operation = try PlanOperation(json: JSONReader.parse(row["body"] as Data), path: "operation")
                return MovedEdit(operation: operation.id, plan: plan, madeOn: row["made_on"], landedOn: row["landed_on"],
                                 change: operation.change.described)
            }
        }
    }

    /// When the county received each of these operations (ISO 8601, its clock), as far as this
    /// computer knows: the county's time of an act, beside the device's.
    public func countyTimes(_ ids: [OpID]) throws -> [OpID: String] {
        try read { db in
            var times: [OpID: String] = [:]
            let statement = try db.cachedStatement(sql: "SELECT county_at FROM operation WHERE device = ? AND counter = ?")
            for id in ids {
                if let at = try String.fetchOne(statement, arguments: [id.device.rawValue, id.counter]) { times[id] = at }
            }
            return times
        }
    }
}

extension Change {
    /// What the change does, in a line, for logs and reports.
    public var described: String {
        switch self {
        case .createPlan(let siruta, let year, let template): "create plan \(year) for SIRUTA \(siruta) (template \(template ?? PlanSchema.unversioned.template))"
        case .setField(let path, let value, _): "set \(path) = \(value)"
        case .insertRow(let table, _, let fields): "add row to \(table) \(Value.object(fields))"
        case .setRowField(let table, let row, let field, let value, _): "set \(table)[\(row)].\(field) = \(value)"
        case .removeRow(let table, let row, _): "remove \(table)[\(row)]"
        case .moveRow(let table, let row, _, _): "move \(table)[\(row)]"
        case .act(let version, let act): "\(act.name.rawValue) version \(version): \(act.summary)"
        }
    }
}
