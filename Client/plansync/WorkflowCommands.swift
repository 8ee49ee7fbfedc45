import ArgumentParser
import Foundation
import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol

/// A date as clerks type it (`20.03.2024` or `2024-03-20`), as stored (`2024-03-20`).
func isoDate(_ text: String, option: String) throws -> String {
    guard case .text(let iso) = try? ValueKind.date.parse(text) else {
        throw ValidationError("\(option) '\(text)' is not a date; write 20.03.2024 or 2024-03-20.")
    }
    return iso
}

/// What an act command prints: the plan's versions after the act, and a sentence.
struct ActResult: Encodable {
    let plan: PlanID
    let version: Int
    let state: VersionState
    let versions: [PlanVersion]
}

extension GlobalOptions {
    /// Records an act on a plan and prints where the plan stands: `said` gets the version acted
    /// on, as it is after the act, and the plan's workflow.
    func recordAct(_ planText: String, _ name: ActName, _ make: @escaping (PlanVersion) -> WorkflowAct,
                   said: (PlanVersion, PlanWorkflow) -> String) throws {
        let replica = try replica()
        let plan = try replica.findPlan(planText)
        let before = plan.workflow.target(for: name)
        let document = try replica.act(on: plan.id, name, make)
        let version = before.flatMap { document.workflow.version($0.number) } ?? document.workflow.latest
        try emit(ActResult(plan: document.id, version: version.number, state: version.state, versions: document.workflow.versions)) {
            said(version, document.workflow) + " It is sent at the next `plansync sync`."
        }
    }
}

