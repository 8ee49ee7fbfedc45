import Foundation

/// The reference lists an administrator can replace (SIRUTA, service nomenclator): `;`-separated
/// text files with a header line, read the same way so their errors read the same way.
public enum ReferenceList {
    /// Why a list could not be loaded: which file or line, and what was expected.
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// The text of a list file; `what` names the list in the error ("the SIRUTA list").
    static func text(at url: URL, what: String) throws(LoadError) -> String {
        do { return try String(contentsOf: url, encoding: .utf8) } catch {
            throw LoadError("cannot read \(what) \(url.path): \(error.localizedDescription)")
        }
    }

    /// The data lines after the header: their 1-based line number, the line, and its cells.
    static func rows(_ csv: String) -> [(number: Int, line: Substring, cells: [String])] {
        csv.split(whereSeparator: \.isNewline).enumerated().dropFirst().map { index, line in
            (index + 1, line, line.split(separator: ";", omittingEmptySubsequences: false).map(String.init))
        }
    }

    /// A list shipped as a resource of this module; a missing one is a broken installation.
    static func shipped<List>(_ name: String, _ load: (URL) throws -> List) -> List {
        guard let url = Bundle.module.url(forResource: name, withExtension: "csv"), let list = try? load(url) else {
            fatalError("plansync is installed without its reference list \(name).csv")
        }
        return list
    }
}
