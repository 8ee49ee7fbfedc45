import Foundation
import PlansyncProtocol

/// Capacity, occupancy and budgets per funding source across a county's plans, exact in bani:
/// `plansync county totals`. Each plan counts by one version (the one in force, else the one sent
/// to the county); its existing (I A) and proposed (I B) services are summed.
public struct CountyTotals: Codable, Hashable, Sendable {
    /// How the rows are grouped.
    public enum Grouping: String, CaseIterable, Codable, Sendable {
        /// One row per funding source.
        case source
        /// One row per service code (as normalised by the nomenclator's syntax).
        case service
        /// One row per UAT.
        case uat
    }

    /// The funding sources, as the template's budget columns name them.
    public static let sources: [(column: String, label: String)] = [
        ("budget.local", "buget local"), ("budget.county", "buget județean"), ("budget.state", "buget de stat"),
        ("budget.contributions", "contribuții beneficiari"), ("budget.other", "alte surse"),
    ]

    /// One plan as counted: which UAT, which version, its content.
    public struct Counted: Sendable {
        public var uat: UAT
        public var version: PlanVersion
        public var document: PlanDocument

        public init(uat: UAT, version: PlanVersion, document: PlanDocument) {
            (self.uat, self.version, self.document) = (uat, version, document)
        }
    }

    /// The version of a plan the county counts: the one in force, else the latest sent to the
    /// county; `nil` for a plan with only drafts.
    public static func countedVersion(of workflow: PlanWorkflow) -> PlanVersion? {
        let sent: Set<VersionState> = [.submitted, .registered, .avizat]
        return workflow.inForce ?? workflow.versions.last { sent.contains($0.state) }
    }

    public struct Line: Codable, Hashable, Sendable {
        public var key: String
        public var label: String
        public var plans: Int
        public var capacity: Int64
        public var occupancy: Int64
        /// Bani per source column (`budget.local`…).
        public var budgets: [String: Int64]
        /// Sums saturate: a cell of absurd size (a typo of many digits) cannot trap the county's totals.
        public var total: Int64 { budgets.values.reduce(0) { $0.addingSaturating($1) } }

        mutating func add(capacity: Int64 = 0, occupancy: Int64 = 0, budgets more: [String: Int64]) {
            self.capacity = self.capacity.addingSaturating(capacity)
            self.occupancy = self.occupancy.addingSaturating(occupancy)
            budgets.merge(more) { $0.addingSaturating($1) }
        }
    }

    public var grouping: Grouping
    public var lines: [Line]
    /// The plans counted: SIRUTA, version, state.
    public var counted: [String]

    public init(_ plans: [Counted], by grouping: Grouping) {
        self.grouping = grouping
        counted = plans.map { "\($0.uat.siruta) v\($0.version.number) \($0.version.state.rawValue)" }
        var lines: [String: Line] = [:]
        var order: [String] = []
        func add(_ key: String, _ label: String, plan: PlanID, into seen: inout [String: Set<PlanID>], _ change: (inout Line) -> Void) {
            if lines[key] == nil {
                lines[key] = Line(key: key, label: label, plans: 0, capacity: 0, occupancy: 0, budgets: [:])
                order.append(key)
            }
            if seen[key, default: []].insert(plan).inserted { lines[key]!.plans += 1 }
            change(&lines[key]!)
        }
        var seen: [String: Set<PlanID>] = [:]
        for plan in plans {
            let content = PlanContent(plan.document)
            for table in ["services", "proposedServices"] {
                for row in content.rows(table) {
                    let capacity = content.count(row, "capacity")?.countedValue ?? 0
                    let occupancy = content.count(row, "occupancy")?.countedValue ?? 0
                    let budgets = Dictionary(uniqueKeysWithValues: Self.sources.map { ($0.column, content.money(row, $0.column)?.bani ?? 0) })
                    switch grouping {
                    case .uat:
                        add(String(plan.uat.siruta.rawValue), plan.uat.name, plan: plan.document.id, into: &seen) { line in
                            line.add(capacity: capacity, occupancy: occupancy, budgets: budgets)
                        }
                    case .service:
                        let written = row.text("code") ?? ""
                        let key = ServiceCode(written)?.description ?? (written.isEmpty ? "(fără cod)" : written)
                        add(key, row.text("name") ?? key, plan: plan.document.id, into: &seen) { line in
                            line.add(capacity: capacity, occupancy: occupancy, budgets: budgets)
                        }
                    case .source:
                        for source in Self.sources {
                            add(source.column, source.label, plan: plan.document.id, into: &seen) { line in
                                line.add(budgets: [source.column: budgets[source.column] ?? 0])
                            }
                        }
                    }
                }
            }
        }
        self.lines = (grouping == .source ? Self.sources.map(\.column).filter { lines[$0] != nil } : order.sorted()).map { lines[$0]! }
    }

