import Foundation
import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
import Testing

/// The Negomir 2024 story of seed 000, with the real executables: a server process, and the
/// `plansync` client run by the inspector (on two computers, one offline), the county reviewer
/// and the UAT secretary.
@Suite("The legal workflow, end to end (real binaries)", .serialized)
struct WorkflowEndToEndTests {
    /// Runs `plansync` in a data folder and expects it to succeed.
    @discardableResult
    private func plansync(_ arguments: [String], in folder: [String], _ comment: Comment? = nil) throws -> CommandResult {
        let result = try run("plansync", arguments + folder)
        #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.errors) \(comment?.description ?? "")")
        return result
    }

    private func token(_ result: CommandResult) throws -> String {
        try #require(try result.json([String: AnyCodable].self)["enrollmentToken"]?.text, "\(result.errors)")
    }

    @Test("draft on two computers, submit, register, aviz, HCL, a budget modification back through the county, an offline edit kept, totals")
    func negomir2024() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
        let root = try temporaryDirectory("workflow")
        let data = root.appendingPathComponent("server")
        let uat = try run("plansync-server", ["uat", "add", "--data", data.path, "--siruta", "80980", "--name", "Negomir", "--json"])
        let inspectorID = try uat.json(CreatedUAT.self).user.id
        let server = try ServerProcess(data: data)
        defer { server.stop() }
        func folder(_ name: String) -> [String] { ["--data", root.appendingPathComponent(name).path] }
        let (desk, laptop, county, secretary) = (folder("desk"), folder("laptop"), folder("county"), folder("secretary"))
        try plansync(["init", "--server", server.url, "--token", try token(uat)], in: desk)
        let second = try run("plansync-server", ["device", "add", "--data", data.path, "--user", inspectorID, "--json"])
        try plansync(["init", "--server", server.url, "--token", try token(second)], in: laptop)
        let reviewer = try run("plansync-server", ["user", "add", "--data", data.path, "--name", "Maria Ionescu", "--role", "reviewer", "--county", "Gorj", "--json"])
        try plansync(["init", "--server", server.url, "--token", try token(reviewer)], in: county)
        let clerk = try run("plansync-server", ["user", "add", "--data", data.path, "--name", "Ion Popa", "--role", "secretary", "--siruta", "80980", "--json"])
        try plansync(["init", "--server", server.url, "--token", try token(clerk)], in: secretary)

        // The inspector drafts: the seed's plan, then the fixes the reviewer checks ask for.
        let imported = try plansync(["plan", "import", fixtures.appendingPathComponent("negomir-2024.json").path, "--without-decisions", "--json"], in: desk)
        let plan = try imported.json(PlanView.self).id.rawValue
        let errors = try run("plansync", ["plan", "check", plan, "--json"] + desk).json(ValidationReport.self).errors
        #expect(errors.map(\.code).contains("hg797-annex") && errors.map(\.code).contains("chapter-present"))
        let refused = try run("plansync", ["plan", "submit", plan, "--letter", "Nr. 1143/12.03.2024"] + desk)
        #expect(refused.status != 0 && refused.errors.contains("submission-has-errors") && refused.errors.contains("hg797-annex"), "\(refused.errors)")
        try plansync(["plan", "set", plan, "legalBasis[2].citation",
                      "Regulamentul-cadru al compartimentelor de asistență socială din comune, aprobat prin Hotărârea Guvernului nr. 797/2017 – Anexa 3;"], in: desk)
        try plansync(["row", "add", plan, "services", "code=8810 ID-IV", "name=Servicii la domiciliu prin asistent personal",
                      "capacity=12", "occupancy=12", "budget.local=450.000", "budget.state=-"], in: desk)
        for note in ["proposedServices.note", "contracting.note", "subsidies.note", "information.note"] {
            try plansync(["plan", "set", plan, note, "nu este cazul"], in: desk)
        }
        #expect(try run("plansync", ["plan", "check", plan] + desk).status == 0)
        try plansync(["sync"], in: desk)
        try plansync(["sync"], in: laptop)

