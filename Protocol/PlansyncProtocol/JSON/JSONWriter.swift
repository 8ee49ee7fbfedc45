import Foundation

/// Writes JSON as bytes, in one of two layouts.
///
/// - ``canonical(_:)`` is the form that is stored, sent, compared and hashed: the same value
///   always gives the same bytes (see `Protocol/CANONICAL.md`). It is the same text as
///   `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes` for keys of ASCII letters,
///   which a test holds it to. An operation is written straight to bytes through ``JSONSink``,
///   without building a tree: the server encodes every operation it accepts, a replica every
///   operation it records or pulls.
/// - ``pretty(_:)`` is for documents people read and diff, such as an exported plan: members in
///   the order given, two-space indent, `": "`, one member per line, a newline at the end.
public enum JSONWriter {
    public static func canonical(_ value: JSONValue) -> Data {
        var out = CanonicalBytes()
        value.write(to: &out)
        return out.data
    }

    /// The canonical bytes of whatever `write` writes (its objects' members in canonical order).
    public static func canonical(_ write: (inout CanonicalBytes) -> Void) -> Data {
        var out = CanonicalBytes()
        write(&out)
        return out.data
    }

    public static func pretty(_ value: JSONValue) -> Data {
        var out = CanonicalBytes()
        out.pretty(value, indent: 0)
        out.bytes.append(0x0A)
        return out.data
    }
}

/// Where a mapping writes JSON, token by token: canonical bytes (``CanonicalBytes``) or a tree
/// (``JSONTree``). One mapping per message type serves both. A mapping writes an object's
/// members in canonical order (by the UTF-8 bytes of their names).
public protocol JSONSink {
    mutating func openObject()
    mutating func key(_ name: String)
    mutating func closeObject()
    mutating func openArray()
    mutating func closeArray()
    mutating func string(_ text: String)
    mutating func integer(_ number: Int64)
    mutating func bool(_ flag: Bool)
    mutating func null()
}

/// A value with one mapping to JSON, written to any ``JSONSink``: its tree and its canonical
/// bytes both come from that one mapping.
public protocol JSONWritable {
    /// Writes the value; an object's members in canonical order.
    func write<Sink: JSONSink>(to sink: inout Sink)
}

extension JSONWritable {
    /// The value as a JSON tree.
    public var json: JSONValue {
        var tree = JSONTree()
        write(to: &tree)
        return tree.value
    }

    /// The stored, sent and hashed form (`Protocol/CANONICAL.md`), written straight to bytes.
    public var canonicalJSON: Data { JSONWriter.canonical { write(to: &$0) } }
}

extension JSONValue: JSONWritable {
    /// Writes the value; an object's members sorted into canonical order.
    public func write<Sink: JSONSink>(to sink: inout Sink) {
        switch self {
        case .null: sink.null()
        case .bool(let flag): sink.bool(flag)
        case .integer(let number): sink.integer(number)
        case .string(let text): sink.string(text)
        case .array(let items):
            sink.openArray()
            for item in items { item.write(to: &sink) }
            sink.closeArray()
        case .object(let object):
            sink.openObject()
            var members = object.members
            if zip(members, members.dropFirst()).contains(where: { !canonicalOrder($0.key, $1.key) }) {
                members.sort { canonicalOrder($0.key, $1.key) }
            }
            for member in members {
                sink.key(member.key)
                member.value.write(to: &sink)
            }
            sink.closeObject()
        }
    }
}

/// Builds a ``JSONValue`` from what a mapping writes.
public struct JSONTree: JSONSink {
    private enum Frame {
        case object(JSONObject, key: String)
        case array([JSONValue])
    }

    private var stack: [Frame] = []
    /// The value written, once its last container is closed.
    public private(set) var value: JSONValue = .null

    public init() {}

    private mutating func put(_ item: JSONValue) {
        switch stack.popLast() {
        case nil: value = item
        case .object(var object, let key)?:
            object.append(key, item)
            stack.append(.object(object, key: ""))
        case .array(var items)?:
            items.append(item)
            stack.append(.array(items))
        }
    }

    public mutating func openObject() { stack.append(.object(JSONObject(members: []), key: "")) }
    public mutating func key(_ name: String) {
        if case .object(let object, _)? = stack.popLast() { stack.append(.object(object, key: name)) }
    }
    public mutating func closeObject() {
        if case .object(let object, _)? = stack.popLast() { put(.object(object)) }
    }
    public mutating func openArray() { stack.append(.array([])) }
    public mutating func closeArray() {
        if case .array(let items)? = stack.popLast() { put(.array(items)) }
    }
    public mutating func string(_ text: String) { put(.string(text)) }
    public mutating func integer(_ number: Int64) { put(.integer(number)) }
    public mutating func bool(_ flag: Bool) { put(.bool(flag)) }
    public mutating func null() { put(.null) }
}

/// Whether `a` sorts before `b` in the canonical encoding: by the UTF-8 bytes of the keys.
@inline(__always)
func canonicalOrder(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}

/// JSON tokens appended to a byte array in the canonical layout (appending single bytes to
/// `Data` is slow).
public struct CanonicalBytes: JSONSink {
    var bytes: [UInt8] = []
    /// A value was just written: the next one needs a comma before it.
    private var afterValue = false

    init() { bytes.reserveCapacity(192) }

    var data: Data { Data(bytes) }

    private mutating func separate() {
        if afterValue { bytes.append(UInt8(ascii: ",")) }
    }

    public mutating func openObject() { separate(); bytes.append(UInt8(ascii: "{")); afterValue = false }
    public mutating func key(_ name: String) {
        separate()
        quoted(name)
        bytes.append(UInt8(ascii: ":"))
        afterValue = false
    }
    public mutating func closeObject() { bytes.append(UInt8(ascii: "}")); afterValue = true }
    public mutating func openArray() { separate(); bytes.append(UInt8(ascii: "[")); afterValue = false }
    public mutating func closeArray() { bytes.append(UInt8(ascii: "]")); afterValue = true }
    public mutating func string(_ text: String) { separate(); quoted(text); afterValue = true }
    public mutating func integer(_ number: Int64) { separate(); raw(String(number)); afterValue = true }
    public mutating func bool(_ flag: Bool) { separate(); raw(flag ? "true" : "false"); afterValue = true }
    public mutating func null() { separate(); raw("null"); afterValue = true }

    mutating func pretty(_ value: JSONValue, indent: Int) {
        switch value {
        case .array(let items) where !items.isEmpty:
            raw("[")
            for (index, item) in items.enumerated() {
                raw((index == 0 ? "" : ",") + "\n" + String(repeating: "  ", count: indent + 1))
                pretty(item, indent: indent + 1)
            }
            raw("\n" + String(repeating: "  ", count: indent) + "]")
        case .object(let object) where !object.isEmpty:
            raw("{")
            for (index, member) in object.members.enumerated() {
                raw((index == 0 ? "" : ",") + "\n" + String(repeating: "  ", count: indent + 1))
                quoted(member.key)
                raw(": ")
                pretty(member.value, indent: indent + 1)
            }
            raw("\n" + String(repeating: "  ", count: indent) + "}")
        default:
            afterValue = false  // the pretty layout writes its own separators
            value.write(to: &self)
        }
    }

    mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    private mutating func quoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            if !utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
                bytes.append(contentsOf: utf8)
            } else {
                escape(utf8)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ utf8: UnsafeBufferPointer<UInt8>) {
        let hex = Array("0123456789abcdef".utf8)
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x00..<0x20: bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
    }
}
