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
    nonisolated(unsafe) private static let numbered = /nr\.?\s*([0-9]+(?:\.[0-9]{3})*)\b/
    /// `nr. din`, `Nr.` at the end: a number left out.
    nonisolated(unsafe) private static let emptyNumber = /\bnr\.?\s*(din\b|$)/
    nonisolated(unsafe) private static let datePattern = /([0-9]{1,2})[.\/]([0-9]{1,2})[.\/]([0-9]{4})/

    nonisolated(unsafe) private static let wordDate = /([0-9]{1,2})\s+(ianuarie|februarie|martie|aprilie|mai|iunie|iulie|august|septembrie|octombrie|noiembrie|decembrie)\s+([0-9]{4})/
    private static let months = ["ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august", "septembrie", "octombrie", "noiembrie", "decembrie"]

    /// The first date in a text, written `dd.mm.yyyy` or with the month's name ("19 februarie
    /// 2020", as council decisions write them).
    static func firstDate(in text: String) -> CalendarDate? {
        // Digits are ASCII: a regex's \d also takes other scripts' digits, which `Int` does not read.
        for match in text.matches(of: datePattern) {
            guard let year = Int(match.output.3), let month = Int(match.output.2), let day = Int(match.output.1) else { continue }
            if let date = CalendarDate(String(format: "%04d-%02d-%02d", year, month, day)) { return date }
        }
        for match in CellKind.folded(text).matches(of: wordDate) {
            guard let month = months.firstIndex(of: String(match.output.2)), let year = Int(match.output.3), let day = Int(match.output.1) else { continue }
            if let date = CalendarDate(String(format: "%04d-%02d-%02d", year, month + 1, day)) { return date }
        }
        return nil
    }
}
