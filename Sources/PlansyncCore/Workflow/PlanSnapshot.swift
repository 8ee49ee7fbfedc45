import Crypto
import Foundation
import PlansyncProtocol

/// A plan's content as frozen by a submission: the canonical bytes and their SHA-256.
///
/// The content is what the UAT writes: every field outside the decision records and every table,
/// as shown (the winning value of each field, the visible rows in order). The encoding is
/// documented in `Protocol/CANONICAL.md`; the submitter's client and the county compute it
/// independently and must agree, which is how the county proves it holds exactly what was sent.
public struct PlanSnapshot: Sendable {
    /// The canonical encoding of the content.
    public let bytes: Data
    /// Lower-case hex SHA-256 of ``bytes``.
    public let hash: String

    /// The whole content of the plan.
    public init(_ plan: PlanDocument) {
        self.init(plan, including: { _ in true })
    }

    /// Only Chapter I (services, capacities, budgets; ``PlanSchema/isChapterOne(_:)``): what a
    /// modification must not change to be approved by HCL alone.
    public static func chapterOne(_ plan: PlanDocument) -> PlanSnapshot {
        PlanSnapshot(plan, including: PlanSchema.isChapterOne)
    }

    private init(_ plan: PlanDocument, including part: (String) -> Bool) {
        var fields: [(String, JSONValue)] = []
        for path in plan.fields.keys where PlanArea.of(field: path) == .content && part(path) {
            let value = plan.fields[path]!.value
            if value != .null { fields.append((path, value.json)) }
        }
        var tables: [(String, JSONValue)] = []
        for name in plan.tables.keys where part(name) {
            let rows = plan.visibleRows(of: name).map { row -> JSONValue in
                let values = row.fields.compactMap { name, register in register.value == .null ? nil : (name, register.value.json) }
                return .object(JSONObject([("id", .string(row.id.description)), ("values", .object(JSONObject(values)))]))
            }
            if !rows.isEmpty { tables.append((name, .array(rows))) }
        }
        let content: JSONValue = .object(JSONObject([
            ("fields", .object(JSONObject(fields))),
            ("plan", .string(plan.id.rawValue)),
            ("siruta", .integer(Int64(plan.siruta.rawValue))),
            ("tables", .object(JSONObject(tables))),
            ("template", .string(plan.template)),
            ("year", .integer(Int64(plan.year))),
        ]))
        bytes = content.canonicalJSON  // members sorted by the canonical writer
        hash = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

extension PlanSchema {
    /// Whether a field path or a table name belongs to Chapter I (services, capacities, budgets):
    /// the existing and proposed services, the contracting and subsidy programmes, their notes
    /// and written totals — in every template version.
    public static func isChapterOne(_ name: String) -> Bool {
        let root = name.split(separator: ".", maxSplits: 1).first.map(String.init) ?? name
        return ["services", "proposedServices", "contracting", "subsidies"].contains(root)
    }
}
