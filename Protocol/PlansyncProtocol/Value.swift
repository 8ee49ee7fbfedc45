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
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let bool): try container.encode(bool)
        case .integer(let number): try container.encode(number)
        case .text(let text): try container.encode(text)
        case .object(let object): try container.encode(object)
        }
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
