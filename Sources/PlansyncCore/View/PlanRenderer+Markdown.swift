extension PlanRenderer {
    /// The plan as Markdown (GitHub tables), findings listed at the end and flagged in place.
    public var markdown: String {
        let head = heading
        var lines = ["# \(Self.inert(head.title))", "", "_\(Self.inert(head.subtitle))_", ""]
        for (section, blocks) in sections {
            lines.append(String(repeating: "#", count: section.level + 1) + " \(Self.oneLine(heading(of: section)))")
            lines.append("")
            for block in blocks {
                switch block {
                case .field(let field, let value):
                    let text = Self.inert(display(value, kind: field.kind))
                    lines.append(text.contains("\n")
                        ? "**\(field.label)**\(flag(field.path))\n\n\(text)\n"
                        : "**\(field.label)**\(flag(field.path)): \(text)\n")
                case .table(let table):
                    lines.append(self.table(table))
                }
            }
        }
        if !findings.isEmpty {
            lines.append("## Constatări")
            lines.append("")
            for finding in findings {
                lines.append("- **\(finding.severity.romanian)** `\(finding.code)`" + (finding.path.isEmpty ? "" : " `\(finding.path)`") + " — \(Self.oneLine(finding.message))")
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    private func table(_ table: TableSchema) -> String {
        let rows = content.rows(table.name)
        let title = "**\(Self.oneLine(title(of: table)))**\(flag(table.name))"
        guard !rows.isEmpty else { return "\(title)\n\n_(necompletat)_\n" }
        let columns = columns(of: table)
        var lines = [title, "", "| " + columns.map { cell($0.label) }.joined(separator: " | ") + " |",
                     "|" + columns.map { $0.kind == .money || $0.kind == .count || $0.kind == .amount ? " ---: |" : " --- |" }.joined()]
        for (index, row) in rows.enumerated() {
            let cells = columns.map { column in
                if Self.mergedColumns.contains(column.name), index > 0, rows[index - 1].values[column.name] == row.values[column.name] { return "" }
                return cell(row.values[column.name].map { display($0, kind: column.kind) } ?? "") + flag(row.path(column.name))
            }
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        let totals = totals(of: table)
        if !totals.isEmpty {
            lines.append("| " + columns.enumerated().map { index, column in
                (index == 0 ? "**Total** " : "") + cell(totals[column.name] ?? "") + flag("\(table.name).total.\(column.name)")
            }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func cell(_ text: String) -> String {
        Self.inert(text).replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: "<br>")
    }

    /// A heading, title or message on one line, inert: a line break written in it cannot open a
    /// section of its own.
    static func oneLine(_ text: String) -> String {
        inert(text.split(whereSeparator: \.isNewline).joined(separator: " "))
    }

    /// Text from the plan as Markdown shows it, never as markup: Markdown passes HTML through,
    /// so `<`, `>` and `&` written by anyone are escaped.
    static func inert(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    private func flag(_ path: String) -> String {
        let found = marks(path)
        return found.isEmpty ? "" : " ⚠︎[" + found.map(\.code).joined(separator: ", ") + "]"
    }
}
