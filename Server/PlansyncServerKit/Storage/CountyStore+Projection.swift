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
        let document = try WireJSON.decode(PlanDocument.self, from: record.document)
        cache.withLock { cache in
            if cache[id] == nil { cache[id] = document }
        }
        return document
    }

    public func plan(_ id: PlanID) async throws -> PlanDocument? {
        try await pool.read { db in try self.document(id, in: db) }
    }
}
