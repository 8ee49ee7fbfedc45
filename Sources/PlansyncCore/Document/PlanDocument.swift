import PlansyncProtocol

/// A plan as replicated: every field a register, every table a set of rows with stable ids.
///
/// This is the merged state both a commune replica and the county server hold. It is a projection
/// of the accepted operations: replaying them with ``apply(_:)`` rebuilds it exactly. Totals and
/// other derived values are never stored here; ``PlanView`` computes them.
public struct PlanDocument: Codable, Hashable, Sendable {
    public let id: PlanID
    public let siruta: Siruta
    public let year: Int
    /// The template version the plan follows (``PlanSchema/template``). Stored documents written
    /// before versions existed have none and follow ``PlanSchema/unversioned``.
    public var template: String { storedTemplate ?? PlanSchema.unversioned.template }
    private let storedTemplate: String?
    public let createdBy: String
    public let createdAt: HLCTimestamp
    /// Plan-level fields by path, e.g. `context.consultation`.
    public internal(set) var fields: [String: Register]
    /// Tables by name; rows by id, ordered for display by their position key.
    public internal(set) var tables: [String: [RowID: PlanRow]]
    /// How many operations built this state: the plan's version number.
    public internal(set) var version: Int
    /// The hybrid clock of the latest operation applied.
    public internal(set) var lastChange: HLCTimestamp

    /// The document a create operation makes.
    init(creating operation: PlanOperation, siruta: Siruta, year: Int, template: String?) {
        id = operation.plan
        self.siruta = siruta
        self.year = year
        storedTemplate = template
        createdBy = operation.author
        createdAt = operation.hlc
        fields = [:]
        tables = [:]
        version = 1
        lastChange = operation.hlc
    }

    /// A table's rows as displayed: live rows in position order.
    public func visibleRows(of table: String) -> [PlanRow] {
        (tables[table] ?? [:]).values.filter(\.isVisible).sorted(by: PlanRow.displayOrder)
    }

    public func row(_ id: RowID, in table: String) -> PlanRow? { tables[table]?[id] }

    private enum CodingKeys: String, CodingKey {
        case id, siruta, year, storedTemplate = "template", createdBy, createdAt, fields, tables, version, lastChange
    }

    /// The template version this plan follows; every plan's is known (the rules refuse to create a
    /// plan with a version this build does not have).
    public var schema: PlanSchema { PlanSchema.version(template) ?? .current }
}

/// A table row: registers for its fields and its position, and any removals not yet superseded.
public struct PlanRow: Codable, Hashable, Sendable {
    public let id: RowID
    public let insertedBy: String
    public internal(set) var fields: [String: Register]
    /// The order key (a text value); concurrent moves resolve like any field, without a conflict
    /// record, since no content is lost.
    public internal(set) var position: Register
    /// Removals no later edit has superseded.
    public internal(set) var removals: [Removal]

    /// A row is shown unless it was removed by someone who had seen every edit on it. An edit the
    /// remover had not seen keeps the row, and ``PlanDocument/conflicts`` reports it.
    public var isVisible: Bool {
        if removals.isEmpty { return true }
        let seen = Set(removals.flatMap(\.seen))
        return !headIDs.allSatisfy(seen.contains)
    }

    /// Every write currently in force on this row (values and position).
    public var headIDs: [OpID] {
        fields.keys.sorted().flatMap { fields[$0]!.headIDs } + position.headIDs
    }

    public var positionKey: String { position.value.text ?? "" }

    static func displayOrder(_ a: PlanRow, _ b: PlanRow) -> Bool {
        (a.positionKey, a.id) < (b.positionKey, b.id)
    }
}

/// A row removal: who removed it and which writes on the row they had seen.
public struct Removal: Codable, Hashable, Sendable {
    public var id: OpID
    public var hlc: HLCTimestamp
    public var author: String
    public var seen: [OpID]
}
