import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol

/// Giving devices what the county accepted: pull pages and plan histories.
extension CountyStore {
    /// Accepted operations in the device's scope after `cursor` (its UAT's plans; every plan of the
    /// county for a county account), other devices' only (a device has its own), as the JSON of a
    /// ``PullResponse`` assembled from the stored bodies without decoding them.
    ///
    /// A page holds at most `limit` operations and about ``OperationLimits/pageBytes`` bytes
    /// (always at least one operation), so one sync never holds a whole county in memory.
    public func pull(for session: Session, after cursor: Int64, limit: Int, capabilities: String) async throws -> Data {
        guard Permissions.allows(session.account, .read) else {
            throw ServerError.forbidden(Permissions.readRefusal(for: session.account.role))
        }
        let scope = session.account.siruta?.rawValue
        let device = session.device.id
        let countyNow = clock.nowMillis()
        return try await pool.read { db in
            // One UAT's history through its index; a county account's is the whole history.
            let candidates = try Row.fetchAll(db.cachedStatement(sql: scope == nil
                ? "SELECT seq, device, body, received_at FROM operation WHERE seq > ? AND device != ? ORDER BY seq LIMIT ?"
                : "SELECT seq, device, body, received_at FROM operation WHERE siruta = ? AND seq > ? AND device != ? ORDER BY seq LIMIT ?"),
                arguments: StatementArguments(scope.map { [$0] } ?? []) + [cursor, device, limit + 1])
            let page = Self.boundedPage(candidates.prefix(limit))
            let more = candidates.count > page.count
            var next = page.last.map { $0["seq"] as Int64 } ?? cursor
            if !more {
                // Nothing of another device beyond: move the cursor past our own operations too.
                let last = scope == nil
                    ? try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(seq) FROM operation"))
                    : try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(seq) FROM operation WHERE siruta = ?"), arguments: [scope])
                next = max(next, last ?? cursor)
            }
            let people = try self.people(devices: Set(page.map { $0["device"] as String }), in: db)
            let lastOwn = max(
                try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(counter) FROM operation WHERE device = ?"), arguments: [device]) ?? 0,
                try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(counter) FROM rejection WHERE device = ?"), arguments: [device]) ?? 0)
            var json = Data("{\"capabilities\":".utf8)
            json.append(JSONWriter.canonical(.string(capabilities)))
            json.append(contentsOf: Array(",\"lastOwnCounter\":\(lastOwn),\"more\":\(more),\"next\":\(next),\"operations\":".utf8))
            Self.appendSequenced(page, to: &json)
            json.append(contentsOf: Array(",\"people\":".utf8))
            json.append(JSONWriter.canonical(.array(people.map(\.json))))
            json.append(contentsOf: Array(",\"time\":\(countyNow)}".utf8))
            return json
        }
    }

    /// A plan's last `count` operations, oldest first (for a history's page).
    func latestOperations(of plan: PlanID, count: Int) async throws -> [ChangeHistory.Sequenced] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, body, received_at FROM operation WHERE plan = ? ORDER BY seq DESC LIMIT ?",
                             arguments: [plan.rawValue, count]).reversed().map(Self.sequenced)
        }
    }

    /// A plan's operations after its operation `seq`, in the county's order, at most `count`.
    func operations(of plan: PlanID, after seq: Int64, count: Int) async throws -> [ChangeHistory.Sequenced] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, body, received_at FROM operation WHERE plan = ? AND seq > ? ORDER BY seq LIMIT ?",
                             arguments: [plan.rawValue, seq, count]).map(Self.sequenced)
        }
    }

    /// Who is behind each of these devices (for a history's page).
    func people(of devices: Set<DeviceID>) async throws -> [DeviceID: Account] {
        try await pool.read { db in
            Dictionary(try self.people(devices: Set(devices.map(\.rawValue)), in: db).map { ($0.device, $0.account) }) { first, _ in first }
        }
    }

    private static func sequenced(_ row: Row) throws -> ChangeHistory.Sequenced {
        ChangeHistory.Sequenced(seq: row["seq"], countyTime: row["received_at"],
                                operation: try PlanOperation(json: JSONReader.parse(row["body"] as Data), path: "operation"))
    }

    /// Who is behind each of these devices.
    private func people(devices: Set<String>, in db: Database) throws -> [Person] {
        guard !devices.isEmpty else { return [] }
        let rows = try Row.fetchAll(db, sql: """
            SELECT d.id AS device, a.* FROM device d JOIN account a ON a.id = d.account
            WHERE d.id IN (\(devices.map { _ in "?" }.joined(separator: ","))) ORDER BY d.id
            """, arguments: StatementArguments(devices.sorted()))
        return try rows.map { row in Person(device: DeviceID(row["device"]), account: try AccountRecord(row: row).account) }
    }

    /// One plan's operation history in sequence order, as the JSON of a list of ``SequencedOperation``:
    /// at most `limit` operations and about a page's bytes; ask again after the last `seq` until
    /// the list is empty.
    public func history(of plan: PlanID, after cursor: Int64, limit: Int) async throws -> Data {
        try await pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT seq, body, received_at FROM operation WHERE plan = ? AND seq > ? ORDER BY seq LIMIT ?",
                                        arguments: [plan.rawValue, cursor, limit])
            var json = Data()
            Self.appendSequenced(Self.boundedPage(rows[...]), to: &json)
            return json
        }
    }

    /// The first rows whose bodies fit in ``OperationLimits/pageBytes`` (at least one).
    private static func boundedPage(_ rows: ArraySlice<Row>) -> [Row] {
        var page: [Row] = []
        var bytes = 0
        for row in rows {
            let size = (row["body"] as Data).count
            if !page.isEmpty, bytes + size > OperationLimits.standard.pageBytes { break }
            page.append(row)
            bytes += size
        }
        return page
    }

    /// `[{"at":TIME,"operation":BODY,"seq":N},…]`, the stored bodies spliced in as they are; `at` is
    /// when the county received the operation.
    private static func appendSequenced(_ rows: [Row], to json: inout Data) {
        json.append(UInt8(ascii: "["))
        for (index, row) in rows.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            // The server's own ISO 8601 stamp (digits, -, :, T, Z): nothing in it needs escaping.
            json.append(contentsOf: Array("{\"at\":\"".utf8))
            json.append(contentsOf: Array((row["received_at"] as String).utf8))
            json.append(contentsOf: Array("\",\"operation\":".utf8))
            json.append(row["body"] as Data)
            json.append(contentsOf: Array(",\"seq\":\(row["seq"] as Int64)}".utf8))
        }
        json.append(UInt8(ascii: "]"))
    }
}
