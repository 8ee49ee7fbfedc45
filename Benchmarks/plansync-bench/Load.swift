import Foundation
import GRDB
import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
import PlansyncServerKit
import Synchronization

/// `plansync-bench load`: many communes' devices against one real server over real HTTP on
/// loopback, as the county's server will be used.
///
/// UATs are taken from the shipped SIRUTA list, spread over its counties; each has its devices
/// (an inspector's account each). First every UAT's first device creates the year's plan and
/// syncs; then every device, in a shuffled order, `clients` at a time, makes its edits in bursts
/// with a sync after each and a think time drawn from an exponential distribution between them.
/// The run is bounded by its duration and its request count; then every device syncs once more,
/// the server is stopped, and every replica is compared with the county's database: the same
/// plans, nothing pending, and every operation a device had accepted held once by the county.
///
/// The replicas stand for computers of their own, so they live on tmpfs when there is one:
/// their `fsync` is not the server's. The server's data is in the folder given, on its disk.
struct LoadRun {
    struct Options {
        var uats = 320
        var devicesPerUAT = 2
        var editsPerDevice = 25
        var editsPerSync = 5
        var clients = 32
        var thinkMillis = 5.0
        var duration: Duration = .seconds(300)
        var maxRequests = 5_000_000
        var serverBinary: URL?

        /// `load [--uats N] [--devices N] [--edits N] [--burst N] [--clients N] [--think-ms X]
        /// [--duration S] [--requests N] [--server PATH]`.
        init(_ arguments: [String]) throws {
            var rest = arguments[...]
            while let flag = rest.popFirst() {
                guard flag.hasPrefix("--") else { throw BenchError("unexpected '\(flag)': load takes options only (--uats N …)") }
                guard let value = rest.popFirst() else { throw BenchError("\(flag) needs a value") }
                func number() throws -> Int {
                    guard let number = Int(value), number > 0 else { throw BenchError("\(flag) takes a positive whole number, not '\(value)'") }
                    return number
                }
                switch flag {
                case "--uats": uats = try number()
                case "--devices": devicesPerUAT = try number()
                case "--edits": editsPerDevice = try number()
                case "--burst": editsPerSync = try number()
                case "--clients": clients = try number()
                case "--think-ms": guard let value = Double(value), value >= 0 else { throw BenchError("--think-ms takes milliseconds") }; thinkMillis = value
                case "--duration": duration = .seconds(try number())
                case "--requests": maxRequests = try number()
                case "--server": serverBinary = URL(fileURLWithPath: value)
                default: throw BenchError("unknown option \(flag)")
                }
            }
        }
    }

    let options: Options
    let root: URL

