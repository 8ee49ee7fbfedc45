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
    /// Bytes of the values and positions the plan holds now (``Value/byteSize``): what the limit
    /// on a plan's size measures. Kept up to date by ``apply(_:)``; it depends only on which
    /// writes are in force, so every replica has the same.
    public internal(set) var contentBytes: Int
    /// The plan's versions, their states and acts, and the county's remarks.
    public internal(set) var workflow: PlanWorkflow

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
        contentBytes = 0
        workflow = PlanWorkflow(createdBy: operation.id)
    }

    /// A table's rows as displayed: live rows in position order.
    public func visibleRows(of table: String) -> [PlanRow] {
        (tables[table] ?? [:]).values.filter(\.isVisible).sorted(by: PlanRow.displayOrder)
    }

    public func row(_ id: RowID, in table: String) -> PlanRow? { tables[table]?[id] }

    private enum CodingKeys: String, CodingKey {
        case id, siruta, year, storedTemplate = "template", createdBy, createdAt, fields, tables, version, lastChange, contentBytes, workflow
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(PlanID.self, forKey: .id)
        siruta = try container.decode(Siruta.self, forKey: .siruta)
        year = try container.decode(Int.self, forKey: .year)
        storedTemplate = try container.decodeIfPresent(String.self, forKey: .storedTemplate)
        createdBy = try container.decode(String.self, forKey: .createdBy)
        createdAt = try container.decode(HLCTimestamp.self, forKey: .createdAt)
        fields = try container.decode([String: Register].self, forKey: .fields)
        tables = try container.decode([String: [RowID: PlanRow]].self, forKey: .tables)
        version = try container.decode(Int.self, forKey: .version)
        lastChange = try container.decode(HLCTimestamp.self, forKey: .lastChange)
        // Plans stored before versions existed are in their first draft.
        workflow = try container.decodeIfPresent(PlanWorkflow.self, forKey: .workflow)
            ?? PlanWorkflow(createdBy: OpID(id.rawValue) ?? OpID(device: DeviceID(id.rawValue), counter: 1))
        contentBytes = 0
        // Documents stored before the size was kept get it measured once.
        contentBytes = try container.decodeIfPresent(Int.self, forKey: .contentBytes) ?? measuredContentBytes
    }

    /// ``contentBytes`` counted from scratch.
    public var measuredContentBytes: Int {
        let fieldBytes = fields.values.reduce(0) { $0 + $1.byteSize }
        let rowBytes = tables.values.reduce(0) { sum, rows in
            sum + rows.values.reduce(0) { $0 + $1.fields.values.reduce($1.position.byteSize) { $0 + $1.byteSize } }
        }
        return fieldBytes + rowBytes
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
