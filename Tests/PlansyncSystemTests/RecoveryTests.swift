import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
@testable import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
@testable import PlansyncServerKit
import Testing

/// What a device cannot avoid and must survive without losing an edit: its data folder copied to a
/// second computer or restored from a backup (its operation ids reused), and a clock far off.
@Suite("Recovery: reused ids and wrong clocks")
struct RecoveryTests {
    /// A replica and its in-process link to the county.
    struct Device {
        let replica: Replica
        let transport: InProcessTransport

        func sync() async throws -> SyncReport { try await Synchronizer(replica: replica, transport: transport, batchSize: 3, pageSize: 4).sync() }
    }

    /// Copies a replica's files (the database and its write-ahead log) as a clerk copying the
    /// data folder would, and opens the copy.
    static func copy(_ device: Device, county: TestCounty, name: String) async throws -> Device {
        let source = device.replica.path
        let target = county.root.appendingPathComponent("\(name).sqlite").path
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: source + suffix) {
            try FileManager.default.copyItem(atPath: source + suffix, toPath: target + suffix)
        }
        let replica = try Replica(path: target, clock: StepClock(start: 1_764_000_500_000))
        return Device(replica: replica, transport: InProcessTransport(store: county.store, session: device.transport.current, seed: 2))
    }

    /// Every operation a replica recorded (or re-issued), with its body, and the server's.
    static func bodies(of replica: Replica) throws -> [String: Data] {
        try replica.queue.read { (db: Database) in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT device, counter, body FROM operation WHERE state != 'rejected'")
                .map { ("\($0["device"] as String).\($0["counter"] as Int64)", $0["body"] as Data) })
        }
    }

    static func serverBodies(_ county: TestCounty) async throws -> [String: Data] {
        try await county.store.pool.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT device, counter, body FROM operation")
                .map { ("\($0["device"] as String).\($0["counter"] as Int64)", $0["body"] as Data) })
        }
    }

    @Test("the same id with other content is refused whole (409 op-id-reused) and nothing is written; the same content is a retry")
    func reusedIDRefused() async throws {
        let county = try await TestCounty()
        let (ana, session) = try await county.device(seed: 1)
        let replica = ana.replica
        let plan = try replica.createPlan(year: 2025)
        try replica.set(plan.id, path: "title", to: "Planul 2025")
        _ = try await ana.sync()
        let accepted = try replica.log(plan: plan.id).map(\.operation)
        var other = accepted[1]
        other.change = .setField(path: "title", value: .text("alt conținut"), supersedes: [])
        let before = try await county.store.counts()
        await #expect { try await county.store.push([accepted[0], other], from: session) } throws: { error in
            guard let problem = (error as? ServerError)?.problem else { return false }
            return problem.status == 409 && problem.slug == "op-id-reused" && problem.operations == [other.id]
                && problem.known?.map(\.untimed) == [.accepted(accepted[0].id, seq: 1)]
        }
        #expect(try await county.store.counts() == before, "nothing written")
        let retry = try await county.store.push(accepted, from: session)
        #expect(retry.outcomes.map(\.untimed) == [.accepted(accepted[0].id, seq: 1), .accepted(accepted[1].id, seq: 2)])
    }

    @Test("a data folder copied to a second computer: both edit offline, both sync, every edit lands", arguments: 0..<5)
    func copiedFolder(seed: UInt64) async throws {
        var random = SeededGenerator(seed: seed)
        let county = try await TestCounty()
        let (laptop, _) = try await county.device(seed: seed)
        let replica = laptop.replica
        let plan = try replica.createPlan(year: 2025)
        for _ in 0..<3 { try replica.record(on: plan.id) { randomChange(on: $0!, using: &random) } }
        _ = try await laptop.sync()
        // Given a pending edit at the moment the folder is copied …
        try replica.set(plan.id, path: "notes", to: "before the copy")
        let desktop = try await Self.copy(laptop, county: county, name: "desktop-\(seed)")
        // … both computers edit offline (the desktop also creates a plan of its own)
        for _ in 0..<4 { try laptop.replica.record(on: plan.id) { randomChange(on: $0!, using: &random) } }
        for _ in 0..<4 { try desktop.replica.record(on: plan.id) { randomChange(on: $0!, using: &random) } }
        let offline = try desktop.replica.createPlan(year: 2026)
        try desktop.replica.set(offline.id, path: "title", to: "Planul 2026, făcut pe desktop")
        let recorded = [try Self.bodies(of: laptop.replica), try Self.bodies(of: desktop.replica)]

        // When both sync, in an order drawn by the seed, twice
        let order = Bool.random(using: &random) ? [laptop, desktop] : [desktop, laptop]
        var notices: [String] = []
        for _ in 0..<2 { for device in order { notices += try await device.sync().notices } }

        // Then one of them took an identity of its own and said so, and every edit either computer
        // recorded is on the server: as recorded; or, made alike on both copies, once, with the
        // stamp of the copy that sent it first; or re-issued under the new identity
        #expect(notices.count == 1 && notices[0].contains("also in use on another computer"), "\(notices)")
        let server = try await Self.serverBodies(county)
        for (device, bodies) in zip([laptop, desktop], recorded) {
            let moved = try Self.reissued(by: device.replica)
            for (id, body) in bodies where server[id] != body {
                if let held = server[id], try Self.sameEdit(held, body) { continue }
                let new = try #require(moved[id], "seed \(seed): \(id) is neither on the server as recorded nor re-issued")
                let original = try PlanOperation(json: JSONReader.parse(body), path: "")
                let landed = try PlanOperation(json: JSONReader.parse(try #require(server[new.description], "seed \(seed): \(new) missing")), path: "")
                #expect(landed.change.kind == original.change.kind && landed.hlc == original.hlc, "seed \(seed): \(id) → \(new)")
            }
        }
        let plans = try await county.store.planSummaries()
        #expect(plans.count == 2, "the plan created offline on the copy is there, under its new id")
        for device in [laptop, desktop] {
            #expect(try device.replica.pendingCount() == 0 && device.replica.status().rejected == 0)
            for summary in plans {
                #expect(try device.replica.plan(summary.id) == (try await county.store.plan(summary.id)))
            }
        }
        let lastTitle = try #require(try await county.store.plan(plans.first { $0.year == 2026 }!.id))
        #expect(lastTitle.fields["title"]?.value == .text("Planul 2026, făcut pe desktop"))
    }

    /// Whether two bodies are the same edit but for its stamp.
    static func sameEdit(_ a: Data, _ b: Data) throws -> Bool {
        var first = try PlanOperation(json: JSONReader.parse(a), path: "")
        let second = try PlanOperation(json: JSONReader.parse(b), path: "")
        first.hlc = second.hlc
        return first == second
    }

    /// The ids a replica re-issued its pending edits under, by old id.
    static func reissued(by replica: Replica) throws -> [String: OpID] {
        try replica.queue.read { (db: Database) in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT * FROM reissued_operation").map {
                ("\($0["device"] as String).\($0["counter"] as Int64)", OpID(device: DeviceID($0["new_device"] as String), counter: $0["new_counter"]))
            })
        }
    }

    @Test("a replica restored from a backup gets back the edits made after the backup and loses none made since")
    func restoredBackup() async throws {
        let county = try await TestCounty()
        let (device, session) = try await county.device(seed: 3)
        let replica = device.replica
        let plan = try replica.createPlan(year: 2025)
        try replica.set(plan.id, path: "title", to: "v1")
        _ = try await device.sync()
        let backup = try await Self.copy(device, county: county, name: "backup")
        // Edits after the backup reach the county, then the disk dies.
        try replica.set(plan.id, path: "title", to: "after the backup")
        try replica.set(plan.id, path: "notes", to: "also after")
        _ = try await device.sync()
        // Given the restored backup, with one more edit made before its first sync
        try backup.replica.set(plan.id, path: "preparedBy", to: "after the restore")
        // When it syncs
        let report = try await backup.sync()
        // Then it took an identity of its own, its edit landed, and the edits it had lost are back
        #expect(report.notices.count == 1)
        let restored = try #require(try backup.replica.plan(plan.id))
        #expect(restored.fields["title"]?.value == .text("after the backup") && restored.fields["notes"]?.value == .text("also after"))
        #expect(restored.fields["preparedBy"]?.value == .text("after the restore"))
        #expect(restored == (try await county.store.plan(plan.id)))
        #expect(try backup.replica.settings().device != session.deviceID)

        // And a restored backup with nothing pending notices at its first pull.
        let second = try await Self.copy(backup, county: county, name: "backup-again")
        try backup.replica.set(plan.id, path: "title", to: "newer still")
        _ = try await backup.sync()
        let quiet = try await second.sync()
        #expect(quiet.notices.count == 1, "the county holds edits under this id that this replica never made")
        #expect(try second.replica.plan(plan.id)?.fields["title"]?.value == .text("newer still"))
    }

    @Test("a computer whose clock is a year ahead: the county refuses the stamps, the edits are stamped again and land; later edits use the county's time")
    func clockAhead() async throws {
        let county = try await TestCounty()
        let year: Int64 = 365 * 86_400_000
        let now = SystemClock().nowMillis()
        let (device, _) = try await county.device(clock: StepClock(start: now + year), seed: 4)
        let replica = device.replica
        let plan = try replica.createPlan(year: 2025)
        for index in 0..<5 { try replica.set(plan.id, path: "notes", to: "nota \(index)") }
        let report = try await device.sync()
        #expect(report.notices.count == 1 && report.notices[0].contains("ahead of the county's"), "\(report.notices)")
        #expect(report.accepted == 6 && report.rejected.isEmpty)
        let history = try WireJSON.decode([SequencedOperation].self, from: try await county.store.history(of: plan.id, after: 0, limit: 100))
        #expect(history.count == 6 && history.allSatisfy { $0.operation.hlc.wallMillis < now + 86_400_000 })
        #expect(try replica.plan(plan.id) == (try await county.store.plan(plan.id)))
        // The next edit is stamped with the county's time, not this computer's.
        try replica.set(plan.id, path: "notes", to: "after")
        let next = try #require(try replica.log(plan: plan.id).last)
        #expect(next.operation.hlc.wallMillis < now + 86_400_000)
        #expect(try await device.sync().notices.isEmpty)
        #expect(try replica.status().clockOffsetMillis.map { $0 < -year + 86_400_000 } == true)
    }

    @Test("a clock never set (1970): the stamps are refused as invalid, stamped again, and land")
    func clockUnset() async throws {
        let county = try await TestCounty()
        let (device, _) = try await county.device(clock: StepClock(start: 1_000), seed: 5)
        let replica = device.replica
        let plan = try replica.createPlan(year: 2025)
        try replica.set(plan.id, path: "title", to: "x")
        let report = try await device.sync()
        #expect(report.accepted == 2 && report.notices.first?.contains("behind the county's") == true)
        #expect(try replica.pendingCount() == 0)
    }

    @Test("one accepted stamp at Int64.max (data from before the rule) does not drag anyone's later edits, and nothing traps")
    func legacyFutureStamp() async throws {
        let county = try await TestCounty()
        let (ana, _) = try await county.device(seed: 6)
        let replica = ana.replica
        let plan = try replica.createPlan(year: 2025)
        _ = try await ana.sync()
        // Given a write stamped Int64.max in the county's history, as the old server accepted
        let (other, otherSession) = try await county.enrolledReplica(author: "ion")
        let forged = PlanOperation(id: OpID(device: otherSession.deviceID, counter: 1), hlc: HLCTimestamp(rawValue: .max), author: "ion",
                                   plan: plan.id, change: .setField(path: "notes", value: .text("din viitor"), supersedes: []))
        try await county.store.pool.write { db in
            try db.execute(sql: """
                INSERT INTO operation (device, counter, plan, siruta, hlc, author, kind, body, received_at) VALUES (?, 1, ?, 80980, ?, 'ion', 'set', ?, '')
                """, arguments: [otherSession.deviceID.rawValue, plan.id.rawValue, Int64.max, forged.canonicalJSON])
        }
        _ = try await county.store.plan(plan.id)
        county.store.cache.withLock { $0[plan.id]!.apply(forged) }
        _ = other
        // When ana pulls it and edits again
        _ = try await ana.sync()
        try replica.set(plan.id, path: "title", to: "după")
        let edit = try #require(try replica.log(plan: plan.id).last)
        // Then her edit is stamped with her own clock, and accepted
        #expect(edit.operation.hlc.wallMillis < SystemClock().nowMillis() + 86_400_000)
        let report = try await ana.sync()
        #expect(report.accepted == 1 && report.notices.isEmpty)
    }
}

