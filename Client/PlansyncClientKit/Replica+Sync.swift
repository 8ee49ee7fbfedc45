import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol

/// What applying one pulled page found.
struct PageResult {
    var applied = 0
    /// Plans that this page's changes hold back (this version cannot apply them).
    var newlyHeld: Set<PlanID> = []
    /// The county holds operations of this device's id that this replica never made: another
    /// computer uses the same identity (a copied data folder, a restored backup).
    var identityInUse = false
    /// The server's capabilities changed since they were last fetched.
    var capabilitiesChanged = false
}

/// The replica's side of a sync: what to push, what the server answered, what to pull.
/// Each step is one transaction, so a sync cut at any point resumes where it stopped.
extension Replica {
    /// The oldest unacknowledged operations, as a ready `PushRequest` body (stored bytes, not re-encoded).
    func pendingBatch(limit: Int) throws -> (count: Int, body: Data) {
        try read { db in
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
        try write { db in
            var rejected: [LoggedOperation] = []
            var plansToRebuild = Set(try Self.takeCountyStamps(response.outcomes, in: db).map(\.rawValue))
            try Self.markAccepted(response.outcomes, in: db)
            for outcome in response.outcomes {
                let key: StatementArguments = [outcome.id.device.rawValue, outcome.id.counter]
                if let rejection = outcome.rejection {
                    try db.execute(sql: """
                        UPDATE operation SET state = 'rejected', rejection_code = ?, rejection_message = ?
                        WHERE device = ? AND counter = ? AND state = 'pending'
                        """, arguments: [rejection.code, rejection.message] + key)
                    guard db.changesCount == 1,
                          let entry = try LogRecord.fetchOne(db, key: ["device": outcome.id.device.rawValue, "counter": outcome.id.counter])
                    else { continue }
                    let logged = try entry.logged(people: [:])
                    rejected.append(logged)
                    plansToRebuild.insert(logged.operation.plan.rawValue)
                }
            }
            for plan in plansToRebuild { try rebuild(PlanID(plan), in: db) }
            return rejected
        }
    }

    /// Marks accepted the operations among `outcomes` that have a sequence number.
    ///
    /// A batch accepted in one server transaction has consecutive counters and consecutive
    /// sequence numbers: one UPDATE per such run instead of one per operation.
    static func markAccepted(_ outcomes: [PushOutcome], in db: Database) throws {
        let accept = try db.cachedStatement(sql: """
            UPDATE operation SET state = 'accepted', seq = ? + (counter - ?), county_at = ?
            WHERE device = ? AND counter BETWEEN ? AND ? AND state = 'pending'
            """)
        for run in acceptedRuns(outcomes) {
            try accept.execute(arguments: [run.seq, run.counters.lowerBound, run.at, run.device.rawValue, run.counters.lowerBound, run.counters.upperBound])
        }
    }

    /// Takes the county's stamp for the edits it holds with another one (``PushOutcome/hlc``):
    /// the same edit, stamped again on another copy of this data folder.
    ///
    /// - Returns: the plans whose edits changed stamp (to rebuild).
    static func takeCountyStamps(_ outcomes: [PushOutcome], in db: Database) throws -> [PlanID] {
        var plans: [PlanID] = []
        for outcome in outcomes {
            guard let stamp = outcome.hlc,
                  var entry = try LogRecord.fetchOne(db, key: ["device": outcome.id.device.rawValue, "counter": outcome.id.counter]),
                  entry.state == "pending"
            else { continue }
            var operation = try entry.operation
            operation.hlc = stamp
            entry.body = operation.canonicalJSON
            try entry.update(db, columns: ["body"])
            plans.append(operation.plan)
        }
        return plans
    }

    /// Accepted outcomes grouped into runs where counter and sequence number both grow by one
    /// and the county's time of receipt is the same.
    static func acceptedRuns(_ outcomes: [PushOutcome]) -> [(device: DeviceID, counters: ClosedRange<Int64>, seq: Int64, at: String?)] {
        var runs: [(device: DeviceID, counters: ClosedRange<Int64>, seq: Int64, at: String?)] = []
        for outcome in outcomes {
            guard let seq = outcome.seq else { continue }
            if let last = runs.last, last.device == outcome.id.device, last.at == outcome.receivedAt,
               outcome.id.counter == last.counters.upperBound + 1,
               seq == last.seq + (outcome.id.counter - last.counters.lowerBound) {
                runs[runs.count - 1].counters = last.counters.lowerBound...outcome.id.counter
            } else {
                runs.append((outcome.id.device, outcome.id.counter...outcome.id.counter, seq, outcome.receivedAt))
            }
        }
        return runs
    }

    /// Rebuilds a plan from its log: accepted operations in server order, then this device's
    /// pending ones. A held plan is rebuilt from what comes before the first change it cannot
    /// apply. Used after a rejection, so the replica shows what the county will have.
    func rebuild(_ plan: PlanID, in db: Database) throws {
        if let document = try replayed(plan, includingPending: true, in: db) {
            try Self.save(document, in: db)
        } else {
            try db.execute(sql: "DELETE FROM plan WHERE id = ?", arguments: [plan.rawValue])
        }
    }

    /// A plan replayed from its log: accepted operations in the county's order (up to the first
    /// held one) and, when asked, this device's pending ones after them.
    func replayed(_ plan: PlanID, includingPending: Bool, through last: Int64 = .max, in db: Database) throws -> PlanDocument? {
        let heldSince = try Int64.fetchOne(db, sql: "SELECT min(seq) FROM held_operation WHERE plan = ?", arguments: [plan.rawValue])
        let bodies = try Data.fetchAll(db, sql: """
            SELECT body FROM operation
            WHERE plan = ?1 AND ((?3 AND state = 'pending') OR (state = 'accepted' AND (?2 IS NULL OR seq < ?2) AND seq <= ?4))
            ORDER BY state = 'pending', seq, counter
            """, arguments: [plan.rawValue, heldSince, includingPending, last])
        let operations = try bodies.map { try PlanOperation(json: JSONReader.parse($0), path: "operation") }
        return PlanDocument.replay(operations, rules: rules).document
    }

    /// The accepted operations of a plan the county ordered after `cursor`: this device's own,
    /// acknowledged by a push but not yet passed by a pull.
    static func acceptedAfter(_ cursor: Int64, plan: PlanID, in db: Database) throws -> [SequencedOperation] {
        try Row.fetchAll(db, sql: "SELECT seq, body FROM operation WHERE plan = ? AND state = 'accepted' AND seq > ? ORDER BY seq",
                         arguments: [plan.rawValue, cursor]).map { row in
            SequencedOperation(seq: row["seq"], operation: try PlanOperation(json: JSONReader.parse(row["body"] as Data), path: "operation"))
        }
    }

    static func hasPending(_ plan: PlanID, in db: Database) throws -> Bool {
        // Through the index of states: a replica has few pending edits, a plan may have thousands of operations.
        try Bool.fetchOne(db, sql: "SELECT 1 FROM operation INDEXED BY operation_by_state WHERE state = 'pending' AND plan = ? LIMIT 1",
                          arguments: [plan.rawValue]) != nil
    }

    /// The highest counter this replica has used under its identity.
    func lastOwnCounter() throws -> Int64 {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT max(counter) FROM operation WHERE device = ?", arguments: [try self.settings(in: db).device.rawValue]) ?? 0
        }
    }

