import ArgumentParser
import Foundation
import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol

/// `plansync`: the commune's client. Works offline; `plansync sync` meets the county server.
@main
struct Plansync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plansync",
        abstract: "Edit the commune's annual action plan for social services offline and sync it with the county.",
        subcommands: [Init.self, PlanCommand.self, RowCommand.self, CountyCommand.self, AuditCommand.self, Sync.self, Status.self, Conflicts.self, Log.self, Ui.self])
}

/// Flags every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Folder of this computer's replica (default: $PLANSYNC_DATA or ~/.plansync).")
    var data: String?

    @Flag(help: "Print machine-readable JSON instead of text.")
    var json = false

    var directory: URL {
        if let data { return URL(fileURLWithPath: data) }
        if let env = ProcessInfo.processInfo.environment["PLANSYNC_DATA"] { return URL(fileURLWithPath: env) }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".plansync")
    }

    /// Opens the replica. `PLANSYNC_CLOCK_OFFSET_MS` shifts this computer's clock, to reproduce a
    /// commune PC whose clock is wrong.
    func replica() throws -> Replica {
        // The folder holds the device's credential: only its owner may read it (tightened if it
        // was made looser by hand).
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            if let mode = try FileManager.default.attributesOfItem(atPath: directory.path)[.posixPermissions] as? Int, mode & 0o077 != 0 {
                try? FileManager.default.setAttributes([.posixPermissions: mode & 0o700], ofItemAtPath: directory.path)
            }
        } catch {
            throw ValidationError("Cannot create the data folder \(directory.path): \(error.localizedDescription)")
        }
        let offset = Int64(ProcessInfo.processInfo.environment["PLANSYNC_CLOCK_OFFSET_MS"] ?? "") ?? 0
        return try Replica(path: directory.appendingPathComponent("replica.sqlite").path, clock: SystemClock(offsetMillis: offset))
    }

    /// Prints the answer: JSON, or text with other people's control characters made visible.
    func emit<T: Encodable>(_ value: T, text: () -> String) throws {
        print(json ? try WireJSON.pretty(value) : text().forTerminal)
    }

    /// Writes a document to a file, or to standard output without a trailing newline of its own.
    func write(_ text: String, to path: String?) throws {
        guard let path else {
            FileHandle.standardOutput.write(Data(text.forTerminal.utf8))
            return
        }
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw ValidationError("Cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// A plan as it stands here, with the decision records of its latest version's acts; or a
    /// version as the county froze it.
    func document(_ plan: String, version: Int?) throws -> PlanDocument {
        let replica = try replica()
        let current = try replica.findPlan(plan)
        guard let version else { return current.presenting(current.workflow.latest) }
        return try replica.document(of: current.id, version: version)
    }

    /// The reviewer's checks for this commune's county, with a fuller nomenclator if given.
    func validator(of replica: Replica, nomenclator path: String?) throws -> PlanValidator {
        guard let path else { return try replica.validator() }
        do { return try replica.validator(nomenclator: try ServiceNomenclator(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw ValidationError("\(error)")
        }
    }
}

struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enroll this computer with the county server, using the one-time token the county gave you.",
        discussion: "The token enrolls the computer for the person it was issued to; every edit made here is theirs.")
    @OptionGroup var options: GlobalOptions
    @Option(help: "The county server, e.g. http://127.0.0.1:8080") var server: String
    @Option(help: "The one-time enrollment token; - reads it from standard input.") var token: String?
    @Option(help: "A file holding the enrollment token (other users of this computer can see a command line, not your files).")
    var tokenFile: String?
    @Option(help: "A name for this computer, shown to the county.") var label: String = ProcessInfo.processInfo.hostName

    func validate() throws {
        guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw ValidationError("--server must be an http(s) address such as http://127.0.0.1:8080")
        }
        guard (token == nil) != (tokenFile == nil) else { throw ValidationError("Give the token with --token TOKEN, --token - (standard input) or --token-file FILE.") }
    }

    /// The token from the option, the file or standard input, without surrounding blanks.
    private func readToken() throws -> String {
        let text: String
        if let tokenFile {
            do { text = try String(contentsOfFile: tokenFile, encoding: .utf8) } catch {
                throw ValidationError("Cannot read the token file \(tokenFile): \(error.localizedDescription)")
            }
        } else if token == "-" {
            text = readLine(strippingNewline: true) ?? ""
        } else {
            text = token ?? ""
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw ValidationError("The enrollment token is empty.") }
        return trimmed
    }

    func run() async throws {
        let token = try readToken()
        let replica = try options.replica()
        try replica.checkWritable()  // before the token is spent
        let revoked = try await revokedEnrollment(of: replica)
        let transport = Transport(server: URL(string: server)!, credential: nil)
        let answer = try await transport.enroll(EnrollRequest(token: token, label: label, replaces: revoked?.device, publicKey: try replica.devicePublicKey()))
        var moved = 0
        if revoked != nil {
            moved = try replica.adopt(answer, server: server).reissued
        } else {
            try replica.configure(ReplicaSettings(server: server, enrollment: answer, label: label))
        }
        if let capabilities = try? await transport.capabilities() { try replica.store(capabilities) }
        try options.emit(answer.redacted) {
            "Enrolled this computer \(revoked == nil ? "" : "again ")as device \(answer.device) of \(answer.account.name), \(answer.account.role.label) "
                + "(\(answer.uatName.map { "\($0), SIRUTA \(answer.siruta.map(String.init(describing:)) ?? "")" } ?? "all UATs"), \(answer.county)). "
                + "Every edit made here is recorded as theirs."
                + (revoked == nil ? "" : " \(moved) edit(s) made here that the county had not acknowledged go out under the new device at the next sync.")
        }
    }

    /// The enrollment already in this folder, when the county revoked its device: this computer
    /// may then enroll again, for the same person, keeping its edits. `nil` for a new folder;
    /// an error for a folder whose device still works (or whose enrollment is damaged).
    private func revokedEnrollment(of replica: Replica) async throws -> ReplicaSettings? {
        guard try replica.isEnrolled() else { return nil }
        let enrolled = try replica.settings()  // a damaged enrollment says so here, naming the file
        let alreadyEnrolled = ClientError("This computer is already enrolled (device \(enrolled.device) of \(enrolled.account.name)). Use another --data folder to enroll another person; the token was not used.")
        guard let url = URL(string: enrolled.server) else { throw alreadyEnrolled }
        do {
            _ = try await Transport(server: url, credential: enrolled.credential).me()
        } catch SyncFailure.problem(let problem) where problem.slug == "device-revoked" {
            return enrolled
        }
        throw alreadyEnrolled
    }
}

