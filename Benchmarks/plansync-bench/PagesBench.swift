import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PlansyncClientKit
import PlansyncClientUI
import PlansyncCore
import PlansyncProtocol
import PlansyncServerKit

/// How fast the county's web pages answer for a county of 100 UATs, each with a plan of 120
/// operations and a service with its budget, sent to the county (so the totals count every one),
/// from the real `plansync-server` over HTTP (`plansync-bench DIR pages`).
enum PagesBench {
    static let uatCount = 100

    static func run(root: URL) async throws {
        let registry = SirutaRegistry.shipped
        // The county with the most UATs, so that 100 of them are its own.
        let (county, all) = Dictionary(grouping: registry.uats.values, by: \.county).max { $0.value.count < $1.value.count }!
        let directory = try CountyDirectory(url: root.appendingPathComponent("pages-server"), logger: Bench.quietLogger)
        let store = try await directory.open(county).store
        let uats = all.sorted { $0.siruta.rawValue < $1.siruta.rawValue }.prefix(uatCount)
        for uat in uats {
            let token = try await store.addAccount(name: "Inspector \(uat.siruta)", role: .inspector, siruta: uat.siruta).enrollmentToken
            let session = try await store.session(credential: try await store.enroll(token: token, label: "bench").credential)
            var writer = AuditBench.Writer(device: session.deviceID, siruta: uat.siruta)
            let outcomes = try await store.push(writer.next(120), from: session).outcomes
            precondition(outcomes.allSatisfy { $0.seq != nil })
            try await submit(writer.plan, of: uat, as: session, after: writer.counter, stampedFrom: writer.start, in: store)
        }
        let reviewer = try await store.addAccount(name: "Revizor", role: .reviewer, siruta: nil).account
        try await store.setPassword("parola-de-bench-1", for: AccountID(reviewer.id))
        // The session the sign-in page would open, taken here: the server reads it from the same file.
        let session = try await store.signIn(account: reviewer.id, password: "parola-de-bench-1")
        let plan = try await store.planSummaries().first!.id
        let server = try ServerProcess(data: directory.url)
        defer { server.stop() }
        let cookie = "__Host-plansync_session=\(county.code).\(session.token)"
        print("pages: \(county.name), \(uats.count) UATs with a plan of 120 operations each, real server over HTTP")
        for (label, path) in [("plans", "/plans"), ("plans by errors", "/plans?sort=-errors"), ("a plan", "/plans/\(plan)"),
                              ("a plan's timeline", "/plans/\(plan)/history"), ("a plan as of op 60", "/plans/\(plan)/asof?seq=60"),
                              ("versions diff", "/plans/\(plan)/diff?from=1&to=1"), ("evidence bundle", "/plans/\(plan)/bundle"),
                              ("totals by UAT", "/totals?by=uat"), ("totals CSV", "/totals.csv?by=uat")] {
            var request = URLRequest(url: URL(string: server.url + path)!)
            request.setValue(cookie, forHTTPHeaderField: "Cookie")
            try await time(label, request)
        }
        try await communePage(server: server.url, store: store, uat: uats.first!, root: root)
    }

