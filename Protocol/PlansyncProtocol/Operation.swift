/// One edit to one plan, as recorded in a change log and sent over the wire.
///
/// An operation is self-describing: it names itself (``OpID``), when it happened (``HLCTimestamp``),
/// who made it, the plan, and what changed. Every edit a clerk makes becomes exactly one operation;
/// replicas and the server agree on a plan because they apply the same operations with the same rules.
public struct PlanOperation: Hashable, Sendable {
    public var id: OpID
    public var hlc: HLCTimestamp
    /// The person who made the edit (the user name given at `plansync init`).
    public var author: String
    public var plan: PlanID
    public var change: Change

    public init(id: OpID, hlc: HLCTimestamp, author: String, plan: PlanID, change: Change) {
        self.id = id
        self.hlc = hlc
        self.author = author
        self.plan = plan
        self.change = change
    }
}

/// What an operation changes.
///
/// `supersedes` lists the writes the author saw on that field when editing (the value shown and
/// any open conflict). That is how the merge knows an edit replaces what it replaces, and how a
/// later edit resolves a conflict: see the conflict rules in the README.
public enum Change: Hashable, Sendable {
    /// Creates a plan of a UAT for a budget year, following a template version (`nil` for plans
    /// made before templates were versioned: they follow the first one). The plan's id is this
    /// operation's id.
    case createPlan(siruta: Siruta, year: Int, template: String? = nil)
    /// Sets a plan field, such as `context.consultation`.
    case setField(path: String, value: Value, supersedes: [OpID])
    /// Adds a row to a table; the row's id is this operation's id. `position` is an order key.
    case insertRow(table: String, position: String, fields: [String: Value])
    /// Sets one field of a row.
    case setRowField(table: String, row: RowID, field: String, value: Value, supersedes: [OpID])
    /// Removes a row. `seen` lists every write on the row the author saw: an edit not in it keeps
    /// the row alive (and makes a conflict) instead of being silently thrown away.
    case removeRow(table: String, row: RowID, seen: [OpID])
    /// Moves a row to a new order key.
    case moveRow(table: String, row: RowID, position: String, supersedes: [OpID])

    /// The short name used on the wire and in logs.
    public var kind: String {
        switch self {
        case .createPlan: "create"
        case .setField: "set"
        case .insertRow: "insert"
        case .setRowField: "update"
        case .removeRow: "remove"
        case .moveRow: "move"
        }
    }
}

extension PlanOperation: Codable {
    private enum Key: String, CodingKey {
        case id, hlc, by, plan, op, siruta, year, template, path, value, over, table, pos, values, row, field, seen
    }

    /// Decoding goes through the same mapping as the fast readers (``PushRequest/read(_:)``).
    public init(from decoder: any Decoder) throws {
        let path = decoder.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        do {
            try self.init(json: try JSONValue(from: decoder), path: path.isEmpty ? "operation" : String(path.drop { $0 == "." }))
        } catch let error as WireFormatError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(id, forKey: .id)
        try c.encode(hlc, forKey: .hlc)
        try c.encode(author, forKey: .by)
        try c.encode(plan, forKey: .plan)
        try c.encode(change.kind, forKey: .op)
        switch change {
        case .createPlan(let siruta, let year, let template):
            try c.encode(siruta, forKey: .siruta)
            try c.encode(year, forKey: .year)
            try c.encodeIfPresent(template, forKey: .template)
        case .setField(let path, let value, let supersedes):
            try c.encode(path, forKey: .path)
            try c.encode(value, forKey: .value)
            if !supersedes.isEmpty { try c.encode(supersedes, forKey: .over) }
        case .insertRow(let table, let position, let fields):
            try c.encode(table, forKey: .table)
            try c.encode(position, forKey: .pos)
            if !fields.isEmpty { try c.encode(fields, forKey: .values) }
        case .setRowField(let table, let row, let field, let value, let supersedes):
            try c.encode(table, forKey: .table)
            try c.encode(row, forKey: .row)
            try c.encode(field, forKey: .field)
            try c.encode(value, forKey: .value)
            if !supersedes.isEmpty { try c.encode(supersedes, forKey: .over) }
        case .removeRow(let table, let row, let seen):
            try c.encode(table, forKey: .table)
            try c.encode(row, forKey: .row)
            if !seen.isEmpty { try c.encode(seen, forKey: .seen) }
        case .moveRow(let table, let row, let position, let supersedes):
            try c.encode(table, forKey: .table)
            try c.encode(row, forKey: .row)
            try c.encode(position, forKey: .pos)
            if !supersedes.isEmpty { try c.encode(supersedes, forKey: .over) }
        }
    }
}
