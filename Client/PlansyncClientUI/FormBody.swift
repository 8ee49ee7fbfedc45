import Hummingbird

/// The fields of a posted form (`application/x-www-form-urlencoded`), by name; the first value of
/// a name repeated.
struct FormBody: Sendable {
    let fields: [String: String]

    /// The largest body read: a row of the widest table is a few kilobytes.
    static let limit = 64 << 10

    init(fields: [String: String]) { self.fields = fields }

    init(_ request: Request) async throws {
        var request = request
        let body = try await request.collectBody(upTo: Self.limit)
        var fields: [String: String] = [:]
        for pair in String(buffer: body).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(Self.decode)
            if let name = parts.first, fields[name] == nil { fields[name] = parts.count > 1 ? parts[1] : "" }
        }
        self.fields = fields
    }

    subscript(_ name: String) -> String? { fields[name] }

    /// A field's text without the blanks around it, or `""`.
    func trimmed(_ name: String) -> String { (fields[name] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }

    /// `+` is a space in a form; browsers send line breaks as CR LF, kept as LF like the CLI's.
    private static func decode(_ part: Substring) -> String {
        (String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "")
            .replacingOccurrences(of: "\r\n", with: "\n")
    }
}