    /// The sum of every line.
    public var total: Line {
        var total = Line(key: "total", label: "total", plans: counted.count, capacity: 0, occupancy: 0, budgets: [:])
        for line in lines { total.add(capacity: line.capacity, occupancy: line.occupancy, budgets: line.budgets) }
        return total
    }

    /// RFC 4180 CSV: a header, one record per line, then the total; money in bani (exact) and in lei.
    public var csv: String {
        var records: [[String]] = []
        if grouping == .source {
            records.append(["source", "label", "bani", "lei"])
            records += (lines + [total]).map { [$0.key, $0.label, String($0.total), Self.lei($0.total)] }
        } else {
            records.append([grouping.rawValue, "name", "plans", "capacity", "occupancy"] + Self.sources.map { "\($0.column)_bani" } + ["total_bani", "total_lei"])
            records += (lines + [total]).map { line in
                [line.key, line.label, String(line.plans), String(line.capacity), String(line.occupancy)]
                    + Self.sources.map { String(line.budgets[$0.column] ?? 0) } + [String(line.total), Self.lei(line.total)]
            }
        }
        return records.map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// The totals as an aligned table for a terminal.
    public var text: String {
        let header = grouping == .source ? "source\tlei" : "\(grouping.rawValue)\tname\tplans\tcapacity\toccupancy\t" + Self.sources.map(\.label).joined(separator: "\t") + "\ttotal lei"
        let rows = (lines + [total]).map { line in
            grouping == .source ? "\(line.label)\t\(Self.lei(line.total))"
                : "\(line.key)\t\(line.label)\t\(line.plans)\t\(line.capacity)\t\(line.occupancy)\t"
                    + Self.sources.map { Self.lei(line.budgets[$0.column] ?? 0) }.joined(separator: "\t") + "\t\(Self.lei(line.total))"
        }
        return ([header] + rows + ["Plans counted: \(counted.count) (the version in force, else the one sent to the county)."]).joined(separator: "\n")
    }

    /// Bani written as lei with two decimals, exactly: `1500000` → `15000.00`.
    public static func lei(_ bani: Int64) -> String {
        let sign = bani < 0 ? "-" : ""
        let magnitude = bani.magnitude
        let cents = magnitude % 100
        return "\(sign)\(magnitude / 100).\(cents < 10 ? "0" : "")\(cents)"
    }

    /// A field quoted when it holds a comma, a quote or a line break (RFC 4180). A text a
    /// spreadsheet would take for a formula (starting with `=`, `+`, `-`, `@`, a tab or a CR — a
    /// service's name is a clerk's text) starts with an apostrophe, so opening the file runs
    /// nothing; a negative amount stays a number.
    static func csvField(_ field: String) -> String {
        var text = field
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first), Double(text) == nil {
            text = "'" + text
        }
        // By scalars: "\r\n" is one Character, equal to neither "\r" nor "\n".
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
