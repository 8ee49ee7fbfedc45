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
        /// Sum of the row's budget columns in bani, when the table has any.
        public var total: Int64?
    }

    public struct TableView: Codable, Hashable, Sendable {
        public var name: String
        public var title: String
        public var columns: [String]
        public var rows: [RowView]
        /// Column totals of the totalled columns: bani for budget columns, units for counts.
        public var totals: [String: Int64]
    }

    public var id: PlanID
    public var siruta: Siruta
    public var year: Int
    public var template: String
    public var version: Int
    /// The latest version of the plan's legal life (1, 2… after modifications) and its state.
    public var latestVersion: Int
    public var state: VersionState
    /// County remarks not answered yet.
    public var openRemarks: Int
    public var createdBy: String
    public var lastChange: HLCTimestamp
    public var fields: [String: Value]
    public var tables: [TableView]
    public var conflicts: [Conflict]

    public init(_ plan: PlanDocument) {
        let schema = plan.schema
        let unit = plan.moneyUnit
        id = plan.id
        siruta = plan.siruta
        year = plan.year
        template = schema.template
        version = plan.version
        latestVersion = plan.workflow.latest.number
        state = plan.workflow.latest.state
        openRemarks = plan.workflow.openRemarks.count
        createdBy = plan.createdBy
        lastChange = plan.lastChange
        // The decision records as the latest version's acts made them.
        fields = plan.presenting(plan.workflow.latest).fields.mapValues(\.value).filter { $0.value != .null }
        tables = schema.tables.map { table in
            let money = table.columns.filter { table.totalled.contains($0.name) && $0.kind.isMoney }
            let rows = plan.visibleRows(of: table.name).map { row in
                let values = row.fields.mapValues(\.value).filter { $0.value != .null }
                let total: Int64? = money.isEmpty ? nil
                    : money.reduce(0) { $0.addingSaturating($1.kind.counted(values[$1.name] ?? .null, unit: unit)) }
                return RowView(id: row.id, values: values, total: total)
            }
            var totals: [String: Int64] = [:]
            for column in table.columns where table.totalled.contains(column.name) {
                // Saturating: a cell of absurd size (many digits typed) cannot trap the view.
                totals[column.name] = rows.reduce(0) { $0.addingSaturating(column.kind.counted($1.values[column.name] ?? .null, unit: unit)) }
            }
            return TableView(name: table.name, title: table.title, columns: table.columns.map(\.name), rows: rows, totals: totals)
        }
        conflicts = plan.conflicts
    }
}
