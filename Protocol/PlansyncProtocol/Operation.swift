/// One edit to one plan, as recorded in a change log and sent over the wire.
///
/// An operation is self-describing: it names itself (``OpID``), when it happened (``HLCTimestamp``),
/// the plan, and what changed. Every edit a clerk makes becomes exactly one operation; replicas and
/// the server agree on a plan because they apply the same operations with the same rules.
///
/// Who made it is a fact of its id: the device in ``OpID`` belongs to one account, and the server
/// accepts from a device only operations of that device. `author` (`by` on the wire) is the
/// account's name as the device knew it when recording the edit; nothing trusts it — the name shown
/// comes from the account — and it is kept because replicas older than accounts print it.
public struct PlanOperation: Hashable, Sendable {
    public var id: OpID
    public var hlc: HLCTimestamp
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

/// The kinds of operation, by their name on the wire.
///
/// A kind is never given a new meaning: a change of meaning is a new kind, so that a replica that
/// does not know it keeps it unread instead of misapplying it (see the sync protocol article).
public enum OperationKind: String, CaseIterable, Codable, Sendable, Comparable {
    case create, set, insert, update, remove, move, act

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// What an operation changes.
///
/// `supersedes` lists the writes the author saw on that field when editing (the value shown and
/// any open conflict). That is how the merge knows an edit replaces what it replaces, and how a
/// later edit resolves a conflict: see the conflict rules in the README. The server accepts such a
/// list only if every write in it was accepted before and wrote that same field, row or position.
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
    /// An act of the plan's legal life on one of its versions (numbered from 1).
    case act(version: Int, WorkflowAct)

    public var kind: OperationKind {
        switch self {
        case .createPlan: .create
        case .setField: .set
        case .insertRow: .insert
        case .setRowField: .update
        case .removeRow: .remove
        case .moveRow: .move
        case .act: .act
        }
    }

    /// The earlier writes this change names as seen (`over`, or `seen` for a removal).
    public var references: [OpID] {
        switch self {
        case .createPlan, .insertRow, .act: []
        case .setField(_, _, let ids), .setRowField(_, _, _, _, let ids), .moveRow(_, _, _, let ids), .removeRow(_, _, let ids): ids
        }
    }
}
