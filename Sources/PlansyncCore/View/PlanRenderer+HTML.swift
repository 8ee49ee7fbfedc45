extension PlanRenderer {
    /// The element the plan stands in: the page's main part, or an article of a larger page.
    public enum HTMLLandmark: String, Sendable {
        case main, article
    }

    /// A standalone HTML page: the plan, and the findings beside it (below it when printed).
    public var html: String {
        """
            <!DOCTYPE html>
            <html lang="ro"><head><meta charset="utf-8"><title>\(escape(heading.title))</title>
            <style>
            body{font-family:"Times New Roman",serif;margin:2em;display:grid;grid-template-columns:minmax(0,1fr) \(findings.isEmpty ? "" : "22em");gap:2em}
            h1{font-size:1.3em;text-align:center}.subtitle{text-align:center;color:#444}
            table{border-collapse:collapse;width:100%;margin:.5em 0 1em;font-size:.9em}th,td{border:1px solid #000;padding:.25em .4em;vertical-align:top}
            th{background:#eee}td.num{text-align:right;white-space:nowrap}tr.total td{font-weight:bold}
            .label{font-weight:bold}.field{margin:.3em 0}.empty{color:#666;font-style:italic}
            .error{background:#fdd}.warning{background:#ffd}sup.mark{color:#a00}
            aside{font-family:sans-serif;font-size:.85em}aside li{margin:.4em 0;padding:.2em}
            @media print{body{display:block}aside{page-break-before:always}}
            </style></head>
            <body>\(htmlBody(in: .main))</body></html>

            """
    }

    /// The plan (in a `<main>`, or an `<article>` inside a page that has its own main part) and
    /// its findings (`<aside>`, when there are any), every text escaped: what the county's web
    /// page shows inside its own layout.
    public func htmlBody(in landmark: HTMLLandmark = .article) -> String {
        let head = heading
        var body = ["<header><h1>\(escape(head.title))</h1><p class=\"subtitle\">\(escape(head.subtitle))</p></header>"]
        for (section, blocks) in sections {
            let parts = blocks.map { block in
                switch block {
                case .field(let field, let value):
                    "<div class=\"field\(markClass(field.path))\" id=\"\(field.path)\"><span class=\"label\">\(escape(field.label))</span> "
                        + "<span class=\"value\">\(multiline(display(value, kind: field.kind)))</span>\(markers(field.path))</div>"
                case .table(let table):
                    self.table(table)
                }
            }
            body.append("<section><h\(section.level + 1)>\(escape(heading(of: section)))</h\(section.level + 1)>\n" + parts.joined(separator: "\n") + "\n</section>")
        }
        let aside = findings.isEmpty ? "" : """
            <aside><h2>Constatări (\(findings.filter { $0.severity == .error }.count) erori, \(findings.filter { $0.severity == .warning }.count) avertismente)</h2><ol>
            \(findings.map { "<li class=\"\($0.severity.rawValue)\"><b>\($0.severity.romanian)</b> <code>\(escape($0.code))</code> \($0.path.isEmpty ? "" : "<a href=\"#\(escape($0.path))\">\(escape($0.path))</a>") — \(escape($0.message))</li>" }.joined(separator: "\n"))
            </ol></aside>
            """
        return """
            <\(landmark.rawValue)>
            \(body.joined(separator: "\n"))
            </\(landmark.rawValue)>
            \(aside)

            """
    }

    private func table(_ table: TableSchema) -> String {
        let rows = content.rows(table.name)
        let title = "<h4 id=\"\(table.name)\" class=\"\(markClass(table.name).trimmingCharacters(in: .whitespaces))\">\(escape(title(of: table)))\(markers(table.name))</h4>"
        guard !rows.isEmpty else { return title + "<p class=\"empty\">(necompletat)</p>" }
        let columns = columns(of: table)
        var lines = [title, "<table><thead><tr>" + columns.map { "<th>\(escape($0.label))</th>" }.joined() + "</tr></thead><tbody>"]
        for (index, row) in rows.enumerated() {
            var cells = ""
            for column in columns {
                let path = row.path(column.name)
                if Self.mergedColumns.contains(column.name), index > 0, rows[index - 1].values[column.name] == row.values[column.name] { continue }
                let span = Self.mergedColumns.contains(column.name)
                    ? rows[(index + 1)...].prefix { $0.values[column.name] == row.values[column.name] }.count + 1 : 1
                let value = row.values[column.name].map { display($0, kind: column.kind) } ?? ""
                let numeric = column.kind == .money || column.kind == .count || column.kind == .amount || column.kind == .integer
                let classes = (numeric ? "num" : "") + markClass(path)
                cells += "<td id=\"\(path)\"" + (span > 1 ? " rowspan=\"\(span)\"" : "") + (classes.isEmpty ? "" : " class=\"\(classes.trimmingCharacters(in: .whitespaces))\"")
                    + ">\(multiline(value))\(markers(path))</td>"
            }
            lines.append("<tr>\(cells)</tr>")
        }
        let totals = totals(of: table)
        if !totals.isEmpty {
            let cells = columns.enumerated().map { index, column in
                let path = "\(table.name).total.\(column.name)"
                return "<td class=\"num\(markClass(path))\" id=\"\(path)\">" + (index == 0 ? "Total " : "") + escape(totals[column.name] ?? "") + markers(path) + "</td>"
            }
            lines.append("<tr class=\"total\">\(cells.joined())</tr>")
        }
        lines.append("</tbody></table>")
        return lines.joined(separator: "\n")
    }

    private func markClass(_ path: String) -> String {
        let found = marks(path)
        guard let worst = found.map(\.severity).min() else { return "" }
        return " \(worst.rawValue)"
    }

    private func markers(_ path: String) -> String {
        let found = marks(path)
        guard !found.isEmpty else { return "" }
        return "<sup class=\"mark\" title=\"\(escape(found.map(\.message).joined(separator: " ")))\">[\(found.map(\.code).joined(separator: ", "))]</sup>"
    }

    private func multiline(_ text: String) -> String {
        escape(text).replacingOccurrences(of: "\n", with: "<br>")
    }

    func escape(_ text: String) -> String { HTMLText.escape(text) }
}

/// Text put into HTML: every `&`, `<`, `>` and `"` as an entity, so nothing a person wrote
/// becomes markup.
public enum HTMLText {
    public static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }
}
