import Foundation

/// The one mapping between an operation and JSON, both ways. Push and pull bodies, the stored
/// history, `Codable` and the canonical bytes that are hashed all go through it.
extension PlanOperation: JSONWritable {
    /// The one mapping to JSON: writes the operation's members in canonical (sorted) order.
    public func write<Sink: JSONSink>(to sink: inout Sink) {
        func ids(_ key: String, _ ids: [OpID]) {
            guard !ids.isEmpty else { return }
            sink.key(key)
            sink.openArray()
            for id in ids { sink.string(id.description) }
            sink.closeArray()
        }
        func head(field: String? = nil) {
            sink.key("by"); sink.string(author)
            if let field { sink.key("field"); sink.string(field) }
            sink.key("hlc"); sink.integer(hlc.rawValue)
            sink.key("id"); sink.string(id.description)
            sink.key("op"); sink.string(change.kind.rawValue)
        }
        sink.openObject()
        switch change {
        case .createPlan(let siruta, let year, let template):
            head()
            sink.key("plan"); sink.string(plan.rawValue)
            sink.key("siruta"); sink.integer(Int64(siruta.rawValue))
            if let template { sink.key("template"); sink.string(template) }
            sink.key("year"); sink.integer(Int64(year))
        case .setField(let path, let value, let supersedes):
            head()
            ids("over", supersedes)
            sink.key("path"); sink.string(path)
            sink.key("plan"); sink.string(plan.rawValue)
            sink.key("value"); value.write(to: &sink)
        case .insertRow(let table, let position, let fields):
            head()
            sink.key("plan"); sink.string(plan.rawValue)
            sink.key("pos"); sink.string(position)
            sink.key("table"); sink.string(table)
            if !fields.isEmpty { sink.key("values"); Value.object(fields).write(to: &sink) }
        case .setRowField(let table, let row, let field, let value, let supersedes):
            head(field: field)
            ids("over", supersedes)
            sink.key("plan"); sink.string(plan.rawValue)
            sink.key("row"); sink.string(row.description)
            sink.key("table"); sink.string(table)
            sink.key("value"); value.write(to: &sink)
        case .removeRow(let table, let row, let seen):
            head()
            sink.key("plan"); sink.string(plan.rawValue)
            sink.key("row"); sink.string(row.description)
            ids("seen", seen)
            sink.key("table"); sink.string(table)
        case .moveRow(let table, let row, let position, let supersedes):
            head()
            ids("over", supersedes)
            sink.key("plan"); sink.string(plan.rawValue)
            sink.key("pos"); sink.string(position)
            sink.key("row"); sink.string(row.description)
            sink.key("table"); sink.string(table)
        case .act(let version, let act):
            // Members in canonical order: the act's own interleave with the head's.
            var members: [(String, (inout Sink) -> Void)] = [
                ("act", { $0.string(act.name.rawValue) }),
                ("by", { $0.string(author) }),
                ("hlc", { $0.integer(hlc.rawValue) }),
                ("id", { $0.string(id.description) }),
                ("op", { $0.string(OperationKind.act.rawValue) }),
                ("plan", { $0.string(plan.rawValue) }),
                ("version", { $0.integer(Int64(version)) }),
            ]
            members += act.members()
            for (name, write) in members.sorted(by: { canonicalOrder($0.0, $1.0) }) {
                sink.key(name)
                write(&sink)
            }
        }
        sink.closeObject()
    }

    /// The members each kind has (besides `by`, `hlc`, `id`, `op`, `plan`).
    private static let members: [OperationKind: Set<String>] = [
        .create: ["siruta", "year", "template"],
        .set: ["path", "value", "over"],
        .insert: ["table", "pos", "values"],
        .update: ["table", "row", "field", "value", "over"],
        .remove: ["table", "row", "seen"],
        .move: ["table", "row", "pos", "over"],
        .act: ["act", "version"],
    ]

    /// Reads an operation. Strict: an unknown kind, or a member its kind does not have, is an
    /// error — a reader never applies what it only half understands.
    public init(json: JSONValue, path: String) throws(WireFormatError) {
        let fields = try JSONFields(json, path: path)
        id = try fields.opID("id")
        hlc = HLCTimestamp(rawValue: try fields.integer("hlc"))
        author = try fields.string("by")
        plan = PlanID(try fields.string("plan"))
        let name = try fields.string("op")
        guard let kind = OperationKind(rawValue: name) else {
            throw WireFormatError("\(path).op: unknown operation '\(name)'; this version of plansync knows \(OperationKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var allowed = Self.members[kind]!.union(["by", "hlc", "id", "op", "plan"])
        if kind == .act, case .string(let name)? = fields["act"], let act = ActName(rawValue: name) {
            allowed.formUnion(WorkflowAct.members[act]!)
        }
        try fields.allowOnly(allowed)
        switch kind {
        case .create:
            let year = try fields.integer("year")
            guard let siruta = Int(exactly: try fields.integer("siruta")), let year = Int(exactly: year) else {
                throw WireFormatError("\(path): siruta or year out of range")
            }
            change = .createPlan(siruta: Siruta(siruta), year: year, template: try fields.optionalString("template"))
        case .set:
            change = .setField(path: try fields.string("path"), value: try fields.value("value"), supersedes: try fields.opIDs("over"))
        case .insert:
            var values: [String: Value] = [:]
            if let raw = fields["values"] {
                guard case .object(let members) = raw else { throw WireFormatError("\(path).values should be an object") }
                for member in members.members { values[member.key] = try Value(json: member.value, path: "\(path).values.\(member.key)") }
            }
            change = .insertRow(table: try fields.string("table"), position: try fields.string("pos"), fields: values)
        case .update:
            change = .setRowField(table: try fields.string("table"), row: try fields.opID("row"), field: try fields.string("field"),
                                  value: try fields.value("value"), supersedes: try fields.opIDs("over"))
        case .remove:
            change = .removeRow(table: try fields.string("table"), row: try fields.opID("row"), seen: try fields.opIDs("seen"))
        case .move:
            change = .moveRow(table: try fields.string("table"), row: try fields.opID("row"), position: try fields.string("pos"),
                              supersedes: try fields.opIDs("over"))
        case .act:
            guard let version = Int(exactly: try fields.integer("version")), version >= 1 else {
                throw WireFormatError("\(path).version should be a version number from 1")
            }
            change = .act(version: version, try WorkflowAct(fields, path: path))
        }
    }
}

extension PlanOperation: Codable {
    /// Decoding goes through the same mapping as the fast readers.
    public init(from decoder: any Decoder) throws {
        let path = decoder.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        do {
            try self.init(json: try JSONValue(from: decoder), path: path.isEmpty ? "operation" : String(path.drop { $0 == "." }))
        } catch let error as WireFormatError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}
