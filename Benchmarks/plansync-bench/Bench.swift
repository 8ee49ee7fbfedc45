import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import GRDB
import Logging
import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
import PlansyncServerKit

/// `plansync-bench`: the sync figures of the README, measured on this machine in release mode.
///
/// Starts the real `plansync-server` binary (built beside this one) on a loopback port with its
/// SQLite files on disk (durable commits, as in production), drives real replicas through
/// URLSession, and measures raw SQLite on the same rows in the same run for comparison.
@main
struct Bench {
    static func main() async throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        // `--json FILE`: the figures as numbers too, for `scripts/bench-compare`.
        var jsonFile: URL?
        if let flag = arguments.firstIndex(of: "--json"), flag + 1 < arguments.count {
            jsonFile = URL(fileURLWithPath: arguments[flag + 1])
            arguments.removeSubrange(flag...(flag + 1))
        }
        // `load` takes options of its own, after it.
        let load = arguments.firstIndex(of: "load")
        let benchArguments = load.map { Array(arguments[..<$0]) } ?? arguments
        if let core = arguments.firstIndex(of: "core") {
            let count = arguments.dropFirst(core + 1).first.flatMap { Int($0) } ?? 1_000_000
            return try CoreBench.run(operations: count)
        }
        let root = URL(fileURLWithPath: benchArguments.first { $0 != "phases" && $0 != "audit" } ?? FileManager.default.temporaryDirectory.path)
            .appendingPathComponent("plansync-bench-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let filesystem = Filesystem(of: root)
        print("plansync-bench — data in \(root.path), filesystem \(filesystem.type)\(filesystem.isTmpfs ? " (tmpfs: fsync is free there, durable figures do not count)" : ""), synchronous=FULL\n")
        var figures = Figures()
        if arguments.contains("phases") {
            try await Phases.run(root: root)
            return
        }
        if arguments.contains("pages") {
            try await PagesBench.run(root: root)
            return
        }
        if arguments.contains("audit") {
            try await AuditBench.run(root: root)
            return
        }
        if let load {
            try await LoadRun(options: try LoadRun.Options(Array(arguments[(load + 1)...])), root: root).run()
            return
        }

        let directory = try CountyDirectory(url: root.appendingPathComponent("server"), logger: quietLogger)
        let gorj = try await directory.open(County(code: 18, name: "GORJ")).store
        let server = try ServerProcess(data: directory.url)
        defer { server.stop() }

        var writer = try await Device.enroll("writer", county: gorj, server: server.url, root: root)
        let reader = try await Device.enroll("reader", county: gorj, server: server.url, root: root)
        let plan = try writer.replica.createPlan(year: 2025)
        for index in 0..<50 {
            try writer.replica.record(on: plan.id) {
                PlanEditor(plan: $0!).insertRow(into: "actions", values: ["activity": .text("Activitatea \(index)")])
            }
        }
        _ = try await writer.sync()
        _ = try await reader.sync()

        // 1. A durable push of 10,000 operations in batches of 1,000.
        try writer.edits(10_000, on: plan.id)
        let push = try await writer.sync(batch: 1_000)
        let pushRate = Double(push.pushed) / (Double(push.milliseconds) / 1000)
        report("push 10,000 ops (batches of 1,000)", "\(push.milliseconds) ms", String(format: "%.0f ops/s", pushRate), target: "≥ 100,000 ops/s")
        figures.record("push_ops_per_s", pushRate, "ops/s", better: .higher)

        // Memory of both sides during a 10,000-operation sync: the reader pulls them all.
        let pull = try await reader.sync(page: 1_000)
        let pullRate = Double(pull.pulled) / (Double(pull.milliseconds) / 1000)
        report("pull 10,000 ops (pages of 1,000)", "\(pull.milliseconds) ms", String(format: "%.0f ops/s", pullRate), target: "")
        figures.record("pull_ops_per_s", pullRate, "ops/s", better: .higher)
        figures.record("server_peak_mb", Double(server.peakMemoryKB()) / 1024, "MB", better: .lower)
        report("server peak memory (VmHWM)", megabytes(server.peakMemoryKB()), "", target: "≤ 100 MB")
        report("client peak memory (VmHWM, bench process)", megabytes(peakMemoryOf(pid: nil)), "", target: "≤ 100 MB")

        // 2. Pulling 100 new operations.
        var pullTimes: [Double] = []
        for _ in 0..<20 {
            try writer.edits(100, on: plan.id)
            _ = try await writer.sync()
            let started = ContinuousClock.now
            let synced = try await reader.sync()
            precondition(synced.pulled == 100)
            pullTimes.append(milliseconds(since: started))
        }
        report("sync pulling 100 new ops (median of 20)", String(format: "%.2f ms", median(pullTimes)), "", target: "≤ 10 ms")
        figures.record("sync_pull_100_ms", median(pullTimes), "ms", better: .lower)

        // 3. A sync with nothing new, and a one-edit sync.
        var emptyTimes: [Double] = []
        for _ in 0..<100 {
            let started = ContinuousClock.now
            _ = try await reader.sync()
            emptyTimes.append(milliseconds(since: started))
        }
        report("sync with nothing new (median of 100)", String(format: "%.2f ms", median(emptyTimes)), "", target: "≤ 2 ms")
        figures.record("sync_empty_ms", median(emptyTimes), "ms", better: .lower)
        var proofTimes: [Double] = []
        let state = try reader.replica.auditState()
        for _ in 0..<100 {
            let started = ContinuousClock.now
            _ = try await reader.transport.auditProof(AuditProofRequest(from: state.checkpoint!.size, after: state.provenCounter))
            proofTimes.append(milliseconds(since: started))
        }
        report("  of which: the audit proof round trip (median of 100)", String(format: "%.2f ms", median(proofTimes)), "", target: "")
        var floorTimes: [Double] = []
        for _ in 0..<100 {
            let started = ContinuousClock.now
            try await reader.transport.checkHealth()
            floorTimes.append(milliseconds(since: started))
        }
        report("  floor: GET /v1/health through URLSession", String(format: "%.2f ms", median(floorTimes)), "", target: "")
        figures.record("health_ms", median(floorTimes), "ms", better: .lower)
        var oneEditTimes: [Double] = []
        for _ in 0..<50 {
            try writer.edits(1, on: plan.id)
            let started = ContinuousClock.now
            _ = try await writer.sync()
            oneEditTimes.append(milliseconds(since: started))
        }
        report("one-edit sync, durable (median of 50)", String(format: "%.2f ms", median(oneEditTimes)), "", target: "")
        figures.record("sync_one_edit_ms", median(oneEditTimes), "ms", better: .lower)

        // 4. Bytes on the wire per operation, batches of 100.
        try writer.edits(1_000, on: plan.id)
        let loopbackBefore = loopbackBytes()
        let small = try await writer.sync(batch: 100)
        let loopback = loopbackBytes() - loopbackBefore
        report("HTTP bodies per op (batches of 100)", String(format: "%.1f B", Double(small.bytesSent + small.bytesReceived) / 1_000),
               "sent \(small.bytesSent) B, received \(small.bytesReceived) B", target: "≤ 60 B")
        report("loopback bytes per op incl. HTTP and TCP/IP headers", String(format: "%.1f B", Double(loopback) / 1_000), "", target: "")
        figures.record("http_bytes_per_op", Double(small.bytesSent + small.bytesReceived) / 1_000, "B", better: .lower)

        // 5. Raw SQLite on the same rows, for comparison.
        let rawRate = try rawSQLite(rows: 10_000, batch: 1_000, at: root.appendingPathComponent("raw.sqlite"), like: gorj)
        report("raw SQLite, same rows, 1,000-row transactions", String(format: "%.0f rows/s", rawRate), "", target: "")
        figures.record("raw_sqlite_rows_per_s", rawRate, "rows/s", better: .higher)

        // 6. Plan content: import a full seed plan, check it, render it.
        let seed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/Fixtures/negomir-2024.json")
        let bytes = try Data(contentsOf: seed)
        var importTimes: [Double] = []
        var imported: PlanDocument?
        var leftOut: [String] = []
        for _ in 0..<10 {
            let started = ContinuousClock.now
            // The county's registration and aviz in the file are the county's to record.
            (imported, leftOut) = try writer.replica.importPlan(try PlanFile.read(bytes), withoutDecisions: true)
            importTimes.append(milliseconds(since: started))
        }
        let content = try PlanFile.read(bytes).dropping(fields: Set(leftOut)).json
        report("import the Negomir seed (\(bytes.count / 1024) KB, \(imported!.version) ops, durable; median of 10)",
               String(format: "%.1f ms", median(importTimes)), "", target: "")
        let negomir = try writer.replica.plans().first { $0.year == 2024 }!
        var exportTimes: [Double] = []
        for _ in 0..<50 {
            let started = ContinuousClock.now
            precondition(PlanFile(negomir).json == content)
            exportTimes.append(milliseconds(since: started))
        }
        report("export it back, byte for byte (median of 50)", String(format: "%.2f ms", median(exportTimes)), "", target: "")
        let validator = PlanValidator(context: ValidationContext(county: gorj.county))
        let started = ContinuousClock.now
        for _ in 0..<3_200 { precondition(!validator.check(negomir).canSubmit) }
        let checkAll = milliseconds(since: started)
        report("check 3,200 full plans (every UAT's plan for a year)", String(format: "%.0f ms", checkAll),
               String(format: "%.2f ms per plan", checkAll / 3_200), target: "")
        figures.record("check_ms_per_plan", checkAll / 3_200, "ms", better: .lower)
        var renderTimes: [Double] = []
        let findings = validator.check(negomir).findings
        for _ in 0..<50 {
            let started = ContinuousClock.now
            precondition(!PlanRenderer(negomir, findings: findings).html.isEmpty)
            renderTimes.append(milliseconds(since: started))
        }
        report("render it as HTML with findings (median of 50)", String(format: "%.2f ms", median(renderTimes)), "", target: "")

        // 7. The legal workflow: what freezing a version, reading a frozen one and the county's
        // totals cost.
        var hashTimes: [Double] = []
        for _ in 0..<50 {
            let started = ContinuousClock.now
            precondition(PlanSnapshot(negomir).hash.count == 64)
            hashTimes.append(milliseconds(since: started))
        }
        report("content hash of the seed plan (median of 50)", String(format: "%.2f ms", median(hashTimes)), "", target: "")
        let history = try writer.replica.log(plan: plan.id, limit: 100_000).map(\.operation)  // oldest first
        var replayTimes: [Double] = []
        for _ in 0..<5 {
            let started = ContinuousClock.now
            precondition(PlanDocument.replay(history).document != nil)
            replayTimes.append(milliseconds(since: started))
        }
        report("replay a version: \(history.count) ops (median of 5)", String(format: "%.0f ms", median(replayTimes)),
               String(format: "%.1f µs per op", median(replayTimes) * 1000 / Double(history.count)), target: "")
        let registry = SirutaRegistry.shipped
        let uats = registry.uats.values.filter { $0.county == gorj.county }
        // The seed plan with 20 services, budgets in every source, for every UAT of the county.
        var services = negomir
        for index in 0..<20 {
            let values: [String: Value] = ["code": .text("8810 ID-IV"), "name": .text("Serviciul \(index)"), "capacity": .text("12"), "occupancy": .text("10"),
                                           "budget.local": .text("150.000"), "budget.county": .text("20.000"), "budget.state": .text("7.050"),
                                           "budget.contributions": .text("-"), "budget.other": .text("0")]
            services.apply(PlanOperation(id: OpID(device: DeviceID("bench"), counter: Int64(index + 1)), hlc: negomir.lastChange, author: "bench",
                                         plan: negomir.id, change: PlanEditor(plan: services).insertRow(into: "services", values: values)))
        }
        let counted = uats.map { CountyTotals.Counted(uat: $0, version: services.workflow.latest, document: services) }
        var totalsTimes: [Double] = []
        for _ in 0..<10 {
            let started = ContinuousClock.now
            precondition(CountyTotals(counted, by: .uat).lines.count == uats.count)
            totalsTimes.append(milliseconds(since: started))
        }
        report("county totals by UAT, \(uats.count) plans × 20 services (median of 10)", String(format: "%.1f ms", median(totalsTimes)), "", target: "")

        // 8. Where the time of a sync goes, in process.
        print("")
        try await Phases.run(root: root)

        // 9. The audit log: replay on a long history, verification throughput.
        print("")
        try await AuditBench.run(root: root)

        if let jsonFile {
            try figures.json(filesystem: filesystem).write(to: jsonFile)
            print("\nfigures written to \(jsonFile.path); compare with: scripts/bench-compare Benchmarks/baseline.json \(jsonFile.path)")
        }
    }

