import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol

/// One UAT's line in the county reviewer's list (`plansync county plans`).
public struct CountyPlanLine: Codable, Sendable, Hashable {
    public var siruta: Siruta
    public var uat: String
    /// `nil` when the UAT has no plan for the year on this computer.
    public var plan: PlanID?
    public var year: Int?
    /// The latest version's number and state.
    public var version: Int?
    public var state: VersionState?
    /// When the county last received a change to the plan (its clock).
    public var lastReceivedAt: String?
    /// The reviewer checks on the latest version: as carried by its submission once sent, live on a draft.
    public var errors: Int
    public var warnings: Int
    public var openRemarks: Int
    /// What waits for the county: `register` or `aviz`, with the version.
    public var awaiting: String?
}

/// The county reviewer's view, from the replica of every plan of the county: works offline.
extension Replica {
    /// Every UAT of the county with its plans of the year (or every year), optionally only those
    /// whose latest version is in `state`.
    public func countyPlans(year: Int?, state: VersionState?) throws -> [CountyPlanLine] {
        let settings = try settings()
        let registry = SirutaRegistry.shipped
        guard let county = registry.county(named: settings.county) else {
            throw ClientError("The county '\(settings.county)' is not in the SIRUTA list shipped with plansync.")
        }
        let validator = try validator()
        let plans = try self.plans().filter { year == nil || $0.year == year }
        let byUAT = Dictionary(grouping: plans, by: \.siruta)
        let uats = registry.uats.values.filter { $0.county == county && (settings.siruta == nil || $0.siruta == settings.siruta) }
            .sorted { ($0.name, $0.siruta) < ($1.name, $1.siruta) }
        return try read { db in
            try uats.flatMap { uat -> [CountyPlanLine] in
                let documents = byUAT[uat.siruta] ?? []
                if documents.isEmpty {
                    return state == nil
                        ? [CountyPlanLine(siruta: uat.siruta, uat: uat.name, errors: 0, warnings: 0, openRemarks: 0)] : []
                }
                return try documents.sorted { ($0.year, $0.id) < ($1.year, $1.id) }.compactMap { document in
                    let latest = document.workflow.latest
                    guard state == nil || latest.state == state else { return nil }
                    let marks = latest.frozenBy == nil ? validator.check(document).marks : latest.findings
                    let awaiting = document.workflow.awaitingCounty.map { "\($0.action.rawValue) version \($0.version)" }
                    return CountyPlanLine(
                        siruta: uat.siruta, uat: uat.name, plan: document.id, year: document.year, version: latest.number,
                        state: latest.state,
                        lastReceivedAt: try String.fetchOne(db, sql: "SELECT max(county_at) FROM operation WHERE plan = ?",
                                                            arguments: [document.id.rawValue]),
                        errors: marks.count { $0.severity == Severity.error.rawValue },
                        warnings: marks.count { $0.severity == Severity.warning.rawValue },
                        openRemarks: document.workflow.openRemarks.count, awaiting: awaiting)
                }
            }
        }
    }

    /// Capacity, occupancy and budgets across the county's plans of a year: each plan by its
    /// version in force, else the version sent to the county; plans with only a draft are left out.
    public func countyTotals(year: Int?, by grouping: CountyTotals.Grouping) throws -> CountyTotals {
        let registry = SirutaRegistry.shipped
        let counted = try plans().filter { year == nil || $0.year == year }.sorted { ($0.siruta, $0.id) < ($1.siruta, $1.id) }.compactMap { plan -> CountyTotals.Counted? in
            guard let version = CountyTotals.countedVersion(of: plan.workflow), let uat = registry[plan.siruta]
            else { return nil }
            return CountyTotals.Counted(uat: uat, version: version, document: try document(of: plan.id, version: version.number))
        }
        return CountyTotals(counted, by: grouping)
    }
}
