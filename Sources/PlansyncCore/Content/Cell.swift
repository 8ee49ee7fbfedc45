import Foundation

/// How a table cell was written. Real plans put far more than numbers in numeric columns, and a
/// reviewer reads "-" (nothing planned) differently from an empty cell (forgotten) or
/// "nu este cazul" (explicitly not applicable), so the kind is kept, never guessed away.
public enum CellKind: String, Codable, Sendable, CaseIterable {
    /// A number other than zero.
    case value
    /// Zero, written as a number ("0").
    case zero
    /// A dash: "-", "–" or "—", also written into a dotted blank ("-.....").
    case dash
    /// Present but empty.
    case empty
    /// "nu este cazul" (not applicable), in any spelling of case or diacritics.
    case notApplicable = "nu-este-cazul"
    /// A blank to fill in: "*", "____", ".....".
    case placeholder
    /// Free text, such as "În funcție de numărul de cazuri".
    case text

    /// Classifies what is not a number; `nil` when `raw` has to be read as a number.
    static func nonNumeric(_ raw: String) -> CellKind? {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return .empty }
        if ["-", "–", "—"].contains(trimmed) { return .dash }
        // A dash written into the template's dotted blank ("-.....") is the clerk's "none".
        if let first = trimmed.first, "-–—".contains(first), trimmed.dropFirst().allSatisfy({ "._…".contains($0) }) { return .dash }
        // Folding is dear on long prose: only text that may say it is folded.
        let lower = trimmed.lowercased()
        if lower.contains("cazul") || lower.contains("aplic"),
           ["nu este cazul", "nu e cazul", "nu se aplica"].contains(where: Self.folded(trimmed).contains) { return .notApplicable }
        if trimmed.allSatisfy({ "_*.…-–/ ".contains($0) }) { return .placeholder }
        return nil
    }

    /// Lower case without diacritics, for matching words as clerks type them.
    static func folded(_ text: String) -> String {
        text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "ro"))
    }
}

/// A whole-number cell (capacity, occupancy, persons, votes) as written.
public struct CountCell: Hashable, Sendable {
    public let raw: String
    public let kind: CellKind
    /// The number when ``kind`` is `.value` or `.zero`.
    public let number: Int64?

    public init(_ raw: String) {
        self.raw = raw
        if let kind = CellKind.nonNumeric(raw) {
            (self.kind, number) = (kind, nil)
        } else if let decimal = RomanianNumber(Self.figure(of: raw)), decimal.fractionDigits == 0 {
            number = decimal.units
            kind = decimal.units == 0 ? .zero : .value
        } else {
            (kind, number) = (.text, nil)
        }
    }

    /// Words a count may be written with: "20 locuri", "45 de persoane".
    nonisolated(unsafe) static let countWords = /\s+(?:de\s+)?(?:locuri|persoane|pers\.?|beneficiari|paturi|copii|familii|cazuri|varstnici)\s*$/

    /// The figure of a count cell: the text without the word the count is of.
    static func figure(of raw: String) -> String {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        guard let match = CellKind.folded(trimmed).firstMatch(of: countWords) else { return trimmed }
        let kept = CellKind.folded(trimmed).distance(from: CellKind.folded(trimmed).startIndex, to: match.range.lowerBound)
        return String(trimmed.prefix(kept))
    }

    /// The number, or zero for cells that hold none ("-", empty, "nu este cazul"): what a column
    /// total counts.
    public var countedValue: Int64 { number ?? 0 }
}

/// A number written the Romanian way: "15.000" is fifteen thousand, "12,5" twelve and a half,
/// "15 000" fifteen thousand. Kept as an integer of units and a count of decimals, never a float.
struct RomanianNumber: Equatable {
    let units: Int64
    let fractionDigits: Int

    init?(_ text: String) {
        var body = Substring(text)
        let negative = body.first == "-"
        if negative { body = body.dropFirst() }
        let parts = body.split(separator: ",", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : ""
        guard !whole.isEmpty, parts.count == 1 || !fraction.isEmpty, fraction.allSatisfy(\.isASCIIDigit) else { return nil }
        let groups = whole.split(omittingEmptySubsequences: false) { $0 == "." || $0 == " " || $0 == "\u{00A0}" }
        guard groups.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }),
              groups.count == 1 || (groups[0].count <= 3 && groups.dropFirst().allSatisfy { $0.count == 3 })
        else { return nil }
        guard let value = Int64(groups.joined() + fraction), fraction.count <= 6 else { return nil }
        units = negative ? -value : value
        fractionDigits = fraction.count
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
