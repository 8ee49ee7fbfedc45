import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol

/// The replica's side of a sync: what to push, what the server answered, what to pull.
/// Each step is one transaction, so a sync cut at any point resumes where it stopped.
extension Replica {
    /// The oldest unacknowledged operations, as a ready `PushRequest` body (stored bytes, not re-encoded).
    func pendingBatch(limit: Int) throws -> (count: Int, body: Data) {
        try queue.read { db in
            let bodies = try Data.fetchAll(db, sql: "SELECT body FROM operation WHERE state = 'pending' ORDER BY counter LIMIT ?",
                                           arguments: [limit])
            var json = Data(#"{"operations":["#.utf8)
            for (index, body) in bodies.enumerated() {
                if index > 0 { json.append(UInt8(ascii: ",")) }
                json.append(body)
            }
            json.append(contentsOf: Array("]}".utf8))
            return (bodies.count, json)
        }
    }

    /// Records the server's answer to a push: accepted operations get their sequence number,
    /// rejected ones are set aside with the reason and their plans rebuilt without them.
    func acknowledge(_ response: PushResponse) throws -> [LoggedOperation] {
        try queue.write { db in
            var rejected: [LoggedOperation] = []
            var plansToRebuild: Set<String> = []
            // A batch accepted in one server transaction has consecutive counters and consecutive
            // sequence numbers: one UPDATE per such run instead of one per operation.
            let accept = try db.cachedStatement(sql: """
                UPDATE operation SET state = 'accepted', seq = ? + (counter - ?)
                WHERE device = ? AND counter BETWEEN ? AND ? AND state = 'pending'
                """)
            for run in Self.acceptedRuns(response.outcomes) {
                try accept.execute(arguments: [run.seq, run.counters.lowerBound, run.device.rawValue, run.counters.lowerBound, run.counters.upperBound])
            }
            for outcome in response.outcomes {
                let key: StatementArguments = [outcome.id.device.rawValue, outcome.id.counter]
                if let rejection = outcome.rejection {
                    try db.execute(sql: """
                        UPDATE operation SET state = 'rejected', rejection_code = ?, rejection_message = ?
                        WHERE device = ? AND counter = ? AND state = 'pending'
                        """, arguments: [rejection.code, rejection.message] + key)
                    guard db.changesCount == 1,
                          let row = try Row.fetchOne(db, sql: "SELECT * FROM operation WHERE device = ? AND counter = ?", arguments: key)
                    else { continue }
                    let logged = try Self.logged(from: row)
                    rejected.append(logged)
                    plansToRebuild.insert(logged.operation.plan.rawValue)
                }
            }
            for plan in plansToRebuild { try rebuild(PlanID(plan), in: db) }
            return rejected
        }
    }

    /// Accepted outcomes grouped into runs where counter and sequence number both grow by one.
    static func acceptedRuns(_ outcomes: [PushOutcome]) -> [(device: DeviceID, counters: ClosedRange<Int64>, seq: Int64)] {
        var runs: [(device: DeviceID, counters: ClosedRange<Int64>, seq: Int64)] = []
        for outcome in outcomes {
            guard let seq = outcome.seq else { continue }
            if let last = runs.last, last.device == outcome.id.device,
               outcome.id.counter == last.counters.upperBound + 1,
               seq == last.seq + (outcome.id.counter - last.counters.lowerBound) {
                runs[runs.count - 1].counters = last.counters.lowerBound...outcome.id.counter
            } else {
                runs.append((outcome.id.device, outcome.id.counter...outcome.id.counter, seq))
            }
        }
        return runs
    }

    /// Rebuilds a plan from its log: accepted operations in server order, then this device's
    /// pending ones. Used after a rejection, so the replica shows what the county will have.
    func rebuild(_ plan: PlanID, in db: Database) throws {
        let bodies = try Data.fetchAll(db, sql: """
            SELECT body FROM operation WHERE plan = ? AND state != 'rejected' ORDER BY state = 'pending', seq, counter
            """, arguments: [plan.rawValue])
        let operations = try bodies.map { try WireJSON.decode(PlanOperation.self, from: $0) }
        let (document, _) = PlanDocument.replay(operations)
        if let document {
            try Self.save(document, in: db)
        } else {
            try db.execute(sql: "DELETE FROM plan WHERE id = ?", arguments: [plan.rawValue])
        }
    }

    public func pendingCount() throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM operation WHERE state = 'pending'") ?? 0 }
    }

    func cursor() throws -> Int64 {
        try queue.read { db in Int64(try Self.setting("cursor", in: db) ?? "0") ?? 0 }
    }

    /// Applies a page of operations pulled from the server and moves the cursor, in one transaction.
    /// An operation already in the log is skipped, so a page fetched twice changes nothing. An
    /// empty page that does not move the cursor writes nothing (no fsync for a sync with nothing new).
    func integrate(_ page: PullResponse) throws -> Int {
        if page.operations.isEmpty, try cursor() == page.next { return 0 }
        return try queue.write { db in
            var plans: [PlanID: PlanDocument] = [:]
            var clock = try Self.clock(in: db)
            var applied = 0
            let exists = try db.cachedStatement(sql: "SELECT 1 FROM operation WHERE device = ? AND counter = ?")
            let insert = try db.cachedStatement(sql: """
                INSERT INTO operation (device, counter, plan, body, state, seq, recorded_at) VALUES (?, ?, ?, ?, 'accepted', ?, ?)
                """)
            let now = Self.now()
            for item in page.operations {
                let operation = item.operation
                let key: StatementArguments = [operation.id.device.rawValue, operation.id.counter]
                if try Bool.fetchOne(exists, arguments: key) != nil { continue }
                if plans[operation.plan] == nil, let stored = try Self.document(operation.plan, in: db) {
                    plans[operation.plan] = stored
                }
                // The server accepted it under the same rules; applying it here cannot fail unless
                // this replica is missing history, which the check reports instead of guessing.
                try rules.check(operation, against: plans[operation.plan])
                if plans[operation.plan] == nil {
                    plans[operation.plan] = try PlanDocument.created(by: operation)
                } else {
                    plans[operation.plan]!.apply(operation)
                }
                try insert.execute(arguments: key + [operation.plan.rawValue, operation.canonicalJSON, item.seq, now])
                clock = clock.receive(operation.hlc, now: self.clock.nowMillis())
                applied += 1
            }
            for plan in plans.values { try Self.save(plan, in: db) }
            try Self.setSetting("hlc", String(clock.rawValue), in: db)
            try Self.setSetting("cursor", String(page.next), in: db)
            return applied
        }
    }

    /// Records when the last sync finished. Written without waiting for the disk: losing this
    /// time in a power cut is harmless, and an fsync here would double the cost of an empty sync.
    func markSynced() throws {
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            defer { try? db.execute(sql: "PRAGMA synchronous = FULL") }
            try Self.setSetting("last_sync_at", Self.now(), in: db)
        }
    }

    private var rules: OperationRules { OperationRules() }
}
