import Foundation
@testable import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
@testable import PlansyncServerKit
import Testing

/// The real server on a loopback port, spoken to over real HTTP.
@Suite("HTTP API")
struct HTTPTests {
    /// A county with one enrolled device of Negomir, over HTTP.
    struct Setup {
        let county: TestCounty
        let url: URL
        let replica: Replica
        let credential: String

        init(county: TestCounty, url: URL, author: String = "ana", role: Role = .inspector, clock: any WallClock = StepClock(),
             siruta: Siruta? = negomir) async throws {
            self.county = county
            self.url = url
            let token = try await county.store.addAccount(name: author, role: role, siruta: siruta).enrollmentToken
            replica = try Replica(path: county.root.appendingPathComponent("\(author)-\(UUID().uuidString.prefix(8)).sqlite").path, clock: clock)
            let answer = try await Transport(server: url, credential: nil).enroll(EnrollRequest(token: token, label: author, publicKey: try replica.devicePublicKey()))
            try replica.configure(ReplicaSettings(server: url.absoluteString, enrollment: answer, label: author))
            credential = answer.credential
        }

        func sync() async throws -> SyncReport { try await Synchronizer(replica: replica).sync() }

        /// A county with a live server, Negomir's clerk enrolled over HTTP, and a 2025 plan
        /// created and synced: the starting point of most API tests.
        static func withSyncedPlan(_ body: @Sendable (TestCounty, URL, Setup, PlanDocument) async throws -> Void) async throws {
            let county = try await TestCounty()
            try await withServer(county.directory) { url in
                let clerk = try await Setup(county: county, url: url)
                let plan = try clerk.replica.createPlan(year: 2025)
                _ = try await clerk.sync()
                try await body(county, url, clerk, plan)
            }
        }

        /// A push body of the plan's 21 operations recorded here (20 edits after the ones pending)
        /// and one on a field no template has — which a well-behaved client never records and
        /// the server must set aside, every time the same way.
        func twentyOneEditsAndOneUnknownField(on plan: PlanID) throws -> Data {
            for index in 0..<20 { try replica.set(plan, path: "notes", to: "nota \(index)") }
            var request = try WireJSON.decode(PushRequest.self, from: try replica.pendingBatch(limit: 100).body)
            let last = request.operations.last!
            request.operations.append(PlanOperation(
                id: OpID(device: last.id.device, counter: last.id.counter + 1), hlc: last.hlc, author: last.author, plan: plan,
                change: .setField(path: "nonexistent", value: .text("x"), supersedes: [])))
            return try WireJSON.encode(request)
        }

        func headers(_ extra: [String: String] = [:]) -> [String: String] {
            ["Authorization": "Bearer \(credential)", ProtocolVersion.header: "1", "Content-Type": "application/json"]
                .merging(extra) { $1 }
        }
    }

    @Test("two devices edit offline, sync, and converge with one conflict recorded on both")
    func twoDevices() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let ana = try await Setup(county: county, url: url, author: "ana")
            let ion = try await Setup(county: county, url: url, author: "ion")
            let plan = try ana.replica.createPlan(year: 2025)
            _ = try await ana.sync()
            _ = try await ion.sync()
            // Offline: both change the title, each adds a row.
            try ana.replica.set(plan.id, path: "title", to: "Planul anual 2025")
            try ion.replica.set(plan.id, path: "title", to: "Plan de acțiune 2025")
            try ana.replica.record(on: plan.id) { PlanEditor(plan: $0!).insertRow(into: "services", values: ["name": .text("Cantină socială")]) }
            try ion.replica.record(on: plan.id) { PlanEditor(plan: $0!).insertRow(into: "services", values: ["name": .text("Îngrijire la domiciliu")]) }
            _ = try await ana.sync()
            _ = try await ion.sync()
            _ = try await ana.sync()
            let server = try #require(try await county.store.plan(plan.id))
            #expect(try ana.replica.plan(plan.id) == server)
            #expect(try ion.replica.plan(plan.id) == server)
            #expect(server.visibleRows(of: "services").count == 2)
            #expect(server.conflicts.map(\.path) == ["title"])
            // The county reads it with its own credential.
            let countyCredential = try String(contentsOf: county.directory.credentialFile(for: county.store.county), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let countyView = try await Transport(server: url, credential: countyCredential).get(PlanView.self, "/v1/plans/\(plan.id)")
            #expect(countyView == PlanView(server))
            let list = try await Transport(server: url, credential: countyCredential).get([PlanSummary].self, "/v1/plans")
            #expect(list.map(\.id) == [plan.id] && list.first?.openConflicts == 1 && list.first?.uatName == "NEGOMIR")
        }
    }

    @Test("the same push replayed three times, and a pull repeated, change nothing")
    func idempotency() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let ana = try await Setup(county: county, url: url)
            let plan = try ana.replica.createPlan(year: 2025)
            let body = try ana.twentyOneEditsAndOneUnknownField(on: plan.id)
            var answers: [Data] = []
            for _ in 0..<3 {
                let answer = try await rawRequest("POST", url.appendingPathComponent("v1/push"), headers: ana.headers(), body: body)
                #expect(answer.status == 200)
                answers.append(answer.body)
            }
            #expect(answers[0] == answers[1] && answers[1] == answers[2])
            let counts = try await county.store.counts()
            #expect(counts.accepted == 21 && counts.rejected == 1)
            let outcomes = try WireJSON.decode(PushResponse.self, from: answers[2]).outcomes
            #expect(outcomes.last?.rejection?.code == "unknown-field")
            let pulls = try await (0..<2).asyncMap { _ in
                try PullResponse.read(try await rawRequest("GET", URL(string: "\(url)/v1/pull?after=0")!, headers: ana.headers()).body)
            }
            #expect(pulls[0].operations == pulls[1].operations && pulls[0].next == pulls[1].next && pulls[0].lastOwnCounter == 22)
            #expect(try await county.store.counts().accepted == 21)
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}