        // The laptop goes offline and raises the county's share; meanwhile the desk submits.
        try plansync(["row", "set", plan, "services", "1", "budget.county", "20.000"], in: laptop)
        let submitted = try plansync(["plan", "submit", plan, "--letter", "Nr. 1143/12.03.2024", "--json"], in: desk)
        let sentHash = try #require(try submitted.json(ActResultView.self).versions.first?.contentHash)
        let frozen = try run("plansync", ["plan", "set", plan, "title", "Alt titlu"] + desk)
        #expect(frozen.status != 0 && frozen.errors.contains("version-frozen") && frozen.errors.contains("plansync plan modify"))
        try plansync(["sync"], in: desk)

        // The county: the plan waits to be registered; registration, a remark, a favourable aviz by HCJ.
        try plansync(["sync"], in: county)
        let waiting = try plansync(["county", "plans", "--state", "submitted", "--json"], in: county).json([CountyPlanLine].self)
        #expect(waiting.map(\.plan?.rawValue) == [plan] && waiting.first?.awaiting == "register version 1" && waiting.first?.errors == 0)
        let everyUAT = try plansync(["county", "plans", "--json"], in: county).json([CountyPlanLine].self)
        #expect(everyUAT.count > 60 && everyUAT.filter { $0.plan != nil }.count == 1, "every UAT of Gorj is listed")
        let early = try run("plansync", ["county", "aviz", plan, "--form", "hcj", "--reference", "HCJ nr. 39/21.03.2024", "--outcome", "favourable"] + county)
        #expect(early.status != 0 && early.errors.contains("wrong-state"), "an aviz before the registration: \(early.errors)")
        try plansync(["county", "register", plan, "--number", "5552", "--date", "20.03.2024"], in: county)
        try plansync(["county", "remark", plan, "--path", "services[1].capacity", "Precizați numărul de asistenți personali angajați."], in: county)
        try plansync(["county", "aviz", plan, "--form", "hcj", "--reference", "HCJ nr. 39/21.03.2024", "--outcome", "favourable"], in: county)
        let forbidden = try run("plansync", ["plan", "set", plan, "title", "x"] + county)
        #expect(forbidden.status != 0 && forbidden.errors.contains("role-forbidden"))
        try plansync(["sync"], in: county)

        // The secretary records the HCL: a vote without quorum is refused, the real one recorded.
        try plansync(["sync"], in: secretary)
        let noQuorum = try run("plansync", ["plan", "hcl", plan, "--number", "17", "--date", "27.03.2024", "--for", "7", "--against", "0",
                                            "--abstain", "0", "--present", "7", "--in-office", "15"] + secretary)
        #expect(noQuorum.status != 0 && noQuorum.errors.contains("vote-rules") && noQuorum.errors.contains("cvorum"))
        try plansync(["plan", "hcl", plan, "--number", "17", "--date", "27.03.2024", "--for", "14", "--against", "0", "--abstain", "1",
                      "--present", "15", "--in-office", "15"], in: secretary)
        try plansync(["sync"], in: secretary)