/// What the hostile review of this change found, each with the test that would have caught it.
@Suite("Review findings")
struct ReviewFindingTests {
    @Test("a data folder copied while its clock was far off: the copy stamped again elsewhere is the same edit, not a reuse — nothing recorded twice")
    func restampedCopy() async throws {
        let county = try await TestCounty()
        let twoYears: Int64 = 2 * 365 * 86_400_000
        let (laptop, _) = try await county.device(clock: StepClock(start: SystemClock().nowMillis() + twoYears), seed: 1)
        let replica = laptop.replica
        // Given edits stamped two years ahead, and the folder copied before any sync
        let plan = try replica.createPlan(year: 2027)
        try replica.record(on: plan.id) { PlanEditor(plan: $0!).insertRow(into: "monitoring", values: ["indicator": .text("x")]) }
        let desktop = try await RecoveryTests.copy(laptop, county: county, name: "desktop-restamped")
        // When the laptop syncs (its edits stamped again with the county's time), then the copy
        _ = try await laptop.sync()
        let report = try await desktop.sync()
        // Then the county holds each edit once, the copy took the county's stamps, and both agree
        #expect(try await county.store.counts().accepted == 2)
        #expect(try await county.store.planSummaries().count == 1)
        #expect(report.notices.allSatisfy { !$0.contains("also in use") }, "the same edits are not a reuse: \(report.notices)")
        #expect(try desktop.replica.pendingCount() == 0)
        #expect(try desktop.replica.plan(plan.id) == (try await county.store.plan(plan.id)))
        #expect(try laptop.replica.plan(plan.id) == (try await county.store.plan(plan.id)))
    }

