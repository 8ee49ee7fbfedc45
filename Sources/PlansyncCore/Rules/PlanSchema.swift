import PlansyncProtocol

/// What a value of a field may be.
public enum ValueKind: String, Codable, Sendable {
    /// Free text, kept exactly as written.
    case text
    /// A whole number (capacity, persons, beds).
    case integer
    /// An exact amount in lei (never floating point).
    case amount
    /// A calendar date written `YYYY-MM-DD`.
    case date

    func accepts(_ value: Value) -> Bool {
        switch (self, value) {
        case (_, .null): true
        case (.text, .text), (.integer, .integer), (.amount, .integer): true
        case (.date, .text(let text)): CalendarDate(text) != nil
        default: false
        }
    }

    var expectation: String {
        switch self {
        case .text: "text"
        case .integer: "a whole number"
        case .amount: "an amount in lei (a whole number)"
        case .date: "a date written YYYY-MM-DD"
        }
    }
}

/// A table of the plan and its columns.
public struct TableSchema: Sendable {
    public let title: String
    /// Columns in display order.
    public let columns: [(name: String, kind: ValueKind)]
    /// Amount columns summed into the totals row (derived, never stored or merged).
    public let totalled: [String]
    private let kinds: [String: ValueKind]

    public init(title: String, columns: [(name: String, kind: ValueKind)]) {
        self.title = title
        self.columns = columns
        totalled = columns.filter { $0.kind == .amount }.map(\.name)
        kinds = Dictionary(uniqueKeysWithValues: columns.map { ($0.name, $0.kind) })
    }

    public func kind(of column: String) -> ValueKind? { kinds[column] }
}

/// The fields and tables a plan has, as data: the rules check operations against it, the CLI and
/// the API list it. Versioned with the template (Ordinul MMJS 1086/2018) so a new template does not
/// break older plans.
public struct PlanSchema: Sendable {
    public let template: String
    /// Fields and tables in the template's order (for listing and rendering).
    public let fields: [(path: String, kind: ValueKind)]
    public let tables: [(name: String, table: TableSchema)]
    // Lookups by name: the rules consult them for every operation.
    private let fieldKinds: [String: ValueKind]
    private let tablesByName: [String: TableSchema]

    public init(template: String, fields: [(path: String, kind: ValueKind)], tables: [(name: String, table: TableSchema)]) {
        self.template = template
        self.fields = fields
        self.tables = tables
        fieldKinds = Dictionary(uniqueKeysWithValues: fields.map { ($0.path, $0.kind) })
        tablesByName = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0.table) })
    }

    public func kind(ofField path: String) -> ValueKind? { fieldKinds[path] }
    public func table(_ name: String) -> TableSchema? { tablesByName[name] }

    private static let budget: [(name: String, kind: ValueKind)] = [
        ("budget.local", .amount), ("budget.county", .amount), ("budget.state", .amount),
        ("budget.contributions", .amount), ("budget.other", .amount),
    ]

    /// The annual action plan template of Ordinul MMJS 1086/2018.
    public static let current = PlanSchema(
        template: "ordin-1086-2018",
        fields: [
            ("title", .text),
            ("preparedBy", .text),
            ("approvedBy.mayor", .text),
            ("context.localStrategy.period", .text),
            ("context.localStrategy.approval", .text),
            ("context.countyStrategy.period", .text),
            ("context.countyStrategy.approval", .text),
            ("context.consultation", .text),
            ("contracting", .text),
            ("subsidies", .text),
            ("notes", .text),
        ],
        tables: [
            ("services", TableSchema(
                title: "I A. Servicii sociale existente",
                columns: [("code", .text), ("name", .text), ("capacity", .integer), ("occupancy", .integer)] + budget)),
            ("proposedServices", TableSchema(
                title: "I B. Servicii sociale propuse",
                columns: [("code", .text), ("name", .text), ("category", .text), ("capacity", .integer),
                          ("beds", .integer), ("area", .integer), ("staff", .text)] + budget + [("justification", .text)])),
            ("information", TableSchema(
                title: "II. Activități de informare",
                columns: [("activity", .text), ("frequency", .text)])),
            ("training", TableSchema(
                title: "III. Formare profesională",
                columns: [("kind", .text), ("topic", .text), ("persons", .integer), ("budget", .amount)])),
            ("actions", TableSchema(
                title: "Plan de acțiune",
                columns: [("generalObjective", .text), ("specificObjective", .text), ("activity", .text),
                          ("financing", .text), ("indicator", .text), ("termen", .text), ("responsible", .text)])),
            ("monitoring", TableSchema(
                title: "Monitorizare",
                columns: [("indicator", .text), ("frequency", .text)])),
        ])
}

/// A date as `YYYY-MM-DD`, checked for a real calendar day.
public struct CalendarDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let year: Int, month: Int, day: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), day >= 1
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day <= lengths[month - 1] else { return nil }
        (self.year, self.month, self.day) = (year, month, day)
    }

    public static func < (a: Self, b: Self) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }
    /// Romanian style, as the documents write dates: `12.03.2024`.
    public var description: String {
        String(format: "%02d.%02d.%04d", day, month, year)
    }
}