    func run() async throws {
        let uats = Self.spread(options.uats, over: SirutaRegistry.shipped)
        let clientsFolder = Self.clientsFolder()
        defer { try? FileManager.default.removeItem(at: clientsFolder) }
        let serverData = root.appendingPathComponent("server")
        print("load: \(uats.count) UATs in \(Set(uats.map(\.county)).count) counties × \(options.devicesPerUAT) devices, "
              + "\(options.editsPerDevice) edits each in bursts of \(options.editsPerSync), \(options.clients) concurrent clients, "
              + "think time exponential with mean \(options.thinkMillis) ms; at most \(options.duration) and \(options.maxRequests) requests")
        print("server data: \(Filesystem(of: root).type); replicas: \(Filesystem(of: clientsFolder).type)")

        let rawCommits = try Self.rawOneRowCommits(at: root.appendingPathComponent("raw-commits.sqlite"), for: .seconds(2))
        print(String(format: "raw SQLite one-row durable commits on the server's disk: %.0f commits/s", rawCommits))

        let tokens = try await Self.accounts(for: uats, devices: options.devicesPerUAT, in: serverData)
        // The push-capacity devices are of one county — a county's server, and its one writer —
        // on UATs outside the scenario's when there are any (several devices to a UAT when the
        // county has too few; each device makes a plan of its own).
        let scenario = Set(uats.map(\.siruta))
        let county = uats[0].county
        let inCounty = SirutaRegistry.shipped.uats.values.filter { $0.county == county }.sorted { $0.siruta.rawValue < $1.siruta.rawValue }
        let outside = inCounty.filter { !scenario.contains($0.siruta) }
        let hosts = outside.isEmpty ? inCounty : outside
        let pushers = try await Self.accounts(for: (0..<options.clients).map { hosts[$0 % hosts.count] }, devices: 1, in: serverData)
        let server = try ServerProcess(data: serverData, binary: options.serverBinary)
        defer { server.stop() }
        let stats = LoadStats()
        var devices: [LoadDevice] = []
        for (index, (uat, token)) in tokens.enumerated() {
            devices.append(LoadDevice(index: index, uat: uat, token: token, isFirstOfUAT: index % options.devicesPerUAT == 0,
                                      folder: clientsFolder, server: server.url, stats: stats))
        }
        try await Self.concurrently(devices, width: options.clients) { device in try await device.enroll() }
        print("enrolled \(devices.count) devices")

        let pushed = try await Self.pushCapacity(pushers, server: server, duration: .seconds(10), rawCommits: rawCommits)

        let metricsBefore = try await server.metrics()
        let cpuBefore = server.cpuSeconds()
        let ownBefore = ProcessCPU.seconds()
        let started = ContinuousClock.now
        let deadline = started + options.duration
        let creators = devices.filter { $0.isFirstOfUAT }
        try await Self.concurrently(creators, width: options.clients) { device in
            try await device.createPlan()
            device.close()
        }
        var random = SeededGenerator(seed: 2026)
        let order = devices.shuffled(using: &random)
        let think = options.thinkMillis
        let budget = options
        try await Self.concurrently(order, width: options.clients) { device in
            var random = SeededGenerator(seed: UInt64(device.index) &+ 1)
            var left = budget.editsPerDevice
            try await device.catchUp()
            while left > 0, ContinuousClock.now < deadline, stats.requests < budget.maxRequests {
                let burst = min(left, budget.editsPerSync)
                try await device.edit(burst, random: &random)
                // A failed sync is counted by status and its edits stay pending for the next one.
                try? await device.sync()
                left -= burst
                let pause = -log(Double.random(in: Double.ulpOfOne..<1, using: &random)) * think
                if pause > 0 { try await Task.sleep(for: .microseconds(Int(pause * 1000))) }
            }
            device.close()
        }
        let seconds = Bench.milliseconds(since: started) / 1000
        let serverCPU = server.cpuSeconds() - cpuBefore
        let ownCPU = ProcessCPU.seconds() - ownBefore
        let rss = server.residentKB()
        let peak = server.peakMemoryKB()
        let told = try await server.metrics().since(metricsBefore)

        // Every device syncs once more (outside the measured window; a failure is tried again),
        // then the county is compared.
        try await Self.concurrently(devices, width: options.clients) { device in
            defer { device.close() }
            for attempt in 1...3 {
                do { return try await device.sync(recorded: false) } catch where attempt < 3 { try await Task.sleep(for: .seconds(1)) }
            }
        }
        server.stop()
        let ops = stats.operations
        stats.report(seconds: seconds)
        print(String(format: "\n%d ops (%d plans created, %d edits) in %.1f s: %.0f ops/s; %d requests, %.0f requests/s",
                     ops, creators.count, ops - creators.count, seconds, Double(ops) / seconds, stats.requests, Double(stats.requests) / seconds))
        print(String(format: "pushes: %d in %.1f s = %.0f push transactions/s (raw SQLite one-row commits: %.0f/s; ratio %.2f)",
                     stats.pushes, seconds, Double(stats.pushes) / seconds, rawCommits, Double(stats.pushes) / seconds / rawCommits))
        print(String(format: "server: RSS %@ at the end, peak %@; CPU %.1f s = %.2f cores, %.2f CPU s per 1,000 ops",
                     Bench.megabytes(rss), Bench.megabytes(peak), serverCPU, serverCPU / seconds, serverCPU * 1000 / Double(max(ops, 1))))
        print(String(format: "load generator: CPU %.1f s = %.2f cores", ownCPU, ownCPU / seconds))
        print("database: \(Bench.megabytes(Self.kilobytes(in: serverData)))")
        Self.compare(told, with: stats, ops: ops)
        try await Self.checkConverged(devices, stats: stats, besides: pushed, serverData: serverData)
    }

