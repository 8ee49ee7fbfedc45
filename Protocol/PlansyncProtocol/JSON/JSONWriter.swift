import Foundation

/// Writes a ``JSONValue`` as bytes, in one of two layouts.
///
/// - ``canonical(_:)`` is the form that is stored, sent, compared and hashed: the same value
///   always gives the same bytes (see `Protocol/CANONICAL.md`). It is the same text as
///   `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes` for keys of ASCII letters,
///   which a test holds it to, and about ten times faster: the server encodes every operation it
///   accepts, a replica every operation it records.
/// - ``pretty(_:)`` is for documents people read and diff, such as an exported plan: members in
///   the order given, two-space indent, `": "`, one member per line, a newline at the end.
public enum JSONWriter {
    public static func canonical(_ value: JSONValue) -> Data {
        var out = ByteSink()
        out.canonical(value)
        return Data(out.bytes)
    }

    public static func pretty(_ value: JSONValue) -> Data {
        var out = ByteSink()
        out.pretty(value, indent: 0)
        out.bytes.append(0x0A)
        return Data(out.bytes)
    }
}

/// Whether `a` sorts before `b` in the canonical encoding: by the UTF-8 bytes of the keys.
@inline(__always)
func canonicalOrder(_ a: String, _ b: String) -> Bool {
    a.utf8.lexicographicallyPrecedes(b.utf8)
}

/// Appends JSON tokens to a byte array (appending single bytes to `Data` is slow).
private struct ByteSink {
    var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(192) }

    mutating func canonical(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(let flag): raw(flag ? "true" : "false")
        case .integer(let number): raw(String(number))
        case .string(let text): string(text)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                canonical(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            // Mappings build their members already sorted; only other objects pay for sorting.
            var members = object.members
            if zip(members, members.dropFirst()).contains(where: { !canonicalOrder($0.key, $1.key) }) {
                members.sort { canonicalOrder($0.key, $1.key) }
            }
            for (index, member) in members.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                string(member.key)
                bytes.append(UInt8(ascii: ":"))
                canonical(member.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

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
                string(member.key)
                raw(": ")
                pretty(member.value, indent: indent + 1)
            }
            raw("\n" + String(repeating: "  ", count: indent) + "}")
        default:
            canonical(value)
        }
    }

    mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    mutating func string(_ text: String) {
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
