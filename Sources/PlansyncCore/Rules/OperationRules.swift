import PlansyncProtocol

/// The acceptance rules for an operation, in one place: the client checks an edit with them before
/// recording it, the server checks every pushed operation with them before accepting it.
///
/// Each rule is a stable code and a message a clerk can act on. A rejected operation is set aside
/// with its reason; it never blocks the operations behind it.
public struct OperationRules: Sendable {
    /// Plan years accepted: a typo such as 20225 is caught here, not in the county's review.
    public static let years = 2000...2100

    public init() {}

    /// Checks `operation` against the plan as it stands (`nil` when the plan does not exist yet).
    public func check(_ operation: PlanOperation, against plan: PlanDocument?) throws(Rejection) {
        guard !operation.author.allSatisfy(\.isWhitespace) else {
            throw Rejection(code: "author-missing", message: "Operația nu are autor (operation has no author).")
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
                throw Rejection(code: "unknown-template", message: "Versiunea de model '\(template ?? "")' nu este cunoscută de acest server; actualizați plansync (unknown template version). Cunoscute: \(PlanSchema.versions.map(\.template).joined(separator: ", ")).")
            }
            return
        }
        guard let plan else {
            throw Rejection(code: "plan-not-found", message: "Planul \(operation.plan) nu există (plan not found).")
        }
        let schema = plan.schema
        switch operation.change {
        case .createPlan:
            return
        case .setField(let path, let value, _):
            guard let kind = schema.kind(ofField: path) else {
                throw Rejection(code: "unknown-field", message: "Câmpul '\(path)' nu există în modelul \(schema.template) al planului (unknown field). Vezi `plansync plan fields`.")
            }
            try checkValue(value, kind: kind, at: path)
        case .insertRow(let table, let position, let values):
            let tableSchema = try self.table(table, in: schema)
            guard plan.row(operation.id, in: table) == nil else {
                throw Rejection(code: "row-exists", message: "Rândul \(operation.id) există deja în \(table) (row already exists).")
            }
            try checkPosition(position)
            for (column, value) in values {
                try checkValue(value, kind: try self.column(column, of: tableSchema, table: table), at: "\(table)[\(operation.id)].\(column)")
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
        }
    }

    private func table(_ name: String, in schema: PlanSchema) throws(Rejection) -> TableSchema {
        guard let table = schema.table(name) else {
            throw Rejection(code: "unknown-table", message: "Tabelul '\(name)' nu există în plan (unknown table). Tabele: \(schema.tables.map(\.name).joined(separator: ", ")).")
        }
        return table
    }

    private func column(_ name: String, of table: TableSchema, table tableName: String) throws(Rejection) -> ValueKind {
        guard let kind = table.kind(of: name) else {
            throw Rejection(code: "unknown-column", message: "Coloana '\(name)' nu există în \(tableName) (unknown column). Coloane: \(table.columns.map(\.name).joined(separator: ", ")).")
        }
        return kind
    }

    private func requireRow(_ row: RowID, in table: String, of plan: PlanDocument) throws(Rejection) {
        guard plan.row(row, in: table) != nil else {
            throw Rejection(code: "row-not-found", message: "Rândul \(row) nu există în \(table) (row not found).")
        }
    }

    private func checkValue(_ value: Value, kind: ValueKind, at path: String) throws(Rejection) {
        guard kind.accepts(value) else {
            throw Rejection(code: "wrong-type", message: "Valoarea pentru '\(path)' trebuie să fie \(kind.expectation) (wrong type).")
        }
    }

    private func checkPosition(_ position: String) throws(Rejection) {
        guard OrderKey.isValid(position) else {
            throw Rejection(code: "bad-position", message: "Poziția '\(position)' nu este o cheie de ordine validă (bad order key).")
        }
    }
}
