import Foundation
import GRDB
@testable import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
@testable import PlansyncServerKit
import Synchronization
import Testing

/// Pushes that wait for the county's writer go through it together, in one transaction and one
/// fsync, each still answered as if alone.
@Suite("Group commit")
struct GroupCommitTests {
    /// A push's outcome, or the error that refused it whole.
    static func attempt(_ push: @Sendable () async throws -> PushResponse) async -> Result<PushResponse, any Error> {
        do { return .success(try await push()) } catch { return .failure(error) }
    }

    @Test("pushes queued behind a busy writer commit together: each gets its own answer, those refused whole are undone alone, a later push sees an earlier one's plan")
    func queuedPushesShareACommit() async throws {
        // Given: eight clerks with a new plan and an edit each, one clerk whose plan's creation and
        // edit come as two pushes, another UAT's device editing a Negomir plan (403) and a device
        // with stamps from 1970 (422)
        let county = try await TestCounty()
        let store = county.store
        let (earlier, earlierSession) = try await county.enrolledReplica(author: "earlier")
        let existing = try earlier.createPlan(year: 2019)
        _ = try await Synchronizer(replica: earlier, transport: InProcessTransport(store: store, session: earlierSession, seed: 9)).sync()
        var honest: [(replica: Replica, session: Session, operations: [PlanOperation])] = []
        for index in 0..<8 {
            let (replica, session) = try await county.enrolledReplica(author: "clerk \(index)")
            let plan = try replica.createPlan(year: 2020 + index)
            _ = try replica.record(on: plan.id) { PlanEditor(plan: $0!).setField("notes", to: .text("nota \(index)")) }
            honest.append((replica, session, try PushRequest.read(try replica.pendingBatch(limit: 100).body).operations))
        }
        let (split, splitSession) = try await county.enrolledReplica(author: "split")
        let splitPlan = try split.createPlan(year: 2030)
        _ = try split.record(on: splitPlan.id) { PlanEditor(plan: $0!).setField("notes", to: .text("după creare")) }
        let splitOperations = try PushRequest.read(try split.pendingBatch(limit: 100).body).operations
        let (_, thiefSession) = try await county.enrolledReplica(balesti, author: "thief")
        let stolen = PlanOperation(id: OpID(device: thiefSession.deviceID, counter: 1), hlc: HLCTimestamp(wallMillis: SystemClock().nowMillis(), logical: 0),
                                   author: "thief", plan: existing.id, change: PlanEditor(plan: existing).setField("notes", to: .text("altcineva")))
        let (late, lateSession) = try await county.enrolledReplica(author: "late", clock: StepClock(start: 1))
        _ = try late.createPlan(year: 2040)
        let lateOperations = try PushRequest.read(try late.pendingBatch(limit: 100).body).operations
        let before = store.pushes.committedTotals

        // When: they all queue while the writer is busy
        let writer = HeldWriter(store: store)
        try await writer.isHeld()
        let creation = Task { await Self.attempt { try await store.push([splitOperations[0]], from: splitSession) } }
        try await waitUntil { store.pushes.waitingCount == 1 }
        let edit = Task { await Self.attempt { try await store.push([splitOperations[1]], from: splitSession) } }
        try await waitUntil { store.pushes.waitingCount == 2 }
        let clerks = honest
        let others = Task { await withTaskGroup(of: (Int, Result<PushResponse, any Error>).self) { group in
            for (index, device) in clerks.enumerated() {
                group.addTask { (index, await Self.attempt { try await store.push(device.operations, from: device.session) }) }
            }
            group.addTask { (100, await Self.attempt { try await store.push([stolen], from: thiefSession) }) }
            group.addTask { (101, await Self.attempt { try await store.push(lateOperations, from: lateSession) }) }
            var answers: [Int: Result<PushResponse, any Error>] = [:]
            for await (index, answer) in group { answers[index] = answer }
            return answers
        } }
        try await waitUntil { store.pushes.waitingCount == 12 }
        try await writer.release()
        let answers = await others.value
        let creationAnswer = try await creation.value.get()
        let editAnswer = try await edit.value.get()

        // Then: one commit for the twelve pushes
        let after = store.pushes.committedTotals
        #expect(after.pushes - before.pushes == 12)
        #expect(after.groups - before.groups == 1, "\(after.groups - before.groups) commits for 12 pushes")
        // And: each honest push accepted whole, with sequence numbers the county gave no one else
        var seqs: [Int64] = []
        for index in honest.indices {
            let outcomes = try #require(try answers[index]?.get().outcomes)
            #expect(outcomes.count == 2 && outcomes.allSatisfy { $0.seq != nil }, "clerk \(index): \(outcomes)")
            seqs += outcomes.compactMap(\.seq)
        }
        // And: the edit pushed after the plan's creation, in the same wait, found the plan
        #expect(creationAnswer.outcomes.first?.seq != nil && editAnswer.outcomes.first?.seq != nil, "\(creationAnswer) \(editAnswer)")
        seqs += (creationAnswer.outcomes + editAnswer.outcomes).compactMap(\.seq)
        #expect(Set(seqs).count == 18)
        // And: the two refused whole got their own problems and left nothing behind
        guard case .failure(let thiefError as ServerError) = answers[100], thiefError.problem.status == 403 else {
            Issue.record("thief: \(String(describing: answers[100]))"); return
        }
        guard case .failure(let lateError as ServerError) = answers[101], lateError.problem.slug == "clock-out-of-range" else {
            Issue.record("late: \(String(describing: answers[101]))"); return
        }
        let refusedRows = try await store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM operation WHERE device IN (?, ?)",
                             arguments: [thiefSession.deviceID.rawValue, lateSession.deviceID.rawValue])
        }
        #expect(refusedRows == 0)
        // And: every plan the county holds is the replay of its history, and each clerk's replica
        // agrees with it after a sync
        for device in honest {
            _ = try await Synchronizer(replica: device.replica, transport: InProcessTransport(store: store, session: device.session, seed: 1)).sync()
            for plan in try device.replica.plans() {
                let held = try #require(try await store.plan(plan.id))
                #expect(try WireJSON.encode(held) == WireJSON.encode(plan))
                let history = try await store.pool.read { db in
                    try Data.fetchAll(db, sql: "SELECT body FROM operation WHERE plan = ? ORDER BY seq", arguments: [plan.id.rawValue])
                        .map { try PlanOperation(json: JSONReader.parse($0), path: "operation") }
                }
                #expect(try WireJSON.encode(PlanDocument.replay(history).document) == WireJSON.encode(held))
            }
        }
        // And: what was written to disk reads back the same in a county opened cold, and the
        // county's own check finds every stored plan to be its history's replay
        let cold = try CountyStore(county: store.county, path: store.path, registry: county.directory.registry)
        for device in honest {
            for plan in try device.replica.plans() { #expect(try await cold.plan(plan.id) == plan) }
        }
        #expect(try await store.verifyLog().problems.isEmpty)
    }

    @Test("the county's writer waits for the disk at every commit (synchronous = FULL), as every acknowledged push must, and cuts its WAL file back")
    func writerIsDurable() async throws {
        let county = try await TestCounty()
        let (level, walLimit) = try await county.store.pool.writeWithoutTransaction { db in
            (try Int.fetchOne(db, sql: "PRAGMA synchronous"), try Int.fetchOne(db, sql: "PRAGMA journal_size_limit"))
        }
        // 2 is FULL; GRDB's pool had left it at 1 (NORMAL), which in WAL mode syncs only at checkpoints
        #expect(level == 2)
        // And the WAL file does not keep its largest size forever (-1, the default, is no limit).
        #expect(walLimit == CountyDatabase.walSizeLimit)
    }

    @Test("requests that hang up while their pushes wait do not cancel the writer's work: every push is decided and stored, and the server goes on")
    func hangUpsDoNotCancelTheGroup() async throws {
        // Given: three clerks with a new plan each
        let county = try await TestCounty()
        let store = county.store
        var devices: [(replica: Replica, session: Session, operations: [PlanOperation])] = []
        for index in 0..<3 {
            let (replica, session) = try await county.enrolledReplica(author: "clerk \(index)")
            _ = try replica.createPlan(year: 2030 + index)
            devices.append((replica, session, try PushRequest.read(try replica.pendingBatch(limit: 10).body).operations))
        }
        // When: their pushes queue behind a busy writer and every request is cancelled (the
        // clients hung up) before the writer is free
        let writer = HeldWriter(store: store)
        try await writer.isHeld()
        let requests = devices.map { device in Task { try await store.push(device.operations, from: device.session) } }
        try await waitUntil { store.pushes.waitingCount == 3 }
        for request in requests { request.cancel() }
        try await writer.release()
        // Then: each push was still decided, accepted and stored — a retry will get the same answer
        for (request, device) in zip(requests, devices) {
            let outcomes = try await request.value.outcomes
            #expect(outcomes.count == 1 && outcomes[0].seq != nil, "\(outcomes)")
            let retried = try await store.push(device.operations, from: device.session).outcomes
            #expect(retried == outcomes)
        }
        #expect(store.pushes.waitingCount == 0)
    }
}

/// Holds the county's writer busy until the test lets it go, so that a test knows which pushes
/// share a group.
final class HeldWriter: Sendable {
    private let state = Mutex((started: false, letGo: false))
    private let holding = Mutex<Task<Void, any Error>?>(nil)

    init(store: CountyStore) {
        let task = Task { [self] in
            try await store.pool.writeWithoutTransaction { _ in
                self.state.withLock { $0.started = true }
                let deadline = Date().addingTimeInterval(60)
                while !self.state.withLock({ $0.letGo }), Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
            }
        }
        holding.withLock { $0 = task }
    }

    func isHeld() async throws { try await waitUntil { state.withLock { $0.started } } }

    /// Lets the writer go and waits until it is free.
    func release() async throws {
        state.withLock { $0.letGo = true }
        try await holding.withLock { $0 }!.value
    }
}

/// Waits (up to a minute) for `condition`, polling.
func waitUntil(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    for _ in 0..<6_000 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("waited a minute in vain", sourceLocation: sourceLocation)
}
