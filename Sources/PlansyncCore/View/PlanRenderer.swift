import PlansyncProtocol

/// The plan as a document in the template's own layout and order, as HTML (printable from a
/// browser) or Markdown: chapters, tables with the funding-source columns and totals row,
/// amounts as "15.000 lei", dates as "12.03.2024". With findings, each offending field or cell
/// is marked and the findings are listed beside the plan.
public struct PlanRenderer: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case html, md
    }

    let content: PlanContent
    let registry: SirutaRegistry
    let findings: [Finding]
    private let findingsByPath: [String: [Finding]]

    public init(_ plan: PlanDocument, findings: [Finding] = [], registry: SirutaRegistry = .shipped) {
        content = PlanContent(plan)
        self.registry = registry
        self.findings = findings
        findingsByPath = Dictionary(grouping: findings, by: \.path)
    }

    public func render(_ format: Format) -> String {
        format == .html ? html : markdown
    }

    // MARK: Shared reading

    /// The heading line: title, UAT, county, year.
    var heading: (title: String, subtitle: String) {
        let plan = content.plan
        let uat = registry[plan.siruta]
        let kind = uat.map { ["comuna": "comuna", "oras": "orașul", "municipiu": "municipiul"][$0.kind.rawValue] ?? "" } ?? ""
        let title = content.text("title") ?? "Planul anual de acțiune privind serviciile sociale — \(plan.year)"
        let place = uat.map { "UAT: \(kind) \($0.name.replacingOccurrences(of: "ORAȘ ", with: "").replacingOccurrences(of: "MUNICIPIUL ", with: "")), județul \($0.county.name)" }
            ?? "UAT: SIRUTA \(plan.siruta)"
        return (title, "\(place) · SIRUTA \(plan.siruta) · anul \(plan.year) · versiunea \(plan.version) · model \(content.schema.template)")
    }

    /// A value as the document shows it: cells and amounts exactly as written ("250 300",
    /// "15.000 lei", "în funcție de solicitări"); only what the first template stored as numbers
    /// is formatted, and dates stored `YYYY-MM-DD` are printed the Romanian way.
    func display(_ value: Value, kind: ValueKind) -> String {
        switch (kind, value) {
        case (.amount, .integer(let lei)): return Lei.format(bani: Lei.bani(lei: lei))
        case (_, .integer(let number)): return Lei.group(number)
        case (.date, .text(let iso)):
            return CalendarDate(iso)?.description ?? iso
        case (_, .text(let text)): return text
        default: return value.description
        }
    }

    /// The totals row. A template whose document writes its totals row (v2 on) shows it as
    /// written, and only when the document has one (`totals-match` marks a wrong total); the first
    /// template, which stored numbers, shows totals computed from its rows.
    func totals(of table: TableSchema) -> [String: String] {
        guard !table.totalled.isEmpty else { return [:] }
        let rows = content.rows(table.name)
        var cells: [String: String] = [:]
        for column in table.columns where table.totalled.contains(column.name) {
            let sum = rows.reduce(Int64(0)) { $0.addingSaturating(column.kind.counted($1.values[column.name] ?? .null, unit: content.unit)) }
            let computed = column.kind.isMoney ? Lei.format(bani: sum) : Lei.group(sum)
            guard table.writtenTotals else { cells[column.name] = computed; continue }
            guard let written = content.value("\(table.name).total.\(column.name)")?.text else { continue }
            // A written total the rows do not add up to says so even when findings are left out.
            let agrees = column.kind.isMoney ? MoneyCell(written, planUnit: content.unit).bani.map { $0 == sum } : CountCell(written).number.map { $0 == sum }
            cells[column.name] = agrees == false ? "\(written) (suma rândurilor: \(computed))" : written
        }
        return cells
    }

    /// A section's heading or a table's title as the document words it (`headings.KEY`, template
    /// v3), else the template's.
    func heading(of section: TemplateSection) -> String {
        content.text("headings.\(section.key)") ?? section.heading
    }

    func title(of table: TableSchema) -> String {
        content.text("headings.\(table.name)") ?? table.title
    }

    /// Columns worth a place in the printed table: those some row has, even empty. A column no
    /// row has is one the document's table does not have: it is left out, where an empty cell is
    /// printed empty.
    func columns(of table: TableSchema) -> [ColumnSchema] {
        let rows = content.rows(table.name)
        return table.columns.filter { column in rows.contains { $0.values[column.name] != nil } }
    }

    /// Whether a row repeats the objectives of the row above (printed as one merged cell).
    static let mergedColumns: Set<String> = ["generalObjective", "specificObjective"]

    func marks(_ path: String) -> [Finding] { findingsByPath[path] ?? [] }

    /// What a section shows: a field with its value, or a table.
    enum Block {
        case field(FieldSchema, Value)
        case table(TableSchema)
    }

    /// The template's sections that have something to show, in order, each with its blocks: the
    /// fields that have a value, the tables that have rows or a finding (a missing chapter).
    var sections: [(section: TemplateSection, blocks: [Block])] {
        // The headings as written stand in for the template's; they are not a section of their own.
        content.schema.sections.filter { $0.key != "headings" }.compactMap { section in
            let blocks = section.items.compactMap { item -> Block? in
                switch item {
                case .field(let field):
                    return content.value(field.path).map { .field(field, $0) }
                case .table(let table):
                    return content.rows(table.name).isEmpty && marks(table.name).isEmpty ? nil : .table(table)
                }
            }
            return blocks.isEmpty ? nil : (section, blocks)
        }
    }
}
