import PlansyncProtocol

/// What changed between two versions of a plan: fields, rows (matched by id, never by place) and
/// the budget totals. `plansync plan diff PLAN V1 V2`.
public struct VersionDiff: Codable, Hashable, Sendable {
    public struct FieldChange: Codable, Hashable, Sendable {
        public var path: String
        public var before: Value?
        public var after: Value?
    }

    public struct RowChange: Codable, Hashable, Sendable {
        public enum Kind: String, Codable, Sendable { case added, removed, changed }
        public var table: String
        public var row: RowID
        public var kind: Kind
        /// The cells that differ (all of them for an added or removed row).
        public var cells: [FieldChange]
    }

    /// A total of a table's column, in bani for budgets and units for counts.
    public struct TotalChange: Codable, Hashable, Sendable {
        public var table: String
        public var column: String
        public var before: Int64
        public var after: Int64
    }

    public var from: Int
    public var to: Int
    public var fields: [FieldChange]
    public var rows: [RowChange]
    public var totals: [TotalChange]

    /// The difference from version `from` (document `a`) to version `to` (document `b`).
    public init(from: Int, _ a: PlanDocument, to: Int, _ b: PlanDocument) {
        (self.from, self.to) = (from, to)
        let schema = b.schema
        // The content: decision records are acts, listed by `plan state`.
        fields = schema.fields.filter { PlanArea.of(field: $0.path) == .content }.compactMap { field in
            let before = a.fields[field.path]?.value, after = b.fields[field.path]?.value
            return (before ?? .null) == (after ?? .null) ? nil : FieldChange(path: field.path, before: before, after: after)
        }
        rows = schema.tables.flatMap { table -> [RowChange] in
            let old = Dictionary(uniqueKeysWithValues: a.visibleRows(of: table.name).map { ($0.id, $0) })
            let new = b.visibleRows(of: table.name)
            func cells(_ before: PlanRow?, _ after: PlanRow?) -> [FieldChange] {
                table.columns.compactMap { column in
                    let x = before?.fields[column.name]?.value, y = after?.fields[column.name]?.value
                    return (x ?? .null) == (y ?? .null) ? nil : FieldChange(path: column.name, before: x, after: y)
                }
            }
            var changes = new.compactMap { row -> RowChange? in
                guard let earlier = old[row.id] else { return RowChange(table: table.name, row: row.id, kind: .added, cells: cells(nil, row)) }
                let changed = cells(earlier, row)
                return changed.isEmpty ? nil : RowChange(table: table.name, row: row.id, kind: .changed, cells: changed)
            }
            let kept = Set(new.map(\.id))
            changes += a.visibleRows(of: table.name).filter { !kept.contains($0.id) }.map {
                RowChange(table: table.name, row: $0.id, kind: .removed, cells: cells($0, nil))
            }
            return changes
        }
        let before = Dictionary(uniqueKeysWithValues: PlanView(a).tables.map { ($0.name, $0.totals) })
        totals = PlanView(b).tables.flatMap { table in
            table.totals.keys.sorted().compactMap { column in
                let x = before[table.name]?[column] ?? 0, y = table.totals[column]!
                return x == y ? nil : TotalChange(table: table.name, column: column, before: x, after: y)
            }
        }
    }

    public var isEmpty: Bool { fields.isEmpty && rows.isEmpty && totals.isEmpty }

    /// Whether the difference touches Chapter I (services, capacities, budgets).
    public var touchesChapterOne: Bool {
        fields.contains { PlanSchema.isChapterOne($0.path) } || rows.contains { PlanSchema.isChapterOne($0.table) }
    }

    /// The difference as lines for a terminal.
    public var text: String {
        guard !isEmpty else { return "Versions \(from) and \(to) have the same content." }
        func show(_ value: Value?) -> String { value.map { "\($0)" } ?? "—" }
        var lines = ["From version \(from) to version \(to):"]
        lines += fields.map { "  \($0.path): \(show($0.before)) → \(show($0.after))" }
        for row in rows {
            lines.append("  \(row.table)[\(row.row)] \(row.kind.rawValue)")
            lines += row.cells.map { "    \($0.path): \(show($0.before)) → \(show($0.after))" }
        }
        lines += totals.map { "  total \($0.table).\($0.column): \(Self.amount($0.before, $0.column)) → \(Self.amount($0.after, $0.column))" }
        return lines.joined(separator: "\n")
    }

    /// Budgets in lei with bani, counts as they are.
    static func amount(_ value: Int64, _ column: String) -> String {
        column.hasPrefix("budget") ? CountyTotals.lei(value) : String(value)
    }
}
