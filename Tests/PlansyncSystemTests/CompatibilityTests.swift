import Foundation
import GRDB
@testable import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
@testable import PlansyncServerKit
import Testing

/// Versions meet: a commune that has not updated plansync keeps syncing what it can read; data
/// written by plansync 0.1 keeps working after the update, on both sides.
@Suite("Forward compatibility")
struct ForwardCompatibilityTests {
    /// Puts into the county's history, as a later server would have accepted it, an operation of
    /// a kind this version does not know.
    static func acceptLaterKind(on plan: PlanID, device: DeviceID, counter: Int64, county: TestCounty) async throws -> Data {
        let body = Data(#"{"by":"Maria","hlc":\#(SystemClock().nowMillis() << 16),"id":"\#(device).\#(counter)","op":"submit","plan":"\#(plan)","snapshot":"9f2c"}"#.utf8)
        try await county.store.pool.write { db in
            try db.execute(sql: """
                INSERT INTO operation (device, counter, plan, siruta, hlc, author, kind, body, received_at) VALUES (?, ?, ?, 80980, 1, 'Maria', 'submit', ?, '')
                """, arguments: [device.rawValue, counter, plan.rawValue, body])
        }
        return body
    }

    @Test("an operation of a later kind: kept verbatim, only its plan held back, other plans keep syncing, never sent back, and the clerk is told to update")
    func unknownKind() async throws {
        let county = try await TestCounty()
        let (anaReplica, anaSession) = try await county.enrolledReplica(author: "ana")
        let (ionReplica, ionSession) = try await county.enrolledReplica(author: "ion")
        let ana = InProcessTransport(store: county.store, session: anaSession, seed: 1)
        let ion = InProcessTransport(store: county.store, session: ionSession, seed: 2)
        let held = try anaReplica.createPlan(year: 2025)
        let free = try anaReplica.createPlan(year: 2026)
        _ = try await Synchronizer(replica: anaReplica, transport: ana).sync()
        _ = try await Synchronizer(replica: ionReplica, transport: ion).sync()
        // Given the county holds a later kind of operation on one plan, and edits behind it on both plans
        let body = try await Self.acceptLaterKind(on: held.id, device: anaSession.deviceID, counter: 99, county: county)
        try anaReplica.set(held.id, path: "title", to: "after the submission")
        try anaReplica.set(free.id, path: "title", to: "the other plan")
        _ = try await Synchronizer(replica: anaReplica, transport: ana).sync()
        // When a replica of this version pulls it all
        let report = try await Synchronizer(replica: ionReplica, transport: ion).sync()
        // Then the plan is held at its state before the unknown change, the other plan is up to date,
        // the unknown change is kept as received, and nothing of it is sent back
        #expect(report.held.map(\.plan) == [held.id] && report.held.first?.reason.contains("later version") == true)
        #expect(try ionReplica.plan(held.id)?.fields["title"] == nil)
        #expect(try ionReplica.plan(free.id)?.fields["title"]?.value == .text("the other plan"))
        let kept = try await ionReplica.queue.read { db in try Data.fetchOne(db, sql: "SELECT body FROM held_operation WHERE counter = 99") }
        #expect(kept == body)
        #expect(try ionReplica.pendingCount() == 0)
        // The clerk may not edit the held plan offline, may edit the other, and syncs again without error.
        #expect { try ionReplica.set(held.id, path: "notes", to: "x") } throws: { "\($0)".contains("until plansync is updated") }
        try ionReplica.set(free.id, path: "notes", to: "still working")
        let again = try await Synchronizer(replica: ionReplica, transport: ion).sync()
        #expect(again.accepted == 1 && again.held.count == 1)
        #expect(try ionReplica.status().held.first?.count == 2, "the unknown change and the edit behind it")
    }

    @Test("after an update that reads what was held, the plan is brought up to date at the next sync")
    func release() async throws {
        let county = try await TestCounty()
        let (anaReplica, anaSession) = try await county.enrolledReplica(author: "ana")
        let (ionReplica, ionSession) = try await county.enrolledReplica(author: "ion")
        let ana = InProcessTransport(store: county.store, session: anaSession, seed: 1)
        let plan = try anaReplica.createPlan(year: 2025)
        _ = try await Synchronizer(replica: anaReplica, transport: ana).sync()
        try anaReplica.set(plan.id, path: "title", to: "from ana")
        _ = try await Synchronizer(replica: anaReplica, transport: ana).sync()
        let ion = InProcessTransport(store: county.store, session: ionSession, seed: 2)
        _ = try await Synchronizer(replica: ionReplica, transport: ion).sync()
        // Given an older version of plansync held ana's title change (it could not read it) and the
        // edits after it: as that version's database holds them
        let moved = try await ionReplica.queue.write { db -> Int in
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM operation WHERE plan = ? AND state = 'accepted' AND seq > 1", arguments: [plan.id.rawValue])
            for row in rows {
                try db.execute(sql: "INSERT INTO held_operation (device, counter, plan, seq, kind, body, reason, received_at) VALUES (?, ?, ?, ?, 'set', ?, 'older version', '')",
                               arguments: [row["device"], row["counter"], row["plan"], row["seq"], row["body"]])
            }
            try db.execute(sql: "DROP TRIGGER operation_no_delete")
            try db.execute(sql: "DELETE FROM operation WHERE plan = ? AND state = 'accepted' AND seq > 1", arguments: [plan.id.rawValue])
            try ionReplica.rebuild(plan.id, in: db)
            return rows.count
        }
        let before = try ionReplica.plan(plan.id)
        #expect(moved == 1 && before?.fields["title"] == nil)
        // When this version syncs
        let report = try await Synchronizer(replica: ionReplica, transport: ion).sync()
        // Then it applies them
        #expect(report.released == [plan.id] && report.held.isEmpty)
        #expect(try ionReplica.plan(plan.id) == (try await county.store.plan(plan.id)))
    }

    @Test("a kind or a template the county's server does not accept yet is refused offline, before it is recorded; new capabilities are fetched when they change")
    func capabilities() async throws {
        let county = try await TestCounty()
        let (replica, session) = try await county.enrolledReplica(author: "ana")
        let transport = InProcessTransport(store: county.store, session: session, seed: 1)
        let plan = try replica.createPlan(year: 2025)
        try replica.record(on: plan.id) { PlanEditor(plan: $0!).insertRow(into: "actions", values: [:]) }
        // Given the county's server is older: it does not take moves nor the current template
        var older = ServerCapabilities().now()
        older.operations.removeAll { $0 == .move }
        older.templates = [PlanSchema.unversioned.template]
        try replica.store(older)
        let row = try #require(try replica.plan(plan.id)?.visibleRows(of: "actions").first)
        #expect { try replica.record(on: plan.id) { PlanEditor(plan: $0!).moveRow("actions", row: row.id, after: nil, atStart: true) } } throws: {
            "\($0)".contains("does not accept 'move' edits yet")
        }
        #expect { try replica.createPlan(year: 2026) } throws: { "\($0)".contains("does not know the template") }
        #expect(try replica.pendingCount() == 2, "nothing recorded")
        // When the server says its capabilities changed (every page carries their tag)
        _ = try await Synchronizer(replica: replica, transport: transport).sync()
        #expect(try replica.serverCapabilities()?.tag == ServerCapabilities().tag)
        try replica.record(on: plan.id) { PlanEditor(plan: $0!).moveRow("actions", row: row.id, after: nil, atStart: true) }
    }
}

