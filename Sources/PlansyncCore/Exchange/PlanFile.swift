import Foundation
import PlansyncProtocol

/// A plan's content as a JSON file: what `plansync plan export` writes and `plan import` reads.
///
/// The format is documented by `Protocol/plan.schema.json`. It carries the content only (template
/// version, UAT, year, every field and every row in order), not the replica's bookkeeping (ids,
/// authors, clocks), so a file moves between communes, counties and tools. Members follow the
/// template's order and cells are written with how they read (kind, number, amount in bani), so
/// people and other programs can use a file without plansync's parser; on import those readings
/// must agree with the raw text. Export after import gives back the same bytes.
public struct PlanFile: Hashable, Sendable {
    /// The value of the file's `format` member.
    public static let format = "plansync-plan/1"

    public let template: String
    public let siruta: Siruta
    public let year: Int
    /// Field values by path; fields never set are absent.
    public let fields: [String: Value]
    /// Each table's rows, in display order.
    public let tables: [String: [[String: Value]]]

    /// The content of a plan as it stands.
    public init(_ plan: PlanDocument) {
        template = plan.template
        siruta = plan.siruta
        year = plan.year
        fields = plan.fields.mapValues(\.value).filter { $0.value != .null }
        tables = Dictionary(uniqueKeysWithValues: plan.schema.tables.map { table in
            (table.name, plan.visibleRows(of: table.name).map { $0.fields.mapValues(\.value).filter { $0.value != .null } })
        })
    }

    /// The edits that build this content on a freshly created plan, in order: each is given the
    /// plan as it stands after the previous one (rows are appended at the end).
    public var edits: [@Sendable (PlanDocument) -> Change] {
        let schema = PlanSchema.version(template) ?? .current
        let setFields = schema.fields.compactMap { field in
            fields[field.path].map { value in { @Sendable (plan: PlanDocument) in PlanEditor(plan: plan).setField(field.path, to: value) } }
        }
        let insertRows = schema.tables.flatMap { table in
            (tables[table.name] ?? []).map { values in
                { @Sendable (plan: PlanDocument) in PlanEditor(plan: plan).insertRow(into: table.name, values: values) }
            }
        }
        return setFields + insertRows
    }

    /// The change that creates the plan this file describes.
    public var creation: Change { .createPlan(siruta: siruta, year: year, template: template) }

    /// The same content without these fields (records someone else writes).
    public func dropping(fields paths: Set<String>) -> PlanFile {
        PlanFile(template: template, siruta: siruta, year: year, fields: fields.filter { !paths.contains($0.key) }, tables: tables)
    }
}

/// Why a plan file cannot be imported, and where in it.
public struct PlanFileError: Error, Sendable, CustomStringConvertible {
    /// Where in the file, as a JSON path: `tables.services[2].capacity`.
    public let path: String
    public let message: String

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

// MARK: Writing

extension PlanFile {
    /// The file's bytes: pretty JSON in the template's order, a newline at the end.
    public var json: Data {
        let schema = PlanSchema.version(template) ?? .current
        let unit = MoneyUnit.of(stated: fields["moneyUnit"]?.text, cells: schema.fields.filter { $0.kind == .money }.compactMap { fields[$0.path]?.text }
            + schema.tables.flatMap { table in
                table.columns.filter { $0.kind == .money }.flatMap { column in (tables[table.name] ?? []).compactMap { $0[column.name]?.text } }
            })
        let fieldTree = Self.nest(schema.fields.compactMap { field in
            fields[field.path].map { (field.path, Self.written($0, kind: field.kind, unit: unit)) }
        })
        let tableTree: [(String, JSONValue)] = schema.tables.map { table in
            (table.name, .array((tables[table.name] ?? []).map { row in
                Self.nest(table.columns.compactMap { column in
                    row[column.name].map { (column.name, Self.written($0, kind: column.kind, unit: unit)) }
                })
            }))
        }
        return JSONWriter.pretty(.object([
            ("format", .string(Self.format)),
            ("template", .string(template)),
            ("siruta", .integer(Int64(siruta.rawValue))),
            ("year", .integer(Int64(year))),
            ("fields", fieldTree),
            ("tables", .object(JSONObject(tableTree))),
        ]))
    }

    /// Dotted paths as nested objects, keeping the first-seen order: `uat.name`, `uat.county` →
    /// `"uat": {"name": …, "county": …}`.
    static func nest(_ leaves: [(String, JSONValue)]) -> JSONValue {
        var members: [(String, JSONValue)] = []
        var groups: [String: [(String, JSONValue)]] = [:]
        var order: [String] = []
        for (path, value) in leaves {
            let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 1 {
                members.append((path, value))
                order.append(path)
            } else {
                if groups[parts[0]] == nil { order.append(parts[0]) }
                groups[parts[0], default: []].append((parts[1], value))
            }
        }
        let leavesByName = Dictionary(uniqueKeysWithValues: members.map { ($0.0, $0.1) })
        return .object(JSONObject(order.map { name in (name, leavesByName[name] ?? nest(groups[name]!)) }))
    }

