import PlansyncProtocol

/// The one place an operation changes a plan, on the client and on the server alike.
///
/// Callers check an operation with ``OperationRules`` first and deliver operations in causal
/// order, each once (the change log and the server's history guarantee both). Under those
/// conditions applying the same operations in any interleaving gives the same document: that is
/// what makes every replica converge. The property tests check it over thousands of schedules.
extension PlanDocument {
    /// Starts a plan from its create operation.
    public static func created(by operation: PlanOperation) throws(Rejection) -> PlanDocument {
        guard case .createPlan(let siruta, let year, let template) = operation.change else {
            throw Rejection(code: "plan-not-found", message: "Planul \(operation.plan) nu există (plan not found).")
        }
        return PlanDocument(creating: operation, siruta: siruta, year: year, template: template)
    }

    /// Applies one checked operation to this plan.
    public mutating func apply(_ operation: PlanOperation) {
        let write = { (value: Value) in
            Write(id: operation.id, hlc: operation.hlc, author: operation.author, value: value)
        }
        if case .createPlan = operation.change { return }
        if PlanArea.of(operation.change) == .content { openDraftIfFrozen(for: operation) }
        switch operation.change {
        case .createPlan:
            return
        case .act(let number, let act):
            apply(act: act, on: number, by: operation)
        case .setField(let path, let value, let supersedes):
            if fields[path] == nil {
                fields[path] = Register(write(value))
                contentBytes += value.byteSize
            } else {
                contentBytes += fields[path]!.apply(write(value), superseding: supersedes)
            }
        case .insertRow(let table, let position, let values):
            let row = PlanRow(
                id: operation.id, insertedBy: operation.author,
                fields: values.mapValues { Register(write($0)) },
                position: Register(write(.text(position))), removals: [])
            tables[table, default: [:]][operation.id] = row
            contentBytes += values.values.reduce(position.utf8.count) { $0 + $1.byteSize }
        case .setRowField(let table, let rowID, let field, let value, let supersedes):
            updateRow(rowID, in: table) { row in
                defer { row.removals.removeAll { supersedes.contains($0.id) } }
                guard row.fields[field] != nil else {
                    row.fields[field] = Register(write(value))
                    return value.byteSize
                }
                return row.fields[field]!.apply(write(value), superseding: supersedes)
            }
        case .moveRow(let table, let rowID, let position, let supersedes):
            updateRow(rowID, in: table) { row in
                row.removals.removeAll { supersedes.contains($0.id) }
                return row.position.apply(write(.text(position)), superseding: supersedes)
            }
        case .removeRow(let table, let rowID, let seen):
            updateRow(rowID, in: table) { row in
                row.removals.removeAll { seen.contains($0.id) }
                // Kept sorted by id, so the same removals give the same row whatever their order.
                let removal = Removal(id: operation.id, hlc: operation.hlc, author: operation.author, seen: seen)
                row.removals.insert(removal, at: row.removals.firstIndex { $0.id > removal.id } ?? row.removals.endIndex)
                return 0
            }
        }
        version += 1
        lastChange = max(lastChange, operation.hlc)
    }

    /// Changes a row in place; `change` returns how many bytes of content the row grew by.
    private mutating func updateRow(_ id: RowID, in table: String, _ change: (inout PlanRow) -> Int) {
        guard var row = tables[table]?[id] else { return }
        contentBytes += change(&row)
        tables[table]![id] = row
    }
}

extension PlanDocument {
    /// Rebuilds a plan from its operations in causal order (the server's sequence order, then a
    /// replica's own unacknowledged operations). Operations that no longer pass the rules, because
    /// one they depended on was rejected, are returned so the caller can report them. Each was let
    /// in once already (by the county, or when recorded): the limits on growth are not applied again.
    public static func replay(_ operations: [PlanOperation], rules: OperationRules = OperationRules()) -> (document: PlanDocument?, skipped: [PlanOperation]) {
        var document: PlanDocument?
        var skipped: [PlanOperation] = []
        var applied: [OpID: PlanOperation] = [:]
        for operation in operations {
            do {
                var history: [OpID: PlanOperation] = [:]
                for id in rules.referencesToLookUp(operation, in: document) { history[id] = applied[id] }
                try rules.check(operation, against: document, history: history, admitting: false)
                applied[operation.id] = operation
                if document == nil {
                    document = try PlanDocument.created(by: operation)
                } else {
                    document!.apply(operation)
                }
            } catch {
                skipped.append(operation)
            }
        }
        return (document, skipped)
    }
}
