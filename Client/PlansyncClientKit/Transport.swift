import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PlansyncProtocol
import Synchronization

/// The exchanges of a sync. ``Transport`` does them over HTTP; tests may do them in process to run
/// thousands of schedules against the real county store.
public protocol SyncTransport: Sendable {
    /// Sends a `PushRequest` body (JSON) and returns the server's outcomes.
    func push(body: Data) async throws -> PushResponse
    /// Fetches accepted operations after the cursor.
    func pull(after cursor: Int64, limit: Int) async throws -> PullResponse
    /// What the county says this device is (`GET /v1/me`).
    func me() async throws -> Enrollment
    /// A new identity for this copy of a data folder (`POST /v1/fork`), with the folder's key.
    func fork(label: String, publicKey: String?) async throws -> EnrollResponse
    /// What the county's server accepts (`GET /v1/capabilities`).
    func capabilities() async throws -> Capabilities
    /// Speaks with this credential from now on (after a fork).
    func use(credential: String) async throws
    /// The county's newest signed checkpoint and the proofs that it extends the one this device
    /// checked and holds its operations (`POST /v1/audit/proof`).
    func auditProof(_ request: AuditProofRequest) async throws -> AuditProofResponse
    var bytesSent: Int { get }
    var bytesReceived: Int { get }
}

/// Talks to the county server over HTTP, through Foundation's URLSession (libcurl on Linux).
///
/// Every request names the protocol version; bodies above ``Gzip/threshold`` travel compressed.
/// Counts the bytes it sends and receives so a sync can report them.
public final class Transport: SyncTransport {
    public let server: URL
    private let credential: Mutex<String?>
    let session: URLSession
    private let counters = ByteCounters()

    public init(server: URL, credential: String?, timeout: TimeInterval = 30) {
        self.server = server
        self.credential = Mutex(credential)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.httpMaximumConnectionsPerHost = 1
        session = URLSession(configuration: configuration)
    }

    public var bytesSent: Int { counters.sent }
    public var bytesReceived: Int { counters.received }

    public func enroll(_ request: EnrollRequest) async throws -> EnrollResponse {
        try decode(EnrollResponse.self, from: await send("POST", APIRoute.enroll.rawValue, body: try WireJSON.encode(request)))
    }

    public func me() async throws -> Enrollment {
        try await get(Enrollment.self, APIRoute.me.rawValue)
    }

    public func fork(label: String, publicKey: String?) async throws -> EnrollResponse {
        try decode(EnrollResponse.self, from: await send("POST", APIRoute.fork.rawValue, body: try WireJSON.encode(ForkRequest(label: label, publicKey: publicKey))))
    }

    public func auditProof(_ request: AuditProofRequest) async throws -> AuditProofResponse {
        try decode(AuditProofResponse.self, from: await send("POST", APIRoute.auditProof.rawValue, body: try WireJSON.encode(request)))
    }

    /// An evidence bundle of the county's log (`GET /v1/audit/bundle`), as the server sent it.
    public func auditBundle(query: String) async throws -> Data {
        try await send("GET", APIRoute.auditBundle.rawValue + query)
    }

    public func capabilities() async throws -> Capabilities {
        try await get(Capabilities.self, APIRoute.capabilities.rawValue)
    }

    public func use(credential: String) async throws {
        self.credential.withLock { $0 = credential }
    }

    public func push(body: Data) async throws -> PushResponse {
        let data = try await send("POST", APIRoute.push.rawValue, body: body)
        do { return try PushResponse.read(data) } catch { throw SyncFailure.badResponse(error.description) }
    }

    public func pull(after cursor: Int64, limit: Int) async throws -> PullResponse {
        let data = try await send("GET", "\(APIRoute.pull.rawValue)?after=\(cursor)&limit=\(limit)")
        do { return try PullResponse.read(data) } catch { throw SyncFailure.badResponse(error.description) }
    }

    /// Whether the server answers at all (no credential needed).
    public func checkHealth() async throws {
        _ = try await send("GET", APIRoute.health.rawValue)
    }

    public func get<T: Decodable>(_ type: T.Type, _ path: String) async throws -> T {
        try decode(type, from: await send("GET", path))
    }

    private func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        do { return try WireJSON.decode(type, from: data) } catch {
            throw SyncFailure.badResponse("\(error)")
        }
    }

    /// The address of an API path below the server address's own path, so a county may put the
    /// server behind a proxy at `https://cj.example.ro/plansync/`.
    func url(for path: String) -> URL? {
        let base = server.absoluteString.hasSuffix("/") ? String(server.absoluteString.dropLast()) : server.absoluteString
        return URL(string: base + path)
    }

    /// One HTTP exchange; a problem document becomes ``SyncFailure/problem(_:)``.
    func send(_ method: String, _ path: String, body: Data? = nil) async throws -> Data {
        guard let url = url(for: path) else { throw SyncFailure.unreachable("bad server address \(server)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue(String(ProtocolVersion.current), forHTTPHeaderField: ProtocolVersion.header)
        request.setValue("gzip", forHTTPHeaderField: "Accept-Encoding")
        if let credential = credential.withLock({ $0 }) { request.setValue("Bearer \(credential)", forHTTPHeaderField: "Authorization") }
        if var body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            if body.count >= Gzip.threshold {
                body = Gzip.compress(body)
                request.setValue("gzip", forHTTPHeaderField: "Content-Encoding")
            }
            request.httpBody = body
            counters.add(sent: body.count)
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw SyncFailure.unreachable(error.localizedDescription)
        }
        guard let http = response as? HTTPURLResponse else { throw SyncFailure.badResponse("not an HTTP answer") }
        counters.add(received: Int(http.value(forHTTPHeaderField: "Content-Length") ?? "") ?? data.count)
        // libcurl may already have inflated the body; JSON never starts with gzip's magic bytes.
        var payload = data
        if data.starts(with: [0x1f, 0x8b]) {
            do { payload = try Gzip.decompress(data) } catch { throw SyncFailure.badResponse(error.description) }
        }
        guard (200..<300).contains(http.statusCode) else {
            if let problem = try? WireJSON.decode(Problem.self, from: payload) { throw SyncFailure.problem(problem) }
            throw SyncFailure.badResponse("HTTP \(http.statusCode)")
        }
        return payload
    }
}

/// Bytes on the wire, for progress and for the benchmark.
final class ByteCounters: Sendable {
    private let counts = Mutex((sent: 0, received: 0))

    var sent: Int { counts.withLock { $0.sent } }
    var received: Int { counts.withLock { $0.received } }

    func add(sent: Int = 0, received: Int = 0) {
        counts.withLock {
            $0.sent += sent
            $0.received += received
        }
    }
}