    /// A value as the file writes it: text as a string; cells as what was written and how it reads.
    static func written(_ value: Value, kind: ValueKind, unit: MoneyUnit) -> JSONValue {
        guard case .text(let raw) = value else {
            if case .integer(let number) = value { return .integer(number) }
            return .null
        }
        switch kind {
        case .text, .date, .integer, .amount:
            return .string(raw)
        case .count:
            let cell = CountCell(raw)
            return .object(JSONObject([("raw", .string(raw)), ("kind", .string(cell.kind.rawValue))]
                + (cell.number.map { [("value", .integer($0))] } ?? [])))
        case .money:
            let cell = MoneyCell(raw, planUnit: unit)
            var members: [(String, JSONValue)] = [("raw", .string(raw)), ("kind", .string(cell.kind.rawValue))]
            if let bani = cell.bani, let unit = cell.unit {
                members += [("unit", .string(unit.rawValue)), ("bani", .integer(bani))]
            }
            return .object(JSONObject(members))
        case .reference:
            let reference = RegistrationReference(raw)
            var members: [(String, JSONValue)] = [("raw", .string(raw)), ("kind", .string(reference.kind.rawValue))]
            if let number = reference.number { members.append(("number", .string(number))) }
            if let date = reference.date { members.append(("date", .string(date.iso))) }
            if let year = reference.year { members.append(("year", .integer(Int64(year)))) }
            return .object(JSONObject(members))
        }
    }
}

// MARK: Reading

extension PlanFile {
    /// Reads and checks a plan file: the format, a template version this build knows, a SIRUTA
    /// code, a plan year, known fields and columns of the right kinds, and cell readings that agree
    /// with their raw text.
    public static func read(_ data: Data) throws(PlanFileError) -> PlanFile {
        let root: JSONValue
        do { root = try JSONReader.parse(data) } catch {
            throw PlanFileError(path: "", message: "the file is not valid JSON (\(error.description))")
        }
        guard case .object(let top) = root else { throw PlanFileError(path: "", message: "a plan file is a JSON object") }
        guard case .string(Self.format)? = top["format"] else {
            throw PlanFileError(path: "format", message: "expected \"\(Self.format)\"; is this a plansync plan export?")
        }
        guard case .string(let template)? = top["template"], let schema = PlanSchema.version(template) else {
            throw PlanFileError(path: "template", message: "unknown template version; known: \(PlanSchema.versions.map(\.template).joined(separator: ", "))")
        }
        guard case .integer(let siruta)? = top["siruta"], (1...999_999).contains(siruta) else {
            throw PlanFileError(path: "siruta", message: "the UAT's SIRUTA code, a whole number up to 6 digits")
        }
        guard case .integer(let year)? = top["year"], OperationRules.years.contains(Int(year)) else {
            throw PlanFileError(path: "year", message: "the plan year, \(OperationRules.years.lowerBound)–\(OperationRules.years.upperBound)")
        }
        for key in top.keys where !["format", "template", "siruta", "year", "fields", "tables"].contains(key) {
            throw PlanFileError(path: key, message: "unknown member; a plan file has format, template, siruta, year, fields, tables")
        }
        var leaves: [String: JSONValue] = [:]
        try flatten(top["fields"] ?? .object([:]), prefix: "", path: "fields", known: Set(schema.fields.map(\.path)), into: &leaves)
        var stated: String?
        if case .string(let text)? = leaves["moneyUnit"] {
            guard MoneyUnit(stated: text) != nil else {
                throw PlanFileError(path: "fields.moneyUnit", message: "write \"lei\" or \"mii lei\"")
            }
            stated = text
        }
        guard case .object(let tableMembers) = top["tables"] ?? .object([:]) else {
            throw PlanFileError(path: "tables", message: "an object of tables, each a list of rows")
        }
        // The unit as the plan will read it (stated, else the one its cells write), so readings
        // given in the file are checked in the same unit the export wrote them in.
        let rawText = { (json: JSONValue?) -> String? in
            switch json {
            case .string(let raw)?: raw
            case .object(let members)?: members.members.first { $0.key == "raw" }.flatMap { if case .string(let raw) = $0.value { raw } else { nil } }
            default: nil
            }
        }
        let fieldAmounts = schema.fields.filter { $0.kind == .money }.compactMap { rawText(leaves[$0.path]) }
        let unit = MoneyUnit.of(stated: stated, cells: fieldAmounts + tableMembers.members.flatMap { member -> [String] in
            guard let table = schema.table(member.key), case .array(let rows) = member.value else { return [] }
            return rows.flatMap { row in
                var cells: [String: JSONValue] = [:]
                try? flatten(row, prefix: "", path: "", known: Set(table.columns.map(\.name)), into: &cells)
                return table.columns.filter { $0.kind == .money }.compactMap { rawText(cells[$0.name]) }
            }
        })
        var fields: [String: Value] = [:]
        for field in schema.fields {
            guard let json = leaves[field.path] else { continue }
            fields[field.path] = try value(json, kind: field.kind, unit: unit, path: "fields.\(field.path)")
        }
        var tables = Dictionary(uniqueKeysWithValues: schema.tables.map { ($0.name, [[String: Value]]()) })
        for (name, rowsJSON) in tableMembers.members.map({ ($0.key, $0.value) }) {
            guard let table = schema.table(name) else {
                throw PlanFileError(path: "tables.\(name)", message: "no such table in template \(template); tables: \(schema.tables.map(\.name).joined(separator: ", "))")
            }
            guard case .array(let rows) = rowsJSON else { throw PlanFileError(path: "tables.\(name)", message: "a list of rows") }
            tables[name] = try rows.enumerated().map { (index, row) throws(PlanFileError) in
                let path = "tables.\(name)[\(index)]"
                var cells: [String: JSONValue] = [:]
                try flatten(row, prefix: "", path: path, known: Set(table.columns.map(\.name)), into: &cells)
                var values: [String: Value] = [:]
                for column in table.columns {
                    guard let json = cells[column.name] else { continue }
                    values[column.name] = try value(json, kind: column.kind, unit: unit, path: "\(path).\(column.name)")
                }
                return values
            }
        }
        return PlanFile(template: template, siruta: Siruta(Int(siruta)), year: Int(year), fields: fields, tables: tables)
    }

