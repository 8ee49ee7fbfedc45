import Foundation

/// A social service code of the nomenclator (HG 867/2015): `8810 ID-IV`, `8899 CZ-PN-V`.
///
/// CAEN class, service type (CR residential, CZ day centre, ID home care, …), the beneficiary
/// category where the type has one (home care `ID` codes have none), and a Roman numeral. Real
/// documents vary the spacing and dashes (`8810 ID - IV`, `8899 CZ – PN – V`, `8810 ID IV`); the
/// code is read through them and compared in its normal form.
public struct ServiceCode: Hashable, Sendable, CustomStringConvertible {
    public let caen: String
    public let type: String
    public let category: String?
    public let numeral: String

    /// CAEN classes of social work (Rev. 2 groups 87 and 88): a code outside them is not a social
    /// service code.
    static let socialWorkClasses: Set<String> = ["8710", "8720", "8730", "8790", "8810", "8891", "8899"]

    nonisolated(unsafe) private static let pattern = /^(\d{4})\s*([A-Z]{2,3})(?:-([A-Z]{1,3}))?-([IVXL]+)$/

    /// Reads a code as written; `nil` if it is not of the nomenclator's form.
    public init?(_ written: String) {
        var text = written.trimmingCharacters(in: .whitespaces)
        for dash in ["–", "—", "‑"] { text = text.replacingOccurrences(of: dash, with: "-") }
        text = text.replacingOccurrences(of: #"\s*-\s*"#, with: "-", options: .regularExpression)
        // "Cod 8810 ID-I", "cod serviciu: 8810 ID-I": the word before the code.
        text = text.replacingOccurrences(of: #"^(?i:cod)[^0-9]*"#, with: "", options: .regularExpression)
        // "8899-CZ-PN-V": a dash in place of the space after the CAEN class.
        text = text.replacingOccurrences(of: #"^(\d{4})-([A-Z]{2,3})"#, with: "$1 $2", options: .regularExpression)
        // "8810 ID IV": a space in place of a dash after the type.
        text = text.replacingOccurrences(of: #"^(\d{4})\s+([A-Z]{2,3})\s+"#, with: "$1 $2-", options: .regularExpression)
        guard let match = text.firstMatch(of: Self.pattern), Self.socialWorkClasses.contains(String(match.output.1)) else { return nil }
        caen = String(match.output.1)
        type = String(match.output.2)
        category = match.output.3.map(String.init)
        numeral = String(match.output.4)
        // Home care has no beneficiary category in the nomenclator.
        if type == "ID" && category != nil { return nil }
    }

    /// The normal form: `8899 CZ-PN-V`.
    public var description: String {
        "\(caen) \(type)-" + (category.map { "\($0)-" } ?? "") + numeral
    }

    /// Residential services (centre rezidențiale), the only ones with beds.
    public var isResidential: Bool { type == "CR" }
}

/// The service codes plansync knows, with where each comes from.
///
/// The nomenclator of HG 867/2015 (amended by HG 584/2016 and HG 1433/2022) is a table of about a
/// hundred codes, each with its name and framework regulation (cu cazare, de zi, la domiciliu, în
/// comunitate). No machine-readable copy of it could be had when this list was written, so the
/// list shipped (`Reference/nomenclator-servicii.csv`, its sources in `nomenclator-sources.md`)
/// holds the codes confirmed in the act's published text, in the providers' regulations and in
/// real plans, each line saying where. An administrator loads the whole table in the same
/// `code;type;category;name;regulation;source` form (`--nomenclator FILE`; the older
/// `code;name;source` form is read too).
///
/// A partial list cannot say a code does not exist, so against it an unlisted code is checked
/// for what the list does show: its service type, and the CAEN class of the codes of its type and
/// category (`8899 ID-I` is wrong: home care is 8810). Against a whole table (``isComplete``) an
/// unlisted code is a finding in itself.
public struct ServiceNomenclator: Sendable {
    public struct Entry: Hashable, Sendable {
        public let code: ServiceCode
        public let name: String
        /// The framework regulation: "cu cazare", "de zi", "la domiciliu", "în comunitate".
        public let regulation: String
        public let source: String
    }

    public let entries: [ServiceCode: Entry]

    public static let shipped = ReferenceList.shipped("nomenclator-servicii", ServiceNomenclator.init(contentsOf:))

    public init(contentsOf url: URL) throws(ReferenceList.LoadError) {
        try self.init(csv: try ReferenceList.text(at: url, what: "the service nomenclator"))
    }

    /// Reads the lines after a header line naming the columns: `code` first, then any of
    /// `type`, `category`, `name`, `regulation`, `source`. A header in other words ("Cod;Denumire;Sursa")
    /// is the older form, read by position: code, name, source.
    public init(csv: String) throws(ReferenceList.LoadError) {
        let named = csv.prefix { !$0.isNewline }.split(separator: ";", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let header = named.first == "code" ? named : ["code", "name", "source"]
        let column = { (name: String) in header.firstIndex(of: name) }
        var entries: [ServiceCode: Entry] = [:]
        for (number, line, cells) in ReferenceList.rows(csv) {
            guard cells.count == header.count || (cells.count > header.count && header.last == "source"), let code = ServiceCode(cells[0]) else {
                throw ReferenceList.LoadError("service nomenclator line \(number) is not \(header.joined(separator: ";")) with a code such as 8810 ID-IV: \(line)")
            }
            let cell = { (name: String) in column(name).map { cells[$0] } ?? "" }
            // A source may itself hold ";": it runs to the end of the line.
            let source = column("source").map { cells[$0...].joined(separator: ";") } ?? ""
            entries[code] = Entry(code: code, name: cell("name"), regulation: cell("regulation"), source: source)
        }
        self.entries = entries
    }

    /// The codes a county server lists (``Capabilities/serviceCodes``), without names: what the
    /// checks need to find the same codes known as the county does.
    public init(codes: [String], source: String) {
        entries = Dictionary(codes.compactMap(ServiceCode.init).map { ($0, Entry(code: $0, name: "", regulation: "", source: source)) }) { first, _ in first }
    }

    public func contains(_ code: ServiceCode) -> Bool { entries[code] != nil }

    /// Whether the list is the whole table rather than the codes confirmed so far: the
    /// nomenclator has about a hundred codes, so a list of fewer than 60 is a partial one.
    public var isComplete: Bool { entries.count >= 60 }

    /// The service types the list has (CR, CZ, ID).
    public var types: Set<String> { Set(entries.keys.map(\.type)) }

    /// The CAEN classes of the listed codes of `code`'s type and category.
    public func classes(ofKind code: ServiceCode) -> Set<String> {
        Set(entries.keys.filter { $0.type == code.type && $0.category == code.category }.map(\.caen))
    }
}
