import PlansyncProtocol

/// A plan's current values as the checks and the renderer read them: by path, kind-aware.
public struct PlanContent: Sendable {
    public let plan: PlanDocument
    public let schema: PlanSchema
    public let unit: MoneyUnit

    public init(_ plan: PlanDocument) {
        self.plan = plan
        schema = plan.schema
        unit = plan.moneyUnit
    }

    /// A row as displayed, with its 1-based place (the place `plansync plan set` accepts).
    public struct Row: Sendable {
        public let table: String
        public let place: Int
        public let values: [String: Value]

        public func text(_ column: String) -> String? {
            guard let text = values[column]?.text, !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
            return text
        }

        public func path(_ column: String) -> String { "\(table)[\(place)].\(column)" }
    }

    public func value(_ path: String) -> Value? {
        guard let value = plan.fields[path]?.value, value != .null else { return nil }
        return value
    }

    /// A text field, `nil` when absent or blank.
    public func text(_ path: String) -> String? {
        guard let text = value(path)?.text, !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
        return text
    }

    public func reference(_ path: String) -> RegistrationReference? { text(path).map(RegistrationReference.init) }

    public func count(_ path: String) -> CountCell? { value(path)?.text.map(CountCell.init) }

    public func rows(_ table: String) -> [Row] {
        plan.visibleRows(of: table).enumerated().map { place, row in
            Row(table: table, place: place + 1, values: row.fields.mapValues(\.value).filter { $0.value != .null })
        }
    }

    /// A count cell of a row; first-template integers read as written digits.
    public func count(_ row: Row, _ column: String) -> CountCell? {
        switch row.values[column] {
        case .text(let raw)?: CountCell(raw)
        case .integer(let number)?: CountCell(String(number))
        default: nil
        }
    }

    /// A budget cell of a row; first-template amounts are whole lei.
    public func money(_ row: Row, _ column: String) -> MoneyCell? {
        switch row.values[column] {
        case .text(let raw)?: MoneyCell(raw, planUnit: unit)
        case .integer(let lei)?: MoneyCell(String(lei), planUnit: .lei)
        default: nil
        }
    }

    /// Every free-text value of the plan with its path, fields first, then table cells.
    public var texts: [(path: String, text: String)] {
        let fields = schema.fields.filter { $0.kind == .text }.compactMap { field in text(field.path).map { (field.path, $0) } }
        let cells = schema.tables.flatMap { table in
            rows(table.name).flatMap { row in
                table.columns.filter { $0.kind == .text }.compactMap { column in row.text(column.name).map { (row.path(column.name), $0) } }
            }
        }
        return fields + cells
    }

    /// Whether the template version of this plan has the field (rules about parts a template
    /// lacks stay silent on its plans).
    public func has(_ path: String) -> Bool { schema.field(path) != nil }
}
