import PlansyncProtocol

/// A plan as people read it: current values, rows in order, computed totals, open conflicts.
///
/// This is what `plansync plan show`, the county's API and the end-to-end tests compare. Totals are
/// computed here from the rows every time, never merged: two devices adding rows cannot leave a
/// stale total behind.
public struct PlanView: Codable, Hashable, Sendable {
    public struct RowView: Codable, Hashable, Sendable {
        public var id: RowID
        public var values: [String: Value]
        /// Sum of the row's amount columns, when the table has any.
        public var total: Int64?
    }

    public struct TableView: Codable, Hashable, Sendable {
        public var name: String
        public var title: String
        public var columns: [String]
        public var rows: [RowView]
        /// Column totals of the amount columns (the template's totals row).
        public var totals: [String: Int64]
    }

    public var id: PlanID
    public var siruta: Siruta
    public var year: Int
    public var template: String
    public var version: Int
    public var createdBy: String
    public var lastChange: HLCTimestamp
    public var fields: [String: Value]
    public var tables: [TableView]
    public var conflicts: [Conflict]

    public init(_ plan: PlanDocument, schema: PlanSchema = .current) {
        id = plan.id
        siruta = plan.siruta
        year = plan.year
        template = schema.template
        version = plan.version
        createdBy = plan.createdBy
        lastChange = plan.lastChange
        fields = plan.fields.mapValues(\.value).filter { $0.value != .null }
        tables = schema.tables.map { name, table in
            let amounts = table.totalled
            let rows = plan.visibleRows(of: name).map { row in
                let values = row.fields.mapValues(\.value).filter { $0.value != .null }
                let total: Int64? = amounts.isEmpty ? nil : amounts.reduce(0) { $0 + (values[$1]?.integer ?? 0) }
                return RowView(id: row.id, values: values, total: total)
            }
            var totals: [String: Int64] = [:]
            for column in amounts {
                totals[column] = rows.reduce(0) { $0 + ($1.values[column]?.integer ?? 0) }
            }
            return TableView(name: name, title: table.title, columns: table.columns.map(\.name), rows: rows, totals: totals)
        }
        conflicts = plan.conflicts
    }
}
