import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol

/// The latest state of each plan: a projection of the history, cached in memory.
extension CountyStore {
    /// The latest document of a plan: from the cache, else from the database (and then cached).
    ///
    /// A reader's snapshot may be older than a push that committed meanwhile and already put its
    /// document in the cache; so a document read here only fills an empty slot, and only the
    /// writer, after its commit, replaces one. The cache therefore never goes back in time.
    func document(_ id: PlanID, in db: Database) throws -> PlanDocument? {
        if let cached = cache.withLock({ $0[id] }) { return cached }
        guard let record = try PlanRecord.fetchOne(db, key: id.rawValue) else { return nil }
        let document: PlanDocument
        do {
            document = try Self.projection(of: record, in: db)
        } catch {
            // What the writer keeps is derived: rebuilt from the history, which is the truth.
            logger.error("stored plan does not match its history; rebuilt from it", metadata: ["plan.id": "\(id)", "error": "\(error)"])
            let bodies = try Data.fetchAll(db, sql: "SELECT body FROM operation WHERE plan = ? ORDER BY seq", arguments: [id.rawValue])
            guard let rebuilt = PlanDocument.replay(try bodies.map { try PlanOperation(json: JSONReader.parse($0), path: "operation") }).document else {
                return nil
            }
            document = rebuilt
        }
        cache.withLock { cache in
            if cache[id] == nil { cache[id] = document }
        }
        return document
    }

    /// How many operations a plan's stored document may lag behind its history before it is
    /// written again: a read after a restart applies at most this many (well under a millisecond
    /// each), and a push writes a few columns instead of the whole plan.
    static let projectionTail = 256

    /// The plan a stored record holds: its document, with the plan's operations after it applied
    /// in the county's order (the same `apply` the writer used, so the same document). Throws
    /// when the record contradicts itself — a document of another version than it says, or a
    /// tail that does not end at the plan's version — rather than serve a wrong plan.
    static func projection(of record: PlanRecord, in db: Database) throws -> PlanDocument {
        var document = try WireJSON.decode(PlanDocument.self, from: record.baseDocument)
        guard document.version == record.documentVersion else { throw ProjectionMismatch(plan: record.id, found: document.version, expected: record.documentVersion) }
        if record.documentSeq < record.lastSeq {
            let tail = try Data.fetchAll(db, sql: "SELECT body FROM operation WHERE plan = ? AND seq > ? AND seq <= ? ORDER BY seq",
                                         arguments: [record.id, record.documentSeq, record.lastSeq])
            for body in tail {
                document.apply(try PlanOperation(json: JSONReader.parse(body), path: "operation"))
            }
        }
        guard document.version == record.version else { throw ProjectionMismatch(plan: record.id, found: document.version, expected: record.version) }
        return document
    }

    /// A stored plan whose parts disagree (written by another version of plansync, or changed
    /// behind its back).
    struct ProjectionMismatch: Error, CustomStringConvertible {
        let plan: String
        let found: Int
        let expected: Int
        var description: String { "plan \(plan): the stored document is at version \(found), its record says \(expected)" }
    }

    public func plan(_ id: PlanID) async throws -> PlanDocument? {
        try await pool.read { db in try self.document(id, in: db) }
    }
}

extension CountyStore {
    /// A version of a plan as it was frozen (its content when it was submitted), with the acts
    /// made on it since; a draft is the plan as it stands.
    public func document(of plan: PlanDocument, version number: Int) async throws -> PlanDocument? {
        guard let version = plan.workflow.version(number) else { return nil }
        guard let frozenBy = version.frozenBy else { return plan.presenting(version) }
        let seq = try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT seq FROM operation WHERE device = ? AND counter = ?", arguments: [frozenBy.device.rawValue, frozenBy.counter])
        }
        guard let seq else { return nil }
        // What froze a version never changes: its replay is kept (the totals ask for every
        // counted plan's at each request).
        let key = FrozenKey(plan: plan.id, seq: seq)
        if let kept = frozenVersions.withLock({ $0[key] }) { return kept.presenting(version) }
        guard let frozen = try await document(plan.id, throughSeq: seq) else { return nil }
        frozenVersions.withLock { kept in
            if kept.count >= Self.frozenVersionsKept { kept.removeAll(keepingCapacity: true) }
            kept[key] = frozen
        }
        return frozen.presenting(version)
    }

    /// Replays of frozen versions kept at most: more than a county's plans have versions counted.
    static let frozenVersionsKept = 512

    /// The plan exactly as the county held it after its operation `seq`: its history replayed up
    /// to there. `nil` when the plan did not exist yet.
    public func document(_ plan: PlanID, throughSeq seq: Int64) async throws -> PlanDocument? {
        let bodies = try await pool.read { db in
            try Data.fetchAll(db, sql: "SELECT body FROM operation WHERE plan = ? AND seq <= ? ORDER BY seq", arguments: [plan.rawValue, seq])
        }
        let operations = try bodies.map { try PlanOperation(json: JSONReader.parse($0), path: "operation") }
        return PlanDocument.replay(operations, rules: rules).document
    }

    /// The county's number of the plan's last operation it had received by `time` (ISO 8601, its
    /// clock; its times grow with its order). `nil` when it had none.
    public func lastSeq(of plan: PlanID, receivedBy time: String) async throws -> Int64? {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT max(seq) FROM operation WHERE plan = ? AND received_at <= ?", arguments: [plan.rawValue, time])
        }
    }
}

/// A frozen version's replay, by its plan and the county's number of the act that froze it.
struct FrozenKey: Hashable, Sendable {
    let plan: PlanID
    let seq: Int64
}
