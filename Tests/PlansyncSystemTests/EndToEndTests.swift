import Foundation
import GRDB
@testable import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
import Testing

/// The built executables, next to the test bundle in `.build/<config>/`.
enum Binaries {
    static let directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()

    static func url(_ name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw ClientError("\(url.path) is missing: run `swift build` before `swift test` (scripts/test does).")
        }
        return url
    }
}

/// One finished run of a CLI.
struct CommandResult {
    let status: Int32
    let output: String
    let errors: String

    func json<T: Decodable>(_ type: T.Type) throws -> T { try WireJSON.decode(type, from: Data(output.utf8)) }
}

/// Runs a command to completion, capturing its output through files (no pipe can fill up).
func run(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
    let scratch = try temporaryDirectory("run")
    defer { try? FileManager.default.removeItem(at: scratch) }
    let out = scratch.appendingPathComponent("out"), err = scratch.appendingPathComponent("err")
    let child = try ChildProcess(try Binaries.url(name), arguments,
                                 environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, output: out, errors: err)
    let status = child.wait()
    return CommandResult(status: status, output: try String(contentsOf: out, encoding: .utf8), errors: try String(contentsOf: err, encoding: .utf8))
}

/// A real `plansync-server serve` process.
final class ServerProcess {
    let child: ChildProcess
    let port: Int

