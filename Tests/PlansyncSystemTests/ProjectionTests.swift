import Foundation
import GRDB
import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
@testable import PlansyncServerKit
import Testing

/// The county's latest plans are a projection of its history: replaying the history must give
/// them back exactly, however pushes and reads interleaved.
@Suite("Projection")
struct ProjectionTests {
    @Test("under concurrent pushes and reads, every plan equals the replay of its history", arguments: 0..<10)
    func projectionIsReplay(seed: UInt64) async throws {
        let county = try await TestCounty()
        var devices: [(replica: Replica, transport: InProcessTransport)] = []
        for name in ["ana", "ion", "maria"] {
            let (replica, record) = try await county.enrolledReplica(author: name)
            devices.append((replica, InProcessTransport(store: county.store, session: record, seed: seed)))
        }
        let plan = try devices[0].replica.createPlan(year: 2025)
        _ = try await Synchronizer(replica: devices[0].replica, transport: devices[0].transport).sync()

        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, device) in devices.enumerated() {
                group.addTask {
                    var random = SeededGenerator(seed: seed &* 7 &+ UInt64(index))
                    for _ in 0..<15 {
                        _ = try await Synchronizer(replica: device.replica, transport: device.transport, batchSize: 3, pageSize: 4).sync()
                        for _ in 0..<Int.random(in: 1...4, using: &random) {
                            guard try device.replica.plan(plan.id) != nil else { break }
                            try device.replica.record(on: plan.id) { randomChange(on: $0!, using: &random) }
                        }
                    }
                    _ = try await Synchronizer(replica: device.replica, transport: device.transport).sync()
                }
            }
            group.addTask {
                for _ in 0..<200 {
                    _ = try await county.store.plan(plan.id)
                    _ = try await county.store.planSummaries()
                }
            }
            try await group.waitForAll()
        }

        let history = try WireJSON.decode([SequencedOperation].self, from: try await county.store.history(of: plan.id, after: 0, limit: 5_000))
        let (replayed, skipped) = PlanDocument.replay(history.map(\.operation))
        #expect(skipped.isEmpty)
        let cached = try await county.store.plan(plan.id)
        #expect(try await county.store.counts().rejected == 0, "honest devices' edits are all accepted")
        #expect(cached == replayed, "the cached projection: \(firstDifference([cached!], [replayed!]))")
        let fromDisk = try CountyStore(county: county.store.county, path: county.store.path, registry: county.directory.registry)
        #expect(try await fromDisk.plan(plan.id) == replayed, "the stored projection")
    }

    @Test("a stored plan lags its history by fewer than projectionTail operations, and reads back whole: cold, after a restart, and in the log's verification")
    func storedDocumentLags() async throws {
        let county = try await TestCounty()
        let (replica, session) = try await county.enrolledReplica(author: "ana")
        let transport = InProcessTransport(store: county.store, session: session, seed: 1)
        let plan = try replica.createPlan(year: 2025)
        let tail = CountyStore.projectionTail
        var stored: [(version: Int, documentVersion: Int)] = []
        for round in 0..<3 {
            for index in 0..<(tail / 2 + 7) { try replica.set(plan.id, path: "notes", to: "nota \(round).\(index)") }
            _ = try await Synchronizer(replica: replica, transport: transport).sync()
            let row = try #require(try await county.store.pool.read { db in
                try Row.fetchOne(db, sql: "SELECT version, document_version, document_seq, last_seq FROM plan WHERE id = ?", arguments: [plan.id.rawValue])
            })
            stored.append((row["version"], row["document_version"]))
            #expect(row["version"] - row["document_version"] < tail)
            #expect((row["document_seq"] as Int64) <= (row["last_seq"] as Int64))
        }
        // The document was written at creation, lagged behind the pushes after it, and was
        // written again once the lag would have reached the tail.
        #expect(stored.map(\.version) == [tail / 2 + 8, tail + 15, tail * 3 / 2 + 22])
        #expect(stored[1].version - stored[1].documentVersion > tail / 2, "the second sync's pushes wrote no document")
        #expect(stored[2].documentVersion > stored[1].documentVersion)
        for index in 0..<5 { try replica.set(plan.id, path: "notes", to: "după \(index)") }
        _ = try await Synchronizer(replica: replica, transport: transport).sync()

        let hot = try #require(try await county.store.plan(plan.id))
        #expect(try replica.plan(plan.id) == hot)
        let cold = try CountyStore(county: county.store.county, path: county.store.path, registry: county.directory.registry)
        #expect(try await cold.plan(plan.id) == hot, "the stored document with its tail applied")
        #expect(try await cold.planSummaries().first?.version == hot.version)
        let verification = try await county.store.verifyLog()
        #expect(verification.problems.isEmpty && verification.plans == 1)
    }
}
