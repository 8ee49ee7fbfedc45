import PlansyncProtocol

/// A plan's current values as the checks and the renderer read them: by path, kind-aware.
public struct PlanContent: Sendable {
    public let plan: PlanDocument
    public let schema: PlanSchema
    public let unit: MoneyUnit
    /// Every free-text value of the plan with its path, fields first, then table cells (the
    /// checks that read prose share one walk).
    public let texts: [(path: String, text: String)]
    private let rowsByTable: [String: [Row]]

    public init(_ plan: PlanDocument) {
        self.plan = plan
        schema = plan.schema
        unit = plan.moneyUnit
        let rowsByTable = Dictionary(uniqueKeysWithValues: plan.schema.tables.map { table in
            (table.name, plan.visibleRows(of: table.name).enumerated().map { place, row in
                Row(table: table.name, place: place + 1, values: row.fields.mapValues(\.value).filter { $0.value != .null })
            })
        })
        self.rowsByTable = rowsByTable
        let fields = plan.schema.fields.filter { $0.kind == .text }.compactMap { field -> (String, String)? in
            guard let text = plan.fields[field.path]?.value.text, !text.isEmpty else { return nil }
            return (field.path, text)
        }
        let cells = plan.schema.tables.flatMap { table in
            (rowsByTable[table.name] ?? []).flatMap { row in
                table.columns.filter { $0.kind == .text }.compactMap { column in row.text(column.name).map { (row.path(column.name), $0) } }
            }
        }
        texts = fields + cells
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

    /// Whether the row says it does not apply: "nu este cazul" in a cell other than an amount (a
    /// budget cell saying it speaks of that source of funding only), a cell that says just that —
    /// not prose that mentions it.
    public func notApplicable(_ row: Row) -> Bool {
        guard let table = schema.table(row.table) else { return false }
        return table.columns.contains { column in
            guard column.kind != .money && column.kind != .amount, let text = row.values[column.name]?.text, text.utf8.count <= 120 else { return false }
            return CellKind.nonNumeric(text) == .notApplicable
        }
    }

    /// The unit the plan states in `moneyUnit`, if it states one that can be read.
    public var unitStated: MoneyUnit? { text("moneyUnit").flatMap(MoneyUnit.init(stated:)) }

    /// Every budget cell written as text (fields and table cells), with its path, read in the
    /// plan's unit.
    public var moneyCells: [(path: String, cell: MoneyCell)] {
        let fields = schema.fields.filter { $0.kind == .money }.compactMap { field in
            value(field.path)?.text.map { (field.path, MoneyCell($0, planUnit: unit)) }
        }
        let cells = schema.tables.flatMap { table in
            rows(table.name).flatMap { row in
                table.columns.filter { $0.kind == .money }.compactMap { column in
                    row.values[column.name]?.text.map { (row.path(column.name), MoneyCell($0, planUnit: unit)) }
                }
            }
        }
        return fields + cells
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

    public func rows(_ table: String) -> [Row] { rowsByTable[table] ?? [] }

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

    /// The prose that mentions `needle` (in any case), outside the parts starting with one of
    /// `excluded`: a cheap filter before the checks match a pattern.
    public func texts(mentioning needle: String, excluding excluded: [String] = []) -> [(path: String, text: String)] {
        texts.filter { item in
            Self.contains(needle, in: item.text) && !excluded.contains { item.path.hasPrefix($0) }
        }
    }

    /// Whether `text` holds `needle` in any case: byte by byte for an ASCII needle (the checks'
    /// needles: "797", "anul"), through Foundation otherwise.
    static func contains(_ needle: String, in text: String) -> Bool {
        guard needle.utf8.allSatisfy({ $0 < 0x80 }), let first = needle.utf8.first else {
            return text.range(of: needle, options: .caseInsensitive) != nil
        }
        let lower = { (byte: UInt8) in byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
        let pattern = Array(needle.utf8).map(lower)
        let bytes = Array(text.utf8)
        guard bytes.count >= pattern.count else { return false }
        let head = lower(first)
        for start in 0...(bytes.count - pattern.count) where lower(bytes[start]) == head {
            if (1..<pattern.count).allSatisfy({ lower(bytes[start + $0]) == pattern[$0] }) { return true }
        }
        return false
    }

    /// Whether the template version of this plan has the field (rules about parts a template
    /// lacks stay silent on its plans).
    public func has(_ path: String) -> Bool { schema.field(path) != nil }
}
