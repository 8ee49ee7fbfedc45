import Foundation
import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
@testable import PlansyncServerKit
import Testing

/// Random offline edits on three devices of one commune, synced in random orders, in random
/// partial steps, through a network that loses requests and answers. At the end every replica
/// holds exactly the server's plans, conflicts included, and every edit is on the server once.
@Suite("Convergence (property)")
struct ConvergencePropertyTests {
    @Test("3 devices, random edits and partial syncs, lossy network: all replicas equal the server", arguments: 0..<500)
    func converge(seed: UInt64) async throws {
        var random = SeededGenerator(seed: seed)
        let county = try await TestCounty()
        var devices: [(replica: Replica, transport: InProcessTransport)] = []
        for (index, name) in ["ana", "ion", "maria"].enumerated() {
            // One device's clock is six hours behind, one a little ahead.
            let skew: Int64 = [0, -6 * 3_600_000, 90_000][index]
            let (replica, record) = try await county.enrolledReplica(author: name, clock: StepClock(start: 1_764_000_000_000 + skew))
            let faults = Faults(lostRequest: 0.1, lostAnswer: 0.15)
            devices.append((replica, InProcessTransport(store: county.store, device: record, seed: seed &* 31 &+ UInt64(index), faults: faults)))
        }
        try devices[0].replica.createPlan(year: 2025)

        var recorded = 1
        for _ in 0..<Int.random(in: 20...60, using: &random) {
            let device = devices[Int.random(in: 0..<devices.count, using: &random)]
            if Int.random(in: 0..<10, using: &random) < 7 {
                let plans = try device.replica.plans()
                if plans.isEmpty || Int.random(in: 0..<50, using: &random) == 0 {
                    try device.replica.createPlan(year: Int.random(in: 2024...2026, using: &random))
                } else {
                    let plan = plans[Int.random(in: 0..<plans.count, using: &random)]
                    try device.replica.record(on: plan.id) { current in randomChange(on: current!, using: &random) }
                }
                recorded += 1
            } else {
                let sync = Synchronizer(replica: device.replica, transport: device.transport,
                                        batchSize: Int.random(in: 1...6, using: &random), pageSize: Int.random(in: 1...6, using: &random))
                _ = try? await sync.sync()
            }
        }

        for device in devices { device.transport.setFaults(.none) }
        for _ in 0..<2 {
            for device in devices {
                let report = try await Synchronizer(replica: device.replica, transport: device.transport, batchSize: 7, pageSize: 5).sync()
                #expect(report.rejected.isEmpty, "seed \(seed): the server set aside \(report.rejected.map(\.operation.id))")
            }
        }

        let (accepted, rejected, _) = try await county.store.counts()
        #expect(accepted == recorded, "seed \(seed): every edit on the server exactly once")
        #expect(rejected == 0)
        let summaries = try await county.store.planSummaries()
        var serverPlans: [PlanDocument] = []
        for summary in summaries { serverPlans.append(try #require(try await county.store.plan(summary.id))) }
        serverPlans.sort { $0.id < $1.id }
        for device in devices {
            let local = try device.replica.plans().sorted { $0.id < $1.id }
            let author = try device.replica.settings().author
            #expect(local == serverPlans, "seed \(seed): \(author) differs from the server: \(firstDifference(local, serverPlans))")
            #expect(local.map(\.conflicts) == serverPlans.map(\.conflicts))
            #expect(try device.replica.pendingCount() == 0)
        }
    }
}

/// A random edit of the kinds a clerk makes: fields, row inserts, cell edits, removals, moves.
func randomChange(on plan: PlanDocument, using random: inout SeededGenerator) -> Change {
    let editor = PlanEditor(plan: plan)
    let fields = ["title", "notes", "context.consultation"]
    let tables = ["services", "actions"]
    let rows = tables.flatMap { table in plan.visibleRows(of: table).map { (table: table, id: $0.id) } }
    let pick = Int.random(in: 0..<10, using: &random)
    let word = "v\(Int.random(in: 0..<1000, using: &random))"
    if pick < 3 || (rows.isEmpty && pick >= 5) {
        if pick < 3 { return editor.setField(fields.randomElement(using: &random)!, to: .text(word)) }
    }
    if rows.isEmpty || pick < 5 {
        let table = tables.randomElement(using: &random)!
        let after = plan.visibleRows(of: table).randomElement(using: &random)?.id
        let values: [String: Value] = table == "services"
            ? ["name": .text(word), "capacity": .integer(Int64.random(in: 0...50, using: &random))]
            : ["activity": .text(word)]
        return editor.insertRow(into: table, after: Bool.random(using: &random) ? after : nil, values: values)
    }
    let row = rows.randomElement(using: &random)!
    switch pick {
    case 5, 6:
        let field = row.table == "services" ? ["name", "capacity", "budget.local"].randomElement(using: &random)! : "termen"
        let value: Value = field == "name" || field == "termen" ? .text(word) : .integer(Int64.random(in: 0...90_000, using: &random))
        return editor.setRowField(row.table, row: row.id, field: field, to: value)
    case 7:
        return editor.removeRow(row.table, row: row.id)
    default:
        let others = plan.visibleRows(of: row.table).filter { $0.id != row.id }
        return editor.moveRow(row.table, row: row.id, after: others.randomElement(using: &random)?.id, atStart: others.isEmpty)
    }
}

/// The first line where two sets of plans differ, as pretty JSON, for a readable failure.
func firstDifference(_ a: [PlanDocument], _ b: [PlanDocument]) -> String {
    let left = ((try? WireJSON.pretty(a)) ?? "").split(separator: "\n")
    let right = ((try? WireJSON.pretty(b)) ?? "").split(separator: "\n")
    for (index, (x, y)) in zip(left, right).enumerated() where x != y {
        return "line \(index): \(x.trimmingCharacters(in: .whitespaces)) ≠ \(y.trimmingCharacters(in: .whitespaces))"
    }
    return left.count == right.count ? "same JSON, different values" : "\(left.count) lines ≠ \(right.count) lines"
}
