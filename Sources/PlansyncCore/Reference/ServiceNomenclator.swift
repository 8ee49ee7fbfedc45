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
/// No machine-readable copy of the whole nomenclator (HG 867/2015 and its amendments) was
/// available when plansync was written, so the list shipped (`Reference/nomenclator-servicii.csv`)
/// holds the codes the reference plans use, each with its source. An administrator loads a fuller
/// list of the same `code;name;source` form (`--nomenclator FILE`). The format rule applies to
/// every code whether or not it is listed.
public struct ServiceNomenclator: Sendable {
    public struct Entry: Hashable, Sendable {
        public let code: ServiceCode
        public let name: String
        public let source: String
    }

    public let entries: [ServiceCode: Entry]

    public static let shipped = ReferenceList.shipped("nomenclator-servicii", ServiceNomenclator.init(contentsOf:))

    public init(contentsOf url: URL) throws(ReferenceList.LoadError) {
        try self.init(csv: try ReferenceList.text(at: url, what: "the service nomenclator"))
    }

    /// Reads `code;name;source` lines after a header line.
    public init(csv: String) throws(ReferenceList.LoadError) {
        var entries: [ServiceCode: Entry] = [:]
        for (number, line, cells) in ReferenceList.rows(csv) {
            guard cells.count >= 3, let code = ServiceCode(cells[0]) else {
                throw ReferenceList.LoadError("service nomenclator line \(number) is not code;name;source with a code such as 8810 ID-IV: \(line)")
            }
            entries[code] = Entry(code: code, name: cells[1], source: cells[2...].joined(separator: ";"))
        }
        self.entries = entries
    }

    /// The codes a county server lists (``Capabilities/serviceCodes``), without names: what the
    /// checks need to find the same codes known as the county does.
    public init(codes: [String], source: String) {
        entries = Dictionary(codes.compactMap(ServiceCode.init).map { ($0, Entry(code: $0, name: "", source: source)) }) { first, _ in first }
    }

    public func contains(_ code: ServiceCode) -> Bool { entries[code] != nil }
}
