/// The language a web page is written in: Romanian by default, English on request (`?lang=en`).
/// Domain terms stay Romanian in both (aviz, HCL, UAT).
public enum PageLanguage: String, Sendable, CaseIterable {
    case ro, en

    /// The language the page offers to switch to.
    public var other: PageLanguage { self == .ro ? .en : .ro }

    /// A count with its noun: "1 rând", "2 rânduri", "20 de rânduri"; "1 line", "2 lines".
    public func count(_ number: Int, ro: (one: String, many: String), en: (one: String, many: String)) -> String {
        switch self {
        case .en: return "\(number) \(number == 1 ? en.one : en.many)"
        case .ro:
            if number == 1 { return "1 \(ro.one)" }
            // Romanian puts "de" between a number and its noun from 20 on, except after 1–19 in the last two digits.
            let lastTwo = number % 100
            return lastTwo == 0 && number > 0 || lastTwo >= 20 ? "\(number) de \(ro.many)" : "\(number) \(ro.many)"
        }
    }
}

/// The words of a set of web pages (the county's, the commune's), each word once with its two
/// languages side by side, so that one language cannot gain a key the other lacks.
public struct PageWords: Sendable {
    private let table: [String: (ro: String, en: String)]

    public init(_ table: [String: (ro: String, en: String)]) {
        self.table = table
    }

    /// Every word in `language`, by key: what templates read as `{{w.key}}`.
    public func all(in language: PageLanguage) -> [String: String] {
        table.mapValues { language == .ro ? $0.ro : $0.en }
    }

    /// One word in `language`; its key when the table has none (a page shows it rather than nothing).
    public subscript(_ key: String, in language: PageLanguage) -> String {
        table[key].map { language == .ro ? $0.ro : $0.en } ?? key
    }
}