    @Test("revoking a device revokes the identities it forked, and a device cannot fork without end")
    func revokeReachesForks() async throws {
        let county = try await TestCounty()
        let (_, session) = try await county.enrolledReplica(author: "ana")
        var forks: [EnrollResponse] = []
        for index in 0..<CountyStore.forksPerDay { forks.append(try await county.store.fork(session, label: "copy \(index)")) }
        await #expect { try await county.store.fork(session, label: "one too many") } throws: { ($0 as? ServerError)?.problem.status == 403 }
        let grandchild = try await county.store.fork(try await county.session(forks[0].credential), label: "copy of a copy")
        let revoked = try await county.store.revokeDevice(session.deviceID)
        #expect(revoked.count == CountyStore.forksPerDay + 2)
        for credential in forks.map(\.credential) + [grandchild.credential] {
            await #expect { try await county.session(credential) } throws: { ($0 as? ServerError)?.problem.slug == "device-revoked" }
        }
    }

    @Test("a computer whose device was revoked enrolls again for the same person, and its edits land; a token for someone else is refused unused")
    func reenrollAfterRevoke() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let ana = try await HTTPTests.Setup(county: county, url: url, author: "ana")
            let plan = try ana.replica.createPlan(year: 2025)
            _ = try await ana.sync()
            for index in 0..<3 { try ana.replica.set(plan.id, path: "notes", to: "nota \(index)") }
            // Given the county revoked the device while three edits waited on it
            let old = try ana.replica.settings()
            try await county.store.revokeDevice(old.device)
            await #expect(throws: SyncFailure.self) { try await ana.sync() }
            // When the computer enrolls with a token for someone else, then for the same person
            let other = try await county.store.addAccount(name: "ion", role: .inspector, siruta: negomir).enrollmentToken
            await #expect {
                try await Transport(server: url, credential: nil).enroll(EnrollRequest(token: other, label: "x", replaces: old.device))
            } throws: { ($0 as? SyncFailure).map { "\($0)".contains("Token for another person") } ?? false }
            _ = try await county.store.enroll(token: other, label: "ion's own computer")  // the refused token was not used
            let same = try await county.store.issueEnrollment(for: old.account.id)
            let answer = try await Transport(server: url, credential: nil).enroll(EnrollRequest(token: same, label: "laptop", replaces: old.device))
            let (moved, _) = try ana.replica.adopt(answer, server: url.absoluteString)
            // Then the edits go out under the new device, attributed to the same person
            #expect(moved == 3)
            let report = try await Synchronizer(replica: ana.replica).sync()
            #expect(report.accepted == 3)
            #expect(try await county.store.plan(plan.id)?.fields["notes"]?.value == .text("nota 2"))
            #expect(try ana.replica.log(plan: plan.id).last?.person?.name == "ana")
        }
    }

    @Test("a computer a year ahead keeps the county's time after pulling others' edits: one correction, not one per sync")
    func clockCorrectionSurvivesPulls() async throws {
        let county = try await TestCounty()
        let year: Int64 = 365 * 86_400_000
        let (fast, fastSession) = try await county.enrolledReplica(author: "ana", clock: StepClock(start: SystemClock().nowMillis() + year))
        let (ion, ionSession) = try await county.enrolledReplica(author: "ion", clock: SystemClock())
        let fastLink = InProcessTransport(store: county.store, session: fastSession, seed: 1)
        let ionLink = InProcessTransport(store: county.store, session: ionSession, seed: 2)
        let plan = try fast.createPlan(year: 2025)
        #expect(try await Synchronizer(replica: fast, transport: fastLink).sync().notices.count == 1)
        _ = try await Synchronizer(replica: ion, transport: ionLink).sync()
        try ion.set(plan.id, path: "title", to: "de la ion")
        _ = try await Synchronizer(replica: ion, transport: ionLink).sync()
        _ = try await Synchronizer(replica: fast, transport: fastLink).sync()  // pulls ion's edit
        try fast.set(plan.id, path: "notes", to: "după")
        let report = try await Synchronizer(replica: fast, transport: fastLink).sync()
        #expect(report.notices.isEmpty && report.accepted == 1, "\(report.notices)")
    }

    @Test("names and labels are measured in bytes, so a name always fits an operation's `by` and a label cannot be a combining-mark bomb")
    func namesInBytes() async throws {
        let county = try await TestCounty()
        let long = String(repeating: "ă", count: 101)  // 202 bytes
        await #expect { try await county.store.addAccount(name: long, role: .inspector, siruta: negomir) } throws: { ($0 as? ServerError)?.problem.status == 400 }
        let bomb = "a" + String(repeating: "\u{301}", count: 2_000)
        let (_, session) = try await county.enrolledReplica(author: "ana")
        await #expect { try await county.store.fork(session, label: bomb) } throws: { ($0 as? ServerError)?.problem.status == 400 }
        await #expect { try await county.store.addAccount(name: "Ana\u{1B}[2J", role: .inspector, siruta: negomir) } throws: { ($0 as? ServerError)?.problem.status == 400 }
        let fits = String(repeating: "ă", count: 100)
        let (replica, _) = try await county.enrolledReplica(author: fits)
        #expect(try replica.createPlan(year: 2025).version == 1, "a 200-byte name writes")
    }

    @Test("the server address's path is kept: a county may serve plansync below a path of its web server")
    func serverPath() {
        let transport = Transport(server: URL(string: "https://cj.example.ro/plansync/")!, credential: nil)
        #expect(transport.url(for: APIRoute.push.rawValue)?.absoluteString == "https://cj.example.ro/plansync/v1/push")
        #expect(Transport(server: URL(string: "http://127.0.0.1:8080")!, credential: nil).url(for: "/v1/pull?after=3")?.absoluteString
            == "http://127.0.0.1:8080/v1/pull?after=3")
    }

    @Test("a body in an encoding the server does not read gets 415; the protocol header named twice gets 400; HEAD /v1/health answers; an administrator is told it does not read plans")
    func httpOddities() async throws {
        try await HTTPTests.Setup.withSyncedPlan { county, url, ana, _ in
            let push = url.appendingPathComponent("v1/push")
            let before = try await county.store.counts()
            let deflate = try await rawRequest("POST", push, headers: ana.headers(["Content-Encoding": "br"]), body: Data(#"{"operations":[]}"#.utf8))
            let unsupported = try WireJSON.decode(Problem.self, from: deflate.body)
            #expect(deflate.status == 415 && unsupported.slug == "unsupported-encoding")
            var request = URLRequest(url: url.appendingPathComponent("v1/pull"))
            request.addValue("Bearer \(ana.credential)", forHTTPHeaderField: "Authorization")
            request.addValue("1", forHTTPHeaderField: ProtocolVersion.header)
            request.addValue("3", forHTTPHeaderField: ProtocolVersion.header)
            let (twice, response) = try await URLSession(configuration: .ephemeral).data(for: request)
            let named = try WireJSON.decode(Problem.self, from: twice)
            #expect((response as? HTTPURLResponse)?.statusCode == 400 && named.slug == "unsupported-protocol")
            #expect(try await rawRequest("HEAD", url.appendingPathComponent("v1/health")).status == 200)
            #expect(try await county.store.counts() == before)
            let admin = try await HTTPTests.Setup(county: county, url: url, author: "admin", role: .administrator, siruta: nil)
            let refused = try await rawRequest("GET", url.appendingPathComponent("v1/pull"), headers: admin.headers())
            #expect(refused.status == 403 && String(decoding: refused.body, as: UTF8.self).contains("does not read plans"))
        }
    }
}

extension TestCounty {
    /// Ana's computer, enrolled and linked in-process to the county, and the session it opens.
    func device(clock: any WallClock = StepClock(), seed: UInt64) async throws -> (RecoveryTests.Device, Session) {
        let (replica, session) = try await enrolledReplica(author: "ana", clock: clock)
        return (RecoveryTests.Device(replica: replica, transport: InProcessTransport(store: store, session: session, seed: seed)), session)
    }
}
