import PlansyncProtocol

/// The acceptance rules for an operation, in one place: the client checks an edit with them before
/// recording it and every operation it pulls before applying it, the server checks every pushed
/// operation with them before accepting it.
///
/// Each rule is a stable code and a message a clerk can act on. A rejected operation is set aside
/// with its reason; it never blocks the operations behind it. Who may make an operation is the
/// other half of acceptance: ``Permissions``.
public struct OperationRules: Sendable {
    /// Plan years accepted: a typo such as 20225 is caught here, not in the county's review.
    public static let years = 2000...2100

    public let limits: OperationLimits

    public init(limits: OperationLimits = .standard) { self.limits = limits }

    /// The writes `operation` names as seen that the plan itself does not show (they were
    /// superseded since, or never existed): the caller looks them up in its history and passes
    /// them to ``check(_:against:history:)``.
    public func referencesToLookUp(_ operation: PlanOperation, in plan: PlanDocument?) -> [OpID] {
        // A list over the bound is refused without looking anything up.
        guard operation.change.references.count <= referenceBound(operation.change) else { return [] }
        guard let plan else { return operation.change.references }
        return operation.change.references.filter { !Self.shows($0, for: operation.change, in: plan) }
    }

    private func referenceBound(_ change: Change) -> Int {
        change.kind == .remove ? limits.seen : limits.supersedes
    }

    /// Checks `operation` against the plan as it stands (`nil` when the plan does not exist yet).
    ///
    /// - Parameters:
    ///   - history: the accepted operations (or earlier ones of the same batch) among
    ///     ``referencesToLookUp(_:in:)``; one missing there was never accepted.
    ///   - admitting: whether the operation is being let in (an edit recorded, a push received),
    ///     so the limits on a plan's growth apply; `false` when it was let in already (pulled
    ///     from the county, replayed from a log). Those limits depend on what else the plan holds
    ///     at that moment, which a replica's view and the county's differ on; everything else the
    ///     rules check does not.
    public func check(_ operation: PlanOperation, against plan: PlanDocument?, history: [OpID: PlanOperation] = [:],
                      admitting: Bool = true) throws(Rejection) {
        guard operation.author.utf8.count <= limits.authorBytes else {
            throw Rejection(code: "too-large", message: "Numele autorului are peste \(limits.authorBytes) de octeți (author name too long).")
        }
        if case .createPlan(_, let year, let template) = operation.change {
            guard plan == nil else {
                throw Rejection(code: "plan-exists", message: "Planul \(operation.plan) există deja (plan already exists).")
            }
            guard operation.plan == PlanID(creatingOperation: operation.id) else {
                throw Rejection(code: "plan-id-mismatch", message: "Id-ul planului trebuie să fie id-ul operației care îl creează (plan id must be the creating operation's id).")
            }
            guard Self.years.contains(year) else {
                throw Rejection(code: "year-out-of-range", message: "Anul \(year) nu este un an de plan valid (\(Self.years.lowerBound)–\(Self.years.upperBound)).")
            }
            guard PlanSchema.version(template) != nil else {
                throw Rejection(code: "unknown-template", message: "Versiunea de model \(quoted(template ?? "")) nu este cunoscută; actualizați plansync (unknown template version). Cunoscute: \(PlanSchema.versions.map(\.template).joined(separator: ", ")).")
            }
            return
        }
        guard let plan else {
            throw Rejection(code: "plan-not-found", message: "Planul \(quoted(operation.plan.rawValue)) nu există (plan not found).")
        }
        try checkShape(operation, against: plan)
        try checkReferences(operation, against: plan, history: history)
        if admitting { try checkGrowth(operation, against: plan) }
    }

    // MARK: Shape: the template, the row, the value

    private func checkShape(_ operation: PlanOperation, against plan: PlanDocument) throws(Rejection) {
        let schema = plan.schema
        switch operation.change {
        case .createPlan:
            return
        case .setField(let path, let value, _):
            guard let kind = schema.kind(ofField: path) else {
                throw Rejection(code: "unknown-field", message: "Câmpul \(quoted(path)) nu există în modelul \(schema.template) al planului (unknown field). Vezi `plansync plan fields`.")
            }
            try checkValue(value, kind: kind, at: path)
        case .insertRow(let table, let position, let values):
            let tableSchema = try self.table(table, in: schema)
            guard plan.row(operation.id, in: table) == nil else {
                throw Rejection(code: "row-exists", message: "Rândul \(operation.id) există deja în \(table) (row already exists).")
            }
            try checkPosition(position)
            // In column order, so the first bad column reported is always the same one.
            for column in values.keys.sorted() {
                try checkValue(values[column]!, kind: try self.column(column, of: tableSchema, table: table), at: "\(table)[\(operation.id)].\(column)")
            }
        case .setRowField(let table, let row, let field, let value, _):
            let tableSchema = try self.table(table, in: schema)
            try requireRow(row, in: table, of: plan)
            try checkValue(value, kind: try column(field, of: tableSchema, table: table), at: "\(table)[\(row)].\(field)")
        case .removeRow(let table, let row, _):
            _ = try self.table(table, in: schema)
            try requireRow(row, in: table, of: plan)
        case .moveRow(let table, let row, let position, _):
            _ = try self.table(table, in: schema)
            try requireRow(row, in: table, of: plan)
            try checkPosition(position)
        case .act(let number, let act):
            try checkAct(act, on: number, of: plan)
        }
    }