    private init(template: String, siruta: Siruta, year: Int, fields: [String: Value], tables: [String: [[String: Value]]]) {
        (self.template, self.siruta, self.year, self.fields, self.tables) = (template, siruta, year, fields, tables)
    }

    /// Nested objects back to dotted paths, stopping at the template's leaves.
    private static func flatten(_ json: JSONValue, prefix: String, path: String, known: Set<String>, into leaves: inout [String: JSONValue]) throws(PlanFileError) {
        guard case .object(let members) = json else { throw PlanFileError(path: path, message: "expected an object") }
        for (key, member) in members.members.map({ ($0.key, $0.value) }) {
            let name = prefix.isEmpty ? key : "\(prefix).\(key)"
            if known.contains(name) {
                leaves[name] = member
            } else if known.contains(where: { $0.hasPrefix(name + ".") }) {
                try flatten(member, prefix: name, path: "\(path).\(key)", known: known, into: &leaves)
            } else {
                throw PlanFileError(path: "\(path).\(key)", message: "not a field of this template (`plansync plan fields` lists them)")
            }
        }
    }

    /// A leaf as a stored value. Cells may be given as their raw text alone, or as the export
    /// writes them; then every reading given must be what the raw text reads as.
    private static func value(_ json: JSONValue, kind: ValueKind, unit: MoneyUnit, path: String) throws(PlanFileError) -> Value {
        switch (kind, json) {
        case (_, .null):
            return .null
        case (.integer, .integer(let number)), (.amount, .integer(let number)):
            return .integer(number)
        case (.text, .string(let text)):
            return .text(text)
        case (.date, .string(let text)):
            guard CalendarDate(text) != nil else { throw PlanFileError(path: path, message: "'\(text)' is not a date written YYYY-MM-DD") }
            return .text(text)
        case (.count, .string(let raw)), (.money, .string(let raw)), (.reference, .string(let raw)):
            return .text(raw)
        case (.count, .object(let members)), (.money, .object(let members)), (.reference, .object(let members)):
            guard case .string(let raw)? = members["raw"] else {
                throw PlanFileError(path: path, message: "a cell object needs \"raw\": the text as written")
            }
            guard case .object(let expected) = written(.text(raw), kind: kind, unit: unit) else { return .text(raw) }
            // The readings that carry figures must agree; `kind` is recomputed from the text, so
            // a file from a plansync that classed a cell otherwise ("-....." once a blank, now a
            // dash) still reads.
            for (key, given) in members.members.map({ ($0.key, $0.value) }) where key != "kind" && expected[key] != given {
                throw PlanFileError(path: "\(path).\(key)", message: expected[key] == nil
                    ? "'\(raw)' has no \(key) (it reads as \(expected["kind"].map { "\($0)" } ?? "text"))"
                    : "'\(raw)' reads as \(expected[key]!), not \(given); fix the raw text or leave \(key) out")
            }
            return .text(raw)
        default:
            throw PlanFileError(path: path, message: "expected \(kind.expectation)")
        }
    }
}
