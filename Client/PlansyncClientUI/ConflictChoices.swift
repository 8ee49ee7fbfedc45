import Foundation
import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol

/// The open conflicts as the page shows them: each value side by side, who wrote it and when,
/// with a button that keeps it. Keeping a value records a new edit that has seen every side
/// (``Replica/resolveConflict(on:keeping:)``): the resolution syncs and merges like any edit.
struct ConflictChoices {
    let conflicts: [(plan: PlanID, conflict: Conflict)]
    let plans: [PlanID: PlanDocument]
    /// Who is behind each device, as the county knows it: never the name an operation claims.
    let people: [DeviceID: Account]
    let language: PageLanguage

    var context: [String: Any] {
        ["conflicts": conflicts.enumerated().map { index, item in conflictContext(index, item.plan, item.conflict) },
         "hasConflicts": !conflicts.isEmpty]
    }

    private func conflictContext(_ index: Int, _ planID: PlanID, _ conflict: Conflict) -> [String: Any] {
        let plan = plans[planID]
        let choices: [[String: Any]] = switch conflict.kind {
        case .concurrentEdit:
            conflict.current.map { choice($0, heading: communeWords["shownNow", in: language], button: communeWords["keepThis", in: language], plan: plan, path: conflict.path) }
                + conflict.others.map { choice($0, heading: communeWords["alsoWritten", in: language], button: communeWords["keepThis", in: language], plan: plan, path: conflict.path) }
        case .editedWhileRemoved:
            [side(conflict.current, heading: communeWords["keptBy", in: language], button: communeWords["keepRow", in: language], plan: plan),
             side(conflict.others, heading: communeWords["removedBy", in: language], button: communeWords["removeRow", in: language], plan: plan)]
        }
        return ["index": String(index + 1), "plan": planID.rawValue, "year": plan.map { String($0.year) } ?? "",
                "path": conflict.path, "place": plan.map { place(of: conflict.path, in: $0) } ?? conflict.path, "choices": choices]
    }

    /// One value of a field or cell.
    private func choice(_ write: Write, heading: String, button: String, plan: PlanDocument?, path: String) -> [String: Any] {
        ["heading": heading, "button": button, "keep": write.id.description,
         "values": [["value": display(write.value, plan: plan, path: path)]], "who": "\(author(write)), \(Self.time(write.hlc))"]
    }

    /// The edits that kept a row, or the removals: kept or removed together by one button.
    private func side(_ writes: [Write], heading: String, button: String, plan: PlanDocument?) -> [String: Any] {
        ["heading": heading, "button": button, "keep": writes.first?.id.description ?? "",
         "values": writes.filter { $0.value != .null }.map { ["value": $0.value.description] },
         "who": writes.map { "\(author($0)), \(Self.time($0.hlc))" }.joined(separator: "; ")]
    }

    private func author(_ write: Write) -> String { people[write.id.device]?.name ?? write.author }

    private func display(_ value: Value, plan: PlanDocument?, path: String) -> String {
        let text = FormText.of(value, kind: plan.flatMap { kind(of: path, in: $0) } ?? .text)
        return text.isEmpty ? communeWords["empty", in: language] : text
    }

    /// Where a path is, in the template's words: "Titlul planului", "A. Serviciile…, rândul 2, Capacitate".
    private func place(of path: String, in plan: PlanDocument) -> String {
        let schema = plan.schema
        guard let open = path.firstIndex(of: "[") else { return schema.field(path)?.label ?? path }
        let tableName = String(path[..<open])
        guard let table = schema.table(tableName), let close = path.firstIndex(of: "]") else { return path }
        let rowID = String(path[path.index(after: open)..<close])
        let place = plan.visibleRows(of: tableName).firstIndex { $0.id.description == rowID }.map { String($0 + 1) } ?? rowID
        var words = "\(table.title), \(communeWords["row", in: language]) \(place)"
        if case .rowField(_, _, let field) = try? PlanPath(path), let column = table.column(field) { words += ", \(column.label)" }
        return words
    }

    private func kind(of path: String, in plan: PlanDocument) -> ValueKind? {
        switch try? PlanPath(path) {
        case .field(let field): plan.schema.kind(ofField: field)
        case .rowField(let table, _, let field): plan.schema.table(table)?.kind(of: field)
        case nil: nil
        }
    }

    static func time(_ stamp: HLCTimestamp) -> String {
        Date(timeIntervalSince1970: Double(stamp.wallMillis) / 1000).formatted(.iso8601)
    }
}
