import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol

/// Recovering by itself, losing nothing, from what a clerk cannot fix on the spot: a data folder in
/// use on two computers, a clock that is far off, changes made by a later version of plansync.
extension Replica {
    /// Marks accepted the operations the county says it already holds exactly as sent.
    func markKnown(_ outcomes: [PushOutcome]) throws {
        guard !outcomes.isEmpty else { return }
        try write { db in
            let restamped = try Self.takeCountyStamps(outcomes, in: db)
            try Self.markAccepted(outcomes, in: db)
            for plan in Set(restamped) { try rebuild(plan, in: db) }
        }
    }

    /// Takes the identity the county gave this copy of the data folder (`POST /v1/fork`): every
    /// edit the county never acknowledged is recorded again under the new device id, with its
    /// plan, rows and the writes it saw renamed where they were among those edits, and the cursor
    /// goes back to the start so the other computer's edits under the old id come in as anyone
    /// else's. The old entries are kept in `reissued_operation`.
    ///
    /// - Returns: how many edits moved, and the plans whose id changed (created here offline).
    /// Also how a computer whose device was revoked enrolls again for the same person (`server`:
    /// the address it enrolled at this time).
    public func adopt(_ identity: EnrollResponse, server: String? = nil) throws -> (reissued: Int, renamedPlans: [(from: PlanID, to: PlanID)]) {
        try write { db in
            var settings = try self.settings(in: db)
            let old = settings.device
            let pending = try LogRecord.filter(sql: "device = ? AND state = 'pending'", arguments: [old.rawValue])
                .order(Column("counter")).fetchAll(db).map { try $0.operation }
            var renamed: [OpID: OpID] = [:]
            for (index, operation) in pending.enumerated() {
                renamed[operation.id] = OpID(device: identity.device, counter: Int64(index + 1))
            }
            var plans: Set<PlanID> = []
            var renamedPlans: [(from: PlanID, to: PlanID)] = []
            let now = Self.now()
            for operation in pending {
                let moved = operation.renaming(renamed)
                if case .createPlan = operation.change { renamedPlans.append((operation.plan, moved.plan)) }
                try ReissuedRecord(device: old.rawValue, counter: operation.id.counter, plan: operation.plan.rawValue, body: operation.canonicalJSON,
                                   newDevice: moved.id.device.rawValue, newCounter: moved.id.counter, reissuedAt: now).insert(db)
                try db.execute(sql: "DELETE FROM operation WHERE device = ? AND counter = ? AND state = 'pending'",
                               arguments: [old.rawValue, operation.id.counter])
                try db.execute(sql: "UPDATE unsettled_edit SET device = ?, counter = ?, plan = ? WHERE device = ? AND counter = ?",
                               arguments: [moved.id.device.rawValue, moved.id.counter, moved.plan.rawValue, old.rawValue, operation.id.counter])
                try LogRecord(device: moved.id.device.rawValue, counter: moved.id.counter, plan: moved.plan.rawValue, body: moved.canonicalJSON,
                              state: "pending", seq: nil, rejectionCode: nil, rejectionMessage: nil, recordedAt: now).insert(db)
                plans.formUnion([operation.plan, moved.plan])
            }
            settings.device = identity.device
            settings.credential = identity.credential
            settings.account = identity.account
            if let server { settings.server = server }
            try Self.save(settings, in: db)
            try Self.setSetting("cursor", "0", in: db)
            for plan in plans { try rebuild(plan, in: db) }
            return (pending.count, renamedPlans)
        }
    }

    /// Stamps again, with the county's time, the pending edits whose stamps the county refuses
    /// (a clock far ahead, or never set); remembers how far this computer's clock is off, so the
    /// next edits are stamped right. Their ids stay: the county never recorded them.
    ///
    /// - Returns: how many edits were stamped again.
    func restamp(countyTime: Int64, answeredAt local: Int64) throws -> Int {
        try write { db in
            let offset = countyTime.addingSaturating(-local)
            try Self.setSetting("county_clock_offset", String(offset), in: db)
            let device = try self.settings(in: db).device
            let rows = try Data.fetchAll(db, sql: "SELECT body FROM operation WHERE device = ? AND state = 'pending' ORDER BY counter",
                                         arguments: [device.rawValue])
            let countyNow = self.clock.nowMillis().addingSaturating(offset)
            var clock = min(try Self.clock(in: db), HLCTimestamp(wallMillis: countyNow, logical: 0))
            var plans: Set<PlanID> = []
            var restamped = 0
            for body in rows {
                var operation = try PlanOperation(json: JSONReader.parse(body), path: "operation")
                guard OperationRules.clockFault(operation.hlc, countyNow: countyTime) != nil else { continue }
                restamped += 1
                clock = clock.tick(now: countyNow)
                operation.hlc = clock
                try db.execute(sql: "UPDATE operation SET body = ? WHERE device = ? AND counter = ? AND state = 'pending'",
                               arguments: [operation.canonicalJSON, device.rawValue, operation.id.counter])
                plans.insert(operation.plan)
            }
            try Self.setSetting("hlc", String(clock.rawValue), in: db)
            for plan in plans { try rebuild(plan, in: db) }
            return restamped
        }
    }