    init(data: URL, port requested: Int = 0) throws {
        let log = data.deletingLastPathComponent().appendingPathComponent("server-\(UUID().uuidString).log")
        child = try ChildProcess(try Binaries.url("plansync-server"),
                                 ["serve", "--data", data.path, "--port", String(requested), "--county", "Gorj"], output: log)
        let deadline = Date().addingTimeInterval(30)
        while true {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = Int(text[range].split(separator: ":").last!)!
                return
            }
            guard Date() < deadline, child.isRunning else {
                child.signal(SIGTERM)
                throw ClientError("plansync-server did not start: \(text)")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func kill9() {
        child.signal(SIGKILL)
        child.wait()
    }

    func stop() {
        child.signal(SIGTERM)
        child.wait()
    }
}

@Suite("End to end (real binaries)", .serialized)
struct EndToEndTests {
    @Test("two commune devices edit offline, sync through a real server, converge, and show one conflict")
    func twoClients() throws {
        let root = try temporaryDirectory("e2e")
        let data = root.appendingPathComponent("server")
        let uat = try run("plansync-server", ["uat", "add", "--data", data.path, "--siruta", "80980", "--name", "Negomir", "--json"])
        #expect(uat.status == 0, "\(uat.errors)")
        let firstToken = try #require(try uat.json([String: AnyCodable].self)["enrollmentToken"]?.text)
        let second = try run("plansync-server", ["user", "add", "--data", data.path, "--name", "Ion Ionescu", "--role", "inspector", "--siruta", "80980", "--json"])
        let secondToken = try #require(try second.json([String: AnyCodable].self)["enrollmentToken"]?.text)
        let server = try ServerProcess(data: data)
        defer { server.stop() }

        let laptop = ["--data", root.appendingPathComponent("laptop").path]
        let desktop = ["--data", root.appendingPathComponent("desktop").path]
        #expect(try run("plansync", ["init", "--server", server.url, "--token", firstToken] + laptop).status == 0)
        // The token from a file (a command line is visible to other users of the computer).
        let tokenFile = root.appendingPathComponent("token.txt")
        try Data((secondToken + "\n").utf8).write(to: tokenFile)
        #expect(try run("plansync", ["init", "--server", server.url, "--token-file", tokenFile.path] + desktop).status == 0)
        let reuse = try run("plansync", ["init", "--server", server.url, "--token", secondToken] + ["--data", root.appendingPathComponent("third").path])
        #expect(reuse.status != 0 && reuse.errors.contains("Enrollment token already used"))

        let created = try run("plansync", ["plan", "new", "--year", "2025", "--json"] + laptop)
        let plan = try created.json(PlanView.self).id.rawValue
        #expect(try run("plansync", ["sync"] + laptop).status == 0)
        #expect(try run("plansync", ["sync"] + desktop).status == 0)

        // Offline on both computers.
        for edit in [
            ["plan", "set", plan, "title", "Planul anual de acțiune 2025"],
            ["row", "add", plan, "services", "code=8810 ID-IV", "name=Îngrijire la domiciliu", "capacity=20", "budget.local=15.000"],
        ] { #expect(try run("plansync", edit + laptop).status == 0) }
        for edit in [
            ["plan", "set", plan, "title", "Plan de acțiune pentru 2025"],
            ["plan", "set", plan, "context.consultation", "nu este cazul"],
            ["row", "add", plan, "actions", "activity=Informarea populației", "termen=Permanent"],
        ] { #expect(try run("plansync", edit + desktop).status == 0) }
        let bad = try run("plansync", ["plan", "set", plan, "capacity", "12"] + desktop)
        #expect(bad.status != 0 && bad.errors.contains("no field 'capacity'"))
        #expect(try run("plansync", ["status", "--json"] + desktop).json(ReplicaStatus.self).pending == 3)

        for side in [laptop, desktop, laptop] { #expect(try run("plansync", ["sync"] + side).status == 0) }

        let onLaptop = try run("plansync", ["plan", "show", plan, "--json"] + laptop).json(PlanView.self)
        let onDesktop = try run("plansync", ["plan", "show", plan, "--json"] + desktop).json(PlanView.self)
        let onServer = try run("plansync-server", ["plan", plan, "--data", data.path, "--json"]).json(ServerPlan.self).plan
        #expect(onLaptop == onDesktop && onDesktop == onServer)
        #expect(onServer.tables.first { $0.name == "services" }?.totals["budget.local"] == 1_500_000)
        #expect(onServer.fields["context.consultation"] == .text("nu este cazul"))
        let conflicts = try run("plansync", ["conflicts"] + laptop)
        #expect(conflicts.output.contains("title") && conflicts.output.contains("also written"))
        #expect(conflicts.output.contains("Ion Ionescu") && conflicts.output.contains("Inspector NEGOMIR"), "names come from the accounts")
        #expect(onServer.conflicts.count == 1)
        let list = try run("plansync-server", ["plans", "--data", data.path])
        #expect(list.output.contains("NEGOMIR") && list.output.contains("1 conflict"))
    }

    @Test("a data folder copied to a second computer: both edit offline, both sync, every edit lands, and the copy says what it did")
    func copiedFolder() throws {
        let root = try temporaryDirectory("copy")
        let data = root.appendingPathComponent("server")
        let token = try #require(try run("plansync-server", ["uat", "add", "--data", data.path, "--siruta", "80980", "--json"])
            .json([String: AnyCodable].self)["enrollmentToken"]?.text)
        let server = try ServerProcess(data: data)
        defer { server.stop() }
        let laptop = ["--data", root.appendingPathComponent("laptop").path]
        let desktop = ["--data", root.appendingPathComponent("desktop").path]
        #expect(try run("plansync", ["init", "--server", server.url, "--token", token] + laptop).status == 0)
        let plan = try run("plansync", ["plan", "new", "--year", "2025", "--json"] + laptop).json(PlanView.self).id.rawValue
        #expect(try run("plansync", ["sync"] + laptop).status == 0)
        // Given the folder copied to another computer, and both computers editing offline
        try FileManager.default.copyItem(at: root.appendingPathComponent("laptop"), to: root.appendingPathComponent("desktop"))
        for edit in [["plan", "set", plan, "title", "de pe laptop"], ["row", "add", plan, "actions", "activity=Informare"]] {
            #expect(try run("plansync", edit + laptop).status == 0)
        }
        for edit in [["plan", "set", plan, "notes", "de pe desktop"], ["row", "add", plan, "actions", "activity=Consiliere"]] {
            #expect(try run("plansync", edit + desktop).status == 0)
        }
        // When both sync
        #expect(try run("plansync", ["sync"] + laptop).status == 0)
        let copy = try run("plansync", ["sync"] + desktop)
        #expect(try run("plansync", ["sync"] + laptop).status == 0)
        // Then the copy says what it did, and every edit of both is everywhere
        #expect(copy.status == 0 && copy.output.contains("also in use on another computer"), "\(copy.output) \(copy.errors)")
        let onServer = try run("plansync-server", ["plan", plan, "--data", data.path, "--json"]).json(ServerPlan.self).plan
        #expect(onServer.fields["title"] == .text("de pe laptop") && onServer.fields["notes"] == .text("de pe desktop"))
        #expect(onServer.tables.first { $0.name == "actions" }?.rows.count == 2)
        for side in [laptop, desktop] {
            #expect(try run("plansync", ["plan", "show", plan, "--json"] + side).json(PlanView.self) == onServer)
            #expect(try run("plansync", ["status", "--json"] + side).json(ReplicaStatus.self).pending == 0)
        }
        #expect(try run("plansync", ["status", "--json"] + laptop).json(ReplicaStatus.self).device
            != (try run("plansync", ["status", "--json"] + desktop).json(ReplicaStatus.self).device))
    }

    @Test("a seed plan: import, export byte for byte, check, render, sync; the server finds the same")
    func seedThroughTheCLI() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
        let root = try temporaryDirectory("seed")
        let data = root.appendingPathComponent("server")
        let uat = try run("plansync-server", ["uat", "add", "--data", data.path, "--siruta", "80980", "--name", "Negomir", "--json"])
        let token = try #require(try uat.json([String: AnyCodable].self)["enrollmentToken"]?.text)
        let server = try ServerProcess(data: data)
        defer { server.stop() }
        let clerk = ["--data", root.appendingPathComponent("clerk").path]
        #expect(try run("plansync", ["init", "--server", server.url, "--token", token] + clerk).status == 0)

        // The file holds the county's registration and aviz and the council's HCL: an inspector
        // does not write those; the import says so, then leaves them out when asked.
        let seed = fixtures.appendingPathComponent("negomir-2024.json")
        let refusedWhole = try run("plansync", ["plan", "import", seed.path] + clerk)
        #expect(refusedWhole.status != 0 && refusedWhole.errors.contains("decisions.aviz.outcome") && refusedWhole.errors.contains("--without-decisions"))
        let imported = try run("plansync", ["plan", "import", seed.path, "--without-decisions", "--json"] + clerk)
        #expect(imported.status == 0, "\(imported.errors)")
        let plan = try imported.json(PlanView.self).id.rawValue
        let file = try PlanFile.read(try Data(contentsOf: seed))
        let countyFields = file.fields.keys.filter { PlanArea.of(field: $0) == .countyDecision }.sorted()
        let councilFields = file.fields.keys.filter { PlanArea.of(field: $0) == .councilDecision }.sorted()
        #expect(countyFields.count == 8 && councilFields == ["decisions.hcl.reference"])
        // The letter is the submission's record: `plan submit` writes it, not `plan set`.
        let letter = file.fields.keys.filter { PlanArea.of(field: $0) == .submission && DecisionFields.command(recording: $0) != nil }
        #expect(letter == ["decisions.submission.reference"])
        let exported = root.appendingPathComponent("export.json")
        #expect(try run("plansync", ["plan", "export", plan, "-o", exported.path] + clerk).status == 0)
        #expect(try Data(contentsOf: exported) == file.dropping(fields: Set(countyFields + councilFields + letter)).json)

        // The county reviewer and the UAT secretary record their parts on their own computers,
        // with the same client: the fields they write as fields, the records of their acts only
        // by the act (refused as fields); then the commune's export is the seed without those.
        #expect(try run("plansync", ["sync"] + clerk).status == 0)
        let byAct = (countyFields + councilFields + letter).filter { DecisionFields.command(recording: $0) != nil }
        #expect(byAct.contains("decisions.aviz.outcome") && byAct.contains("decisions.hcl.reference"))
        for (role, scope, fields) in [("reviewer", ["--county", "Gorj"], countyFields), ("secretary", ["--siruta", "80980"], councilFields)] {
            let user = try run("plansync-server", ["user", "add", "--data", data.path, "--name", "Persoana \(role)", "--role", role, "--json"] + scope)
            let userToken = try #require(try user.json([String: AnyCodable].self)["enrollmentToken"]?.text, "\(user.errors)")
            let desk = ["--data", root.appendingPathComponent(role).path]
            #expect(try run("plansync", ["init", "--server", server.url, "--token", userToken] + desk).status == 0)
            #expect(try run("plansync", ["sync"] + desk).status == 0)
            let content = try run("plansync", ["plan", "set", plan, "title", "not mine"] + desk)
            #expect(content.status != 0 && content.errors.contains("role-forbidden"), "\(role) may not write the UAT's content")
            for path in fields {
                guard case .text(let raw)? = file.fields[path] else { Issue.record("\(path) is not text"); continue }
                let set = try run("plansync", ["plan", "set", plan, path, raw] + desk)
                if byAct.contains(path) {
                    #expect(set.status != 0 && set.errors.contains("recorded-by-act"), "\(role) sets \(path): \(set.errors)")
                } else {
                    #expect(set.status == 0, "\(role) sets \(path): \(set.errors)")
                }
            }
            #expect(try run("plansync", ["sync"] + desk).status == 0)
        }
        #expect(try run("plansync", ["sync"] + clerk).status == 0)
        #expect(try run("plansync", ["plan", "export", plan, "-o", exported.path] + clerk).status == 0)
        #expect(try Data(contentsOf: exported) == file.dropping(fields: Set(byAct)).json)
        let log = try run("plansync", ["log", plan] + clerk)
        #expect(log.output.contains("Persoana reviewer (reviewer)"))

        let check = try run("plansync", ["plan", "check", plan, "--json"] + clerk)
        #expect(check.status == 1, "errors block sending: exit status 1")
        let local = try check.json(ValidationReport.self)
        #expect(local.errors.map(\.code).contains("hg797-annex") && local.errors.map(\.code).contains("chapter-present"))
        let text = try run("plansync", ["plan", "check", plan] + clerk)
        #expect(text.output.contains("error\thg797-annex\tlegalBasis[2].citation\tSe citează Anexa 2"))

        let html = root.appendingPathComponent("plan.html")
        #expect(try run("plansync", ["plan", "render", plan, "--format", "html", "-o", html.path] + clerk).status == 0)
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("hg797-annex") && page.contains("7050 lei"), "amounts as the document writes them")
        let markdown = try run("plansync", ["plan", "render", plan, "--format", "md", "--no-findings"] + clerk)
        #expect(markdown.status == 0 && markdown.output.hasPrefix("# PLANUL ANUAL") && !markdown.output.contains("Constatări"))
        #expect(try run("plansync", ["plan", "render", plan, "--format", "pdf"] + clerk).status != 0)

        #expect(try run("plansync", ["sync"] + clerk).status == 0)
        let onServer = try run("plansync-server", ["plan", plan, "--data", data.path, "--json"]).json(ServerPlan.self)
        #expect(onServer.check == local, "the server runs the same checks on what it receives")
        #expect(onServer.plan == (try run("plansync", ["plan", "show", plan, "--json"] + clerk).json(PlanView.self)))

        let other = try run("plansync", ["plan", "import", fixtures.appendingPathComponent("pangarati-2023.json").path] + clerk)
        #expect(other.status != 0 && other.errors.contains("SIRUTA 123601"))
        let broken = root.appendingPathComponent("broken.json")
        try Data(#"{"format":"plansync-plan/1","template":"ordin-1086-2018-v2","siruta":80980,"year":2024,"fields":{"titel":"x"}}"#.utf8).write(to: broken)
        let refused = try run("plansync", ["plan", "import", broken.path] + clerk)
        #expect(refused.status != 0 && refused.errors.contains("fields.titel"))
    }

    @Test("every command of both executables answers --help and takes --json")
    func helpAndJSON() throws {
        let client = ["init", "plan new", "plan list", "plan show", "plan set", "plan fields", "plan check", "plan rules", "plan render", "plan import", "plan export", "row add", "row set", "row remove",
                      "row move", "sync", "status", "conflicts", "log", "plan submit", "plan hcl", "plan prefect", "plan publish", "plan modify",
                      "plan state", "plan answer", "plan diff", "county plans", "county register", "county remark", "county aviz", "county totals"]
        for command in client {
            let result = try run("plansync", command.split(separator: " ").map(String.init) + ["--help"])
            #expect(result.status == 0 && result.output.contains("--json") && result.output.contains("--data"), "plansync \(command)")
        }
        let server = ["serve", "uat add", "user add", "user list", "user disable", "user enable", "device add", "device list", "device revoke", "plans", "plan",
                      "county rotate-credential"]
        for command in server {
            let result = try run("plansync-server", command.split(separator: " ").map(String.init) + ["--help"])
            #expect(result.status == 0 && result.output.contains("--json") && result.output.contains("--data"), "plansync-server \(command)")
        }
        let fields = try run("plansync", ["plan", "fields", "--json"])
        #expect(fields.status == 0)
        struct Listing: Decodable { let template: String; let tables: [String: [String: String]] }
        let listing = try fields.json(Listing.self)
        #expect(listing.template == PlanSchema.current.template && listing.tables["services"]?["budget.local"] == "money")
        #expect(try run("plansync", ["plan", "fields", "--template", "ordin-1086-2030"]).status != 0)
        let notEnrolled = try run("plansync", ["status", "--data", try temporaryDirectory("empty").path])
        #expect(notEnrolled.status != 0 && notEnrolled.errors.contains("plansync init"))

        // A check explained, with no replica needed; an unknown code or a missing plan is a clear error.
        let explained = try run("plansync", ["plan", "check", "--explain", "service-code-present"])
        #expect(explained.status == 0 && explained.output.contains("service-code-present (eroare / error)")
            && explained.output.contains("Temei: HG 867/2015"), "\(explained.output)")
        let unknown = try run("plansync", ["plan", "check", "--explain", "no-such-check"])
        #expect(unknown.status != 0 && unknown.errors.contains("There is no check 'no-such-check'") && unknown.errors.contains("plan-signed"))
        let neither = try run("plansync", ["plan", "check"])
        #expect(neither.status != 0 && neither.errors.contains("--explain CODE"))
        let rules = try run("plansync", ["plan", "rules", "--json"])
        struct Rule: Decodable { let code: String; let source: String }
        #expect(try rules.json([Rule].self).count == PlanValidator.rules.count)
    }

    @Test("kill -9 the server in the middle of a 10,000-operation push: after a restart every operation is there exactly once")
    func crashMidPush() throws {
        let root = try temporaryDirectory("crash")
        let data = root.appendingPathComponent("server")
        let token = try #require(try run("plansync-server", ["uat", "add", "--data", data.path, "--siruta", "80980", "--json"])
            .json([String: AnyCodable].self)["enrollmentToken"]?.text)
        var server = try ServerProcess(data: data)
        let clientData = root.appendingPathComponent("client")
        #expect(try run("plansync", ["init", "--server", server.url, "--token", token, "--data", clientData.path]).status == 0)

        // 10,000 edits recorded offline through the replica's own API, on the client's file.
        let replica = try Replica(path: clientData.appendingPathComponent("replica.sqlite").path)
        let plan = try replica.createPlan(year: 2025)
        for index in 1...10_000 {
            let field = ["title", "notes", "context.consultation", "preparedBy"][index % 4]
            try replica.record(on: plan.id) { PlanEditor(plan: $0!).setField(field, to: .text("edit \(index)")) }
        }
        #expect(try replica.pendingCount() == 10_001)

        let sync = try ChildProcess(try Binaries.url("plansync"), ["sync", "--batch", "50", "--data", clientData.path])
        let history = try DatabaseQueue(path: data.appendingPathComponent("county-18.sqlite").path, configuration: {
            var configuration = Configuration()
            configuration.readonly = true
            return configuration
        }())
        var acceptedAtKill = 0
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            acceptedAtKill = try history.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM operation") ?? 0 }
            if acceptedAtKill >= 2_000 { break }
            Thread.sleep(forTimeInterval: 0.002)
        }
        server.kill9()
        let syncStatus = sync.wait()
        #expect(acceptedAtKill > 0 && acceptedAtKill < 10_001, "the server must die mid-push (had \(acceptedAtKill))")
        #expect(syncStatus != 0, "the interrupted sync reports failure")

