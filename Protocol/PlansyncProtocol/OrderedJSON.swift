import Foundation

/// JSON whose object members keep the order they were given in, written pretty-printed.
///
/// For documents people read and diff, such as an exported plan: members follow the template's
/// order, not the alphabet, and the same content always gives the same bytes (two-space indent,
/// `": "`, one member per line, UTF-8 unescaped, a newline at the end).
public indirect enum OrderedJSON: Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case string(String)
    case array([OrderedJSON])
    case object([(String, OrderedJSON)])

    public static func == (a: OrderedJSON, b: OrderedJSON) -> Bool { a.pretty == b.pretty }

    /// The pretty-printed bytes.
    public var pretty: Data {
        var out = CanonicalWriter()
        write(to: &out, indent: 0)
        return Data(out.bytes + [0x0A])
    }

    private func write(to out: inout CanonicalWriter, indent: Int) {
        switch self {
        case .null: out.raw("null")
        case .bool(let flag): out.raw(flag ? "true" : "false")
        case .integer(let number): out.integer(number)
        case .string(let text): out.string(text)
        case .array(let items):
            guard !items.isEmpty else { out.raw("[]"); return }
            out.raw("[")
            for (index, item) in items.enumerated() {
                out.raw((index == 0 ? "" : ",") + "\n" + String(repeating: "  ", count: indent + 1))
                item.write(to: &out, indent: indent + 1)
            }
            out.raw("\n" + String(repeating: "  ", count: indent) + "]")
        case .object(let members):
            guard !members.isEmpty else { out.raw("{}"); return }
            out.raw("{")
            for (index, (name, value)) in members.enumerated() {
                out.raw((index == 0 ? "" : ",") + "\n" + String(repeating: "  ", count: indent + 1))
                out.string(name)
                out.raw(": ")
                value.write(to: &out, indent: indent + 1)
            }
            out.raw("\n" + String(repeating: "  ", count: indent) + "}")
        }
    }
}

extension CanonicalWriter {
    /// Appends text as is (punctuation and layout of the pretty form).
    mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }
}
