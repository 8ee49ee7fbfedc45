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
            devices.append((replica, InProcessTransport(store: county.store, session: record, seed: seed &* 31 &+ UInt64(index), faults: faults)))
        }
        try devices[0].replica.createPlan(year: 2025)

        var recorded = 1
        for _ in 0..<Int.random(in: 20...60, using: &random) {
            let device = devices[Int.random(in: 0..<devices.count, using: &random)]
            if Int.random(in: 0..<10, using: &random) < 7 {
                let plans = try device.replica.plans()
                if plans.isEmpty || Int.random(in: 0..<50, using: &random) == 0 {
                    try device.replica.createPlan(year: Int.random(in: 2024...2026, using: &random),
                                                  template: Bool.random(using: &random) ? .current : .unversioned)
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
            let author = try device.replica.settings().account.name
            #expect(local == serverPlans, "seed \(seed): \(author) differs from the server: \(firstDifference(local, serverPlans))")
            #expect(local.map(\.conflicts) == serverPlans.map(\.conflicts))
            #expect(try device.replica.pendingCount() == 0)
        }
    }
}

/// A random edit of the kinds a person of `role` makes, anywhere in the part of the template the
/// role writes: for an inspector any field, any table, any column, with values of the kinds real
/// plans hold ("15.000", "-", "nu este cazul", references, dates), row inserts, cell edits,
/// removals and moves; for a secretary or a county reviewer, their decision records.
func randomChange(on plan: PlanDocument, as role: Role = .inspector, using random: inout SeededGenerator) -> Change {
    let editor = PlanEditor(plan: plan)
    let schema = plan.schema
    let account = Account(id: AccountID("x"), name: "x", role: role, siruta: plan.siruta)
    let writable = schema.fields.filter { field in
        (try? Permissions.check(.setField(path: field.path, value: .null, supersedes: []), by: account, onPlanOf: plan.siruta)) != nil
    }
    let rows = schema.tables.flatMap { table in plan.visibleRows(of: table.name).map { (table: table, id: $0.id) } }
    let pick = role == .inspector ? Int.random(in: 0..<10, using: &random) : 0
    if pick < 3 {
        let field = writable.randomElement(using: &random)!
        return editor.setField(field.path, to: randomValue(field.kind, using: &random))
    }
    if rows.isEmpty || pick < 5 {
        let table = schema.tables.randomElement(using: &random)!
        let after = plan.visibleRows(of: table.name).randomElement(using: &random)?.id
        var values: [String: Value] = [:]
        for column in table.columns.shuffled(using: &random).prefix(Int.random(in: 0...3, using: &random)) {
            values[column.name] = randomValue(column.kind, using: &random)
        }
        return editor.insertRow(into: table.name, after: Bool.random(using: &random) ? after : nil, values: values)
    }
    let row = rows.randomElement(using: &random)!
    switch pick {
    case 5, 6:
        let column = row.table.columns.randomElement(using: &random)!
        return editor.setRowField(row.table.name, row: row.id, field: column.name, to: randomValue(column.kind, using: &random))
    case 7:
        return editor.removeRow(row.table.name, row: row.id)
    default:
        let others = plan.visibleRows(of: row.table.name).filter { $0.id != row.id }
        return editor.moveRow(row.table.name, row: row.id, after: others.randomElement(using: &random)?.id, atStart: others.isEmpty)
    }
}

/// A value of a kind, as clerks write them; now and then a clear (null).
func randomValue(_ kind: ValueKind, using random: inout SeededGenerator) -> Value {
    if Int.random(in: 0..<12, using: &random) == 0 { return .null }
    let number = Int64.random(in: 0...90_000, using: &random)
    switch kind {
    case .integer, .amount: return .integer(number)
    case .date: return .text(String(format: "20%02d-%02d-%02d", Int.random(in: 17...30, using: &random), Int.random(in: 1...12, using: &random), Int.random(in: 1...28, using: &random)))
    case .count, .money: return .text([Lei.group(number), "-", "nu este cazul", "", "*", "\(number) lei"].randomElement(using: &random)!)
    case .reference: return .text(["Nr. \(number)/12.03.2025", "Nr. ____", "nu este cazul"].randomElement(using: &random)!)
    case .text: return .text("v\(Int.random(in: 0..<1000, using: &random))")
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
