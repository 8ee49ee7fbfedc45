import ArgumentParser
import Foundation
import PlansyncServerKit

/// `plansync-server audit verify`: the county checks its own log against its own database.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The county's tamper-evident audit log.", subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-derive every root and plan state from the stored log and compare; exit status 1 when anything differs.")
        @OptionGroup var options: ServerOptions

        struct CountyReport: Encodable {
            let county: String
            let entries: Int64
            let checkpoints: Int
            let operations: Int
            let plans: Int
            let verdict: String
            let firstBadEntry: Int64?
            let problems: [String]
        }

        func run() async throws {
            let directory = try options.directory()
            let counties = directory.existingCounties()
            guard !counties.isEmpty else { throw ValidationError("There is no county database in \(directory.url.path).") }
            var reports: [CountyReport] = []
            for county in counties {
                let result = try await directory.open(county).store.verifyLog()
                let problems = result.problems.sorted { ($0.entry ?? .max) < ($1.entry ?? .max) }
                reports.append(CountyReport(county: county.name, entries: result.entries, checkpoints: result.checkpoints, operations: result.operations,
                                            plans: result.plans, verdict: problems.isEmpty ? "intact" : "TAMPERED",
                                            firstBadEntry: result.firstProblem?.entry, problems: problems.map(\.description)))
            }
            try options.emit(reports) {
                reports.map { report in
                    var text = "\(report.county): \(report.entries) entries, \(report.checkpoints) signed checkpoints, \(report.operations) operations, \(report.plans) plans: "
                    if report.problems.isEmpty { return text + "intact (every root, signature, operation and plan re-derived)." }
                    text += "TAMPERED. First bad entry: \(report.firstBadEntry.map(String.init) ?? "none named").\n"
                    return text + report.problems.prefix(20).map { "  \($0)" }.joined(separator: "\n")
                        + (report.problems.count > 20 ? "\n  … and \(report.problems.count - 20) more" : "")
                }.joined(separator: "\n")
            }
            if reports.contains(where: { !$0.problems.isEmpty }) { throw ExitCode(1) }
        }
    }
}