    private func table(_ name: String, in schema: PlanSchema) throws(Rejection) -> TableSchema {
        guard let table = schema.table(name) else {
            throw Rejection(code: "unknown-table", message: "Tabelul \(quoted(name)) nu există în plan (unknown table). Tabele: \(schema.tables.map(\.name).joined(separator: ", ")).")
        }
        return table
    }

    private func column(_ name: String, of table: TableSchema, table tableName: String) throws(Rejection) -> ValueKind {
        guard let kind = table.kind(of: name) else {
            throw Rejection(code: "unknown-column", message: "Coloana \(quoted(name)) nu există în \(tableName) (unknown column). Coloane: \(table.columns.map(\.name).joined(separator: ", ")).")
        }
        return kind
    }

    private func requireRow(_ row: RowID, in table: String, of plan: PlanDocument) throws(Rejection) {
        guard plan.row(row, in: table) != nil else {
            throw Rejection(code: "row-not-found", message: "Rândul \(row) nu există în \(table) (row not found).")
        }
    }

    private func checkValue(_ value: Value, kind: ValueKind, at path: String) throws(Rejection) {
        guard value.byteSize <= limits.valueBytes else {
            throw Rejection(code: "too-large", message: "Valoarea pentru '\(path)' are \(value.byteSize) octeți; cel mult \(limits.valueBytes) (value too large). Un plan ține cifre și texte scurte, nu documente întregi.")
        }
        guard kind.accepts(value) else {
            throw Rejection(code: "wrong-type", message: "Valoarea pentru '\(path)' trebuie să fie \(kind.expectation) (wrong type).")
        }
    }

    private func checkPosition(_ position: String) throws(Rejection) {
        guard OrderKey.isValid(position) else {
            throw Rejection(code: "bad-position", message: "Poziția \(quoted(position)) nu este o cheie de ordine validă (bad order key).")
        }
    }

    // MARK: References: what an edit says it saw

    /// An edit replaces only writes it could have seen: each id in `over` (or a removal's `seen`)
    /// must be a write the county accepted before it, on the same field, row or position of the
    /// same plan. An edit cannot win over one the county had not accepted before it.
    private func checkReferences(_ operation: PlanOperation, against plan: PlanDocument, history: [OpID: PlanOperation]) throws(Rejection) {
        let references = operation.change.references
        let bound = referenceBound(operation.change)
        guard references.count <= bound else {
            throw Rejection(code: "too-large", message: "Operația numește \(references.count) scrieri văzute; cel mult \(bound) (too many superseded writes).")
        }
        for id in references where !Self.shows(id, for: operation.change, in: plan) {
            guard let earlier = history[id], earlier.id == id else {
                throw Rejection(code: "unknown-reference", message: "Operația spune că a văzut scrierea \(id), pe care serverul județean nu a primit-o înaintea ei (an edit may only replace writes the county accepted before it).")
            }
            guard earlier.plan == operation.plan, Self.writes(earlier, sameTargetAs: operation.change) else {
                throw Rejection(code: "reference-mismatch", message: "Operația spune că înlocuiește scrierea \(id), care a modificat alt câmp, alt rând sau alt plan (an edit may only replace writes on the same field or row).")
            }
        }
    }

    /// Whether the plan shows `id` now as a write on the change's target: any such write is a valid
    /// reference, with no lookup. (Checked in place: this runs for every operation pushed.)
    static func shows(_ id: OpID, for change: Change, in plan: PlanDocument) -> Bool {
        func inRow(_ table: String, _ rowID: RowID, _ registers: (PlanRow) -> [Register]) -> Bool {
            guard let row = plan.row(rowID, in: table) else { return false }
            return row.id == id || row.removals.contains { $0.id == id } || registers(row).contains { $0.heads.contains { $0.id == id } }
        }
        switch change {
        case .createPlan, .insertRow, .act:
            return false
        case .setField(let path, _, _):
            return plan.fields[path]?.heads.contains { $0.id == id } ?? false
        case .setRowField(let table, let row, let field, _, _):
            return inRow(table, row) { row in row.fields[field].map { [$0] } ?? [] }
        case .moveRow(let table, let row, _, _):
            return inRow(table, row) { [$0.position] }
        case .removeRow(let table, let row, _):
            return inRow(table, row) { Array($0.fields.values) + [$0.position] }
        }
    }

