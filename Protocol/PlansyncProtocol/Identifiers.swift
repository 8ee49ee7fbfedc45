/// Typed identifiers shared by the client and the server.
///
/// Every identifier is a small value type over a string or an integer, so a device id can never be
/// passed where a plan id is expected. All encode as a bare JSON string or number.

/// An identifier wrapping one raw value: ordered, printed and encoded as that value (the standard
/// library encodes a `RawRepresentable` over a string or an integer as the bare value).
public protocol RawIdentifier: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible
where RawValue: Comparable & CustomStringConvertible {}

extension RawIdentifier {
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { rawValue.description }
}

/// A device enrolled with a county server (the inspector's laptop, the office desktop).
///
/// Assigned by the server at enrollment, unique within the county. Short on purpose: it appears in
/// every operation id.
public struct DeviceID: RawIdentifier {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// The globally unique id of one operation: the device that made it and that device's counter.
///
/// Counters start at 1 and grow by one with every local edit, so `(device, counter)` is unique
/// without any coordination, and the server can recognise an operation it has already accepted.
/// Written `device.counter`, e.g. `k3f9a1c2.42`.
public struct OpID: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let device: DeviceID
    public let counter: Int64

    public init(device: DeviceID, counter: Int64) {
        self.device = device
        self.counter = counter
    }

    /// Parses the `device.counter` form; `nil` when the text is not of that form.
    public init?(_ text: String) {
        guard let dot = text.lastIndex(of: "."),
              let counter = Int64(text[text.index(after: dot)...]), counter > 0,
              dot > text.startIndex
        else { return nil }
        self.init(device: DeviceID(String(text[..<dot])), counter: counter)
    }

    public var description: String { "\(device.rawValue).\(counter)" }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.device, lhs.counter) < (rhs.device, rhs.counter)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let id = OpID(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not an operation id of the form device.counter")
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A plan: the id of the operation that created it, so two devices creating plans offline never clash.
public struct PlanID: RawIdentifier {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(creatingOperation id: OpID) { rawValue = id.description }
}

/// A table row: the id of the operation that inserted it. Rows are addressed by this id, never by
/// position, so concurrent inserts and moves cannot make an edit land on the wrong row.
public typealias RowID = OpID

/// A person's account with a county server (an inspector, a county reviewer, an auditor…).
///
/// Assigned by the server when the county creates the account; never reused. Every device belongs
/// to one account, so every operation is attributed to a person by the device in its id.
public struct AccountID: RawIdentifier {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }
}

/// A UAT's SIRUTA code (the national register of administrative units). Match UATs by this, never
/// by name: documents drop diacritics and prefixes.
public struct Siruta: RawIdentifier {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(_ rawValue: Int) { self.rawValue = rawValue }
}

extension OpID: CodingKeyRepresentable {
    public var codingKey: any CodingKey { OpIDKey(stringValue: description) }
    public init?<T: CodingKey>(codingKey: T) { self.init(codingKey.stringValue) }

    private struct OpIDKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
