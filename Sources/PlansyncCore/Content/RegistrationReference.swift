import Foundation

/// A registration reference as written on a document: "Nr. 1143/12.03.2024", "1/5552/20.03.2024",
/// "nr. 83 din data de 14.12.2017", "HCJ 39/2026", or a blank "Nr. ____".
///
/// The number and the date are read from the text; the raw text is what is stored and shown, so
/// nothing a clerk wrote is lost. Who issued it is a separate field next to it.
public struct RegistrationReference: Hashable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// A number, with a date or at least a year.
        case reference
        /// A blank left to fill in ("Nr. ____ / ____").
        case placeholder
        /// "nu este cazul".
        case notApplicable = "nu-este-cazul"
        /// Present but empty.
        case empty
        /// Text from which no number could be read.
        case text
    }

    public let raw: String
    public let kind: Kind
    /// The registration number as written, prefixes included: "1143", "1/5552".
    public let number: String?
    public let date: CalendarDate?
    /// The year, from the date or from "39/2026".
    public let year: Int?

    public init(_ raw: String) {
        self.raw = raw
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        let folded = CellKind.folded(text)
        if text.isEmpty { (kind, number, date, year) = (.empty, nil, nil, nil); return }
        if folded.contains("nu este cazul") { (kind, number, date, year) = (.notApplicable, nil, nil, nil); return }
        let date = Self.firstDate(in: text)
        if let match = text.firstMatch(of: Self.slashed) {
            let number = String(match.output.1)
            let year = date?.year ?? Int(match.output.2).flatMap { $0 >= 1900 ? $0 : nil }
            (kind, self.number, self.date, self.year) = (.reference, number, date, year)
            return
        }
        if let match = folded.firstMatch(of: Self.numbered) {
            (kind, number, self.date, year) = (.reference, String(match.output.1), date, date?.year)
            return
        }
        let blank = text.contains("__") || text.contains("...") || text.contains("…") || folded.contains(Self.emptyNumber)
        (kind, number, self.date, year) = (blank ? .placeholder : .text, nil, date, date?.year)
    }

    /// `1143/12.03.2024`, `1/5552/20.03.2024`, `39/2026`, `1.234/12.03.2025`: the number is
    /// everything before the last slash, the date or year after it.
    nonisolated(unsafe) private static let slashed = /((?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:\s*\/\s*[0-9]+)*)\s*\/\s*([0-9]{2}\.[0-9]{2}\.[0-9]{4}|[0-9]{4})\b/
    /// `nr. 83 din data de 14.12.2017`, `nr. 294 din 21.12.2022`, `nr.30.297 din 15.03.2021`
    /// (thousands grouped with dots, as registries number them).
    nonisolated(unsafe) private static let numbered = /(?:nr|numar|numarul|hcl|hcj|hotararea|hotararii|dispozitia|decizia)\.?\s*:?\s*(?:nr\.?\s*)?([0-9]+(?:\.[0-9]{3})*)\b/
    /// `nr. din`, `Nr.` at the end: a number left out.
    nonisolated(unsafe) private static let emptyNumber = /\bnr\.?\s*(din\b|$)/
    nonisolated(unsafe) private static let datePattern = /([0-9]{1,2})[.\/]([0-9]{1,2})[.\/]([0-9]{4})/
    /// `10.02.25`: a two-digit year, this century's.
    nonisolated(unsafe) private static let shortDate = /\b([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{2})(?![0-9])/

    nonisolated(unsafe) private static let wordDate = /([0-9]{1,2})\s+(ianuarie|februarie|martie|aprilie|mai|iunie|iulie|august|septembrie|octombrie|noiembrie|decembrie)\s+([0-9]{4})/
    private static let months = ["ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august", "septembrie", "octombrie", "noiembrie", "decembrie"]

    /// The first date in a text, written `dd.mm.yyyy`, `dd/mm/yyyy`, `dd.mm.yy` or with the
    /// month's name ("19 februarie 2020", as council decisions write them): the one that comes
    /// first, whatever its form.
    static func firstDate(in text: String) -> CalendarDate? {
        var found: [(at: String.Index, date: CalendarDate)] = []
        // Digits are ASCII: a regex's \d also takes other scripts' digits, which `Int` does not read.
        if let match = text.matches(of: datePattern).first(where: { date($0.output.3, $0.output.2, $0.output.1) != nil }) {
            found.append((match.range.lowerBound, date(match.output.3, match.output.2, match.output.1)!))
        }
        if let match = text.matches(of: shortDate).first(where: { date("20" + $0.output.3, $0.output.2, $0.output.1) != nil }) {
            found.append((match.range.lowerBound, date("20" + match.output.3, match.output.2, match.output.1)!))
        }
        // Folding keeps the text's length in characters, so positions compare through offsets.
        let folded = CellKind.folded(text)
        if let match = folded.matches(of: wordDate).first(where: { months.contains(String($0.output.2)) }),
           let month = months.firstIndex(of: String(match.output.2)), let day = date(match.output.3, Substring(String(month + 1)), match.output.1) {
            let offset = folded.distance(from: folded.startIndex, to: match.range.lowerBound)
            found.append((text.index(text.startIndex, offsetBy: offset, limitedBy: text.endIndex) ?? text.endIndex, day))
        }
        return found.min { $0.at < $1.at }?.date
    }

    private static func date(_ year: Substring, _ month: Substring, _ day: Substring) -> CalendarDate? {
        guard let year = Int(year), let month = Int(month), let day = Int(day) else { return nil }
        return CalendarDate(String(format: "%04d-%02d-%02d", year, month, day))
    }
}