        server = try ServerProcess(data: data, port: server.port)
        defer { server.stop() }
        let again = try run("plansync", ["sync", "--data", clientData.path])
        #expect(again.status == 0, "\(again.errors)")

        // Every edit the client recorded is on the server, with the content it recorded, and
        // nothing else is (ids are unique there by construction, so compare contents).
        let onServer = try history.read { db in
            try Row.fetchAll(db, sql: "SELECT device, counter, body FROM operation").map { "\($0["device"] as String).\($0["counter"] as Int64) \(String(decoding: $0["body"] as Data, as: UTF8.self))" }
        }
        let recorded = try replica.log(plan: plan.id, limit: 20_000).map { "\($0.operation.id) \(String(decoding: $0.operation.canonicalJSON, as: UTF8.self))" }
        #expect(onServer.count == 10_001 && Set(onServer) == Set(recorded))
        let status = try run("plansync", ["status", "--json", "--data", clientData.path]).json(ReplicaStatus.self)
        #expect(status.pending == 0 && status.rejected == 0)
        let local = try run("plansync", ["plan", "show", plan.id.rawValue, "--json", "--data", clientData.path]).json(PlanView.self)
        let remote = try run("plansync-server", ["plan", plan.id.rawValue, "--data", data.path, "--json"]).json(ServerPlan.self).plan
        #expect(local == remote && remote.version == 10_001)
    }
}

/// Decodes any JSON value (for loosely typed CLI answers).
struct AnyCodable: Decodable {
    let text: String?
    init(from decoder: any Decoder) throws {
        text = try? decoder.singleValueContainer().decode(String.self)
    }
}

/// What `plansync-server plan ID --json` prints: the plan and the reviewer's checks on it.
struct ServerPlan: Decodable {
    let plan: PlanView
    let check: ValidationReport
}