@Suite("Data from plansync 0.1")
struct MigrationTests {
    @Test("a county database of 0.1: every device becomes an inspector account named as it signed its edits; unused tokens still enroll; history and plans stay")
    func countyDatabase() async throws {
        let root = try temporaryDirectory("migration")
        let path = root.appendingPathComponent("county-18.sqlite").path
        // Given a database as plansync 0.1 left it
        var ana = HandMadeOperations(device: DeviceID("old00001"), author: "Ana Popescu")
        let create = ana.next(nil, .createPlan(siruta: negomir, year: 2025))
        let title = ana.next(create.plan, .setField(path: "title", value: .text("Planul 2025"), supersedes: []))
        let token = Credential.generate(.enrollment, county: 18)
        let credential = Credential.generate(.device, county: 18)
        let legacy = try DatabaseQueue(path: path)
        try CountyDatabase.migrator.migrate(legacy, upTo: "v1: county, UATs, devices, operation history, plans")
        try await legacy.write { db in
            try db.execute(sql: "INSERT INTO uat VALUES (80980, 'NEGOMIR', 'comuna', '2025-01-01T00:00:00Z')")
            try db.execute(sql: "INSERT INTO device VALUES ('old00001', 80980, 'laptop', ?, '2025-01-02T00:00:00Z', NULL, NULL)", arguments: [credential.hash])
            try db.execute(sql: "INSERT INTO enrollment VALUES (?, 80980, '2025-01-03T00:00:00Z', NULL, NULL)", arguments: [token.hash])
            for (seq, operation) in [create, title].enumerated() {
                try db.execute(sql: "INSERT INTO operation (device, counter, plan, siruta, hlc, author, kind, body, received_at) VALUES (?, ?, ?, 80980, ?, 'Ana Popescu', ?, ?, '')",
                               arguments: [operation.id.device.rawValue, operation.id.counter, operation.plan.rawValue, operation.hlc.rawValue, operation.change.kind.rawValue, operation.canonicalJSON])
                _ = seq
            }
            var plan = try PlanDocument.created(by: create)
            plan.apply(title)
            try db.execute(sql: "INSERT INTO plan VALUES (?, 80980, 2025, 2, 2, '', ?)", arguments: [create.plan.rawValue, try WireJSON.encode(plan)])
        }
        try legacy.close()
        // When this version opens it
        let store = try CountyStore(county: County(code: 18, name: "GORJ"), path: path, registry: .shipped)
        // Then the device works for an inspector account named after its edits
        guard case .device(let session) = try await store.authenticate(credential) else { Issue.record("the device no longer authenticates"); return }
        #expect(session.account.name == "Ana Popescu" && session.account.role == .inspector && session.account.siruta == negomir)
        // The unused token enrolls a device of the UAT's first inspector, and expires like new ones
        let answer = try await store.enroll(token: token, label: "desktop")
        #expect(answer.account.name == "Inspector NEGOMIR" && answer.account.role == .inspector)
        // History and plans are intact, and the device keeps pushing
        #expect(try await store.plan(create.plan)?.fields["title"]?.value == .text("Planul 2025"))
        let next = ana.next(create.plan, .setField(path: "title", value: .text("Planul 2025, revizuit"), supersedes: [title.id]))
        #expect(try await store.push([next], from: session).outcomes.first?.seq == 3)
        // The history it held became the first entries of the audit log, which verifies whole.
        let verification = try await store.verifyLog()
        #expect(verification.problems.isEmpty && verification.operations == 3 && verification.plans == 1, "\(verification.problems)")
    }

