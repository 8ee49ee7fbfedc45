import Foundation
import PlansyncCore
import PlansyncProtocol

/// `plansync-bench core [N]`: the core alone — a stream of N operations (1,000,000 by default)
/// applied to an in-memory plan, no I/O — next to Yjs (PyPI `pycrdt`) applying the equivalent
/// updates in the same run (`Benchmarks/peers/pycrdt_apply.py`).
///
/// The stream is the audit bench's: a plan, 50 rows, then every third operation the plan's notes
/// and the others a row's indicator, each naming the write it saw. Applying is what the county
/// and every replica do per accepted operation; the replay adds the rules' check of each
/// operation against the plan (what an auditor's replay does).
enum CoreBench {
    static func run(operations: Int) throws {
        var writer = AuditBench.Writer(device: DeviceID("bench"))
        let stream = writer.next(operations)
        var applyTimes: [Double] = []
        var last: PlanDocument?
        for _ in 0..<3 {
            let started = ContinuousClock.now
            var document = try PlanDocument.created(by: stream[0])
            for operation in stream.dropFirst() { document.apply(operation) }
            applyTimes.append(Bench.milliseconds(since: started))
            last = document
        }
        let apply = Bench.median(applyTimes)
        Bench.report("core: apply \(operations) ops in memory (median of 3)", String(format: "%.0f ms", apply),
                     String(format: "%.2f M ops/s", Double(operations) / apply / 1000), target: "≥ 1 M ops/s")
        let started = ContinuousClock.now
        let replayed = PlanDocument.replay(stream)
        let replay = Bench.milliseconds(since: started)
        precondition(replayed.skipped.isEmpty && replayed.document == last)
        Bench.report("core: replay them with the rules' checks", String(format: "%.0f ms", replay),
                     String(format: "%.2f M ops/s", Double(operations) / replay / 1000), target: "")
        peer(operations: operations)
    }

    /// The pycrdt peer, run by the Python beside this repository's benchmarks.
    static func peer(operations: Int) {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("peers/pycrdt_apply.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "\(operations)"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        struct Answer: Decodable {
            let apply_s: Double
            let apply_ops_per_s: Double
            let converged: Bool
        }
        guard (try? process.run()) != nil else { return print("core: pycrdt peer not run (no python3)") }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let answer = try? JSONDecoder().decode(Answer.self, from: data), answer.converged else {
            return print("core: pycrdt peer not run (pip install pycrdt)")
        }
        Bench.report("core: pycrdt (Yjs), the same edits as updates", String(format: "%.0f ms", answer.apply_s * 1000),
                     String(format: "%.2f M ops/s", answer.apply_ops_per_s / 1_000_000), target: "")
    }
}