    /// Durable push transactions per second: one device per client sending one-operation pushes
    /// back to back for `duration` — hand-made operations, as a device makes them, with no replica
    /// behind, so that the clients' own work does not hide the server's limit.
    /// Returns how many operations the county accepted.
    static func pushCapacity(_ tokens: [(UAT, String)], server process: ServerProcess, duration: Duration, rawCommits: Double) async throws -> Int {
        let stats = LoadStats()
        let server = process.url
        let pid = process.process.processIdentifier
        let deadline = ContinuousClock.now + .seconds(2) + duration
        let started = Mutex<ContinuousClock.Instant?>(nil)
        let cpuBefore = Mutex<Double?>(nil)
        try await concurrently(tokens, width: tokens.count) { uat, token in
            let enrolling = Transport(server: URL(string: server)!, credential: nil)
            let identity = try await enrolling.enroll(EnrollRequest(token: token, label: "pusher"))
            let transport = TimedTransport(Transport(server: URL(string: server)!, credential: identity.credential, timeout: 120), stats: stats)
            var writer = AuditBench.Writer(device: identity.device, siruta: uat.siruta)
            // Everyone starts together, two seconds from now.
            try await Task.sleep(until: deadline - duration)
            started.withLock { $0 = $0 ?? ContinuousClock.now }
            cpuBefore.withLock { $0 = $0 ?? ServerProcess.cpuSeconds(of: pid) }
            while ContinuousClock.now < deadline {
                let body = try WireJSON.encode(PushRequest(operations: writer.next(1)))
                let outcome = try await transport.push(body: body).outcomes
                guard outcome.count == 1, outcome[0].seq != nil else { throw BenchError("a pushed operation was set aside: \(outcome)") }
                stats.add(operations: 1)
            }
        }
        let seconds = Bench.milliseconds(since: started.withLock { $0! }) / 1000
        let cpu = process.cpuSeconds() - cpuBefore.withLock { $0! }
        print("\npush capacity: \(tokens.count) devices, each one-operation pushes back to back for \(duration)")
        stats.report(seconds: seconds)
        print(String(format: "%d pushes in %.1f s = %.0f durable push transactions/s; raw SQLite one-row commits %.0f/s (ratio %.2f); server CPU %.2f cores",
                     stats.pushes, seconds, Double(stats.pushes) / seconds, rawCommits, Double(stats.pushes) / seconds / rawCommits, cpu / seconds))
        return stats.operations
    }