extension PlanCommand {
    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send the plan's draft to the county for its aviz, with the UAT's letter.",
            discussion: "The version is frozen as it is now: its content hash and the checks' findings go with it. Errors refuse the submission; works offline (sent at the next sync).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Plan id, a unique start of it, or the year.") var plan: String
        @Option(help: "The outgoing letter's reference, e.g. \"Nr. 1143/12.03.2024\".") var letter: String

        func run() throws {
            let replica = try options.replica()
            let plan = try replica.findPlan(self.plan)
            let document = try replica.submit(plan.id, letter: letter)
            let version = document.workflow.versions.last { $0.state == .submitted } ?? document.workflow.latest
            try options.emit(ActResult(plan: document.id, version: version.number, state: version.state, versions: document.workflow.versions)) {
                "Version \(version.number) is frozen and submitted with letter \(letter) (content \(version.contentHash?.prefix(12) ?? "")…, "
                    + "\(version.findings.count) warning(s)). It reaches the county at the next `plansync sync`."
            }
        }
    }

    struct HCL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "hcl", abstract: "Record the local council's decision (HCL) approving the plan, with its vote.",
            discussion: "Refused when the votes do not adopt it: for+against+abstentions ≤ present ≤ in office, quorum over half, adopted by over half of those present.")
        @OptionGroup var options: GlobalOptions
        @Argument var plan: String
        @Option(help: "The HCL's number.") var number: String
        @Option(help: "The HCL's date (27.03.2024).") var date: String
        @Option(name: .customLong("for"), help: "Votes for.") var votesFor: Int64
        @Option(help: "Votes against.") var against: Int64
        @Option(help: "Abstentions.") var abstain: Int64
        @Option(help: "Councillors present.") var present: Int64
        @Option(help: "Councillors in office.") var inOffice: Int64

        func run() throws {
            let decision = CouncilDecision(number: number, date: try isoDate(date, option: "--date"), votesFor: votesFor, against: against,
                                           abstentions: abstain, present: present, inOffice: inOffice)
            try options.recordAct(plan, .hcl, { _ in .hcl(decision) }) { version, _ in
                "Version \(version.number) approved by HCL \(DecisionFields.written(number, decision.date))"
                    + (version.route == .hclOnly ? " (a modification without Chapter I changes: HCL only)." : ".")
            }
        }
    }

    struct Prefect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record the communication of the HCL to the prefect.")
        @OptionGroup var options: GlobalOptions
        @Argument var plan: String
        @Option(help: "The communication's number.") var reference: String
        @Option(help: "Its date.") var date: String

        func run() throws {
            let date = try isoDate(date, option: "--date")
            try options.recordAct(plan, .prefect, { _ in .prefect(reference: reference, date: date) }) { version, _ in
                "Version \(version.number) communicated to the prefect (\(reference))."
            }
        }
    }

    struct Publish: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record the publication of the approved plan.")
        @OptionGroup var options: GlobalOptions
        @Argument var plan: String
        @Option(help: "The publication date.") var date: String
        @Option(name: .customLong("where"), help: "Where it was published (the UAT's site address).") var place: String?

        func run() throws {
            let date = try isoDate(date, option: "--date")
            try options.recordAct(plan, .publish, { _ in .publish(date: date, place: place) }) { version, _ in
                "Version \(version.number) published."
            }
        }
    }

    struct Modify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a new draft version that will supersede the latest one.",
            discussion: "If it changes Chapter I (services, capacities, budgets) it goes through submit → aviz → HCL again; otherwise the HCL alone may approve it.")
        @OptionGroup var options: GlobalOptions
        @Argument var plan: String
        @Option(help: "Why the plan changes.") var reason: String?

        func run() throws {
            try options.recordAct(plan, .modify, { _ in .modify(reason: reason) }) { version, workflow in
                "Opened version \(workflow.latest.number), a draft superseding version \(version.number). Edit it, then submit it (or record its HCL if Chapter I is unchanged)."
            }
        }
    }

    struct Answer: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Answer a county remark, in the plan's draft.")
        @OptionGroup var options: GlobalOptions
        @Argument var plan: String
        @Argument(help: "The remark's id (from `plansync plan state`), or a unique start of it.") var remark: String
        @Argument var text: String

        func run() throws {
            let replica = try options.replica()
            let plan = try replica.findPlan(self.plan)
            let matches = plan.workflow.remarks.filter { $0.id.description == remark || $0.id.description.hasPrefix(remark) }
            guard matches.count == 1 else {
                throw ValidationError(matches.isEmpty ? "The plan has no remark '\(remark)'; `plansync plan state \(self.plan)` lists them."
                                      : "'\(remark)' matches \(matches.count) remarks; type more of the id.")
            }
            try options.recordAct(self.plan, .answer, { _ in .answer(remark: matches[0].id, text: text) }) { version, _ in
                "Answered remark \(matches[0].id) in version \(version.number)."
            }
        }
    }

    struct State: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The plan's versions and states, the history of its acts, and the remarks to answer.")
        @OptionGroup var options: GlobalOptions
        @Argument var plan: String

        struct Transition: Encodable {
            let version: Int
            let act: ActName
            let from: VersionState
            let to: VersionState
            let summary: String
            let by: String
            let role: Role?
            let operation: OpID
            /// The device's clock when the act was made.
            let deviceTime: String
            /// The county's clock when it received the act (unknown until synced).
            let countyTime: String?
        }

        struct Report: Encodable {
            let plan: PlanID
            let year: Int
            let versions: [PlanVersion]
            let history: [Transition]
            let remarksToAnswer: [Remark]
            let movedEdits: [MovedEdit]
        }

        func run() throws {
            let replica = try options.replica()
            let document = try replica.findPlan(plan)
            let people = try replica.people()
            let acts = document.workflow.versions.flatMap { version in version.acts.map { (version.number, $0) } }
                .sorted { $0.1.operation.hlc < $1.1.operation.hlc }
            let times = try replica.countyTimes(acts.map(\.1.operation.id))
            let history = acts.map { number, act in
                let operation = act.operation
                let person = people[operation.id.device]
                return Transition(version: number, act: act.act.name, from: act.from, to: act.to, summary: act.act.summary,
                                  by: person?.name ?? operation.author, role: person?.role, operation: operation.id,
                                  deviceTime: Date(timeIntervalSince1970: Double(operation.hlc.wallMillis) / 1000).formatted(.iso8601),
                                  countyTime: times[operation.id])
            }
            let report = Report(plan: document.id, year: document.year, versions: document.workflow.versions, history: history,
                                remarksToAnswer: document.workflow.openRemarks, movedEdits: try replica.movedEdits(plan: document.id))
            try options.emit(report) {
                var lines = ["Plan \(document.id) (\(document.year)):"]
                for version in document.workflow.versions {
                    var line = "  version \(version.number): \(version.state.rawValue) — \(version.state.romanian)"
                    if let supersedes = version.supersedes { line += ", supersedes \(supersedes)" }
                    if version.opening.cause != .created { line += ", opened: \(version.opening.cause.rawValue)" + (version.opening.reason.map { " (\(quoted($0)))" } ?? "") }
                    if let route = version.route { line += ", approved: \(route.rawValue)" }
                    if let changes = version.changesChapterOne { line += changes ? ", changes Chapter I" : ", Chapter I unchanged" }
                    lines.append(line)
                }
                lines.append("History:")
                /// Other people's text, its line breaks indented: it cannot pass for a line of this report.
                func quoted(_ text: String) -> String {
                    text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).joined(separator: "\n        ")
                }
                lines += history.map { item in
                    "  v\(item.version) \(item.act.rawValue)\t\(item.from.rawValue) → \(item.to.rawValue)\t\(quoted(item.by))\(item.role.map { " (\($0.rawValue))" } ?? "")"
                        + "\tdevice \(item.deviceTime)\tcounty \(item.countyTime ?? "not synced yet")\n      \(quoted(item.summary))"
                }
                if history.isEmpty { lines.append("  (no acts yet)") }
                lines.append(report.remarksToAnswer.isEmpty ? "No remarks to answer." : "Remarks to answer (`plansync plan answer \(document.id) REMARK TEXT`):")
                lines += report.remarksToAnswer.map { "  \($0.id) (version \($0.version)\($0.path.map { ", \(quoted($0))" } ?? ""), \(quoted($0.author))): \(quoted($0.text))" }
                lines += report.movedEdits.map { "Edit \($0.operation) (\(quoted($0.change))) was made on version \($0.madeOn), frozen meanwhile: it is on version \($0.landedOn)." }
                return lines.joined(separator: "\n")
            }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "What changed between two versions of a plan: fields, rows, budgets.")
        @OptionGroup var options: GlobalOptions
        @Argument var plan: String
        @Argument(help: "The earlier version's number.") var from: Int
        @Argument(help: "The later version's number.") var to: Int

        func run() throws {
            let replica = try options.replica()
            let plan = try replica.findPlan(self.plan)
            let diff = VersionDiff(from: from, try replica.document(of: plan.id, version: from),
                                   to: to, try replica.document(of: plan.id, version: to))
            try options.emit(diff) { diff.text + (diff.touchesChapterOne ? "\nChapter I changes: a new aviz is needed before the HCL." : "") }
        }
    }
}

