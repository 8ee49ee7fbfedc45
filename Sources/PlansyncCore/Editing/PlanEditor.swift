import PlansyncProtocol

/// Turns what a user means ("set this field", "remove that row") into the ``Change`` to record,
/// filling in what the author saw on the plan at that moment.
///
/// That "saw" part is what the merge relies on: an edit supersedes exactly the writes shown to its
/// author, so a later edit replaces them, and an edit made after looking at a conflict resolves it.
public struct PlanEditor: Sendable {
    public let plan: PlanDocument

    public init(plan: PlanDocument) { self.plan = plan }

    public func setField(_ path: String, to value: Value) -> Change {
        .setField(path: path, value: value, supersedes: plan.fields[path]?.headIDs ?? [])
    }

    /// Inserts a row after `row` (or at the end when `nil`, at the start when `atStart`).
    public func insertRow(into table: String, after row: RowID? = nil, atStart: Bool = false, values: [String: Value]) -> Change {
        .insertRow(table: table, position: position(in: table, after: row, atStart: atStart), fields: values)
    }

    public func setRowField(_ table: String, row: RowID, field: String, to value: Value) -> Change {
        let current = plan.row(row, in: table)
        let supersedes = (current?.fields[field]?.headIDs ?? []) + (current?.removals.map(\.id) ?? [])
        return .setRowField(table: table, row: row, field: field, value: value, supersedes: supersedes)
    }

    public func removeRow(_ table: String, row: RowID) -> Change {
        let current = plan.row(row, in: table)
        let seen = Set((current?.headIDs ?? []) + (current?.removals.map(\.id) ?? []))
        return .removeRow(table: table, row: row, seen: seen.sorted())
    }

    public func moveRow(_ table: String, row: RowID, after target: RowID?, atStart: Bool = false) -> Change {
        placeRow(table, row: row, at: position(in: table, after: target, atStart: atStart, excluding: row))
    }

    /// Moves a row to a given order key (when a table's keys are spread out again).
    public func placeRow(_ table: String, row: RowID, at position: String) -> Change {
        let current = plan.row(row, in: table)
        let supersedes = (current?.position.headIDs ?? []) + (current?.removals.map(\.id) ?? [])
        return .moveRow(table: table, row: row, position: position, supersedes: supersedes)
    }

    /// The moves that spread a table's rows over short keys, keeping their order. An insert or a
    /// move whose key would grow past ``OrderKey/comfortableLength`` is made after them.
    public func spreadRows(of table: String) -> [Change] {
        let rows = plan.visibleRows(of: table)
        return zip(rows, OrderKey.spread(rows.count)).map { row, key in placeRow(table, row: row.id, at: key) }
    }

    private func position(in table: String, after row: RowID?, atStart: Bool, excluding moving: RowID? = nil) -> String {
        let rows = plan.visibleRows(of: table).filter { $0.id != moving }
        if atStart { return OrderKey.between(nil, rows.first?.positionKey) }
        guard let row, let index = rows.firstIndex(where: { $0.id == row }) else {
            return OrderKey.between(rows.last?.positionKey, nil)
        }
        let lower = rows[index].positionKey
        // The next row with a strictly greater key: rows sharing a key (concurrent inserts) sort by id.
        let upper = rows[(index + 1)...].first { $0.positionKey > lower }?.positionKey
        return OrderKey.between(lower, upper)
    }
}