        // A budget change after approval: a modification, which the HCL alone cannot approve.
        try plansync(["sync"], in: desk)
        try plansync(["plan", "modify", plan, "--reason", "Rectificare bugetară"], in: desk)
        try plansync(["sync"], in: desk)
        let laptopSync = try plansync(["sync"], in: laptop)
        #expect(laptopSync.output.contains("was made on version 1") && laptopSync.output.contains("version 2"), "\(laptopSync.output)")
        let state = try plansync(["plan", "state", plan, "--json"], in: laptop).json(StateView.self)
        #expect(state.versions.map(\.state) == [.approved, .draft] && state.versions[1].opening.cause == .modification)
        #expect(state.movedEdits.count == 1 && state.movedEdits.first?.landedOn == 2)
        #expect(state.history.map(\.act) == [.submit, .register, .remark, .aviz, .hcl, .modify])
        #expect(state.history.allSatisfy { $0.countyTime != nil } && state.history.first { $0.act == .hcl }?.role == .secretary)
        let remark = try #require(state.remarksToAnswer.first?.id)
        let diff = try plansync(["plan", "diff", plan, "1", "2"], in: laptop)
        #expect(diff.output.contains("budget.county: — → 20.000") && diff.output.contains("Chapter I"))
        try plansync(["sync"], in: secretary)
        let hclOnly = try run("plansync", ["plan", "hcl", plan, "--number", "30", "--date", "20.06.2024", "--for", "10", "--against", "0",
                                           "--abstain", "0", "--present", "10", "--in-office", "15"] + secretary)
        #expect(hclOnly.status != 0 && hclOnly.errors.contains("aviz-required"))
        try plansync(["plan", "answer", plan, remark.description, "Sunt 12 asistenți personali angajați."], in: laptop)
        try plansync(["plan", "submit", plan, "--letter", "Nr. 2301/10.06.2024"], in: laptop)
        try plansync(["sync"], in: laptop)
        try plansync(["sync"], in: county)
        try plansync(["county", "register", plan, "--number", "7310", "--date", "12.06.2024"], in: county)
        try plansync(["county", "aviz", plan, "--form", "letter", "--reference", "Adresa nr. 7402/14.06.2024", "--outcome", "favourable"], in: county)
        try plansync(["sync"], in: county)
        try plansync(["sync"], in: secretary)
        try plansync(["plan", "hcl", plan, "--number", "30", "--date", "20.06.2024", "--for", "10", "--against", "0", "--abstain", "0",
                      "--present", "10", "--in-office", "15"], in: secretary)
        try plansync(["plan", "prefect", plan, "--reference", "412", "--date", "24.06.2024"], in: secretary)
        try plansync(["plan", "publish", plan, "--date", "25.06.2024", "--where", "www.negomir.ro"], in: secretary)
        try plansync(["sync"], in: secretary)

        // Everyone agrees; the first submission is still exactly what was sent.
        for computer in [desk, laptop, county, secretary] { try plansync(["sync"], in: computer) }
        let views = try [desk, laptop, county, secretary].map { try plansync(["plan", "show", plan, "--json"], in: $0).json(PlanView.self) }
        #expect(views.allSatisfy { $0 == views[0] } && views[0].latestVersion == 2 && views[0].state == .published)
        let final = try plansync(["plan", "state", plan, "--json"], in: county).json(StateView.self)
        #expect(final.versions.map(\.state) == [.superseded, .published] && final.versions[1].route == .full)
        #expect(final.versions[0].contentHash == sentHash && final.versions[1].changesChapterOne == true && final.remarksToAnswer.isEmpty)

        // The county's totals are the plan's budgets, exactly.
        let csv = try plansync(["county", "totals", "--year", "2024", "--csv"], in: county).output
        #expect(csv.hasPrefix("source,label,bani,lei\r\n"))
        let services = try #require(views[0].tables.first { $0.name == "services" })
        for (source, bani) in services.totals where source.hasPrefix("budget.") {
            #expect(csv.contains("\r\n\(source),") && csv.contains(",\(bani),"), "\(source): \(bani) bani in \(csv)")
        }
        #expect(csv.contains("total,total,47000000,470000.00\r\n"), "\(csv)")
        let byUAT = try plansync(["county", "totals", "--by", "uat", "--csv"], in: county).output
        #expect(byUAT.contains("80980,NEGOMIR,1,12,12,45000000,2000000,0,0,0,47000000,470000.00\r\n"), "\(byUAT)")

