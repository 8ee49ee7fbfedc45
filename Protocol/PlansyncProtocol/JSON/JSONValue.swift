/// A JSON value as plansync reads and writes it: the one tree behind the wire's messages, the
/// canonical encoding that is hashed, and plan files.
///
/// Numbers are whole: the protocol has no fractions (money is exact), so a fraction is an error,
/// not a rounding. Objects keep their members in the order they were read or built, so a plan file
/// keeps the template's order and an error names the first bad member as the document has it; the
/// canonical encoding sorts them (``JSONWriter``).
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// A member of an object value, `nil` for a missing member or a value that is not an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }
}

/// The members of a JSON object, in order. Keys are unique: the reader refuses a document that
/// repeats one, since two readers could then disagree on what it says.
public struct JSONObject: Hashable, Sendable, ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral {
    public struct Member: Hashable, Sendable {
        public let key: String
        public let value: JSONValue
    }

    public private(set) var members: [Member]

    public init(_ pairs: [(String, JSONValue)]) {
        members = pairs.map { Member(key: $0.0, value: $0.1) }
    }

    /// Members in the literal's order.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    /// Members in the literal's order, written as pairs.
    public init(arrayLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    init(members: [Member]) { self.members = members }

    /// The member named `key`. Objects on the wire have a handful of members, so a scan is
    /// cheaper than hashing.
    public subscript(key: String) -> JSONValue? {
        members.first { $0.key == key }?.value
    }

    public var keys: [String] { members.map(\.key) }
    public var isEmpty: Bool { members.isEmpty }

    /// Adds a member at the end (the caller keeps keys unique).
    public mutating func append(_ key: String, _ value: JSONValue) {
        members.append(Member(key: key, value: value))
    }
}

extension JSONValue: Codable {
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
            // Foundation does not say in which order it read the members: sort them.
            self = .object(JSONObject(members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }.map { ($0.key, $0.value) }))
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value plansync reads (fractions are not allowed)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let flag):
            var container = encoder.singleValueContainer()
            try container.encode(flag)
        case .integer(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .string(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .array(let items):
            var container = encoder.unkeyedContainer()
            for item in items { try container.encode(item) }
        case .object(let object):
            var container = encoder.container(keyedBy: MemberKey.self)
            for member in object.members { try container.encode(member.value, forKey: MemberKey(member.key)) }
        }
    }

    private struct MemberKey: CodingKey {
        let stringValue: String
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}

extension JSONValue: CustomStringConvertible {
    /// The value as compact JSON text, for messages (`45`, `"value"`).
    public var description: String { String(decoding: JSONWriter.canonical(self), as: UTF8.self) }
}
