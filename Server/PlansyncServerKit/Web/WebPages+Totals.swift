import Foundation
import Hummingbird
import PlansyncCore
import PlansyncProtocol

/// The county's totals per funding source, service code or UAT: a chart drawn on the server, a
/// table, and the same figures as CSV.
extension WebPages {
    func totals(_ request: Request, _ store: CountyStore, _ session: WebSession, _ language: PageLanguage) async throws -> Response {
        let grouping = Self.grouping(of: request)
        let totals = try await countyTotals(store, session, by: grouping)
        let labels: [CountyTotals.Grouping: String] = [.source: countyWords["bySource", in: language], .service: countyWords["byService", in: language], .uat: countyWords["byUAT", in: language]]
        let title = countyWords["totals", in: language] + " " + (labels[grouping] ?? "") + " — " + store.county.name
        return render("totals", language: language, title: title, store: store, session: session, [
            "by": grouping.rawValue,
            "groupings": CountyTotals.Grouping.allCases.map { ["value": $0.rawValue, "label": labels[$0] ?? $0.rawValue, "selected": $0 == grouping] },
            "chart": TotalsChart(totals: totals, title: title).svg,
            "sources": CountyTotals.sources.map { ["label": $0.label] },
            "lines": (totals.lines + [totals.total]).map { line in
                ["label": line.key == "total" ? countyWords["total", in: language] : line.label, "plans": String(line.plans), "capacity": Lei.group(line.capacity),
                 "amounts": CountyTotals.sources.map { Lei.format(bani: line.budgets[$0.column] ?? 0) }, "total": Lei.format(bani: line.total)]
            },
        ])
    }

    /// The county's totals over the plans the account reads, each by the version the county counts.
    func countyTotals(_ store: CountyStore, _ session: WebSession, by grouping: CountyTotals.Grouping) async throws -> CountyTotals {
        guard Permissions.allows(session.account, .read) else { throw ServerError.forbidden(Permissions.readRefusal(for: session.account.role)) }
        // The totals move only with the plans: kept until the county's documents change (read
        // before the plans are, so totals computed from older documents are never kept as newer).
        let key = TotalsKey(county: store.county.code, scope: session.account.siruta, grouping: grouping,
                            generation: store.documentsGeneration.load(ordering: .acquiring))
        if let kept = keptTotals.withLock({ $0[key] }) { return kept }
        var counted: [CountyTotals.Counted] = []
        for summary in try await store.planSummaries(siruta: session.account.siruta) {
            guard let plan = try await store.plan(summary.id), let version = CountyTotals.countedVersion(of: plan.workflow),
                  let uat = directory.registry[plan.siruta], let document = try await store.document(of: plan, version: version.number)
            else { continue }
            counted.append(.init(uat: uat, version: version, document: document))
        }
        let computed = CountyTotals(counted, by: grouping)
        keptTotals.withLock { kept in
            // The history moved on for every entry of a county at once; a few dozen is plenty.
            if kept.count >= 64 { kept.removeAll(keepingCapacity: true) }
            kept[key] = computed
        }
        return computed
    }
}

/// Which totals: a county's, over an account's scope, by a grouping, as of its documents' generation.
struct TotalsKey: Hashable, Sendable {
    let county: Int
    let scope: Siruta?
    let grouping: CountyTotals.Grouping
    let generation: Int64
}