    /// Applies the held changes this version can now read and apply (after an update of
    /// plansync), plan by plan; a plan stays held if any of its changes still cannot be applied.
    ///
    /// - Returns: the plans brought up to date.
    func releaseHeld() throws -> [PlanID] {
        var released: [PlanID] = []
        for held in try heldPlans() {
            do {
                try write { db in try self.release(held.plan, in: db) }
                released.append(held.plan)
            } catch is HeldStill {
                continue
            }
        }
        return released
    }

    private func release(_ plan: PlanID, in db: Database) throws {
        var operations: [(seq: Int64, operation: PlanOperation)] = []
        for held in try HeldRecord.filter(Column("plan") == plan.rawValue).order(Column("seq")).fetchAll(db) {
            guard let operation = try? PlanOperation(json: JSONReader.parse(held.body), path: "operation") else { throw HeldStill() }
            operations.append((held.seq, operation))
        }
        for (seq, operation) in operations {
            try db.execute(sql: """
                INSERT OR IGNORE INTO operation (device, counter, plan, body, state, seq, recorded_at) VALUES (?, ?, ?, ?, 'accepted', ?, ?)
                """, arguments: [operation.id.device.rawValue, operation.id.counter, operation.plan.rawValue, operation.canonicalJSON, seq, Self.now()])
        }
        try db.execute(sql: "DELETE FROM held_operation WHERE plan = ?", arguments: [plan.rawValue])
        let accepted = try Data.fetchAll(db, sql: "SELECT body FROM operation WHERE plan = ? AND state = 'accepted' ORDER BY seq",
                                         arguments: [plan.rawValue])
        let (_, skipped) = PlanDocument.replay(try accepted.map { try PlanOperation(json: JSONReader.parse($0), path: "operation") }, rules: rules)
        guard skipped.isEmpty else { throw HeldStill() }
        try rebuild(plan, in: db)
    }

    /// Rolls back a release whose changes this version's rules still refuse.
    private struct HeldStill: Error {}
}

extension PlanOperation {
    /// The same operation with the ids in `renamed` replaced: its own, its plan's and rows' when
    /// they were created by renamed operations, and those of the writes it saw.
    func renaming(_ renamed: [OpID: OpID]) -> PlanOperation {
        func id(_ old: OpID) -> OpID { renamed[old] ?? old }
        func ids(_ old: [OpID]) -> [OpID] { old.map(id) }
        var copy = self
        copy.id = id(self.id)
        if let creator = OpID(plan.rawValue), let new = renamed[creator] { copy.plan = PlanID(creatingOperation: new) }
        switch change {
        case .createPlan, .insertRow, .act:
            // A pending submission names its content by hash: if its rows were renamed the county
            // sets it aside as stale, and the clerk submits again.
            if case .act(let version, .answer(let remark, let text)) = change {
                copy.change = .act(version: version, .answer(remark: id(remark), text: text))
            }
        case .setField(let path, let value, let supersedes):
            copy.change = .setField(path: path, value: value, supersedes: ids(supersedes))
        case .setRowField(let table, let row, let field, let value, let supersedes):
            copy.change = .setRowField(table: table, row: id(row), field: field, value: value, supersedes: ids(supersedes))
        case .removeRow(let table, let row, let seen):
            copy.change = .removeRow(table: table, row: id(row), seen: ids(seen))
        case .moveRow(let table, let row, let position, let supersedes):
            copy.change = .moveRow(table: table, row: id(row), position: position, supersedes: ids(supersedes))
        }
        return copy
    }
}
