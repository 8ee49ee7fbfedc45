import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol

/// A moment of a plan's history, on either time axis.
public enum ReplayPoint: Sendable, Equatable, CustomStringConvertible {
    /// As the county knew it after its operation number `seq` (its order).
    case sequence(Int64)
    /// As the county knew it at this time of its clock (ISO 8601).
    case countyTime(String)
    /// As the devices had written it by this time of their clocks (every operation stamped at or
    /// before it that the county accepted), in milliseconds since 1970.
    case deviceTime(Int64)

    public var description: String {
        switch self {
        case .sequence(let seq): "county sequence \(seq)"
        case .countyTime(let time): "county time \(time)"
        case .deviceTime(let millis): "device time \(ChangeHistory.time(of: HLCTimestamp(wallMillis: millis, logical: 0)))"
        }
    }
}

/// Auditors' reading of a plan's history: the plan as it was at any moment, and every change.
extension Replica {
    /// A snapshot every this many accepted operations of a plan.
    public static let snapshotInterval = 1_000

    /// The plan exactly as it was at `point`: the county's accepted operations up to it, applied
    /// in the county's order from the nearest stored snapshot. `nil` when the plan did not exist yet.
    ///
    /// - Parameter snapshotEvery: how many operations apart snapshots are stored (tests make it small).
    public func replay(_ plan: PlanID, asOf point: ReplayPoint, snapshotEvery interval: Int = snapshotInterval) throws -> PlanDocument? {
        try write { db in
            try Self.requireAccepted(plan, in: db)
            switch point {
            case .sequence(let seq):
                return try Self.replay(plan, through: seq, stampedBy: nil, every: interval, in: db)
            case .countyTime(let time):
                // The county's times grow with its order: the last operation received by then.
                guard let seq = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM operation WHERE plan = ? AND state = 'accepted' AND county_at <= ?",
                                                   arguments: [plan.rawValue, time]) else { return nil }
                return try Self.replay(plan, through: seq, stampedBy: nil, every: interval, in: db)
            case .deviceTime(let millis):
                return try Self.replay(plan, through: .max, stampedBy: HLCTimestamp(wallMillis: millis, logical: 0xFFFF), every: interval, in: db)
            }
        }
    }

    /// Replays from the nearest snapshot, and stores the snapshots a county-order replay passes.
    private static func replay(_ plan: PlanID, through last: Int64, stampedBy limit: HLCTimestamp?, every interval: Int, in db: Database) throws -> PlanDocument? {
        let snapshot = try Row.fetchOne(db, sql: """
            SELECT seq, operations, document FROM plan_snapshot WHERE plan = ? AND seq <= ? AND max_hlc <= ? ORDER BY seq DESC LIMIT 1
            """, arguments: [plan.rawValue, last, limit?.rawValue ?? .max])
        var document = try snapshot.map { try WireJSON.decode(PlanDocument.self, from: $0["document"] as Data) }
        var applied: Int = snapshot?["operations"] ?? 0
        var maxStamp: Int64 = limit == nil ? (try Int64.fetchOne(db, sql: "SELECT max_hlc FROM plan_snapshot WHERE plan = ? AND seq = ?",
                                                                  arguments: [plan.rawValue, snapshot?["seq"] as Int64? ?? -1]) ?? 0) : 0
        let rows = try Row.fetchCursor(db, sql: """
            SELECT seq, body FROM operation WHERE plan = ? AND state = 'accepted' AND seq > ? AND seq <= ? ORDER BY seq
            """, arguments: [plan.rawValue, snapshot?["seq"] as Int64? ?? 0, last])
        while let row = try rows.next() {
            let operation = try PlanOperation(json: JSONReader.parse(row["body"] as Data), path: "operation")
            if let limit, operation.hlc > limit { continue }
            PlanDocument.apply(operation, to: &document)
            applied += 1
            maxStamp = max(maxStamp, operation.hlc.rawValue)
            if limit == nil, applied % interval == 0, let document {
                try db.execute(sql: "INSERT OR IGNORE INTO plan_snapshot (plan, seq, operations, max_hlc, document) VALUES (?, ?, ?, ?, ?)",
                               arguments: [plan.rawValue, row["seq"] as Int64, applied, maxStamp, try WireJSON.encode(document)])
            }
        }
        return document
    }

    /// The county's history of a plan is what auditors read: a plan only this computer has yet is
    /// not in it.
    private static func requireAccepted(_ plan: PlanID, in db: Database) throws {
        guard try Int64.fetchOne(db, sql: "SELECT 1 FROM operation WHERE plan = ? AND state = 'accepted' LIMIT 1", arguments: [plan.rawValue]) == nil else { return }
        if try document(plan, in: db) != nil {
            throw ClientError("Plan \(plan) is not at the county yet (none of its edits was accepted): its history begins at the next `plansync sync`.")
        }
        throw ClientError.planNotFound(plan.rawValue)
    }

    /// Every accepted change of a plan in the county's order, with the value it replaced.
    public func history(of plan: PlanID) throws -> [HistoryLine] {
        try read { db in
            let operations = try Row.fetchAll(db, sql: "SELECT seq, county_at, body FROM operation WHERE plan = ? AND state = 'accepted' ORDER BY seq",
                                              arguments: [plan.rawValue]).map { row in
                ChangeHistory.Sequenced(seq: row["seq"], countyTime: row["county_at"],
                                        operation: try PlanOperation(json: JSONReader.parse(row["body"] as Data), path: "operation"))
            }
            if operations.isEmpty { try Self.requireAccepted(plan, in: db) }
            return ChangeHistory.lines(operations, people: try Self.people(in: db))
        }
    }
}