    func cursor() throws -> Int64 {
        try read { db in Int64(try Self.setting("cursor", in: db) ?? "0") ?? 0 }
    }

    /// Applies a page of operations pulled from the server and moves the cursor, in one transaction.
    ///
    /// An operation already in the log is skipped, so a page fetched twice changes nothing. One
    /// this version cannot apply — unreadable, or refused by its rules — is kept verbatim in
    /// `held_operation` and holds its plan back; other plans go on. An empty page that does not
    /// move the cursor writes nothing (no fsync for a sync with nothing new).
    func integrate(_ page: PullResponse, receivedAt local: Int64? = nil, device: DeviceID) throws -> PageResult {
        var result = PageResult()
        let (cursor, lastOwn, tag) = try read { db in
            (Int64(try Self.setting("cursor", in: db) ?? "0") ?? 0,
             try Int64.fetchOne(db, sql: "SELECT max(counter) FROM operation WHERE device = ?", arguments: [device.rawValue]) ?? 0,
             try Self.setting("capabilities_tag", in: db))
        }
        result.identityInUse = page.lastOwnCounter > lastOwn
        result.capabilitiesChanged = page.capabilities.map { $0 != tag } ?? false
        if page.operations.isEmpty, page.unreadable.isEmpty, cursor == page.next { return result }
        try write { db in
            var plans: [PlanID: PlanDocument] = [:]
            var ownAhead: [PlanID: [SequencedOperation]] = [:]
            var clock = try Self.clock(in: db)
            // The county-corrected clock when this computer's is far off, so pulling does not
            // drag the stamps of the next edits back to this computer's wrong date.
            let now = try stampingNow(in: db)
            // Plans held back, read once a page (usually none).
            var held = Set(try String.fetchAll(db, sql: "SELECT DISTINCT plan FROM held_operation").map(PlanID.init(rawValue:)))
            let known = try db.cachedStatement(sql: held.isEmpty
                ? "SELECT 1 FROM operation WHERE device = ?1 AND counter = ?2"
                : "SELECT 1 FROM operation WHERE device = ?1 AND counter = ?2 UNION ALL SELECT 1 FROM held_operation WHERE device = ?1 AND counter = ?2")
            let insert = try db.cachedStatement(sql: """
                INSERT INTO operation (device, counter, plan, body, state, seq, recorded_at, county_at) VALUES (?, ?, ?, ?, 'accepted', ?, ?, ?)
                """)
            let recordedAt = Self.now()
            for person in page.people { try PersonRecord(person).save(db) }
            for entry in Self.inOrder(page) {
                switch entry {
                case .unreadable(let item):
                    guard try Bool.fetchOne(known, arguments: [item.id.device.rawValue, item.id.counter]) == nil else { continue }
                    let why = item.kind.flatMap { OperationKind(rawValue: $0) == nil ? "a kind of change ('\($0)')" : nil }
                        ?? "a part of a change"
                    try Self.hold(item.id, plan: item.plan, seq: item.seq, kind: item.kind, body: item.body,
                                  reason: "it holds \(why) that only a later version of plansync reads", in: db)
                    result.newlyHeld.insert(item.plan)
                    held.insert(item.plan)
                case .readable(let item):
                    let operation = item.operation
                    let key: StatementArguments = [operation.id.device.rawValue, operation.id.counter]
                    guard try Bool.fetchOne(known, arguments: key) == nil else { continue }
                    if held.contains(operation.plan) {
                        // Behind a change it cannot apply: kept in the log, applied once updated.
                        try insert.execute(arguments: key + [operation.plan.rawValue, operation.canonicalJSON, item.seq, recordedAt, item.receivedAt])
                        continue
                    }
                    if plans[operation.plan] == nil {
                        let ahead = try Self.acceptedAfter(cursor, plan: operation.plan, in: db)
                        if ahead.isEmpty, try !Self.hasPending(operation.plan, in: db) {
                            plans[operation.plan] = try Self.document(operation.plan, in: db)
                        } else {
                            // The stored plan has this device's edits applied before operations
                            // the county ordered ahead of them, and versions depend on the order:
                            // check the pulled ones on the plan in the county's order, and rebuild
                            // it from the log at the end.
                            plans[operation.plan] = try replayed(operation.plan, includingPending: false, through: cursor, in: db)
                            ownAhead[operation.plan] = ahead
                        }
                    }
                    // This device's accepted edits the county ordered before this one come first.
                    while let next = ownAhead[operation.plan]?.first, next.seq < item.seq {
                        ownAhead[operation.plan]!.removeFirst()
                        let before = plans[operation.plan]
                        let seen = try Self.history(rules.referencesToLookUp(next.operation, in: before), in: db)
                        guard (try? rules.check(next.operation, against: before, history: seen, admitting: false)) != nil else { continue }
                        if before == nil {
                            plans[operation.plan] = try PlanDocument.created(by: next.operation)
                        } else {
                            plans[operation.plan]!.apply(next.operation)
                        }
                    }
                    let plan = plans[operation.plan]
                    do {
                        // The county accepted it under the same rules; if this replica's rules
                        // refuse it, this version differs or its log misses history: hold the
                        // plan rather than guess.
                        try rules.check(operation, against: plan, history: try Self.history(rules.referencesToLookUp(operation, in: plan), in: db),
                                        admitting: false)
                    } catch let rejection as Rejection {
                        try Self.hold(operation.id, plan: operation.plan, seq: item.seq, kind: operation.change.kind.rawValue,
                                      body: operation.canonicalJSON, reason: "this version's rules refuse it: \(rejection.message)", in: db)
                        result.newlyHeld.insert(operation.plan)
                        held.insert(operation.plan)
                        continue
                    }
                    if plan == nil {
                        plans[operation.plan] = try PlanDocument.created(by: operation)
                    } else {
                        plans[operation.plan]!.apply(operation)
                    }
                    try insert.execute(arguments: key + [operation.plan.rawValue, operation.canonicalJSON, item.seq, recordedAt, item.receivedAt])
                    clock = clock.receive(operation.hlc, now: now)
                    result.applied += 1
                }
            }
            for plan in plans.values where !result.newlyHeld.contains(plan.id) && ownAhead[plan.id] == nil {
                try Self.save(plan, in: db)
            }
            // A plan held by this page keeps the state before its first held change.
            for plan in result.newlyHeld.union(ownAhead.keys) { try rebuild(plan, in: db) }
            try Self.setSetting("hlc", String(clock.rawValue), in: db)
            try Self.setSetting("cursor", String(page.next), in: db)
            if let time = page.time, let local {
                try Self.setSetting("county_clock_offset", String(time.addingSaturating(-local)), in: db)
            }
        }
        return result
    }

