import PlansyncProtocol

/// A conflict a user should look at: derived from the document, so every replica that holds the
/// same operations reports exactly the same conflicts.
public struct Conflict: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// Two or more devices set the same field without seeing each other's edit.
        case concurrentEdit
        /// A row was removed while someone else, who had not seen the removal, edited it. The row is kept.
        case editedWhileRemoved
    }

    public var kind: Kind
    /// Where: `title`, or `services[k3f9a1c2.7].capacity`, or `services[k3f9a1c2.7]` for a row.
    public var path: String
    /// The value everyone sees now (for a kept row: the edits that kept it).
    public var current: [Write]
    /// The values that lost (for a kept row: the removals).
    public var others: [Write]
}

extension PlanDocument {
    /// Open conflicts, in a stable order. A later edit of the field (or of the kept row) resolves them.
    public var conflicts: [Conflict] {
        var found: [Conflict] = []
        for path in fields.keys.sorted() where fields[path]!.heads.count > 1 {
            let register = fields[path]!
            found.append(Conflict(kind: .concurrentEdit, path: path, current: [register.winner!], others: Array(register.losers)))
        }
        for table in tables.keys.sorted() {
            for row in visibleRows(of: table) {
                for field in row.fields.keys.sorted() where row.fields[field]!.heads.count > 1 {
                    let register = row.fields[field]!
                    found.append(Conflict(
                        kind: .concurrentEdit, path: "\(table)[\(row.id)].\(field)",
                        current: [register.winner!], others: Array(register.losers)))
                }
                if !row.removals.isEmpty {
                    let seen = Set(row.removals.flatMap(\.seen))
                    let keeping = row.fields.keys.sorted().flatMap { row.fields[$0]!.heads } + row.position.heads
                    found.append(Conflict(
                        kind: .editedWhileRemoved, path: "\(table)[\(row.id)]",
                        current: keeping.filter { !seen.contains($0.id) },
                        others: row.removals.map { Write(id: $0.id, hlc: $0.hlc, author: $0.author, value: .null) }))
                }
            }
        }
        return found
    }
}
