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
        let document = try Self.projection(of: record, in: db)
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
    /// in the county's order (the same `apply` the writer used, so the same document).
    static func projection(of record: PlanRecord, in db: Database) throws -> PlanDocument {
        var document = try WireJSON.decode(PlanDocument.self, from: record.document)
        guard record.documentSeq < record.lastSeq else { return document }
        let tail = try Data.fetchAll(db, sql: "SELECT body FROM operation WHERE plan = ? AND seq > ? AND seq <= ? ORDER BY seq",
                                     arguments: [record.id, record.documentSeq, record.lastSeq])
        for body in tail {
            document.apply(try PlanOperation(json: JSONReader.parse(body), path: "operation"))
        }
        return document
    }

    public func plan(_ id: PlanID) async throws -> PlanDocument? {
        try await pool.read { db in try self.document(id, in: db) }
    }
}
