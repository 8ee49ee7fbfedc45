import ArgumentParser
import Foundation
import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol

/// `plansync audit`: the auditors' commands — a plan as it was at any moment, its history,
/// evidence bundles and their offline check.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Replay, history and verifiable evidence of the county's audit log.",
        subcommands: [Replay.self, History.self, Export.self, Verify.self])

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A plan exactly as it was at a moment, in the output of `plan show` or `plan render`.",
            discussion: """
                --as-of takes the county's sequence number (a whole number), or a time: 2024-03-20T14:05:00Z, 2024-03-20 or \
                20.03.2024 (a day alone means its end, UTC). A time is the county's clock (what the county knew then), or with \
                --device-time the devices' clocks (what had been written by then, as the county accepted it).
                """)
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Plan id, a unique start of it, or the year.") var plan: String
        @Option(name: .customLong("as-of"), help: "SEQ or TIME.") var asOf: String
        @Flag(help: "Read TIME on the devices' clocks instead of the county's.") var deviceTime = false
        @Option(help: "Render as html or md instead of the text of `plan show`.") var format: String?
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

        func run() throws {
            let replica = try options.replica()
            let id = try replica.findPlan(plan).id
            let point = try Self.point(asOf, deviceTime: deviceTime)
            guard let document = try replica.replay(id, asOf: point) else {
                throw ClientError("Plan \(id) did not exist yet at \(point): nothing to show.")
            }
            let shown = document.presenting(document.workflow.latest)
            if let format {
                guard let format = PlanRenderer.Format(rawValue: format) else { throw ValidationError("--format is html or md.") }
                try options.write(PlanRenderer(shown, findings: []).render(format), to: output)
            } else {
                let view = PlanView(shown)
                try options.emit(view) { "Plan \(id) as of \(point):\n" + view.text }
            }
        }

        static func point(_ text: String, deviceTime: Bool) throws -> ReplayPoint {
            if let seq = Int64(text) {
                guard !deviceTime else { throw ValidationError("A sequence number is the county's order; with --device-time give a time (2024-03-20T14:05:00Z, 2024-03-20 or 20.03.2024).") }
                guard seq >= 0 else { throw ValidationError("A sequence number is 0 or more.") }
                return .sequence(seq)
            }
            var date: Date?
            if let instant = try? Date(text, strategy: .iso8601) { date = instant }
            if date == nil, case .text(let day)? = try? ValueKind.date.parse(text) {  // 20.03.2024 or 2024-03-20: its end
                date = try? Date("\(day)T23:59:59Z", strategy: .iso8601)
            }
            guard let date else {
                throw ValidationError("'\(text)' is neither a sequence number nor a time (2024-03-20T14:05:00Z, 2024-03-20 or 20.03.2024).")
            }
            let millis = Int64(date.timeIntervalSince1970 * 1000)
            guard millis >= HLCTimestamp.earliestWallMillis, millis <= HLCTimestamp.maximumWallMillis else {
                throw ValidationError("'\(text)' is outside the times plansync records (2020 onwards).")
            }
            return deviceTime ? .deviceTime(millis) : .countyTime(date.formatted(.iso8601))
        }
    }

    struct History: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every change and act of a plan: who (person, role, device), when (device and county clocks), where, old → new.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Plan id, a unique start of it, or the year.") var plan: String

        func run() throws {
            let replica = try options.replica()
            let lines = try replica.history(of: try replica.findPlan(plan).id)
            try options.emit(lines) {
                lines.map { line in
                    let who = "\(line.person ?? "?") (\(line.role ?? "?"), dispozitiv \(line.device))"
                    let whereText = [line.label, line.path.map { "[\($0)]" }].compactMap { $0 }.joined(separator: " ")
                    let what = line.kind == "act" ? (line.new ?? "") : "\(line.old ?? "—") → \(line.new ?? "—")"
                    return "#\(line.seq)  județ \(line.countyTime ?? "?")  dispozitiv \(line.deviceTime)  \(who)\n    \(whereText): \(what)"
                }.joined(separator: "\n")
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an evidence bundle from the county's log: entries, proofs, the signed checkpoint, keys, operations.",
            discussion: "`plansync audit verify FILE` checks it later with no server and no network.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "One plan (id, unique start, or year).") var plan: String?
        @Option(help: "Every plan of one UAT, by SIRUTA code.") var uat: Int?
        @Flag(help: "The whole county's log.") var county = false
        @Option(help: "The file to write.") var out: String

        func validate() throws {
            guard [plan != nil, uat != nil, county].count(where: { $0 }) == 1 else {
                throw ValidationError("Give exactly one of --plan ID, --uat SIRUTA or --county.")
            }
        }

        func run() async throws {
            let replica = try options.replica()
            let settings = try replica.settings()
            let query = try plan.map { "?plan=\(try replica.findPlan($0).id)" } ?? uat.map { "?siruta=\($0)" } ?? ""
            guard let url = URL(string: settings.server) else { throw ValidationError("The server address '\(settings.server)' is not a URL.") }
            let body = try await Transport(server: url, credential: settings.credential).auditBundle(query: query)
            let bundle: AuditBundle
            do { bundle = try WireJSON.decode(AuditBundle.self, from: body) } catch {
                throw ValidationError("The server's answer is not an evidence bundle: \(error)")
            }
            do { try body.write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                throw ValidationError("Cannot write \(out): \(error.localizedDescription)")
            }
            let verdict = AuditVerifier.verify(bundle, pinnedCountyKey: try replica.auditState().countyKey)
            try options.emit(verdict) { "Wrote \(out) (\(body.count) bytes).\n" + Verify.describe(verdict) }
            if !verdict.intact { throw ExitCode(1) }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check an evidence bundle with no server and no network; exit status 1 when anything does not hold.")
        @Flag(help: "Print machine-readable JSON instead of text.") var json = false
        @Option(help: "The county's public key as you hold it (base64, or its fingerprint as `plansync status` prints it); the bundle's must be the same.")
        var countyKey: String?
        @Argument(help: "The bundle file.") var file: String

        func run() throws {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
                throw ValidationError("Cannot read \(file): \(error.localizedDescription)")
            }
            let bundle: AuditBundle
            do { bundle = try WireJSON.decode(AuditBundle.self, from: data) } catch {
                throw ValidationError("\(file) is not a plansync evidence bundle: \(error)")
            }
            // A fingerprint (as people read it out) stands for the bundle's key when they match.
            let fingerprint = countyKey.map { $0.filter { !$0.isWhitespace }.lowercased() }
            let pinned = fingerprint == AuditKey.fingerprint(bundle.countyKey).filter { !$0.isWhitespace } ? bundle.countyKey : countyKey
            let verdict = AuditVerifier.verify(bundle, pinnedCountyKey: pinned)
            print(json ? try WireJSON.pretty(verdict) : Self.describe(verdict).forTerminal)
            if !verdict.intact { throw ExitCode(1) }
        }

        static func describe(_ verdict: AuditVerdict) -> String {
            var lines = ["Evidence of \(verdict.county), \(verdict.scope): checkpoint of \(verdict.checkpointSize) entries signed \(verdict.checkpointTime) by county key \(verdict.countyKey)",
                         "(compare it with the county's published fingerprint, or with `plansync status` on a computer that syncs with the county)."]
            for name in verdict.classes.keys.sorted() {
                let count = verdict.classes[name]!
                lines.append("  \(name): \(count.verified) of \(count.entries) verified" + (count.verified == count.entries ? "" : "  ← FAILED"))
            }
            for plan in verdict.plans.keys.sorted() { lines.append("  plan \(plan) replayed: content \(verdict.plans[plan]!.prefix(16))…") }
            if verdict.intact {
                lines.append("Verdict: INTACT — every entry is in the signed log, every operation is what the log committed to, every signature holds.")
                if !verdict.complete {
                    lines.append("(A bundle of one plan or UAT proves its entries are in the county's signed log, not that none was left out: export --county for the whole log.)")
                }
            } else {
                lines.append("Verdict: NOT INTACT")
                lines += verdict.problems.prefix(30).map { "  \($0)" }
                if verdict.problems.count > 30 { lines.append("  … and \(verdict.problems.count - 30) more") }
            }
            return lines.joined(separator: "\n")
        }
    }
}
