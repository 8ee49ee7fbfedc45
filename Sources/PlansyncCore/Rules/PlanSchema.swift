import Foundation
import PlansyncProtocol

/// What a value of a field or cell may be.
public enum ValueKind: String, Codable, Sendable {
    /// Free text, kept exactly as written.
    case text
    /// A whole number stored as a number (first template only; later ones use ``count``).
    case integer
    /// Whole lei stored as a number (first template only; later ones use ``money``).
    case amount
    /// A calendar date written `YYYY-MM-DD`.
    case date
    /// A count as written ("45", "-", "nu este cazul", "În funcție de…"): see ``CountCell``.
    case count
    /// A budget cell as written ("15.000", "7050 lei", "-"): see ``MoneyCell``.
    case money
    /// A registration reference as written ("Nr. 1143/12.03.2024"): see ``RegistrationReference``.
    case reference

    func accepts(_ value: Value) -> Bool {
        switch (self, value) {
        case (_, .null): true
        case (.text, .text), (.count, .text), (.money, .text), (.reference, .text): true
        case (.integer, .integer), (.amount, .integer): true
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
        case .count, .money, .reference: "text as written in the document (e.g. \"15.000\", \"-\", \"Nr. 1143/12.03.2024\")"
        }
    }

    /// Columns whose totals the template's totals row states.
    var isTotalled: Bool { self == .count || self == .money || self == .amount }
}

/// A plan field, or a table column (a field of each row): its path within the plan or the row,
/// its kind and the label the template prints.
public struct FieldSchema: Sendable {
    public let path: String
    public let kind: ValueKind
    public let label: String

    public init(_ path: String, _ kind: ValueKind, _ label: String) {
        (self.path, self.kind, self.label) = (path, kind, label)
    }

    /// A column's name (its path within the row).
    public var name: String { path }
}

/// A table column is a field of each row.
public typealias ColumnSchema = FieldSchema

/// A table of the plan and its columns.
public struct TableSchema: Sendable {
    public let name: String
    public let title: String
    /// Columns in display order.
    public let columns: [ColumnSchema]
    /// Columns summed into the totals row (computed from the rows, never stored or merged).
    public let totalled: [String]
    /// Whether the template has a totals row the document writes out; its cells are the fields
    /// `TABLE.total.COLUMN`, kept as written so the validator can compare them with the rows.
    public let writtenTotals: Bool
    private let kinds: [String: ValueKind]

    public init(_ name: String, title: String, columns: [ColumnSchema], writtenTotals: Bool = false) {
        self.name = name
        self.title = title
        self.columns = columns
        self.writtenTotals = writtenTotals
        totalled = columns.filter { writtenTotals ? $0.kind.isTotalled : $0.kind == .amount }.map(\.name)
        kinds = Dictionary(uniqueKeysWithValues: columns.map { ($0.name, $0.kind) })
    }

    public func kind(of column: String) -> ValueKind? { kinds[column] }
    public func column(_ name: String) -> ColumnSchema? { columns.first { $0.name == name } }

    /// The fields of the written totals row.
    var totalFields: [FieldSchema] {
        guard writtenTotals else { return [] }
        return columns.filter { totalled.contains($0.name) }.map { FieldSchema("\(name).total.\($0.name)", $0.kind, "Total — \($0.label)") }
    }
}

/// A heading of the template and what comes under it, in the document's order.
public struct TemplateSection: Sendable {
    public enum Item: Sendable {
        case field(FieldSchema)
        case table(TableSchema)
    }

    public let heading: String
    /// The section's name in `headings.KEY`, where a document's own wording of the heading is
    /// kept (template v3); empty in older versions.
    public let key: String
    /// 1 for a chapter, 2 for its parts.
    public let level: Int
    public let items: [Item]

    public init(_ heading: String, key: String = "", level: Int = 1, _ items: [Item]) {
        (self.heading, self.key, self.level, self.items) = (heading, key, level, items)
    }
}

/// A version of the plan template, as data: the fields and tables a plan has, their labels and
/// their order. The rules check operations against it, the CLI lists it, import and export and the
/// renderer walk it.
///
/// Every plan records the version it was made with (``PlanDocument/template``), so a new template
/// next year does not break this year's plans: they keep loading, rendering and validating by
/// their own version. See ``PlanSchema/versions``.
public struct PlanSchema: Sendable {
    /// The version's id, recorded on every plan created with it.
    public let template: String
    /// What the version is, for people.
    public let title: String
    public let sections: [TemplateSection]
    public let fields: [FieldSchema]
    public let tables: [TableSchema]
    // Lookups by name: the rules consult them for every operation.
    private let fieldsByPath: [String: FieldSchema]
    private let tablesByName: [String: TableSchema]

    public init(template: String, title: String, sections: [TemplateSection]) {
        self.template = template
        self.title = title
        self.sections = sections
        var fields: [FieldSchema] = [], tables: [TableSchema] = []
        for item in sections.flatMap(\.items) {
            switch item {
            case .field(let field): fields.append(field)
            case .table(let table): tables.append(table); fields += table.totalFields
            }
        }
        self.fields = fields
        self.tables = tables
        fieldsByPath = Dictionary(uniqueKeysWithValues: fields.map { ($0.path, $0) })
        tablesByName = Dictionary(uniqueKeysWithValues: tables.map { ($0.name, $0) })
    }

    public func kind(ofField path: String) -> ValueKind? { fieldsByPath[path]?.kind }
    public func field(_ path: String) -> FieldSchema? { fieldsByPath[path] }
    public func table(_ name: String) -> TableSchema? { tablesByName[name] }

    /// The version new plans follow.
    public static let current = ordin1086v3
    /// Every version a plan may follow, oldest first. Never remove one: plans made with it must
    /// keep loading.
    public static let versions = [ordin1086v1, ordin1086v2, ordin1086v3]
    /// The version of plans whose create operation names none (made before versions existed).
    public static let unversioned = ordin1086v1

    /// The version a plan records, or `nil` if this build does not know it.
    public static func version(_ id: String?) -> PlanSchema? {
        guard let id else { return unversioned }
        return versions.first { $0.template == id }
    }
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
        (day < 10 ? "0" : "") + "\(day)." + (month < 10 ? "0" : "") + "\(month).\(year)"
    }
    /// The same day `months` later, or the month's last day when it is shorter (31 January + 1
    /// month = 28 or 29 February).
    public func adding(months: Int) -> CalendarDate {
        let total = year * 12 + (month - 1) + months
        let (newYear, newMonth) = (total / 12, total % 12 + 1)
        for candidate in stride(from: day, through: 1, by: -1) {
            if let date = CalendarDate(String(format: "%04d-%02d-%02d", newYear, newMonth, candidate)) { return date }
        }
        return self
    }

    /// The day before: a term that starts on a day ends the day before the same date later.
    public var dayBefore: CalendarDate {
        if day > 1 { return CalendarDate(String(format: "%04d-%02d-%02d", year, month, day - 1))! }
        let previous = adding(months: -1)
        return (28...31).reversed().lazy.compactMap { CalendarDate(String(format: "%04d-%02d-%02d", previous.year, previous.month, $0)) }.first!
    }

    /// As stored: `2024-03-12`.
    public var iso: String {
        "\(year)-" + (month < 10 ? "0" : "") + "\(month)-" + (day < 10 ? "0" : "") + "\(day)"
    }
}
