import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol

/// What auditors and clients ask of the county's log: checkpoints, proofs, evidence bundles.
extension CountyStore {
    /// The most of a device's operations one proof answer covers.
    static let ownEntriesPerProof = 10_000

    /// The newest checkpoint, the consistency proof from the size the device last checked, and
    /// where the device's accepted operations after `after` are, with range proofs.
    public func auditProof(for session: Session, _ request: AuditProofRequest) async throws -> AuditProofResponse {
        guard request.from >= 0, request.after >= 0 else { throw ServerError.badParameter("from and after must be ≥ 0.") }
        return try await pool.read { db in
            guard let checkpoint = try CountyLog.latestCheckpoint(county: self.county, in: db) else { throw AuditFailure("the county's log has no checkpoint") }
            // A size beyond the log's is not proved (it cannot be): the device sees the log shrank.
            let consistency = request.from <= checkpoint.size
                ? try Merkle.consistencyProof(old: request.from, new: checkpoint.size) { lo, hi in try CountyLog.subtree(lo, hi, in: db) } : []
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT o.counter, o.entry, CASE WHEN o.kind = 'act' THEN e.body END AS body
                FROM operation o JOIN audit_entry e ON e.idx = o.entry
                WHERE o.device = ? AND o.counter > ? AND o.entry < ? ORDER BY o.counter LIMIT ?
                """), arguments: [session.device.id, request.after, checkpoint.size, Self.ownEntriesPerProof + 1])
            let own = rows.prefix(Self.ownEntriesPerProof).map { row in
                let body: Data? = row["body"]
                return OwnEntry(counter: row["counter"], index: row["entry"],
                                countySignature: body.flatMap { try? LogEntry(bytes: $0) }?.string("countySignature"))
            }
            return AuditProofResponse(checkpoint: checkpoint, countyKey: self.log.publicKey, consistency: consistency.map { $0.base64EncodedString() },
                                      own: own, ranges: try CountyLog.rangeProofs(for: own.map(\.index).sorted(), size: checkpoint.size, in: db),
                                      more: rows.count > Self.ownEntriesPerProof)
        }
    }

    /// What an evidence bundle covers.
    public enum AuditScope: Sendable, Equatable, CustomStringConvertible {
        case county
        case uat(Siruta)
        case plan(PlanID)

        public var description: String {
            switch self {
            case .county: "county"
            case .uat(let siruta): "uat \(siruta)"
            case .plan(let plan): "plan \(plan)"
            }
        }
    }

    /// A self-contained evidence bundle: the scope's operation entries and every account and
    /// device entry, the operations' bytes, range proofs to the newest checkpoint and the keys.
    public func bundle(_ scope: AuditScope) async throws -> AuditBundle {
        try await pool.read { db in
            guard let checkpoint = try CountyLog.latestCheckpoint(county: self.county, in: db) else { throw AuditFailure("the county's log has no checkpoint") }
            let filter: (sql: String, arguments: StatementArguments) = switch scope {
            case .county: ("1", [])
            case .uat(let siruta): ("o.siruta = ?", [siruta.rawValue])
            case .plan(let plan): ("o.plan = ?", [plan.rawValue])
            }
            if case .plan(let plan) = scope, try Row.fetchOne(db, sql: "SELECT 1 FROM operation WHERE plan = ?", arguments: [plan.rawValue]) == nil {
                throw ServerError.notFound("There is no plan \(plan) in \(self.county.name).")
            }
            var entries: [Int64: Data] = [:]
            var operations: [String: String] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT o.device, o.counter, o.body, o.entry, e.body AS entryBody FROM operation o JOIN audit_entry e ON e.idx = o.entry
                WHERE \(filter.sql) AND o.entry < ?
                """, arguments: filter.arguments + [checkpoint.size])
            while let row = try rows.next() {
                entries[row["entry"]] = row["entryBody"]
                operations["\(row["device"] as String).\(row["counter"] as Int64)"] = (row["body"] as Data).base64EncodedString()
            }
            for row in try Row.fetchAll(db, sql: "SELECT idx, body FROM audit_entry INDEXED BY audit_entry_not_operation WHERE kind != 'operation' AND idx < ?",
                                        arguments: [checkpoint.size]) {
                entries[row["idx"]] = row["body"]
            }
            let indexes = entries.keys.sorted()
            return AuditBundle(scope: scope.description, county: self.county.name, checkpoint: checkpoint, countyKey: self.log.publicKey,
                               entries: indexes.map { BundleEntry(index: $0, entry: entries[$0]!.base64EncodedString()) },
                               ranges: try CountyLog.rangeProofs(for: indexes, size: checkpoint.size, in: db), operations: operations)
        }
    }
}
