import Crypto
import Foundation
import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
import PlansyncServerKit

/// The auditors' figures: replay as of any point of a 100,000-operation plan, the county's own
/// check of its log, and the offline check of an evidence bundle next to SHA-256 of its bytes.
enum AuditBench {
    static let operations = 100_000

    static func run(root: URL) async throws {
        let directory = try CountyDirectory(url: root.appendingPathComponent("audit-server"), logger: Bench.quietLogger)
        let gorj = try await directory.open(County(code: 18, name: "GORJ")).store
        let token = try await gorj.addAccount(name: "bench", role: .inspector, siruta: Siruta(80980)).enrollmentToken
        let session = try await gorj.session(credential: try await gorj.enroll(token: token, label: "bench").credential)

        // A plan edited 100,000 times, pushed to the county in batches of 1,000.
        var writer = Writer(device: session.deviceID)
        let plan = writer.plan
        var pushed = 0
        while pushed < operations {
            let batch = writer.next(min(1_000, operations - pushed))
            let outcomes = try await gorj.push(batch, from: session).outcomes
            precondition(outcomes.allSatisfy { $0.seq != nil }, "\(outcomes.first { $0.seq == nil }!)")
            pushed += batch.count
        }
        // An auditor's replica pulls the whole history.
        let (auditor, link) = try await Phases.enroll("auditor", county: gorj, root: root, role: .auditor)
        let pull = try await Synchronizer(replica: auditor.replica, transport: link, pageSize: 5_000).sync()
        precondition(pull.pulled == operations)

        let last = try await gorj.plan(plan)!
        var started = ContinuousClock.now
        let whole = try auditor.replica.replay(plan, asOf: .sequence(.max))
        precondition(whole == last)
        Bench.report("audit: first replay of \(operations / 1000)k ops (stores snapshots)", String(format: "%.0f ms", Bench.milliseconds(since: started)), "", target: "")
        var random = SeededGenerator(seed: 11)
        let seqs = try auditor.replica.log(plan: plan, limit: operations + 10).compactMap(\.seq)
        var times: [Double] = []
        for _ in 0..<100 {
            let seq = seqs[Int.random(in: 0..<seqs.count, using: &random)]
            started = ContinuousClock.now
            let replayed = try auditor.replica.replay(plan, asOf: .sequence(seq))
            times.append(Bench.milliseconds(since: started))
            precondition(replayed != nil)
        }
        Bench.report("audit: replay as of a random point, \(operations / 1000)k-op plan (median of 100)", String(format: "%.2f ms", Bench.median(times)),
                     String(format: "slowest %.2f ms", times.max()!), target: "< 10 ms")

        // The county's own check of everything.
        started = ContinuousClock.now
        let check = try await gorj.verifyLog()
        precondition(check.problems.isEmpty)
        let checkTime = Bench.milliseconds(since: started)
        Bench.report("audit: plansync-server audit verify, \(check.entries) entries", String(format: "%.0f ms", checkTime),
                     String(format: "%.0f entries/s", Double(check.entries) / checkTime * 1000), target: "")

        // The evidence bundle of the county, checked offline, next to SHA-256 of the same bytes.
        let bundle = try await gorj.bundle(.county)
        let bytes = try WireJSON.encode(bundle)
        let kept = FileManager.default.temporaryDirectory.appendingPathComponent("plansync-bench-bundle.json")
        try bytes.write(to: kept)
        started = ContinuousClock.now
        let verdict = AuditVerifier.verify(try WireJSON.decode(AuditBundle.self, from: bytes))
        let verifyTime = Bench.milliseconds(since: started)
        precondition(verdict.intact, "\(verdict.problems.prefix(3))")
        let megabytes = Double(bytes.count) / 1_048_576
        Bench.report("audit: verify the county bundle offline (\(String(format: "%.1f", megabytes)) MB, \(bundle.entries.count) entries)",
                     String(format: "%.0f ms", verifyTime),
                     String(format: "%.0f entries/s, %.1f MB/s", Double(bundle.entries.count) / verifyTime * 1000, megabytes / verifyTime * 1000), target: "")
        started = ContinuousClock.now
        precondition(SHA256.hash(data: bytes).description.count > 0)
        let hashTime = Bench.milliseconds(since: started)
        Bench.report("  SHA-256 of the same bytes (swift-crypto)", String(format: "%.0f ms", hashTime), String(format: "%.1f MB/s", megabytes / hashTime * 1000), target: "")
        print("  (bundle kept at \(kept.path): compare `sha256sum` and `plansync audit verify` on it)")
    }

    /// One device's honest edits of one plan: fields and cells, each naming the write it saw.
    struct Writer {
        let device: DeviceID
        var siruta = Siruta(80980)
        var counter: Int64 = 0
        var lastWrite: [String: OpID] = [:]
        var rows: [RowID] = []
        let start = Int64(Date().timeIntervalSince1970 * 1000) - Int64(AuditBench.operations) - 10_000
        var plan: PlanID { PlanID(creatingOperation: OpID(device: device, counter: 1)) }

        init(device: DeviceID, siruta: Siruta = Siruta(80980)) {
            self.device = device
            self.siruta = siruta
        }

        mutating func next(_ count: Int) -> [PlanOperation] {
            (0..<count).map { _ in
                counter += 1
                let id = OpID(device: device, counter: counter)
                let stamp = HLCTimestamp(wallMillis: start + counter, logical: 0)
                func over(_ target: String) -> [OpID] {
                    defer { lastWrite[target] = id }
                    return lastWrite[target].map { [$0] } ?? []
                }
                let change: Change
                if counter == 1 {
                    change = .createPlan(siruta: siruta, year: 2025, template: PlanSchema.current.template)
                } else if counter <= 51 {
                    rows.append(id)
                    change = .insertRow(table: "actions", position: String(format: "a%05d1", counter), fields: ["activity": .text("Activitatea \(counter)")])
                } else if counter % 3 == 0 {
                    change = .setField(path: "notes", value: .text("Observație \(counter)"), supersedes: over("notes"))
                } else {
                    let row = rows[Int(counter) % rows.count]
                    change = .setRowField(table: "actions", row: row, field: "indicator", value: .text("\(counter) beneficiari"), supersedes: over("\(row)"))
                }
                return PlanOperation(id: id, hlc: stamp, author: "bench", plan: plan, change: change)
            }
        }
    }
}
