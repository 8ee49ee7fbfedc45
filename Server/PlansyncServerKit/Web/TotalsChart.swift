import PlansyncCore

/// County totals as a horizontal bar chart, drawn on the server as inline SVG: no script, it
/// prints, and a screen reader reads its title, its description and the table beside it.
struct TotalsChart {
    let totals: CountyTotals
    let title: String

    /// At most this many bars (the largest); the table lists every line.
    static let bars = 25

    var svg: String {
        let lines = totals.lines.sorted { $0.total > $1.total }.prefix(Self.bars)
        let largest = max(lines.map(\.total).max() ?? 0, 1)
        let rowHeight = 22, labelWidth = 260, barWidth = 420, width = labelWidth + barWidth + 140
        let height = max(lines.count, 1) * rowHeight + 10
        var parts = ["""
            <svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="chart-title" width="\(width)" height="\(height)" viewBox="0 0 \(width) \(height)">
            <title id="chart-title">\(HTMLText.escape(title))</title>
            """]
        for (index, line) in lines.enumerated() {
            let y = index * rowHeight + 5
            // Clamped before it becomes an integer: a negative or absurd total typed by a commune
            // draws no bar rather than trapping the server.
            let length = Int(min(max(Double(line.total) / Double(largest), 0), 1) * Double(barWidth))
            parts.append("""
                <text x="\(labelWidth - 6)" y="\(y + 15)" text-anchor="end">\(HTMLText.escape(String(line.label.prefix(40))))</text>\
                <rect x="\(labelWidth)" y="\(y + 3)" width="\(max(length, 1))" height="\(rowHeight - 6)" fill="#0b4f8a"></rect>\
                <text x="\(labelWidth + max(length, 1) + 6)" y="\(y + 15)">\(HTMLText.escape(Lei.format(bani: line.total)))</text>
                """)
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }
}