@Suite("County directory")
struct CountyDirectoryTests {
    @Test("a county is opened once: every request shares one store (one pool, one plan cache)")
    func oneStorePerCounty() async throws {
        let county = try await TestCounty()
        let again = try await county.directory.open(county.store.county).store
        let byCode = try #require(try await county.directory.existingStore(code: 18))
        #expect(again === county.store && byCode === county.store)
        #expect(try await county.directory.existingStore(code: 27) == nil, "no database for Neamț here")
    }
}

@Suite("Rejections")
struct RejectionTests {
    @Test("operations the server refuses are set aside with their reason, the plan is rebuilt without them, and the ones behind them land")
    func setAsideAndRebuild() async throws {
        try await HTTPTests.Setup.withSyncedPlan { county, url, ana, plan in
            // An older client recorded (and applied locally) a row whose capacity is a bare number
            // (the current template keeps cells as written text), then edited that row: the
            // county's rules refuse the first, so the second has no row.
            let device = try ana.replica.settings().device
            let bad = PlanOperation(id: OpID(device: device, counter: 2), hlc: HLCTimestamp(wallMillis: 1_764_000_000_000, logical: 0),
                                    author: "ana", plan: plan.id,
                                    change: .insertRow(table: "services", position: "V", fields: ["capacity": .integer(10)]))
            let dependent = PlanOperation(id: OpID(device: device, counter: 3), hlc: HLCTimestamp(wallMillis: 1_764_000_000_000, logical: 1),
                                          author: "ana", plan: plan.id,
                                          change: .setRowField(table: "services", row: bad.id, field: "name", value: .text("Cantină"), supersedes: []))
            try await ana.replica.queue.write { db in
                var document = try #require(try Replica.document(plan.id, in: db))
                for operation in [bad, dependent] {
                    document.apply(operation)
                    try db.execute(sql: "INSERT INTO operation (device, counter, plan, body, state, recorded_at) VALUES (?, ?, ?, ?, 'pending', '')",
                                   arguments: [device.rawValue, operation.id.counter, plan.id.rawValue, operation.canonicalJSON])
                }
                try Replica.save(document, in: db)
            }
            #expect(try ana.replica.plan(plan.id)?.visibleRows(of: "services").count == 1)
            try ana.replica.set(plan.id, path: "title", to: "Planul 2025")

            let report = try await ana.sync()
            #expect(report.rejected.map(\.operation.id) == [bad.id, dependent.id])
            #expect(report.rejected.map { $0.rejection?.code } == ["wrong-type", "row-not-found"])
            #expect(report.accepted == 1)
            let status = try ana.replica.status()
            #expect(status.pending == 0 && status.rejected == 2)
            let local = try #require(try ana.replica.plan(plan.id))
            #expect(local.visibleRows(of: "services").isEmpty, "rebuilt without the refused row")
            #expect(local == (try await county.store.plan(plan.id)))
            let log = try ana.replica.log(plan: plan.id)
            #expect(log.filter { $0.state == .rejected }.allSatisfy { $0.rejection != nil })
        }
    }
}