    private enum PageEntry {
        case readable(SequencedOperation)
        case unreadable(UnreadableOperation)

        var seq: Int64 {
            switch self {
            case .readable(let item): item.seq
            case .unreadable(let item): item.seq
            }
        }
    }

    /// The page's entries, readable or not, in `seq` order.
    private static func inOrder(_ page: PullResponse) -> [PageEntry] {
        guard !page.unreadable.isEmpty else { return page.operations.map(PageEntry.readable) }
        return (page.operations.map(PageEntry.readable) + page.unreadable.map(PageEntry.unreadable)).sorted { $0.seq < $1.seq }
    }

    private static func hold(_ id: OpID, plan: PlanID, seq: Int64, kind: String?, body: Data, reason: String, in db: Database) throws {
        try HeldRecord(device: id.device.rawValue, counter: id.counter, plan: plan.rawValue, seq: seq, kind: kind, body: body,
                       reason: reason, receivedAt: now()).insert(db, onConflict: .ignore)
    }

    /// Records when the last sync finished and where this device's edits landed (see
    /// ``settleMovedEdits(in:)``). Written without waiting for the disk: both are derived — a power
    /// cut loses a time, or makes the next sync settle and report the same edits again — and an
    /// fsync here would double the cost of an empty sync.
    func finishSync() throws -> [MovedEdit] {
        try writeWithoutWaiting { db in
            let moved = try Self.settleMovedEdits(in: db)
            try Self.setSetting("last_sync_at", Self.now(), in: db)
            return moved
        }
    }

    /// Writes derived data in one transaction without waiting for the disk (`synchronous =
    /// NORMAL` for it): a power cut may lose it, never corrupt it, and the sync derives it again.
    func writeWithoutWaiting<T>(_ body: (Database) throws -> T) throws -> T {
        try writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            defer { try? db.execute(sql: "PRAGMA synchronous = FULL") }
            var result: T?
            try db.inTransaction {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }
}
