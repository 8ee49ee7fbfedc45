import Foundation

/// The value of one plan field or table cell.
///
/// JSON-shaped so that a structured cell (a number with the raw text it was written as, a
/// registration reference with number, date and issuer) is set atomically by one operation.
/// There is no floating point on purpose: money is exact, in integer bani or lei.
public enum Value: Hashable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case text(String)
    case object([String: Value])

    /// The text of a `.text` value, else `nil`.
    public var text: String? {
        if case .text(let text) = self { return text }
        return nil
    }

    /// The number of an `.integer` value, else `nil`.
    public var integer: Int64? {
        if case .integer(let number) = self { return number }
        return nil
    }

    /// Its size as stored, in bytes of text (numbers and flags count 8): what the limits on a
    /// value and on a plan measure.
    public var byteSize: Int {
        switch self {
        case .null, .bool: 1
        case .integer: 8
        case .text(let text): text.utf8.count
        case .object(let members): members.reduce(0) { $0 + $1.key.utf8.count + $1.value.byteSize }
        }
    }
}

extension Value: JSONWritable {
    /// The one mapping to JSON; an object's members in canonical order.
    public func write<Sink: JSONSink>(to sink: inout Sink) {
        switch self {
        case .null: sink.null()
        case .bool(let flag): sink.bool(flag)
        case .integer(let number): sink.integer(number)
        case .text(let text): sink.string(text)
        case .object(let members):
            sink.openObject()
            for name in members.keys.sorted(by: canonicalOrder) {
                sink.key(name)
                members[name]!.write(to: &sink)
            }
            sink.closeObject()
        }
    }

    /// Reads a value; arrays are not values (a table is rows, not a list in a cell).
    public init(json: JSONValue, path: String) throws(WireFormatError) {
        switch json {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .integer(let number): self = .integer(number)
        case .string(let text): self = .text(text)
        case .object(let object):
            var members: [String: Value] = [:]
            for member in object.members { members[member.key] = try Value(json: member.value, path: "\(path).\(member.key)") }
            self = .object(members)
        case .array:
            throw WireFormatError("\(path) should be null, true/false, a whole number, text or an object")
        }
    }
}

extension Value: Codable {
    /// Decoding goes through the same mapping as the fast readers.
    public init(from decoder: any Decoder) throws {
        do {
            self = try Value(json: try JSONValue(from: decoder), path: "value")
        } catch let error as WireFormatError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }
}

extension Value: CustomStringConvertible {
    public var description: String {
        switch self {
        case .null: return "—"
        case .bool(let bool): return bool ? "da" : "nu"
        case .integer(let number): return String(number)
        case .text(let text): return text
        case .object(let object):
            return "{" + object.keys.sorted().map { "\($0): \(object[$0]!)" }.joined(separator: ", ") + "}"
        }
    }
}
