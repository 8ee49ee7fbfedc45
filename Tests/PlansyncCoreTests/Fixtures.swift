import Foundation
import PlansyncCore
import PlansyncProtocol

/// The real plans transcribed into `Tests/Fixtures/*.json`: the three seeds (`../shared/seeds/`)
/// and the published plans the checks had never seen, each with its reviewer's findings beside it
/// (`*.review.md`).
enum Fixtures {
    static let seeds = ["negomir-2024", "pangarati-2023", "targu-frumos-2019"]
    static let unseen = ["sarmizegetusa-2022", "feresti-2025", "pitesti-2019", "popesti-leordeni-2020", "ramnicu-valcea-2020", "fagaras-2021"]
    static let names = seeds + unseen

    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent("\(name).json"))
    }

    /// A fixture imported the way a replica imports it: a create operation, then one operation
    /// per field and row, each checked by the shared rules.
    static func document(_ name: String, by author: inout Author) throws -> PlanDocument {
        let file = try PlanFile.read(try data(name))
        var document = try PlanDocument.created(by: author.operation(on: nil, file.creation))
        for edit in file.edits {
            document = try document.applying(author.operation(on: document.id, edit(document)))
        }
        return document
    }
}
