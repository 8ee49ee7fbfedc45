import Foundation
import PlansyncProtocol

/// A UAT of Romania as the SIRUTA register lists it.
public struct UAT: Hashable, Sendable, Codable {
    public enum Kind: String, Codable, Sendable {
        case comuna, oras, municipiu
    }
    public let siruta: Siruta
    /// Upper case with diacritics, as INS writes it ("ORAȘ TÂRGU FRUMOS").
    public let name: String
    public let county: County
    public let kind: Kind
}

/// A county (județ) or Bucharest, by its SIRUTA county code (Gorj is 18).
public struct County: Hashable, Sendable, Codable, CustomStringConvertible {
    public let code: Int
    public let name: String
    public init(code: Int, name: String) {
        self.code = code
        self.name = name
    }
    public var description: String { "\(name) (\(code))" }
}

/// Every UAT of Romania (3,181), from the INS SIRUTA classification shipped with plansync
/// (`Reference/siruta-uat.csv`). An administrator can load a newer list of the same format.
///
/// UATs are matched by SIRUTA code, never by name: documents drop diacritics and prefixes.
public struct SirutaRegistry: Sendable {
    public let uats: [Siruta: UAT]

    /// The list shipped with plansync.
    public static let shipped = ReferenceList.shipped("siruta-uat", SirutaRegistry.init(contentsOf:))

    public init(contentsOf url: URL) throws(ReferenceList.LoadError) {
        try self.init(csv: try ReferenceList.text(at: url, what: "the SIRUTA list"))
    }

    /// Reads `siruta;name;county_code;county;uat_type;insse_tip` lines (a header line first).
    public init(csv: String) throws(ReferenceList.LoadError) {
        var uats: [Siruta: UAT] = [:]
        for (number, line, cells) in ReferenceList.rows(csv) {
            guard cells.count >= 5, let code = Int(cells[0]), let countyCode = Int(cells[2]),
                  let kind = UAT.Kind(rawValue: cells[4])
            else { throw ReferenceList.LoadError("SIRUTA list line \(number) is not siruta;name;county_code;county;uat_type: \(line)") }
            uats[Siruta(code)] = UAT(
                siruta: Siruta(code), name: cells[1], county: County(code: countyCode, name: cells[3]), kind: kind)
        }
        guard !uats.isEmpty else { throw ReferenceList.LoadError("the SIRUTA list is empty") }
        self.uats = uats
    }

    public subscript(siruta: Siruta) -> UAT? { uats[siruta] }

    public var counties: [County] { Set(uats.values.map(\.county)).sorted { $0.code < $1.code } }

    /// A county by code ("18") or name, without regard to case or diacritics ("gorj", "Neamt").
    public func county(named text: String) -> County? {
        if let code = Int(text) { return counties.first { $0.code == code } }
        let wanted = Self.fold(text)
        return counties.first { Self.fold($0.name) == wanted }
    }

    static func fold(_ text: String) -> String {
        text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
    }
}

extension Siruta {
    /// Whether the last digit is the check digit of the others: the digits before it, right to
    /// left, weighted 1, 2, 3, 5, 7; the digit sums of the products added; check digit
    /// (11 − sum mod 10) mod 10. 77 codes of the official list do not follow it, so a code in the
    /// list is valid whatever this says (see ``SirutaRegistry``).
    public var hasValidCheckDigit: Bool {
        guard rawValue >= 10 else { return false }
        var body = rawValue / 10
        var sum = 0
        for weight in [1, 2, 3, 5, 7] where body > 0 {
            let product = (body % 10) * weight
            sum += product / 10 + product % 10
            body /= 10
        }
        guard body == 0 else { return false }
        return (11 - sum % 10) % 10 == rawValue % 10
    }
}
