import PlansyncProtocol

/// The path syntax of `plansync plan set ID PATH VALUE`.
///
/// - `title`, `context.consultation`: a plan field (see `plansync plan fields`);
/// - `services[ROW].capacity`: a field of a table row, where ROW is the row's id (`k3f9a1c2.7`),
///   a unique start of it, or its 1-based place in the table as shown (`services[2].capacity`).
public enum PlanPath: Equatable, Sendable {
    case field(String)
    case rowField(table: String, row: String, field: String)

    public struct SyntaxError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(_ text: String) throws(SyntaxError) {
        guard let open = text.firstIndex(of: "[") else {
            guard !text.isEmpty, !text.contains("]") else {
                throw SyntaxError(description: "'\(text)' is not a path: write a field such as title or a cell such as services[2].capacity.")
            }
            self = .field(text)
            return
        }
        guard let close = text[open...].firstIndex(of: "]"),
              text[text.index(after: close)...].first == ".",
              case let field = String(text[text.index(close, offsetBy: 2)...]), !field.isEmpty,
              case let row = String(text[text.index(after: open)..<close]), !row.isEmpty,
              open > text.startIndex
        else {
            throw SyntaxError(description: "'\(text)' is not a cell path: write TABLE[ROW].FIELD, for example services[2].capacity.")
        }
        self = .rowField(table: String(text[..<open]), row: row, field: field)
    }
}

extension PlanDocument {
    /// Finds a row from what a user typed: an id, a unique start of one, or a 1-based place.
    public func findRow(_ reference: String, in table: String) throws(PlanPath.SyntaxError) -> RowID {
        let rows = visibleRows(of: table)
        if let place = Int(reference) {
            guard rows.indices.contains(place - 1) else {
                throw PlanPath.SyntaxError(description: "\(table) has \(rows.count) rows; there is no row \(place).")
            }
            return rows[place - 1].id
        }
        // A whole id is that row, even when it starts another's (`ab12cd34.3` and `ab12cd34.35`).
        if let exact = rows.first(where: { $0.id.description == reference }) { return exact.id }
        let matches = rows.filter { $0.id.description.hasPrefix(reference) }
        guard matches.count == 1 else {
            throw PlanPath.SyntaxError(description: matches.isEmpty
                ? "\(table) has no row \(reference)."
                : "'\(reference)' matches \(matches.count) rows of \(table); type more of the id.")
        }
        return matches[0].id
    }
}

extension ValueKind {
    /// Reads a value as a clerk types it: cells are kept as typed ("15.000", "-"), `12.03.2024`
    /// is a date, an empty text clears the field.
    public func parse(_ text: String) throws(PlanPath.SyntaxError) -> Value {
        if text.isEmpty { return .null }
        switch self {
        case .text, .count, .money, .reference:
            return .text(text)
        case .integer, .amount:
            let digits = text.replacingOccurrences(of: ".", with: "").replacingOccurrences(of: " ", with: "")
            guard let number = Int64(digits) else {
                throw PlanPath.SyntaxError(description: "'\(text)' is not \(expectation); write digits, e.g. 15.000 or 15000.")
            }
            return .integer(number)
        case .date:
            let parts = text.split(separator: ".")
            let iso = parts.count == 3 ? "\(parts[2])-\(parts[1])-\(parts[0])" : text
            guard CalendarDate(iso) != nil else {
                throw PlanPath.SyntaxError(description: "'\(text)' is not a date; write 12.03.2024 or 2024-03-12.")
            }
            return .text(iso)
        }
    }
}