    /// The commune's page (`plansync ui`, in this process) for a draft of 30 and of 130 action
    /// rows, from a replica enrolled with the county: the form, the findings while typing, a save.
    private static func communePage(server: String, store: CountyStore, uat: UAT, root: URL) async throws {
        let token = try await store.addAccount(name: "Inspector pagina", role: .inspector, siruta: uat.siruta).enrollmentToken
        let replica = try Replica(path: root.appendingPathComponent("pages-commune.sqlite").path)
        let answer = try await Transport(server: URL(string: server)!, credential: nil)
            .enroll(EnrollRequest(token: token, label: "pagina", publicKey: try replica.devicePublicKey()))
        try replica.configure(ReplicaSettings(server: server, enrollment: answer, label: "pagina"))
        let plan = try replica.createPlan(year: 2026)
        func addActions(_ range: ClosedRange<Int>) throws {
            for index in range {
                _ = try replica.addRow(to: plan.id, table: "actions", values: ["activity": "Activitatea \(index)", "termen": "Permanent"])
            }
        }
        // A plan as the seeds have them (a few dozen rows in all), then one with 130 actions.
        try addActions(1...30)
        let (ports, started) = AsyncStream.makeStream(of: Int.self)
        let app = try CommuneUI.application(replica: replica, port: 0) { started.yield($0) }
        let running = Task { try await app.runService() }
        defer { running.cancel() }
        var next = ports.makeAsyncIterator()
        guard let port = await next.next() else { throw BenchError("plansync ui did not start") }
        let page = URL(string: "http://127.0.0.1:\(port)/plans/\(plan.id)")!
        let html = String(decoding: try await URLSession.shared.data(from: page).0, as: UTF8.self)
        guard let range = html.range(of: #"name="formToken" value="[^"]+""#, options: .regularExpression) else { throw BenchError("no form token on the page") }
        let formToken = String(html[range].dropFirst(#"name="formToken" value=""#.count).dropLast())
        print("pages: the commune's page (plansync ui in this process), a draft of 30 action rows: \(html.utf8.count / 1024) KiB of HTML")
        try await time("commune: the form, 30 rows", URLRequest(url: page))
        try addActions(31...130)
        let bigger = try await URLSession.shared.data(from: page).0.count
        print("pages: the same draft with 130 action rows: \(bigger / 1024) KiB of HTML")
        try await time("commune: the form, 130 rows", URLRequest(url: page))
        func post(_ path: String, _ body: String) -> URLRequest {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/plans/\(plan.id)/\(path)")!)
            request.httpMethod = "POST"
            request.httpBody = Data("formToken=\(formToken)&\(body)".utf8)
            request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
            return request
        }
        try await time("commune: findings while typing", post("check", "path=title&value=Plan%202026"))
        try await time("commune: a save, and the form again", post("fields", "path=title&value=Plan%202026"))
    }

    /// The median of 20 answers (after a first one) of a page that must answer 200.
    private static func time(_ label: String, _ request: URLRequest) async throws {
        var times: [Double] = []
        for _ in 0..<21 {
            let started = ContinuousClock.now
            let (_, response) = try await URLSession.shared.data(for: request)
            times.append(Bench.milliseconds(since: started))
            guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw BenchError("\(label) answered \(String(describing: response))") }
        }
        let first = times.removeFirst()
        Bench.report("pages: \(label) (median of 20)", String(format: "%.1f ms", Bench.median(times)),
                     String(format: "first %.1f ms, slowest %.1f ms", first, times.max()!), target: "< 50 ms")
    }

    /// Adds a service with a budget to the plan and sends it to the county, with the findings the
    /// county's own checks give (a device's submission is checked against them).
    private static func submit(_ plan: PlanID, of uat: UAT, as session: Session, after counter: Int64, stampedFrom start: Int64,
                               in store: CountyStore) async throws {
        func operation(_ number: Int64, _ change: Change) -> PlanOperation {
            PlanOperation(id: OpID(device: session.deviceID, counter: counter + number), hlc: HLCTimestamp(wallMillis: start + counter + number, logical: 0),
                          author: "bench", plan: plan, change: change)
        }
        guard let table = try await store.plan(plan)?.schema.table("services") else { throw BenchError("the plan has no table of services") }
        var cells: [String: Value] = [:]
        for (column, text) in ["code": "8810 ID-IV", "name": "Asistenți personali", "capacity": "10", "budget.local": "\(uat.siruta.rawValue % 997).000"] {
            guard let kind = table.kind(of: column) else { throw BenchError("services has no column \(column)") }
            cells[column] = try kind.parse(text)
        }
        var next: Int64 = 1
        func push(_ change: Change) async throws {
            let outcome = try await store.push([operation(next, change)], from: session).outcomes.first
            next += 1
            guard outcome?.seq != nil else { throw BenchError("refused: \(outcome?.rejection?.message ?? "")") }
        }
        try await push(.insertRow(table: "services", position: "s000001", fields: cells))
        // A chapter the UAT has nothing for says so, as the clerks of the seed plans write it.
        guard let drafted = try await store.plan(plan) else { throw BenchError("no plan \(plan)") }
        for finding in store.validator.check(drafted).errors where finding.code == "chapter-present" {
            try await push(.setField(path: finding.path + ".note", value: .text("nu este cazul"), supersedes: []))
        }
        guard let document = try await store.plan(plan) else { throw BenchError("no plan \(plan)") }
        let submission = operation(next, .act(version: 1, .submit(letter: "Nr. 1/12.03.2025", contentHash: PlanSnapshot(document).hash,
                                                               findings: store.validator.check(document).marks)))
        let outcome = try await store.push([submission], from: session).outcomes.first
        guard outcome?.seq != nil else { throw BenchError("the submission was refused: \(outcome?.rejection?.message ?? "")") }
    }
}