    @Test("a replica of 0.1 with an edit pending: it opens, syncs through the new server, learns whose device it is, and the edit lands")
    func replica() async throws {
        let county = try await TestCounty()
        // Given a device the county migrated (its account created from the device) …
        let token = try await county.store.addAccount(name: "Ana Popescu", role: .inspector, siruta: negomir).enrollmentToken
        let answer = try await county.store.enroll(token: Credential(token)!, label: "laptop")
        // … and its replica as plansync 0.1 wrote it: settings without an account, an edit pending
        let path = county.root.appendingPathComponent("legacy.sqlite").path
        let legacy = try DatabaseQueue(path: path)
        try Replica.migrator.migrate(legacy, upTo: "v1: settings, change log, plans")
        var clerk = HandMadeOperations(device: answer.device, author: "ana")
        let create = clerk.next(nil, .createPlan(siruta: negomir, year: 2025))
        try await legacy.write { db in
            let settings = #"{"author":"ana","county":"GORJ","credential":"\#(answer.credential)","device":"\#(answer.device)","server":"http://127.0.0.1:1","siruta":80980,"uatName":"NEGOMIR"}"#
            try db.execute(sql: "INSERT INTO setting VALUES ('settings', ?)", arguments: [settings])
            try db.execute(sql: "INSERT INTO operation (device, counter, plan, body, state, recorded_at) VALUES (?, 1, ?, ?, 'pending', '')",
                           arguments: [answer.device.rawValue, create.plan.rawValue, create.canonicalJSON])
            try db.execute(sql: "INSERT INTO plan VALUES (?, 80980, 2025, ?)", arguments: [create.plan.rawValue, try WireJSON.encode(try PlanDocument.created(by: create))])
        }
        try legacy.close()
        // When this version opens and syncs it
        let replica = try Replica(path: path)
        #expect(try replica.settings().account.name == "ana" && !replica.settings().accountConfirmed)
        let session = try await county.session(answer.credential)
        let report = try await Synchronizer(replica: replica, transport: InProcessTransport(store: county.store, session: session, seed: 1)).sync()
        // Then the edit landed and the replica knows the account
        #expect(report.accepted == 1)
        let settings = try replica.settings()
        #expect(settings.accountConfirmed && settings.account.name == "Ana Popescu" && settings.account.id == session.account.id)
        #expect(try replica.plan(create.plan) == (try await county.store.plan(create.plan)))
    }

