import Foundation

/// Reading the sync's messages from parsed JSON: the one mapping from JSON to a ``PlanOperation``,
/// used by the fast readers of push and pull bodies and by `Decodable`.

/// An object's members, with the path used in error messages (`operations[3].hlc`).
struct JSONFields {
    let members: [String: JSONValue]
    let path: String

    init(_ value: JSONValue, path: String) throws(WireFormatError) {
        guard case .object(let members) = value else { throw WireFormatError("\(path) should be an object") }
        self.members = members
        self.path = path
    }

    func required(_ key: String) throws(WireFormatError) -> JSONValue {
        guard let value = members[key] else { throw WireFormatError("\(path) lacks '\(key)'") }
        return value
    }

    func string(_ key: String) throws(WireFormatError) -> String {
        guard case .string(let text) = try required(key) else { throw WireFormatError("\(path).\(key) should be text") }
        return text
    }

    func optionalString(_ key: String) throws(WireFormatError) -> String? {
        members[key] == nil ? nil : try string(key)
    }

    func integer(_ key: String) throws(WireFormatError) -> Int64 {
        guard case .integer(let number) = try required(key) else { throw WireFormatError("\(path).\(key) should be a whole number") }
        return number
    }

    func bool(_ key: String) throws(WireFormatError) -> Bool {
        guard case .bool(let flag) = try required(key) else { throw WireFormatError("\(path).\(key) should be true or false") }
        return flag
    }

    func opID(_ key: String) throws(WireFormatError) -> OpID {
        let text = try string(key)
        guard let id = OpID(text) else { throw WireFormatError("\(path).\(key) '\(text)' is not an operation id of the form device.counter") }
        return id
    }

    func opIDs(_ key: String) throws(WireFormatError) -> [OpID] {
        guard let value = members[key] else { return [] }
        guard case .array(let items) = value else { throw WireFormatError("\(path).\(key) should be a list of operation ids") }
        var ids: [OpID] = []
        ids.reserveCapacity(items.count)
        for item in items {
            guard case .string(let text) = item, let id = OpID(text) else {
                throw WireFormatError("\(path).\(key) should be a list of operation ids")
            }
            ids.append(id)
        }
        return ids
    }

    func value(_ key: String) throws(WireFormatError) -> Value {
        try Value(json: try required(key), path: "\(path).\(key)")
    }

    /// Reads each element of the list `key`, naming it `key[index]` in errors.
    func list<T>(_ key: String, _ read: (JSONValue, String) throws(WireFormatError) -> T) throws(WireFormatError) -> [T] {
        guard case .array(let items) = try required(key) else { throw WireFormatError("\(path).\(key) should be a list") }
        var result: [T] = []
        result.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            result.append(try read(item, "\(key)[\(index)]"))
        }
        return result
    }
}

extension Value {
    init(json: JSONValue, path: String) throws(WireFormatError) {
        switch json {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .integer(let number): self = .integer(number)
        case .string(let text): self = .text(text)
        case .object(let members):
            var object: [String: Value] = [:]
            for (key, member) in members { object[key] = try Value(json: member, path: "\(path).\(key)") }
            self = .object(object)
        case .array:
            throw WireFormatError("\(path) should be null, true/false, a whole number, text or an object")
        }
    }
}

extension PlanOperation {
    /// The one mapping from JSON to an operation.
    init(json: JSONValue, path: String) throws(WireFormatError) {
        let fields = try JSONFields(json, path: path)
        id = try fields.opID("id")
        hlc = HLCTimestamp(rawValue: try fields.integer("hlc"))
        author = try fields.string("by")
        plan = PlanID(try fields.string("plan"))
        switch try fields.string("op") {
        case "create":
            let year = try fields.integer("year")
            guard let siruta = Int(exactly: try fields.integer("siruta")), let year = Int(exactly: year) else {
                throw WireFormatError("\(path): siruta or year out of range")
            }
            change = .createPlan(siruta: Siruta(siruta), year: year, template: try fields.optionalString("template"))
        case "set":
            change = .setField(path: try fields.string("path"), value: try fields.value("value"), supersedes: try fields.opIDs("over"))
        case "insert":
            var values: [String: Value] = [:]
            if let raw = fields.members["values"] {
                guard case .object(let members) = raw else { throw WireFormatError("\(path).values should be an object") }
                for (key, member) in members { values[key] = try Value(json: member, path: "\(path).values.\(key)") }
            }
            change = .insertRow(table: try fields.string("table"), position: try fields.string("pos"), fields: values)
        case "update":
            change = .setRowField(table: try fields.string("table"), row: try fields.opID("row"), field: try fields.string("field"),
                                  value: try fields.value("value"), supersedes: try fields.opIDs("over"))
        case "remove":
            change = .removeRow(table: try fields.string("table"), row: try fields.opID("row"), seen: try fields.opIDs("seen"))
        case "move":
            change = .moveRow(table: try fields.string("table"), row: try fields.opID("row"), position: try fields.string("pos"),
                              supersedes: try fields.opIDs("over"))
        case let kind:
            throw WireFormatError("\(path).op: unknown operation '\(kind)'; expected create, set, insert, update, remove or move")
        }
    }
}

extension PushRequest {
    /// Reads a push body (the server's hot path).
    public static func read(_ data: Data) throws(WireFormatError) -> PushRequest {
        let root = try JSONFields(try JSONReader.parse(data), path: "the body")
        return PushRequest(operations: try root.list("operations") { item, path throws(WireFormatError) in
            try PlanOperation(json: item, path: path)
        })
    }
}

extension PullResponse {
    /// Reads a pull page (the client's hot path).
    public static func read(_ data: Data) throws(WireFormatError) -> PullResponse {
        let root = try JSONFields(try JSONReader.parse(data), path: "the page")
        let operations = try root.list("operations") { item, path throws(WireFormatError) in
            let entry = try JSONFields(item, path: path)
            return SequencedOperation(
                seq: try entry.integer("seq"),
                operation: try PlanOperation(json: try entry.required("operation"), path: "\(path).operation"))
        }
        return PullResponse(operations: operations, next: try root.integer("next"), more: try root.bool("more"))
    }
}

extension PushResponse {
    /// Reads a push answer.
    public static func read(_ data: Data) throws(WireFormatError) -> PushResponse {
        let root = try JSONFields(try JSONReader.parse(data), path: "the answer")
        return PushResponse(outcomes: try root.list("outcomes") { item, path throws(WireFormatError) in
            let entry = try JSONFields(item, path: path)
            let id = try entry.opID("id")
            if entry.members["seq"] != nil { return .accepted(id, seq: try entry.integer("seq")) }
            let rejection = try JSONFields(try entry.required("rejection"), path: "\(path).rejection")
            return .rejected(id, Rejection(code: try rejection.string("code"), message: try rejection.string("message")))
        })
    }
}

extension JSONValue: Decodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let flag = try? container.decode(Bool.self) {
            self = .bool(flag)
        } else if let number = try? container.decode(Int64.self) {
            self = .integer(number)
        } else if let text = try? container.decode(String.self) {
            self = .string(text)
        } else if let items = try? container.decode([JSONValue].self) {
            self = .array(items)
        } else if let members = try? container.decode([String: JSONValue].self) {
            self = .object(members)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value plansync reads (fractions are not allowed)")
        }
    }
}
