import PlansyncCore
import PlansyncProtocol

extension Replica {
    /// Settles an open conflict the way the merge rules do (R3, R6): by an ordinary edit made
    /// after seeing it, which keeps the value chosen. The resolution is itself an operation, so
    /// it syncs and merges like any edit; `plansync conflicts --keep OPID` and the commune's web
    /// page both come here.
    ///
    /// - Parameter kept: the write to keep — one of a field's concurrent values; for a row edited
    ///   while it was removed, one of the edits that kept it (the row stays, with that edit) or
    ///   one of the removals (the row goes).
    @discardableResult
    public func resolveConflict(on plan: PlanID, keeping kept: OpID) throws -> PlanDocument {
        try record(on: plan) { current in
            let document = current!
            guard let conflict = document.conflicts.first(where: { ($0.current + $0.others).contains { $0.id == kept } }) else {
                throw ClientError("Plan \(plan) has no open conflict with the value \(kept): it may be settled already. `plansync conflicts` lists the open ones.")
            }
            let editor = PlanEditor(plan: document)
            switch conflict.kind {
            case .concurrentEdit:
                let value = (conflict.current + conflict.others).first { $0.id == kept }!.value
                switch try PlanPath(conflict.path) {
                case .field(let path):
                    return editor.setField(path, to: value)
                case .rowField(let table, let reference, let field):
                    return editor.setRowField(table, row: try document.findRow(reference, in: table), field: field, to: value)
                }
            case .editedWhileRemoved:
                // The path names the row: `services[k3f9a1c2.7]`.
                let table = String(conflict.path.prefix { $0 != "[" })
                let reference = String(conflict.path.dropFirst(table.count + 1).dropLast())
                let id = try document.findRow(reference, in: table)
                if conflict.others.contains(where: { $0.id == kept }) { return editor.removeRow(table, row: id) }
                let row = document.row(id, in: table)!
                // Write the kept edit again, having seen the removals: the row stays.
                if let edited = row.fields.first(where: { $0.value.headIDs.contains(kept) }) {
                    return editor.setRowField(table, row: id, field: edited.key, to: edited.value.heads.first { $0.id == kept }!.value)
                }
                return editor.placeRow(table, row: id, at: row.positionKey)
            }
        }
    }
}