    /// The county store's log, warnings only: the figures are the output.
    static var quietLogger: Logger {
        var logger = Logger(label: "plansync.bench")
        logger.logLevel = .warning
        return logger
    }

    static func report(_ what: String, _ value: String, _ detail: String, target: String) {
        let padded = what.padding(toLength: 52, withPad: " ", startingAt: 0)
        print("\(padded) \(value.padding(toLength: 14, withPad: " ", startingAt: 0)) \(detail.padding(toLength: 34, withPad: " ", startingAt: 0)) \(target.isEmpty ? "" : "target \(target)")")
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Double {
        Double((ContinuousClock.now - start) / .microseconds(1)) / 1000
    }

    static func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

    static func megabytes(_ kilobytes: Int) -> String { String(format: "%.1f MB", Double(kilobytes) / 1024) }

    /// Inserts the bodies the server stored, in the same table shape, with nothing else around.
    static func rawSQLite(rows: Int, batch: Int, at url: URL, like store: CountyStore) throws -> Double {
        let source = try DatabaseQueue(path: store.path)
        let bodies = try source.read { try Data.fetchAll($0, sql: "SELECT body FROM operation ORDER BY seq LIMIT ?", arguments: [rows]) }
        var configuration = Configuration()
        configuration.prepareDatabase { try $0.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL") }
        let database = try DatabaseQueue(path: url.path, configuration: configuration)
        try database.write {
            try $0.execute(sql: "CREATE TABLE operation (seq INTEGER PRIMARY KEY, device TEXT, counter INTEGER, body BLOB, UNIQUE (device, counter))")
        }
        let started = ContinuousClock.now
        for start in stride(from: 0, to: bodies.count, by: batch) {
            try database.write { db in
                let insert = try db.cachedStatement(sql: "INSERT INTO operation (device, counter, body) VALUES (?, ?, ?)")
                for index in start..<min(start + batch, bodies.count) {
                    try insert.execute(arguments: ["raw", index, bodies[index]])
                }
            }
        }
        return Double(bodies.count) / (milliseconds(since: started) / 1000)
    }
}

/// One enrolled replica and its synchronizer.
struct Device {
    let replica: Replica
    let transport: Transport
    private var random = SeededGenerator(seed: 7)

    init(replica: Replica, transport: Transport) {
        self.replica = replica
        self.transport = transport
    }

    static func enroll(_ name: String, county: CountyStore, server: String, root: URL) async throws -> Device {
        let token = try await county.addAccount(name: name, role: .inspector, siruta: Siruta(80980)).enrollmentToken
        let transport = Transport(server: URL(string: server)!, credential: nil)
        let replica = try Replica(path: root.appendingPathComponent("\(name).sqlite").path)
        let answer = try await transport.enroll(EnrollRequest(token: token, label: name, publicKey: try replica.devicePublicKey()))
        try replica.configure(ReplicaSettings(server: server, enrollment: answer, label: name))
        return Device(replica: replica, transport: Transport(server: URL(string: server)!, credential: answer.credential))
    }

    func sync(batch: Int = 1_000, page: Int = 1_000) async throws -> SyncReport {
        try await Synchronizer(replica: replica, transport: transport, batchSize: batch, pageSize: page).sync()
    }

    /// Edits of the kinds a clerk makes most: cells of existing rows and plan fields.
    mutating func edits(_ count: Int, on plan: PlanID) throws {
        for _ in 0..<count {
            let pick = Int.random(in: 0..<4, using: &random)
            let number = Int64.random(in: 0...90_000, using: &random)
            try replica.record(on: plan) { current in
                let editor = PlanEditor(plan: current!)
                let rows = current!.visibleRows(of: "actions")
                let row = rows[Int(number) % rows.count].id
                switch pick {
                case 0: return editor.setField("notes", to: .text("Observație \(number)"))
                case 1: return editor.setRowField("actions", row: row, field: "termen", to: .text(["Permanent", "Anual", "Semestrial"][Int(number) % 3]))
                default: return editor.setRowField("actions", row: row, field: "indicator", to: .text("\(number) beneficiari"))
                }
            }
        }
    }
}

/// The real server binary, built beside this one.
final class ServerProcess {
    let process = Process()
    let url: String
    /// The server's data folder.
    let data: URL

    /// Starts `binary` (the `plansync-server` built beside this bench by default) on `data`.
    init(data: URL, binary: URL? = nil) throws {
        let binary = binary ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent("plansync-server")
        self.data = data
        let log = data.appendingPathComponent("server.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = binary
        process.arguments = ["serve", "--data", data.path, "--port", "0"]
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<1_500 {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression) {
                url = String(text[range])
                return
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        process.terminate()
        fatalError("plansync-server did not start (is it built? swift build -c release)")
    }

    func peakMemoryKB() -> Int { peakMemoryOf(pid: process.processIdentifier) }

    /// The server's own figures, from `GET /metrics`, with the token the server wrote in its folder.
    func metrics() async throws -> MetricsPage {
        var request = URLRequest(url: URL(string: url + "/metrics")!)
        let token = try String(contentsOf: data.appendingPathComponent("metrics.token"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (body, _) = try await URLSession.shared.data(for: request)
        return MetricsPage(String(decoding: body, as: UTF8.self))
    }

    func residentKB() -> Int { memoryOf(pid: process.processIdentifier, field: "VmRSS:") }

    func cpuSeconds() -> Double { Self.cpuSeconds(of: process.processIdentifier) }

    /// A process's CPU time so far (user + system), from /proc (clock ticks of 1/100 s).
    static func cpuSeconds(of pid: Int32) -> Double {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        // The command name is in parentheses and may hold spaces: count fields after it.
        guard let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / 100
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

/// VmHWM (peak resident memory) of a process, from /proc.
func peakMemoryOf(pid: Int32?) -> Int { memoryOf(pid: pid, field: "VmHWM:") }

/// A memory figure of /proc/PID/status, in kB.
func memoryOf(pid: Int32?, field: String) -> Int {
    let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
    let status = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix(field) } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
}

/// Bytes received on the loopback interface (equal to those sent on it), from /proc/net/dev.
func loopbackBytes() -> Int {
    let table = (try? String(contentsOfFile: "/proc/net/dev", encoding: .utf8)) ?? ""
    guard let line = table.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("lo:") }) else { return 0 }
    return Int(line.split(separator: ":")[1].split(separator: " ").first ?? "") ?? 0
}
