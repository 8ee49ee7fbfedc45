import PlansyncProtocol

extension PlanView {
    /// The plan as plain text for a terminal: fields, then each table with its totals row, then
    /// conflicts. Amounts in the Romanian format the documents use ("15.000 lei").
    public var text: String {
        let schema = PlanSchema.version(template) ?? .current
        var lines = ["Plan \(id) — SIRUTA \(siruta), anul \(year), versiunea \(version) (template \(template))"]
        for path in fields.keys.sorted() {
            lines.append("  \(path): \(fields[path]!)")
        }
        for table in tables where !table.rows.isEmpty {
            lines.append("\(table.title) [\(table.name)]")
            let kinds = schema.table(table.name)
            for (place, row) in table.rows.enumerated() {
                let cells = table.columns.compactMap { column in
                    row.values[column].map { value in
                        kinds?.kind(of: column) == .amount ? "\(column)=\(Lei.format(bani: Lei.bani(lei: value.integer ?? 0)))" : "\(column)=\(value)"
                    }
                }
                let total = row.total.map { "  total=\(Lei.format(bani: $0))" } ?? ""
                lines.append("  \(place + 1). [\(row.id)] " + cells.joined(separator: "  ") + total)
            }
            if !table.totals.isEmpty {
                let sums = table.columns.compactMap { column in
                    table.totals[column].map { total in
                        "\(column)=" + (kinds?.kind(of: column)?.isMoney == true ? Lei.format(bani: total) : String(total))
                    }
                }
                lines.append("  TOTAL " + sums.joined(separator: "  "))
            }
        }
        if !conflicts.isEmpty {
            lines.append("Conflicts: \(conflicts.count) (see `plansync conflicts`)")
        }
        return lines.joined(separator: "\n")
    }
}