    @Test("a client speaking protocol 1 still pushes and pulls; its edits are attributed to its device's account")
    func protocolOne() async throws {
        try await HTTPTests.Setup.withSyncedPlan { county, url, ana, plan in
            var operation = try #require(try ana.replica.log(plan: plan.id).last?.operation)
            operation.id = OpID(device: operation.id.device, counter: 2)
            operation.author = "text a 0.1 client wrote"
            operation.hlc = HLCTimestamp(wallMillis: SystemClock().nowMillis(), logical: 0)
            operation.change = .setField(path: "title", value: .text("din 0.1"), supersedes: [])
            let headers = ana.headers([ProtocolVersion.header: "1"])
            let push = try await rawRequest("POST", url.appendingPathComponent("v1/push"), headers: headers,
                                            body: JSONWriter.canonical(.object(["operations": .array([operation.json])])))
            let answer = try PushResponse.read(push.body)
            #expect(push.status == 200 && answer.outcomes.first?.seq != nil)
            let pull = try await rawRequest("GET", URL(string: "\(url)/v1/pull?after=0")!, headers: headers)
            #expect(pull.status == 200)
            let (other, _) = try await county.enrolledReplica(author: "ion")
            _ = try await Synchronizer(replica: other, transport: InProcessTransport(store: county.store, session: try await county.session(try other.settings().credential), seed: 1)).sync()
            let entry = try #require(try other.log(plan: plan.id).last)
            #expect(entry.person?.name == "ana", "the name comes from the account, not from `by`")
        }
    }
}

@Suite("Smaller defects")
struct SmallerDefectTests {
    @Test("a push touching several plans records each plan's own last sequence number")
    func lastSeqPerPlan() async throws {
        let county = try await TestCounty()
        let (replica, session) = try await county.enrolledReplica(author: "ana")
        let first = try replica.createPlan(year: 2025)
        let second = try replica.createPlan(year: 2026)
        try replica.set(first.id, path: "title", to: "a")
        try replica.set(second.id, path: "title", to: "b")
        try replica.set(first.id, path: "notes", to: "c")
        _ = try await Synchronizer(replica: replica, transport: InProcessTransport(store: county.store, session: session, seed: 1)).sync()
        let summaries = try await county.store.planSummaries()
        let lastSeq = Dictionary(uniqueKeysWithValues: summaries.map { ($0.id, $0.lastSeq) })
        #expect(lastSeq[first.id] == 5 && lastSeq[second.id] == 4)
    }

    @Test("a row moved back and forth 600 times between the same rows: keys stay short, every move is accepted, everyone agrees")
    func orderKeysRespread() async throws {
        let county = try await TestCounty()
        let (replica, session) = try await county.enrolledReplica(author: "ana")
        let plan = try replica.createPlan(year: 2025)
        for name in ["a", "b", "c"] { try replica.record(on: plan.id) { PlanEditor(plan: $0!).insertRow(into: "actions", values: ["activity": .text(name)]) } }
        let rows = try #require(try replica.plan(plan.id)).visibleRows(of: "actions").map(\.id)
        for index in 0..<600 {
            // Alternately the last row and the middle one just after the first: their keys squeeze together.
            let moving = index.isMultiple(of: 2) ? rows[2] : rows[1]
            try replica.record(on: plan.id) { PlanEditor(plan: $0!).moveRow("actions", row: moving, after: rows[0]) }
        }
        let local = try #require(try replica.plan(plan.id))
        #expect(local.visibleRows(of: "actions").allSatisfy { $0.positionKey.count <= OrderKey.comfortableLength + 1 })
        let report = try await Synchronizer(replica: replica, transport: InProcessTransport(store: county.store, session: session, seed: 1)).sync()
        #expect(report.rejected.isEmpty)
        #expect(local == (try await county.store.plan(plan.id)))
    }
}
