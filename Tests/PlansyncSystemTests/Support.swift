import Foundation
import Logging
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import NIOCore
@testable import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
@testable import PlansyncServerKit
import Synchronization
import Testing

let negomir = Siruta(80980)
let balesti = Siruta(77910)  // also in Gorj

/// A fresh directory, on tmpfs when there is one (fsync there is free, so thousands of
/// transactions stay fast while still going through SQLite's real file code), inside this test
/// process's own folder, which goes when the process exits: a run writes about 1.5 GB of county
/// folders, and on tmpfs that is memory.
func temporaryDirectory(_ name: String = "plansync") throws -> URL {
    let url = testScratch.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// This process's folder for test files; removed at exit (`atexit`: Swift Testing ends the
/// process with `exit`, so the handler runs whether the tests passed or failed — not after a
/// crash, whose folder the next run of the same process id, or a reboot, removes).
private let testScratch: URL = {
    try? FileManager.default.removeItem(atPath: scratchPath)
    atexit { try? FileManager.default.removeItem(atPath: scratchPath) }
    return URL(fileURLWithPath: scratchPath)
}()

/// Inside `PLANSYNC_TEST_SCRATCH` when set (`scripts/test` chooses it), else /dev/shm when there
/// is one.
private let scratchPath = (ProcessInfo.processInfo.environment["PLANSYNC_TEST_SCRATCH"]
    ?? (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory())) + "/plansync-tests-\(getpid())"

/// A clock that moves 1 ms per reading, from a chosen start: deterministic schedules, and a
/// device can be put hours off.
final class StepClock: WallClock {
    private let now: Mutex<Int64>
    init(start: Int64 = 1_764_000_000_000) { now = Mutex(start) }
    func nowMillis() -> Int64 { now.withLock { $0 += 1; return $0 } }
}

/// A county with its store, and a way to enroll replicas directly against it.
struct TestCounty {
    let directory: CountyDirectory
    let store: CountyStore
    let root: URL

    init(clock: any WallClock = SystemClock(), nomenclator: ServiceNomenclator = .shipped) async throws {
        root = try temporaryDirectory("county")
        directory = try CountyDirectory(url: root.appendingPathComponent("server"), nomenclator: nomenclator, clock: clock)
        store = try await directory.open(County(code: 18, name: "GORJ")).store
    }

    /// A replica of a new account (an inspector of `siruta` unless said otherwise), enrolled
    /// directly against the store, without HTTP (for property tests).
    func enrolledReplica(_ siruta: Siruta? = negomir, author: String, role: Role = .inspector, clock: any WallClock = StepClock(),
                         server: String = "http://127.0.0.1:1") async throws -> (Replica, Session) {
        let token = try await store.addAccount(name: author, role: role, siruta: siruta).enrollmentToken
        return try await enroll(token: token, label: author, clock: clock, server: server)
    }

    /// Enrolls a replica with a token, directly against the store.
    func enroll(token: String, label: String, clock: any WallClock = StepClock(), server: String = "http://127.0.0.1:1") async throws -> (Replica, Session) {
        let replica = try Replica(path: root.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8)).sqlite").path, clock: clock)
        let answer = try await store.enroll(token: Credential(token)!, label: label, publicKey: try replica.devicePublicKey())
        try replica.configure(ReplicaSettings(server: server, enrollment: answer, label: label))
        return (replica, try await session(answer.credential))
    }

    /// The session a credential opens.
    func session(_ credential: String) async throws -> Session {
        guard case .device(let session) = try await store.authenticate(Credential(credential)!) else {
            throw ClientError("enrolled device did not authenticate")
        }
        return session
    }

    /// A token for one more device of an inspector of `siruta` (a new one when it has none).
    func enrollmentToken(for siruta: Siruta, author: String = "inspector") async throws -> String {
        try await store.addAccount(name: author, role: .inspector, siruta: siruta).enrollmentToken
    }

    /// The county credential written when the county's database was created.
    var countyCredential: String {
        get throws {
            try String(contentsOf: directory.credentialFile(for: store.county), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}

/// Operations a test makes for a device by hand, as a misbehaving or unlucky client would send them.
struct HandMadeOperations {
    let device: DeviceID
    let author: String
    /// The last counter used.
    var counter: Int64
    /// Where stamps are taken from (the county's clock by default, so they are accepted).
    var clock: any WallClock = SystemClock()

    init(device: DeviceID, author: String, counter: Int64 = 0, clock: any WallClock = SystemClock()) {
        self.device = device
        self.author = author
        self.counter = counter
        self.clock = clock
    }

    init(for setup: HTTPTests.Setup) throws {
        self.init(device: try setup.replica.settings().device, author: try setup.replica.settings().account.name,
                  counter: try setup.replica.lastOwnCounter())
    }

    /// A stamp of now.
    var now: HLCTimestamp { HLCTimestamp(wallMillis: clock.nowMillis(), logical: 0) }

    /// The next operation of the device (a new plan's id when it creates one).
    mutating func next(_ plan: PlanID?, _ change: Change, hlc: HLCTimestamp? = nil) -> PlanOperation {
        counter += 1
        return with(counter: counter, plan, change, hlc: hlc)
    }

    /// An operation under a counter of the test's choosing.
    func with(counter: Int64, _ plan: PlanID?, _ change: Change, hlc: HLCTimestamp? = nil) -> PlanOperation {
        let id = OpID(device: device, counter: counter)
        var target = plan ?? PlanID(creatingOperation: id)
        if case .createPlan = change { target = PlanID(creatingOperation: id) }
        return PlanOperation(id: id, hlc: hlc ?? now, author: author, plan: target, change: change)
    }
}

/// Faults a test network can inject.
struct Faults: Sendable {
    /// Chance that a request is lost before the server sees it.
    var lostRequest = 0.0
    /// Chance that the server commits but its answer is lost.
    var lostAnswer = 0.0
    static let none = Faults()
}

struct InjectedFault: Error {}

/// The real county store behind the ``SyncTransport`` a replica syncs through, in process,
/// with faults on demand. Problems the server would answer come back as the HTTP transport's
/// ``SyncFailure/problem(_:)``. HTTP itself is covered by the loopback and end-to-end tests.
final class InProcessTransport: SyncTransport {
    let store: CountyStore
    private let session: Mutex<Session>
    private let random: Mutex<SeededGenerator>
    private let faults: Mutex<Faults>
    static let capabilitiesTag = ServerCapabilities().tag

    init(store: CountyStore, session: Session, seed: UInt64, faults: Faults = .none) {
        self.store = store
        self.session = Mutex(session)
        random = Mutex(SeededGenerator(seed: seed))
        self.faults = Mutex(faults)
    }

    var bytesSent: Int { 0 }
    var bytesReceived: Int { 0 }
    var current: Session { session.withLock { $0 } }

    func setFaults(_ new: Faults) { faults.withLock { $0 = new } }

    private func roll(_ chance: KeyPath<Faults, Double>) -> Bool {
        let threshold = faults.withLock { $0[keyPath: chance] }
        return random.withLock { Double.random(in: 0..<1, using: &$0) } < threshold
    }

    /// Runs a request against the store the way the server would answer it.
    private func exchange<T>(_ body: () async throws -> T) async throws -> T {
        if roll(\.lostRequest) { throw InjectedFault() }
        let answer: T
        do { answer = try await body() } catch let error as ServerError { throw SyncFailure.problem(error.problem) }
        if roll(\.lostAnswer) { throw InjectedFault() }
        return answer
    }

    func push(body: Data) async throws -> PushResponse {
        let request = try PushRequest.read(body)
        return try await exchange { try await store.push(request.operations, from: current) }
    }

    func pull(after cursor: Int64, limit: Int) async throws -> PullResponse {
        try await exchange {
            try PullResponse.read(try await store.pull(for: current, after: cursor, limit: limit, capabilities: Self.capabilitiesTag))
        }
    }

    func me() async throws -> Enrollment { try await exchange { try await store.enrollment(of: current) } }

    func fork(label: String, publicKey: String?) async throws -> EnrollResponse {
        try await exchange { try await store.fork(current, label: label, publicKey: publicKey) }
    }

    func auditProof(_ request: AuditProofRequest) async throws -> AuditProofResponse {
        try await exchange { try await store.auditProof(for: current, request) }
    }

    func capabilities() async throws -> Capabilities { ServerCapabilities().now() }

    func use(credential: String) async throws {
        guard case .device(let session) = try await store.authenticate(Credential(credential)!) else { return }
        self.session.withLock { $0 = session }
    }
}


/// Runs the real HTTP server on a loopback port for the duration of `body` (with the given
/// connection timeouts, the server's own by default; on a port of the system's choice unless a
/// test brings a server back where its clients know it).
func withServer<T: Sendable>(_ directory: CountyDirectory, port: Int = 0, idleTimeout: TimeAmount = .seconds(30), headTimeout: TimeAmount = .seconds(10),
                             logger: Logger = Logger(label: "plansync.server"),
                             _ body: @Sendable (URL) async throws -> T) async throws -> T {
    let configuration = ServerConfiguration(host: "127.0.0.1", port: port, directory: directory, idleTimeout: idleTimeout, headTimeout: headTimeout)
    return try await withLoopback({ onPort in try buildApplication(configuration, logger: logger, onServerRunning: onPort) }, body)
}

/// Runs an application on a loopback port for the duration of `body`, which gets its address:
/// `build` makes it, given what to call with the port it binds.
func withLoopback<T: Sendable, App: ApplicationProtocol>(_ build: (@escaping @Sendable (Int) async -> Void) throws -> App,
                                                         _ body: @Sendable (URL) async throws -> T) async throws -> T {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let app = try build { port in continuation.yield(port) }
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            try await app.runService(gracefulShutdownSignals: [])
            return nil
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw ClientError("the server did not start") }
        let result = try await body(URL(string: "http://127.0.0.1:\(port)")!)
        group.cancelAll()
        return result
    }
}

/// Sends a request and checks its problem answer (status, media type, stable type, a detail),
/// and that the county's history did not move.
func expectProblem(
    _ status: Int, _ slug: String, county: TestCounty,
    _ send: () async throws -> (status: Int, contentType: String?, body: Data),
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let before = try await county.store.counts()
    let answer = try await send()
    #expect(answer.status == status, sourceLocation: sourceLocation)
    #expect(answer.contentType == Problem.mediaType, sourceLocation: sourceLocation)
    let problem = try WireJSON.decode(Problem.self, from: answer.body)
    #expect(problem.type == "https://plansync.ro/problems/\(slug)", "got \(problem.type): \(problem.detail)", sourceLocation: sourceLocation)
    #expect(problem.status == status && !problem.detail.isEmpty, sourceLocation: sourceLocation)
    #expect(try await county.store.counts() == before, "nothing may be written", sourceLocation: sourceLocation)
}

/// A raw HTTP exchange, for requests a well-behaved client would never send.
func rawRequest(_ method: String, _ url: URL, headers: [String: String] = [:], body: Data? = nil) async throws -> (status: Int, contentType: String?, body: Data) {
    var request = URLRequest(url: url)
    request.httpMethod = method
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    request.httpBody = body
    let (data, response) = try await URLSession(configuration: .ephemeral).data(for: request)
    let http = response as! HTTPURLResponse
    return (http.statusCode, http.value(forHTTPHeaderField: "Content-Type"), data)
}

extension PushOutcome {
    /// The outcome without the county's time of receipt, for comparing with expected outcomes
    /// written without a clock.
    var untimed: PushOutcome { PushOutcome(id: id, seq: seq, rejection: rejection, hlc: hlc) }
}
