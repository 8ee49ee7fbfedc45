/// Reading a message's members from parsed JSON, with the path used in error messages
/// (`operations[3].hlc`): the helpers every `init(json:path:)` of the wire uses.
struct JSONFields {
    let members: JSONObject
    let path: String

    init(_ value: JSONValue, path: String) throws(WireFormatError) {
        guard case .object(let members) = value else { throw WireFormatError("\(path) should be an object") }
        self.members = members
        self.path = path
    }

    subscript(key: String) -> JSONValue? { members[key] }

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

    /// Refuses a member this reader does not know: it could carry a meaning the reader would
    /// silently drop.
    func allowOnly(_ keys: Set<String>) throws(WireFormatError) {
        if let unknown = members.members.first(where: { !keys.contains($0.key) }) {
            throw WireFormatError("\(path) has a member '\(unknown.key)' this version of plansync does not know")
        }
    }
}

/// Why a body could not be read, with where.
public struct WireFormatError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
