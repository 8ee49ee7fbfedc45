import Foundation
import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
import PlansyncServerKit
import Synchronization

/// Where a sync's time goes, in process (no HTTP): the server reading a push, checking and
/// committing it; serving pull pages; the replica's side (everything else a sync does). `plansync-bench
/// phases` runs only this (for a profiler); the full run prints it after the end-to-end figures.
enum Phases {
    static func run(root: URL) async throws {
        let directory = try CountyDirectory(url: root.appendingPathComponent("phases-server"), logger: Bench.quietLogger)
        let county = try await directory.open(County(code: 18, name: "GORJ")).store
        let (writer, writerLink) = try await enroll("writer", county: county, root: root)
        let (reader, readerLink) = try await enroll("reader", county: county, root: root)
        let plan = try writer.replica.createPlan(year: 2025)
        for index in 0..<50 {
            try writer.replica.record(on: plan.id) { PlanEditor(plan: $0!).insertRow(into: "actions", values: ["activity": .text("A \(index)")]) }
        }
        var device = writer
        try device.edits(10_000, on: plan.id)
        let push = try await Synchronizer(replica: writer.replica, transport: writerLink, batchSize: 1_000).sync()
        let pull = try await Synchronizer(replica: reader.replica, transport: readerLink, pageSize: 1_000).sync()
        let pushed = Double(push.pushed)
        let (read, store, _, _, audit) = writerLink.times.withLock { $0 }
        Bench.report("phases: push — read the bodies (JSON → operations)", String(format: "%.1f ms", read), String(format: "%.1f µs per op", read * 1000 / pushed), target: "")
        Bench.report("phases: push — county store (checks, commit)", String(format: "%.1f ms", store), String(format: "%.1f µs per op", store * 1000 / pushed), target: "")
        Bench.report("phases: push — the county's audit proofs (served)", String(format: "%.1f ms", audit), String(format: "%.1f µs per op", audit * 1000 / pushed), target: "")
        Bench.report("phases: push — the replica's side (with checking the proofs)", String(format: "%.1f ms", Double(push.milliseconds) - read - store - audit), "", target: "")
        let (_, _, serve, parse, _) = readerLink.times.withLock { $0 }
        let pulled = Double(pull.pulled)
        Bench.report("phases: pull — county store (pages)", String(format: "%.1f ms", serve), String(format: "%.1f µs per op", serve * 1000 / pulled), target: "")
        Bench.report("phases: pull — read the pages (JSON → operations)", String(format: "%.1f ms", parse), String(format: "%.1f µs per op", parse * 1000 / pulled), target: "")
        Bench.report("phases: pull — the replica's side (apply, commit)", String(format: "%.1f ms", Double(pull.milliseconds) - serve - parse),
                     String(format: "%.1f µs per op", (Double(pull.milliseconds) - serve - parse) * 1000 / pulled), target: "")
    }

    static func enroll(_ name: String, county: CountyStore, root: URL, role: Role = .inspector) async throws -> (Device, TimedLink) {
        let token = try await county.addAccount(name: name, role: role, siruta: role == .inspector ? Siruta(80980) : nil).enrollmentToken
        let replica = try Replica(path: root.appendingPathComponent("phases-\(name).sqlite").path)
        let answer = try await county.enroll(token: token, label: name, publicKey: try replica.devicePublicKey())
        try replica.configure(ReplicaSettings(server: "http://127.0.0.1:1", enrollment: answer, label: name))
        let link = TimedLink(store: county, session: try await county.session(credential: answer.credential))
        return (Device(replica: replica, transport: Transport(server: URL(string: "http://127.0.0.1:1")!, credential: nil)), link)
    }
}

/// The county store as a sync transport, in process, timing each side.
final class TimedLink: SyncTransport {
    let store: CountyStore
    let session: Session
    /// Milliseconds: reading pushes, the store's push, the store's pull, reading pages, the audit proofs.
    let times = Mutex((read: 0.0, push: 0.0, pull: 0.0, parse: 0.0, audit: 0.0))

    init(store: CountyStore, session: Session) {
        self.store = store
        self.session = session
    }

    var bytesSent: Int { 0 }
    var bytesReceived: Int { 0 }

    func push(body: Data) async throws -> PushResponse {
        var started = ContinuousClock.now
        let request = try PushRequest.read(body)
        let read = Bench.milliseconds(since: started)
        started = ContinuousClock.now
        let answer = try await store.push(request.operations, from: session)
        let push = Bench.milliseconds(since: started)
        times.withLock { $0.read += read; $0.push += push }
        return answer
    }

    func pull(after cursor: Int64, limit: Int) async throws -> PullResponse {
        var started = ContinuousClock.now
        let body = try await store.pull(for: session, after: cursor, limit: limit, capabilities: ServerCapabilities().tag)
        let pull = Bench.milliseconds(since: started)
        started = ContinuousClock.now
        let page = try PullResponse.read(body)
        let parse = Bench.milliseconds(since: started)
        times.withLock { $0.pull += pull; $0.parse += parse }
        return page
    }

    func me() async throws -> Enrollment { try await store.enrollment(of: session) }
    func fork(label: String, publicKey: String?) async throws -> EnrollResponse { fatalError("not in the benchmark") }
    func auditProof(_ request: AuditProofRequest) async throws -> AuditProofResponse {
        let started = ContinuousClock.now
        let answer = try await store.auditProof(for: session, request)
        times.withLock { $0.audit += Bench.milliseconds(since: started) }
        return answer
    }
    func capabilities() async throws -> Capabilities { ServerCapabilities().now() }
    func use(credential: String) async throws {}
}