extension EnrollResponse {
    /// Never print the credential: it lives only in the replica.
    var redacted: EnrollResponse {
        var copy = self
        copy.credential = "(stored in the replica)"
        return copy
    }
}

struct Sync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Send this computer's edits to the county and fetch everyone else's.")
    @OptionGroup var options: GlobalOptions
    @Option(help: "Operations per push request.") var batch = 1000

    func run() async throws {
        let replica = try options.replica()
        let quiet = options.json
        let report = try await Synchronizer(replica: replica, batchSize: batch).sync { step in
            guard !quiet else { return }
            switch step {
            case .pushed(let done, let remaining) where done + remaining >= 2000:
                FileHandle.standardError.write(Data("  sent \(done) edits, \(remaining) to go\n".utf8))
            case .pulled(let done) where done >= 2000:
                FileHandle.standardError.write(Data("  received \(done) edits\n".utf8))
            default: break
            }
        }
        try options.emit(report) {
            var lines = report.notices
            lines.append("Synced in \(report.milliseconds) ms: sent \(report.pushed) edits (\(report.accepted) accepted), received \(report.pulled).")
            for item in report.rejected {
                lines.append("  set aside: \(item.operation.id) \(item.operation.change.kind.rawValue) — \(item.rejection?.message ?? "")")
            }
            for edit in report.moved {
                lines.append("Edit \(edit.operation) (\(edit.change)) was made on version \(edit.madeOn) of plan \(edit.plan), which was sent to the county meanwhile: it is kept on the new draft, version \(edit.landedOn).")
            }
            for plan in report.released { lines.append("Plan \(plan) is up to date again: the changes held for this version are applied.") }
            for held in report.held {
                lines.append("Plan \(held.plan) is shown as it was before \(held.count) change(s) from the county that this version of plansync cannot apply; update plansync (\(held.reason)).")
            }
            let conflicts = (try? replica.conflicts().count) ?? 0
            if conflicts > 0 { lines.append("\(conflicts) open conflict(s): see `plansync conflicts`.") }
            return lines.joined(separator: "\n")
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Pending edits, last sync and open conflicts.")
    @OptionGroup var options: GlobalOptions

    func run() throws {
        let status = try options.replica().status()
        try options.emit(status) {
            let scope = status.uat.map { "\($0) (SIRUTA \(status.account.siruta.map(String.init(describing:)) ?? ""))" } ?? "every UAT"
            var lines = [
                "\(status.account.name), \(status.account.role.label) — \(scope), \(status.county)",
                "device \(status.device)\(status.label.isEmpty ? "" : " (\(status.label))"), server \(status.server)",
                "plans: \(status.plans)",
                "pending edits: \(status.pending)",
                "set aside by the server: \(status.rejected)",
                "open conflicts: \(status.openConflicts)",
                "last sync: \(status.lastSyncAt ?? "never")",
                "county's audit log: " + (status.auditCheckpoint.map { checkpoint in
                    "checked up to \(checkpoint.size) entries (signed \(checkpoint.time)), county key \(AuditKey.fingerprint(status.countyKey ?? ""))"
                } ?? "not checked yet (at the next sync)"),
            ]
            for held in status.held {
                lines.append("held: plan \(held.plan) waits for an update of plansync (\(held.count) change(s): \(held.reason))")
            }
            if let offset = status.clockOffsetMillis, offset.magnitude > 60_000 {
                lines.append("clock: this computer's is \(Synchronizer.describe(clockOffset: offset)) the county's; set its date and time")
            }
            return lines.joined(separator: "\n")
        }
    }
}

struct Conflicts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open conflicts: values that lost a concurrent edit, rows edited while removed.",
        discussion: "Resolve one by editing the field again (plansync plan set), or keep a losing value with `--keep OPID`.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "Only this plan (id, start of id, or year).") var plan: String?
    @Option(help: "Settle a conflict of PLAN by keeping this value (its operation id, as listed): recorded as a new edit, sent at the next sync.")
    var keep: String?

    func validate() throws {
        if keep != nil && plan == nil { throw ValidationError("Name the plan whose conflict --keep settles.") }
        if let keep, OpID(keep) == nil { throw ValidationError("--keep takes an operation id as `plansync conflicts` lists it, e.g. 3f9a1c2e.7.") }
    }

    func run() throws {
        let replica = try options.replica()
        if let keep, let plan, let kept = OpID(keep) {
            let document = try replica.resolveConflict(on: try replica.findPlan(plan).id, keeping: kept)
            try options.emit(["openConflicts": document.conflicts.count]) {
                "Kept \(keep): the conflict is settled by a new edit, sent at the next `plansync sync`. \(document.conflicts.count) open conflict(s) left in the plan."
            }
            return
        }
        let found = try replica.conflicts(plan: try plan.map { try replica.findPlan($0).id })
        let people = try replica.people()
        /// Who wrote it, by the county's account of the device, never by the text the device wrote.
        func author(_ write: Write) -> String { people[write.id.device]?.name ?? write.author }
        struct Item: Encodable { let plan: PlanID; let conflict: Conflict }
        try options.emit(found.map { Item(plan: $0.plan, conflict: $0.conflict) }) {
            if found.isEmpty { return "No open conflicts." }
            return found.map { plan, conflict in
                switch conflict.kind {
                case .concurrentEdit:
                    let current = conflict.current[0]
                    return "\(plan) \(conflict.path): shown \(current.value) (\(author(current)), \(current.id))\n"
                        + conflict.others.map { "    also written: \($0.value) (\(author($0)), \($0.id))" }.joined(separator: "\n")
                case .editedWhileRemoved:
                    return "\(plan) \(conflict.path): removed by \(conflict.others.map(author).joined(separator: ", ")) "
                        + "but edited by \(Set(conflict.current.map(author)).sorted().joined(separator: ", ")) meanwhile; the row is kept. "
                        + "Remove it again or edit it to settle."
                }
            }.joined(separator: "\n")
        }
    }
}

struct Log: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The change log: every edit, who made it, and whether the county has it.")
    @OptionGroup var options: GlobalOptions
    @Argument(help: "Only this plan (id, start of id, or year).") var plan: String?
    @Option(help: "At most this many entries.") var limit = 100

    func run() throws {
        let replica = try options.replica()
        let entries = try replica.log(plan: try plan.map { try replica.findPlan($0).id }, limit: limit)
        try options.emit(entries) {
            entries.map { entry in
                let op = entry.operation
                let when = Date(timeIntervalSince1970: Double(op.hlc.wallMillis) / 1000).formatted(.iso8601)
                let state = entry.seq.map { "#\($0)" } ?? entry.state.rawValue
                let who = entry.person.map { "\($0.name) (\($0.role.rawValue))" } ?? op.author
                return "\(state)\t\(when)\t\(who)\t\(op.id)\t\(op.change.described)"
                    + (entry.rejection.map { "\tset aside: \($0.message)" } ?? "")
            }.joined(separator: "\n")
        }
    }
}
