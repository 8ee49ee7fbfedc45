import PlansyncProtocol

extension PlanDocument {
    /// The unit the plan's budget cells are written in: the one `moneyUnit` states, else the one
    /// all its amounts write ("250 mii lei"), else lei (see ``MoneyUnit/of(stated:cells:)``).
    public var moneyUnit: MoneyUnit {
        let fieldTexts = schema.fields.filter { $0.kind == .money }.compactMap { fields[$0.path]?.value.text }
        let cellTexts = schema.tables.flatMap { table in
            table.columns.filter { $0.kind == .money }.flatMap { column in
                visibleRows(of: table.name).compactMap { $0.fields[column.name]?.value.text }
            }
        }
        return MoneyUnit.of(stated: fields["moneyUnit"]?.value.text, cells: fieldTexts + cellTexts)
    }
}

extension ValueKind {
    /// What a value of this kind adds to its column's total: units for counts, bani for money.
    /// Cells without a number ("-", "nu este cazul", free text) add nothing.
    public func counted(_ value: Value, unit: MoneyUnit) -> Int64 {
        switch (self, value) {
        case (.integer, .integer(let number)): number
        case (.amount, .integer(let lei)): Lei.bani(lei: lei)
        case (.count, .text(let raw)): CountCell(raw).countedValue
        case (.money, .text(let raw)): MoneyCell(raw, planUnit: unit).countedBani
        default: 0
        }
    }

    /// Whether totals of this kind are money (shown in lei) rather than counts.
    public var isMoney: Bool { self == .amount || self == .money }
}