    /// What the server's `/metrics` says about the measured window, next to what the generator
    /// counted: the two must agree on operations and requests; the server's histogram bounds the
    /// latency without the network and the client's own work.
    static func compare(_ told: MetricsPage, with stats: LoadStats, ops: Int) {
        print("\nthe server's /metrics for the same window:")
        let accepted = told.total("plansync_operations_total", #"outcome="accepted""#)
        print(String(format: "  operations accepted %.0f (generator: %d), set aside %.0f, refused %.0f", accepted, ops,
                     told.total("plansync_operations_total", #"outcome="rejected""#), told.total("plansync_operations_total", #"outcome="refused""#)))
        for (endpoint, route) in [("push", "/v1/push"), ("pull", "/v1/pull"), ("audit/proof", "/v1/audit/proof")] {
            let label = #"route="\#(route)""#
            let p99 = told.quantileBound("plansync_http_request_duration_seconds", 0.99, label).map { String(format: "%.1f ms", $0 * 1000) } ?? "-"
            print(String(format: "  %@: %.0f requests (generator: %d), of which not 200: %.0f; p99 in the server ≤ %@", endpoint,
                         told.total("plansync_http_requests_total", label), stats.count(endpoint),
                         told.total("plansync_http_requests_total", label) - told.total("plansync_http_requests_total", label, #"status="200""#), p99))
        }
        let commits = told.total("plansync_group_commit_duration_seconds_count")
        let writing = told.total("plansync_group_commit_duration_seconds_sum")
        print(String(format: "  group commits %.0f, %.2f pushes per commit, the writer held %.1f s (%.2f ms per commit); pulls sent %@",
                     commits, told.total("plansync_pushes_per_commit_sum") / max(commits, 1), writing, writing * 1000 / max(commits, 1),
                     Bench.megabytes(Int(told.total("plansync_pull_bytes_total") / 1024))))
    }

    /// `count` UATs taken evenly through the SIRUTA list (all of them when `count` is larger), so
    /// that a small run still spans counties.
    static func spread(_ count: Int, over registry: SirutaRegistry) -> [UAT] {
        let all = registry.uats.values.sorted { $0.siruta.rawValue < $1.siruta.rawValue }
        guard count < all.count else { return all }
        return (0..<count).map { all[$0 * all.count / count] }
    }

    static func clientsFolder() -> URL {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        return base.appendingPathComponent("plansync-load-\(ProcessInfo.processInfo.processIdentifier)")
    }

    /// An inspector's account and enrollment token for each device, written before the server
    /// starts (the server process then serves the folder alone).
    static func accounts(for uats: [UAT], devices: Int, in folder: URL) async throws -> [(UAT, String)] {
        let directory = try CountyDirectory(url: folder, logger: Bench.quietLogger)
        var tokens: [(UAT, String)] = []
        for uat in uats {
            let store = try await directory.open(uat.county).store
            for device in 1...devices {
                tokens.append((uat, try await store.addAccount(name: "Inspector \(device) \(uat.name)", role: .inspector, siruta: uat.siruta).enrollmentToken))
            }
        }
        return tokens
    }

    /// Runs `work` on every item, `width` at a time.
    static func concurrently<Item: Sendable>(_ items: [Item], width: Int, _ work: @escaping @Sendable (Item) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            for _ in 0..<min(width, items.count) {
                let item = items[next]
                group.addTask { try await work(item) }
                next += 1
            }
            while try await group.next() != nil, next < items.count {
                let item = items[next]
                group.addTask { try await work(item) }
                next += 1
            }
            try await group.waitForAll()
        }
    }

    /// What SQLite itself commits per second on this disk: one small row per durable transaction.
    static func rawOneRowCommits(at url: URL, for duration: Duration) throws -> Double {
        var configuration = Configuration()
        configuration.prepareDatabase { try $0.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL") }
        let database = try DatabaseQueue(path: url.path, configuration: configuration)
        defer { try? FileManager.default.removeItem(at: url) }
        try database.write { try $0.execute(sql: "CREATE TABLE row (id INTEGER PRIMARY KEY, body BLOB)") }
        let body = Data(repeating: 0x61, count: 200)
        let started = ContinuousClock.now
        var commits = 0
        while ContinuousClock.now - started < duration {
            try database.write { try $0.execute(sql: "INSERT INTO row (body) VALUES (?)", arguments: [body]) }
            commits += 1
        }
        return Double(commits) / Bench.milliseconds(since: started) * 1000
    }

    static func kilobytes(in folder: URL) -> Int {
        let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: [.fileSizeKey])) ?? []
        return files.reduce(0) { $0 + ((try? $1.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0) } / 1024
    }

    /// Every replica holds its plan exactly as the county does, has nothing pending, and the
    /// county holds every operation the devices were told it accepted, once (none set aside).
    static func checkConverged(_ devices: [LoadDevice], stats: LoadStats, besides pushed: Int, serverData: URL) async throws {
        let directory = try CountyDirectory(url: serverData, logger: Bench.quietLogger)
        var differing = 0
        var pending = 0
        var held = 0
        for county in try directory.existingCounties() {
            let database = try DatabaseQueue(path: try await directory.open(county).store.path)
            held += try await database.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM operation") ?? 0 }
        }
        for device in devices {
            let store = try await directory.open(device.uat.county).store
            let replica = try device.openReplica()
            defer { device.close() }
            pending += try replica.pendingCount()
            for plan in try replica.plans() {
                guard let county = try await store.plan(plan.id) else { differing += 1; continue }
                if try WireJSON.encode(county) != WireJSON.encode(plan) { differing += 1 }
            }
        }
        let converged = differing == 0 && pending == 0 && stats.accepted + pushed == held && stats.rejected == 0
        print("converged: \(converged ? "yes" : "NO") — \(differing) replica plans differ from the county's, \(pending) edits pending, "
              + "\(stats.accepted) + \(pushed) (push capacity) operations acknowledged as accepted, \(held) held by the county, \(stats.rejected) set aside")
        if !converged { throw BenchError("the replicas did not converge with the county") }
    }
}

/// One commune device of a load run: its replica, opened when it works and closed after.
final class LoadDevice: Sendable {
    let index: Int
    let uat: UAT
    let token: String
    let path: String
    let server: String
    let stats: LoadStats
    /// The first device of its UAT creates the plan; the others find it at their first sync.
    let isFirstOfUAT: Bool
    private let state = Mutex<(credential: String?, plan: PlanID?)>((nil, nil))

    init(index: Int, uat: UAT, token: String, isFirstOfUAT: Bool, folder: URL, server: String, stats: LoadStats) {
        self.index = index
        self.isFirstOfUAT = isFirstOfUAT
        self.uat = uat
        self.token = token
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        path = folder.appendingPathComponent("device-\(index).sqlite").path
        self.server = server
        self.stats = stats
    }


    /// The replica and the HTTP session of the device while it works: opened at its first use,
    /// dropped by ``close()`` (a run holds thousands of devices, a few dozen at work).
    private let connection = Mutex<(replica: Replica, transport: TimedTransport)?>(nil)

    private func connected() throws -> (replica: Replica, transport: TimedTransport) {
        try connection.withLock { connection in
            if let connection { return connection }
            let credential = state.withLock { $0.credential }
            let opened = (replica: try Replica(path: path),
                          transport: TimedTransport(Transport(server: URL(string: server)!, credential: credential, timeout: 120), stats: stats))
            connection = opened
            return opened
        }
    }

    func close() { connection.withLock { $0 = nil } }

    func openReplica() throws -> Replica { try connected().replica }

    func enroll() async throws {
        let replica = try Replica(path: path)
        let transport = Transport(server: URL(string: server)!, credential: nil)
        let publicKey = try replica.devicePublicKey()
        let answer = try await transport.enroll(EnrollRequest(token: token, label: "device \(index)", publicKey: publicKey))
        try await replica.detached { [server] in try $0.configure(ReplicaSettings(server: server, enrollment: answer, label: "device \(self.index)")) }
        state.withLock { $0.credential = answer.credential }
    }

    func createPlan() async throws {
        let plan = try await openReplica().detached { try $0.createPlan(year: 2027) }
        state.withLock { $0.plan = plan.id }
        stats.add(operations: 1)
        try? await sync()
    }

    /// A device that did not create the plan pulls it first.
    func catchUp() async throws {
        guard state.withLock({ $0.plan }) == nil else { return }
        for _ in 0..<100 {
            try? await sync()
            if let plan = try await openReplica().detached({ try $0.plans().first }) {
                state.withLock { $0.plan = plan.id }
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError("device \(index) of \(uat.name) never received its UAT's plan")
    }

    /// Edits a clerk makes: rows of actions added, their cells and the plan's notes changed.
    func edit(_ count: Int, random: inout SeededGenerator) async throws {
        guard let plan = state.withLock({ $0.plan }) else { return }
        let picks = (0..<count).map { _ in (Int.random(in: 0..<4, using: &random), Int.random(in: 0...90_000, using: &random)) }
        try await openReplica().detached { replica in
            for (pick, number) in picks {
                try replica.record(on: plan) { current in
                    let editor = PlanEditor(plan: current!)
                    let rows = current!.visibleRows(of: "actions")
                    if pick == 0 || rows.isEmpty { return editor.insertRow(into: "actions", values: ["activity": .text("Activitatea \(number)")]) }
                    let row = rows[number % rows.count].id
                    switch pick {
                    case 1: return editor.setField("notes", to: .text("Observație \(number)"))
                    case 2: return editor.setRowField("actions", row: row, field: "termen", to: .text(["Permanent", "Anual", "Semestrial"][number % 3]))
                    default: return editor.setRowField("actions", row: row, field: "indicator", to: .text("\(number) beneficiari"))
                    }
                }
            }
        }
        stats.add(operations: count)
    }

    /// A sync through the device's session; one not `recorded` (the final one, outside the
    /// measured window) goes through a session of its own and counts only its outcomes.
    func sync(recorded: Bool = true) async throws {
        let (replica, timed) = try connected()
        let transport = recorded ? timed : TimedTransport(Transport(server: URL(string: server)!, credential: state.withLock { $0.credential }, timeout: 120), stats: nil)
        let started = ContinuousClock.now
        do {
            stats.add(try await Synchronizer(replica: replica, transport: transport).sync())
            if recorded { stats.record("sync", since: started) }
        } catch {
            if recorded { stats.failed("sync", error) }
            throw error
        }
    }
}

/// Latencies per endpoint and failures by status, shared by every device of a run.
final class LoadStats: Sendable {
    private let state = Mutex<State>(State())

    private struct State {
        var latencies: [String: [Double]] = [:]
        var failures: [String: Int] = [:]
        var requests = 0
        var pushes = 0
        var operations = 0
        var accepted = 0
        var rejected = 0
    }

    var requests: Int { state.withLock { $0.requests } }
    var pushes: Int { state.withLock { $0.pushes } }
    var operations: Int { state.withLock { $0.operations } }

    func add(operations count: Int) { state.withLock { $0.operations += count } }

    var accepted: Int { state.withLock { $0.accepted } }
    var rejected: Int { state.withLock { $0.rejected } }

    /// What a sync's pushes got: every sync counts here, the final ones too.
    func add(_ report: SyncReport) {
        state.withLock { state in
            state.accepted += report.accepted
            state.rejected += report.rejected.count
        }
    }

    func record(_ endpoint: String, since started: ContinuousClock.Instant) {
        let elapsed = Bench.milliseconds(since: started)
        state.withLock { state in
            state.latencies[endpoint, default: []].append(elapsed)
            if endpoint != "sync" { state.requests += 1 }
            if endpoint == "push" { state.pushes += 1 }
        }
    }

    func failed(_ endpoint: String, _ error: any Error) {
        let status = switch error {
        case SyncFailure.problem(let problem): "\(problem.status) \(problem.slug)"
        case SyncFailure.unreachable: "unreachable"
        default: "other"
        }
        state.withLock { $0.failures["\(endpoint): \(status)", default: 0] += 1 }
    }

    /// Exchanges timed on one endpoint.
    func count(_ endpoint: String) -> Int { state.withLock { $0.latencies[endpoint]?.count ?? 0 } }

    func report(seconds: Double) {
        let (latencies, failures) = state.withLock { ($0.latencies, $0.failures) }
        print("\nendpoint          count     req/s    p50 ms   p95 ms   p99 ms   max ms")
        for (endpoint, values) in latencies.sorted(by: { $0.key < $1.key }) {
            let sorted = values.sorted()
            func at(_ fraction: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))] }
            print(endpoint.padding(toLength: 14, withPad: " ", startingAt: 0) + String(format: " %8d %9.0f %9.2f %8.2f %8.2f %8.1f", sorted.count,
                                                                                        Double(sorted.count) / seconds, at(0.5), at(0.95), at(0.99), sorted.last ?? 0))
        }
        print(failures.isEmpty ? "errors: none" : "errors: " + failures.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(separator: ", "))
    }
}

/// A transport that times each exchange into ``LoadStats``.
struct TimedTransport: SyncTransport {
    let inner: Transport
    let stats: LoadStats?

    init(_ inner: Transport, stats: LoadStats?) {
        self.inner = inner
        self.stats = stats
    }

    private func timed<T>(_ endpoint: String, _ exchange: () async throws -> T) async throws -> T {
        let started = ContinuousClock.now
        do {
            let answer = try await exchange()
            stats?.record(endpoint, since: started)
            return answer
        } catch {
            stats?.failed(endpoint, error)
            throw error
        }
    }

    func push(body: Data) async throws -> PushResponse { try await timed("push") { try await inner.push(body: body) } }
    func pull(after cursor: Int64, limit: Int) async throws -> PullResponse { try await timed("pull") { try await inner.pull(after: cursor, limit: limit) } }
    func me() async throws -> Enrollment { try await timed("me") { try await inner.me() } }
    func fork(label: String, publicKey: String?) async throws -> EnrollResponse { try await timed("fork") { try await inner.fork(label: label, publicKey: publicKey) } }
    func capabilities() async throws -> Capabilities { try await timed("capabilities") { try await inner.capabilities() } }
    func use(credential: String) async throws { try await inner.use(credential: credential) }
    func auditProof(_ request: AuditProofRequest) async throws -> AuditProofResponse { try await timed("audit/proof") { try await inner.auditProof(request) } }
    var bytesSent: Int { inner.bytesSent }
    var bytesReceived: Int { inner.bytesReceived }
}

/// This process's CPU time (user + system), in seconds.
enum ProcessCPU {
    static func seconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
