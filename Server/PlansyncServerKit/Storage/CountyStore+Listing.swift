import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol

/// One line of the county's plan list.
public struct PlanSummary: Codable, Sendable, Equatable {
    public let id: PlanID
    public let siruta: Siruta
    public let uatName: String
    public let year: Int
    /// How many operations built the latest version.
    public let version: Int
    public let lastSeq: Int64
    /// When the server last received a change to it (ISO 8601).
    public let lastSyncAt: String
    public let openConflicts: Int
    /// The latest version of the plan's legal life and its state.
    public let latestVersion: Int
    public let state: VersionState
    /// What waits for the county: `register` or `aviz`.
    public let awaiting: ActName?
}

/// Lists for the county and its operators.
extension CountyStore {
    /// How much the county holds now: plans, devices not revoked, registered UATs (for
    /// `GET /metrics`).
    func census() async throws -> (plans: Int, devices: Int, uats: Int) {
        try await pool.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM plan), (SELECT count(*) FROM device WHERE revoked_at IS NULL), (SELECT count(*) FROM uat)
                """)!
            return (row[0], row[1], row[2])
        }
    }

    /// The UATs registered with the county (all of them, or one), by name: those that never
    /// synced too.
    public func registeredUATs(siruta: Siruta? = nil) async throws -> [(siruta: Siruta, name: String)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT siruta, name FROM uat WHERE ?1 IS NULL OR siruta = ?1 ORDER BY name", arguments: [siruta?.rawValue])
                .map { (Siruta($0["siruta"]), $0["name"]) }
        }
    }

    /// The latest version of every plan of the county (or of one UAT).
    public func planSummaries(siruta: Siruta? = nil) async throws -> [PlanSummary] {
        try await pool.read { db in
            try SummaryRow.fetchAll(db, sql: """
                SELECT p.id, p.siruta, p.year, p.version, p.last_seq, p.updated_at, u.name AS uat_name FROM plan p JOIN uat u USING (siruta)
                WHERE ?1 IS NULL OR p.siruta = ?1 ORDER BY u.name, p.year, p.id
                """, arguments: [siruta?.rawValue]).map { row in
                let id = PlanID(row.id)
                let document = try self.document(id, in: db)
                return PlanSummary(
                    id: id, siruta: Siruta(row.siruta), uatName: row.uatName, year: row.year, version: row.version, lastSeq: row.lastSeq,
                    lastSyncAt: row.updatedAt, openConflicts: document?.conflicts.count ?? 0,
                    latestVersion: document?.workflow.latest.number ?? 1, state: document?.workflow.latest.state ?? .draft,
                    awaiting: document?.workflow.awaitingCounty?.action)
            }
        }
    }

    /// A plan's line of the list, with its UAT's name.
    private struct SummaryRow: Decodable, FetchableRecord {
        static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
        let id: String
        let siruta: Int
        let year: Int
        let version: Int
        let lastSeq: Int64
        let updatedAt: String
        let uatName: String
    }

    /// Counts for the operator: accepted operations, set-aside ones, plans.
    public func counts() async throws -> (accepted: Int, rejected: Int, plans: Int) {
        try await pool.read { db in
            (try OperationRecord.fetchCount(db), try RejectionRecord.fetchCount(db), try PlanRecord.fetchCount(db))
        }
    }
}
