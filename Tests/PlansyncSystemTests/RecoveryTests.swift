import Foundation
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
        let (replica, session) = try await county.enrolledReplica(author: "ana")
        let ana = Device(replica: replica, transport: InProcessTransport(store: county.store, session: session, seed: 1))
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
                && problem.known == [.accepted(accepted[0].id, seq: 1)]
        }
        #expect(try await county.store.counts() == before, "nothing written")
        let retry = try await county.store.push(accepted, from: session)
        #expect(retry.outcomes == [.accepted(accepted[0].id, seq: 1), .accepted(accepted[1].id, seq: 2)])
    }

    @Test("a data folder copied to a second computer: both edit offline, both sync, every edit lands", arguments: 0..<5)
    func copiedFolder(seed: UInt64) async throws {
        var random = SeededGenerator(seed: seed)
        let county = try await TestCounty()
        let (replica, session) = try await county.enrolledReplica(author: "ana")
        let laptop = Device(replica: replica, transport: InProcessTransport(store: county.store, session: session, seed: seed))
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
        // recorded is on the server: as recorded, or re-issued under the new identity
        #expect(notices.count == 1 && notices[0].contains("also in use on another computer"), "\(notices)")
        let server = try await Self.serverBodies(county)
        for (device, bodies) in zip([laptop, desktop], recorded) {
            let moved = try Self.reissued(by: device.replica)
            for (id, body) in bodies where server[id] != body {
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
        let (replica, session) = try await county.enrolledReplica(author: "ana")
        let device = Device(replica: replica, transport: InProcessTransport(store: county.store, session: session, seed: 3))
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
        let (replica, session) = try await county.enrolledReplica(author: "ana", clock: StepClock(start: now + year))
        let device = Device(replica: replica, transport: InProcessTransport(store: county.store, session: session, seed: 4))
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
        let (replica, session) = try await county.enrolledReplica(author: "ana", clock: StepClock(start: 1_000))
        let device = Device(replica: replica, transport: InProcessTransport(store: county.store, session: session, seed: 5))
        let plan = try replica.createPlan(year: 2025)
        try replica.set(plan.id, path: "title", to: "x")
        let report = try await device.sync()
        #expect(report.accepted == 2 && report.notices.first?.contains("behind the county's") == true)
        #expect(try replica.pendingCount() == 0)
    }

    @Test("one accepted stamp at Int64.max (data from before the rule) does not drag anyone's later edits, and nothing traps")
    func legacyFutureStamp() async throws {
        let county = try await TestCounty()
        let (replica, session) = try await county.enrolledReplica(author: "ana")
        let ana = Device(replica: replica, transport: InProcessTransport(store: county.store, session: session, seed: 6))
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