        // An auditor of the county replays the history, and takes the evidence away.
        let auditorAccount = try run("plansync-server", ["user", "add", "--data", data.path, "--name", "Curtea de Conturi", "--role", "auditor", "--county", "Gorj", "--json"])
        let auditor = folder("auditor")
        try plansync(["init", "--server", server.url, "--token", try token(auditorAccount)], in: auditor)
        try plansync(["sync"], in: auditor)
        let history = try plansync(["audit", "history", plan, "--json"], in: auditor).json([HistoryLine].self)
        let submission = try #require(history.first { $0.kind == "act" && $0.new?.hasPrefix("transmis") == true || $0.label?.contains("transmitere") == true })
        #expect(submission.person == "Inspector NEGOMIR" && submission.role == "inspector" && submission.countyTime != nil, "\(submission)")
        #expect(history.contains { $0.kind == "edit" && $0.old != nil && $0.new != nil && $0.label != nil }, "a value replaced, with its label")
        let asSent = try plansync(["audit", "replay", plan, "--as-of", String(submission.seq), "--json"], in: auditor).json(PlanView.self)
        let versionOne = try plansync(["plan", "show", plan, "--version", "1", "--json"], in: auditor).json(PlanView.self)
        #expect(asSent.tables == versionOne.tables, "the plan as of the submission is version 1 as frozen")
        let today = Date().formatted(.iso8601.year().month().day().dateSeparator(.dash)).split(separator: "-").reversed().joined(separator: ".")
        let byDay = try plansync(["audit", "replay", plan, "--as-of", today, "--json"], in: auditor).json(PlanView.self)
        #expect(byDay == (try plansync(["audit", "replay", plan, "--as-of", String(history.last!.seq), "--json"], in: auditor).json(PlanView.self)),
                "as of the end of today (\(today)) is the latest")
        #expect(try run("plansync", ["audit", "replay", plan, "--as-of", "5", "--device-time"] + auditor).errors.contains("with --device-time give a time"))
        let bundle = root.appendingPathComponent("dovezi.json")
        try plansync(["audit", "export", "--county", "--out", bundle.path], in: auditor)
        let countyKey = try #require(try plansync(["status", "--json"], in: auditor).json(ReplicaStatus.self).countyKey)
        let fingerprint = AuditKey.fingerprint(countyKey)
        #expect(try run("plansync-server", ["audit", "verify", "--data", data.path]).status == 0)
        server.stop()

        // Offline, in an empty folder: the bundle holds; one changed operation does not.
        let elsewhere = try temporaryDirectory("evidence")
        let copy = elsewhere.appendingPathComponent("dovezi.json")
        try FileManager.default.copyItem(at: bundle, to: copy)
        let offline = try run("plansync", ["audit", "verify", copy.path], environment: ["PLANSYNC_DATA": elsewhere.appendingPathComponent("none").path])
        #expect(offline.status == 0 && offline.output.contains("Verdict: INTACT") && offline.output.contains("act submit: 2 of 2 verified")
                    && offline.output.contains("act aviz: 2 of 2 verified") && offline.output.contains("device-enrolled: 5 of 5 verified"), "\(offline)")
        // The county's key as the auditor holds it, in full or read out as its fingerprint.
        for held in [countyKey, fingerprint] {
            #expect(try run("plansync", ["audit", "verify", copy.path, "--county-key", held]).status == 0, "\(held)")
        }
        let otherKey = try run("plansync", ["audit", "verify", copy.path, "--county-key", "0000 1111 2222 3333"])
        #expect(otherKey.status == 1 && otherKey.output.contains("is not the county's key you hold (0000 1111 2222 3333)"), "\(otherKey)")
        var evidence = try WireJSON.decode(AuditBundle.self, from: Data(contentsOf: copy))
        let someone = evidence.operations.keys.sorted()[7]
        let changed = String(decoding: Data(base64Encoded: evidence.operations[someone]!)!, as: UTF8.self).replacingOccurrences(of: "\"by\":\"", with: "\"by\":\"X")
        evidence.operations[someone] = Data(changed.utf8).base64EncodedString()
        try WireJSON.encode(evidence).write(to: copy)
        let tampered = try run("plansync", ["audit", "verify", copy.path])
        #expect(tampered.status == 1 && tampered.output.contains("NOT INTACT") && tampered.output.contains("is not the one the log committed to"), "\(tampered)")
    }
}

/// What `plansync-server uat add --json` prints, as far as the story reads it.
private struct CreatedUAT: Decodable {
    struct User: Decodable { let id: String }
    let user: User
}

/// The parts of `plansync plan submit --json` and `plan state --json` the story reads.
private struct ActResultView: Decodable {
    let versions: [PlanVersion]
}

private struct StateView: Decodable {
    struct Transition: Decodable {
        let act: ActName
        let role: Role?
        let countyTime: String?
    }
    let versions: [PlanVersion]
    let history: [Transition]
    let remarksToAnswer: [Remark]
    let movedEdits: [MovedEdit]
}
