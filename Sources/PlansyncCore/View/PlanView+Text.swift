import PlansyncProtocol

extension PlanView {
    /// The plan as plain text for a terminal: fields, then each table with its totals row, then
    /// conflicts. Amounts in the Romanian format the documents use ("15.000 lei").
    public var text: String {
        var lines = ["Plan \(id) — SIRUTA \(siruta), anul \(year), versiunea \(version) (template \(template))"]
        for path in fields.keys.sorted() {
            lines.append("  \(path): \(fields[path]!)")
        }
        for table in tables where !table.rows.isEmpty {
            lines.append("\(table.title) [\(table.name)]")
            for (place, row) in table.rows.enumerated() {
                let cells = table.columns.compactMap { column in
                    row.values[column].map { "\(column)=\(Self.format($0, amount: table.totals[column] != nil))" }
                }
                let total = row.total.map { "  total=\(Self.lei($0))" } ?? ""
                lines.append("  \(place + 1). [\(row.id)] " + cells.joined(separator: "  ") + total)
            }
            if !table.totals.isEmpty {
                let sums = table.columns.compactMap { column in table.totals[column].map { "\(column)=\(Self.lei($0))" } }
                lines.append("  TOTAL " + sums.joined(separator: "  "))
            }
        }
        if !conflicts.isEmpty {
            lines.append("Conflicts: \(conflicts.count) (see `plansync conflicts`)")
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ value: Value, amount: Bool) -> String {
        if amount, let number = value.integer { return lei(number) }
        return value.description
    }

    /// `15000` → `15.000 lei`.
    public static func lei(_ amount: Int64) -> String {
        let digits = String(amount.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(".") }
            grouped.append(digit)
        }
        return (amount < 0 ? "-" : "") + grouped + " lei"
    }
}
