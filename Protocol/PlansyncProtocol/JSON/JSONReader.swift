import Foundation

/// A small JSON parser for the sync's hot paths (push and pull bodies) and for plan files.
///
/// Foundation's `JSONDecoder` spends most of its time in the `Codable` machinery: a thousand
/// operations cost it about 7 ms, this reader well under one. It accepts exactly RFC 8259 JSON with
/// whole numbers, rejects invalid UTF-8 and repeated member names, keeps members in document
/// order, and nests at most 64 levels.
public struct JSONReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    /// Parses a whole document.
    public static func parse(_ data: Data) throws(WireFormatError) -> JSONValue {
        let result: Result<JSONValue, WireFormatError> = data.withUnsafeBytes { raw in
            var reader = JSONReader(bytes: raw.bindMemory(to: UInt8.self))
            return Result { () throws(WireFormatError) -> JSONValue in
                reader.skipWhitespace()
                let value = try reader.value(depth: 0)
                reader.skipWhitespace()
                guard reader.index == reader.bytes.count else { throw reader.failure("unexpected text after the JSON value") }
                return value
            }
        }
        return try result.get()
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private func failure(_ what: String) -> WireFormatError {
        WireFormatError("not valid JSON at byte \(index): \(what)")
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws(WireFormatError) {
        guard current == byte else { throw failure("expected '\(Character(UnicodeScalar(byte)))'") }
        index += 1
    }

    private mutating func value(depth: Int) throws(WireFormatError) -> JSONValue {
        guard depth < 64 else { throw failure("nested too deeply") }
        switch current {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case nil: throw failure("the body ends too early")
        case let byte? where byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte):
            return .integer(try integer())
        default: throw failure("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString) throws(WireFormatError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
              memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0
        else { throw failure("expected \(word)") }
        index += count
    }

    private mutating func integer() throws(WireFormatError) -> Int64 {
        let negative = current == UInt8(ascii: "-")
        if negative { index += 1 }
        guard let first = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { throw failure("expected a digit") }
        // Accumulated towards the sign: a negative number reaches Int64.min, which has no
        // positive counterpart.
        var number: Int64 = 0
        let start = index
        while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
            let digit = Int64(byte - UInt8(ascii: "0"))
            let (times, overflow1) = number.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { throw failure("number too large") }
            number = sum
            index += 1
        }
        guard first != UInt8(ascii: "0") || index - start == 1 else { throw failure("leading zero") }
        if let byte = current, byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            throw failure("a fraction: plansync takes whole numbers only (money is exact)")
        }
        return number
    }

    private mutating func string() throws(WireFormatError) -> String {
        try expect(UInt8(ascii: "\""))
        let start = index
        // Fast path: no escapes until the closing quote.
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { throw failure("a control character inside a string") }
            index += 1
        }
        guard let stop = current else { throw failure("a string is not closed") }
        if stop == UInt8(ascii: "\"") {
            let text = try validated(UnsafeBufferPointer(rebasing: bytes[start..<index]))
            index += 1
            return text
        }
        var buffer = Array(bytes[start..<index])
        while true {
            guard let byte = current else { throw failure("a string is not closed") }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return try buffer.withUnsafeBufferPointer { pointer throws(WireFormatError) in try validated(pointer) }
            case UInt8(ascii: "\\"):
                try escape(into: &buffer)
            case 0..<0x20:
                throw failure("a control character inside a string")
            default:
                buffer.append(byte)
            }
        }
    }

    private mutating func escape(into buffer: inout [UInt8]) throws(WireFormatError) {
        guard let byte = current else { throw failure("a string is not closed") }
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(byte)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard current == UInt8(ascii: "\\") else { throw failure("a lone UTF-16 surrogate") }
                index += 1
                try expect(UInt8(ascii: "u"))
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw failure("a lone UTF-16 surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("a lone UTF-16 surrogate") }
            buffer.append(contentsOf: Array(String(Character(unicode)).utf8))
        default:
            throw failure("an unknown escape")
        }
    }

    private mutating func hex4() throws(WireFormatError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current else { throw failure("a string is not closed") }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("a bad \\u escape")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    private func validated(_ utf8: UnsafeBufferPointer<UInt8>) throws(WireFormatError) -> String {
        guard let text = String(validating: utf8, as: UTF8.self) else { throw failure("text that is not UTF-8") }
        return text
    }

    private mutating func array(depth: Int) throws(WireFormatError) -> JSONValue {
        try expect(UInt8(ascii: "["))
        var elements: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { index += 1; return .array(elements) }
        while true {
            skipWhitespace()
            elements.append(try value(depth: depth + 1))
            skipWhitespace()
            if current == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "]"))
            return .array(elements)
        }
    }

    private mutating func object(depth: Int) throws(WireFormatError) -> JSONValue {
        try expect(UInt8(ascii: "{"))
        var members: [JSONObject.Member] = []
        skipWhitespace()
        if current == UInt8(ascii: "}") { index += 1; return .object(JSONObject(members: members)) }
        var seen: Set<String> = []
        while true {
            skipWhitespace()
            let key = try string()
            // Objects on the wire are small: a scan finds a repeat without hashing; large ones
            // (a plan file's fields) switch to a set.
            let repeated: Bool
            if members.count < 16 {
                repeated = members.contains { $0.key == key }
            } else {
                if seen.isEmpty { seen = Set(members.map(\.key)) }
                repeated = !seen.insert(key).inserted
            }
            guard !repeated else { throw failure("the member '\(key)' appears twice") }
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            members.append(JSONObject.Member(key: key, value: try value(depth: depth + 1)))
            skipWhitespace()
            if current == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "}"))
            return .object(JSONObject(members: members))
        }
    }
}