struct CountyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "county", abstract: "The county reviewer's work: every UAT's plan, registration, remarks, aviz, totals.",
        subcommands: [Plans.self, Register.self, Remark.self, Aviz.self, Totals.self])

    struct Plans: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every UAT of the county with its latest version, state, checks, open remarks, and what awaits the county.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Only plans whose latest version is in this state (\(VersionState.allCases.map(\.rawValue).joined(separator: ", "))).") var state: String?
        @Option(help: "Only plans of this year.") var year: Int?

        func run() throws {
            let state = try self.state.map { text in
                guard let state = VersionState(rawValue: text) else {
                    throw ValidationError("--state must be one of \(VersionState.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                return state
            }
            let lines = try options.replica().countyPlans(year: year, state: state)
            try options.emit(lines) {
                let awaiting = lines.filter { $0.awaiting != nil }.count
                return (["SIRUTA\tUAT\tyear\tversion\tstate\tlast received\terrors\twarnings\tremarks\tawaits the county\tplan"] + lines.map { line in
                    guard let plan = line.plan else { return "\(line.siruta)\t\(line.uat)\t-\t-\tno plan\t-\t-\t-\t-\t-" }
                    return "\(line.siruta)\t\(line.uat)\t\(line.year ?? 0)\tv\(line.version ?? 0)\t\(line.state?.rawValue ?? "-")\t\(line.lastReceivedAt ?? "-")"
                        + "\t\(line.errors)\t\(line.warnings)\t\(line.openRemarks)\t\(line.awaiting ?? "-")\t\(plan)"
                } + ["\(lines.filter { $0.plan != nil }.count) plan(s), \(awaiting) awaiting the county."]).joined(separator: "\n")
            }
        }
    }

    struct Register: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a submitted plan: the county's registry number and date.")
        @OptionGroup var options: GlobalOptions
        @Argument var plan: String
        @Option(help: "The registration number.") var number: String
        @Option(help: "The registration date.") var date: String

        func run() throws {
            let date = try isoDate(date, option: "--date")
            try options.recordAct(plan, .register, { _ in .register(number: number, date: date) }) { version, _ in
                "Version \(version.number) registered as \(DecisionFields.written(number, date))."
            }
        }
    }

    struct Remark: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remark on a plan under review, on a field or cell (--path) or on the whole plan.")
        @OptionGroup var options: GlobalOptions
        @Argument var plan: String
        @Option(help: "The field or cell, as `plansync plan set` writes it (services[2].capacity).") var path: String?
        @Argument var text: String

        func run() throws {
            if let path { _ = try PlanPath(path) }
            try options.recordAct(plan, .remark, { _ in .remark(path: path, text: text) }) { version, _ in
                "Remark recorded on version \(version.number); the UAT answers it in its next version."
            }
        }
    }

    struct Aviz: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the county's aviz on a registered plan.",
            discussion: "An unfavourable aviz sends the plan back to a new draft with the remarks.")
        @OptionGroup var options: GlobalOptions
        @Argument var plan: String
        @Option(help: "hcj (a county council decision) or letter.") var form: String
        @Option(help: "The aviz's reference, e.g. \"HCJ nr. 39/20.03.2024\".") var reference: String
        @Option(help: "favourable, favourable-with-remarks or unfavourable.") var outcome: String
        @Option(help: "The remarks (required unless favourable).") var remarks: String?

        func run() throws {
            guard let form = AvizRecord.Form(rawValue: form) else { throw ValidationError("--form must be hcj or letter.") }
            guard let outcome = AvizRecord.Outcome(rawValue: outcome) else {
                throw ValidationError("--outcome must be favourable, favourable-with-remarks or unfavourable.")
            }
            let aviz = AvizRecord(form: form, reference: reference, outcome: outcome, remarks: remarks)
            try options.recordAct(plan, .aviz, { _ in .aviz(aviz) }) { version, _ in
                "Aviz \(outcome.romanian) recorded on version \(version.number)"
                    + (outcome == .unfavourable ? "; the plan goes back to the UAT as a new draft with the remarks." : ".")
            }
        }
    }

    struct Totals: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Capacity, occupancy and budgets per funding source across the county, exact in bani.",
            discussion: "Each plan counts by its version in force, else the version sent to the county.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Only plans of this year.") var year: Int?
        @Option(help: "Rows by source, service or uat.") var by: String = "source"
        @Flag(help: "Print RFC 4180 CSV.") var csv = false

        func run() throws {
            guard let grouping = CountyTotals.Grouping(rawValue: by) else { throw ValidationError("--by must be source, service or uat.") }
            let totals = try options.replica().countyTotals(year: year, by: grouping)
            if csv {
                // Data for a file or a spreadsheet: written as it is (RFC 4180 lines end in CR LF).
                FileHandle.standardOutput.write(Data(totals.csv.utf8))
                return
            }
            try options.emit(totals) { totals.text }
        }
    }
}
