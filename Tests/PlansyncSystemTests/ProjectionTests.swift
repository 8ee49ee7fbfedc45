import Foundation
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
}
