import Crypto
import Foundation

/// A bearer secret: enrollment token, device credential or county credential.
///
/// Written `ps<kind>_<county code>_<secret>`, e.g. `psd_18_Q2x…`: the county code routes the
/// request to that county's database, the kind letter lets a clerk tell them apart when pasting.
/// The server stores only the SHA-256 of a credential: 256 random bits make a slow hash pointless,
/// and a stolen database file then holds no usable credential.
struct Credential: Hashable, Sendable {
    enum Kind: String, Sendable {
        case enrollment = "pse"
        case device = "psd"
        case county = "psc"
    }

    let kind: Kind
    let countyCode: Int
    let text: String

    /// A new random credential of this kind for this county.
    static func generate(_ kind: Kind, county: Int) -> Credential {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let secret = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return Credential(kind: kind, countyCode: county, text: "\(kind.rawValue)_\(county)_\(secret)")
    }

    /// Parses a credential's text; `nil` when it is not of the form above.
    init?(_ text: String) {
        let parts = text.split(separator: "_", maxSplits: 2)
        guard parts.count == 3, let kind = Kind(rawValue: String(parts[0])), let county = Int(parts[1]),
              parts[2].count >= 32
        else { return nil }
        self.init(kind: kind, countyCode: county, text: text)
    }

    private init(kind: Kind, countyCode: Int, text: String) {
        self.kind = kind
        self.countyCode = countyCode
        self.text = text
    }

    /// What the database keeps.
    var hash: Data { Data(SHA256.hash(data: Data(text.utf8))) }
}