    /// Whether `earlier` wrote what `change` may name as seen: the same field; for a cell, the
    /// same cell, the row's insertion or a removal of the row; for a move, a move, the insertion
    /// or a removal; for a removal, any write on the row.
    static func writes(_ operation: PlanOperation, sameTargetAs change: Change) -> Bool {
        let earlier = operation.change
        func onRow(_ table: String, _ row: RowID) -> Bool {
            switch earlier {
            case .insertRow(let t, _, _): return t == table && operation.id == row
            case .removeRow(let t, let r, _), .moveRow(let t, let r, _, _), .setRowField(let t, let r, _, _, _): return t == table && r == row
            default: return false
            }
        }
        switch (change, earlier) {
        case (.setField(let path, _, _), .setField(let earlierPath, _, _)):
            return path == earlierPath
        case (.setRowField(let table, let row, let field, _, _), _):
            if case .setRowField(_, _, let earlierField, _, _) = earlier, earlierField != field { return false }
            if case .moveRow = earlier { return false }
            return onRow(table, row)
        case (.moveRow(let table, let row, _, _), _):
            if case .setRowField = earlier { return false }
            return onRow(table, row)
        case (.removeRow(let table, let row, _), _):
            return onRow(table, row)
        default:
            return false
        }
    }

    // MARK: Growth: what one plan may hold

    private func checkGrowth(_ operation: PlanOperation, against plan: PlanDocument) throws(Rejection) {
        switch operation.change {
        case .setField(let path, let value, let supersedes):
            try checkOpenValues(plan.fields[path]?.headIDs ?? [], superseded: supersedes, at: path)
            try checkPlanSize(plan, adding: value.byteSize)
        case .setRowField(let table, let row, let field, let value, let supersedes):
            try checkOpenValues(plan.row(row, in: table)?.fields[field]?.headIDs ?? [], superseded: supersedes, at: "\(table)[\(row)].\(field)")
            try checkPlanSize(plan, adding: value.byteSize)
        case .moveRow(let table, let row, let position, let supersedes):
            try checkOpenValues(plan.row(row, in: table)?.position.headIDs ?? [], superseded: supersedes, at: "\(table)[\(row)]")
            try checkPlanSize(plan, adding: position.utf8.count)
        case .removeRow(let table, let row, let seen):
            let removals = plan.row(row, in: table)?.removals.map(\.id) ?? []
            try checkOpenValues(removals, superseded: seen, at: "\(table)[\(row)]")
        case .insertRow(let table, let position, let values):
            guard (plan.tables[table]?.count ?? 0) < limits.rowsPerTable else {
                throw Rejection(code: "too-large", message: "Tabelul \(table) are deja \(limits.rowsPerTable) de rânduri (table full).")
            }
            try checkPlanSize(plan, adding: Value.object(values).byteSize + position.utf8.count)
        case .act(_, let act):
            try checkPlanSize(plan, adding: act.texts.reduce(0) { $0 + $1.utf8.count })
        case .createPlan:
            return
        }
    }

    /// Concurrent edits of one field are kept side by side until someone resolves them; a field
    /// cannot pile up values without end.
    private func checkOpenValues(_ heads: [OpID], superseded: [OpID], at path: String) throws(Rejection) {
        let remaining = heads.filter { !superseded.contains($0) }.count + 1
        guard remaining <= limits.openValues else {
            throw Rejection(code: "too-many-values", message: "'\(path)' are deja \(remaining - 1) valori scrise în paralel; rezolvați conflictul (`plansync conflicts`) înainte de a scrie alta (too many concurrent values).")
        }
    }

    private func checkPlanSize(_ plan: PlanDocument, adding bytes: Int) throws(Rejection) {
        guard plan.contentBytes + bytes <= limits.planBytes else {
            throw Rejection(code: "plan-too-large", message: "Planul ar depăși \(limits.planBytes >> 20) MiB de text; un plan real are sub 200 KB (plan too large). Eliminați ce nu este necesar.")
        }
    }
}

extension OperationRules {
    /// Why a hybrid clock stamp is refused, given the county's clock.
    public enum ClockFault: Sendable, Equatable {
        /// Before 2020, zero or negative: a clock that was never set.
        case invalid
        /// More than ``HLCTimestamp/maximumLeadMillis`` ahead of the county.
        case ahead
    }

    /// The fault of a stamp, or `nil` when the county accepts it.
    public static func clockFault(_ hlc: HLCTimestamp, countyNow: Int64) -> ClockFault? {
        let accepted = HLCTimestamp.acceptedWallMillis(countyNow: countyNow)
        if hlc.wallMillis < accepted.lowerBound { return .invalid }
        if hlc.wallMillis > accepted.upperBound { return .ahead }
        return nil
    }
}

/// User text echoed in a message, quoted and cut short, its control characters made visible: a
/// message stays readable (and small, and harmless to a terminal) whatever a device sent.
func quoted(_ text: String) -> String {
    (text.count <= 80 ? "'\(text)'" : "'\(text.prefix(77))…'").forTerminal
}
