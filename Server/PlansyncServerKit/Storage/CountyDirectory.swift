import Foundation
import Logging
import PlansyncCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The server's data directory: one SQLite file per county (`county-18.sqlite` for Gorj), and
/// beside it the county credential written once, readable only by its owner (`county-18.credential`).
///
/// A county council runs the server for its own county; one directory can hold several counties,
/// and every credential names its county, so requests find their database without a lookup table.
/// One server process serves a directory (``lockForServing()``): it keeps each county's latest
/// plans cached in memory, which a second process writing the same files would make stale.
public final class CountyDirectory: Sendable {
    public let url: URL
    public let registry: SirutaRegistry
    /// The service codes the reviewer checks know (the shipped list, or one an administrator loads).
    public let nomenclator: ServiceNomenclator
    /// The county's clock, which operations' stamps are checked against.
    let clock: any WallClock
    let logger: Logger
    /// What the server reports at `GET /metrics`, for every county of this directory.
    public let metrics = ServerMetrics()
    /// The server's bcrypt checks at once, for every county of this directory.
    let passwordGate = PasswordGate()
    private let stores = Mutex<[Int: CountyStore]>([:])
    private let lock = Mutex<Int32?>(nil)

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public init(url: URL, registry: SirutaRegistry = .shipped, nomenclator: ServiceNomenclator = .shipped,
                clock: any WallClock = SystemClock(), logger: Logger = Logger(label: "plansync.county")) throws {
        self.url = url
        self.registry = registry
        self.nomenclator = nomenclator
        self.clock = clock
        self.logger = logger
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw Failure(description: "cannot create the data directory \(url.path): \(error.localizedDescription)")
        }
    }

    deinit {
        if let descriptor = lock.withLock({ $0 }) { Glibc.close(descriptor) }
    }

    /// Takes the directory for this process to serve, until it exits: a second `plansync-server
    /// serve` on the same folder is refused, rather than left to overwrite the first one's plans
    /// with its own stale copies. (Administration commands may run beside a server: they do not
    /// write plans.)
    public func lockForServing() throws {
        let file = url.appendingPathComponent("plansync-server.lock").path
        let descriptor = Glibc.open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw Failure(description: "cannot open \(file): \(String(cString: strerror(errno))). Check the data folder's permissions.")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            close(descriptor)
            throw Failure(description: "Another plansync-server\(holder.isEmpty ? "" : " (process \(holder))") is already serving \(url.path). "
                + "Stop it first; two servers on one data folder would overwrite each other's plans.")
        }
        ftruncate(descriptor, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(descriptor, $0, strlen($0)) }
        lock.withLock { $0 = descriptor }
    }

    /// Counties that already have a database here.
    public func existingCounties() -> [County] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        let codes = names.compactMap { name -> Int? in
            guard name.hasPrefix("county-"), name.hasSuffix(".sqlite") else { return nil }
            return Int(name.dropFirst("county-".count).dropLast(".sqlite".count))
        }
        return codes.sorted().compactMap { code in registry.counties.first { $0.code == code } }
    }

    public func credentialFile(for county: County) -> URL { url.appendingPathComponent("county-\(county.code).credential") }

    /// The file holding the token `GET /metrics` asks for (Prometheus's `credentials_file`).
    public var metricsTokenFile: URL { url.appendingPathComponent("metrics.token") }

    /// The token `GET /metrics` asks for, made on first use (mode 0600): the page says how much
    /// each county holds and does, which is the county's business, not anyone's who reaches the
    /// server.
    public func metricsToken() throws -> String {
        if let text = try? String(contentsOf: metricsTokenFile, encoding: .utf8) {
            let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !token.isEmpty { return token }
        }
        let token = CountyStore.randomToken()
        guard FileManager.default.createFile(atPath: metricsTokenFile.path, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else { throw Failure(description: "cannot write the metrics token to \(metricsTokenFile.path)") }
        return token
    }

    /// The store of a county, creating its database on first use. When this creates the county
    /// credential, it is written to ``credentialFile(for:)`` (mode 0600) and returned once.
    public func open(_ county: County) async throws -> (store: CountyStore, newCredential: String?) {
        if let store = stores.withLock({ $0[county.code] }) { return (store, nil) }
        let path = url.appendingPathComponent("county-\(county.code).sqlite").path
        let store = try CountyStore(county: county, path: path, registry: registry, nomenclator: nomenclator, clock: clock, logger: logger, metrics: metrics, passwordGate: passwordGate)
        let credential = try await store.createCountyCredentialIfNeeded()
        if let credential { try writeCredential(credential, for: county) }
        // Keep the first store opened for this county: one pool and one plan cache per county.
        let kept = stores.withLock { stores in
            if let existing = stores[county.code] { return existing }
            stores[county.code] = store
            return store
        }
        return (kept, credential)
    }

    /// The counties opened so far (every county with a database, once the server started).
    func openStores() -> [CountyStore] {
        stores.withLock { $0.values.sorted { $0.county.code < $1.county.code } }
    }

    /// The store of an existing county database, for a request that names that county.
    func existingStore(code: Int) async throws -> CountyStore? {
        if let store = stores.withLock({ $0[code] }) { return store }
        guard let county = existingCounties().first(where: { $0.code == code }) else { return nil }
        return try await open(county).store
    }

    public func writeCredential(_ credential: String, for county: County) throws {
        let file = credentialFile(for: county)
        let created = FileManager.default.createFile(
            atPath: file.path, contents: Data((credential + "\n").utf8), attributes: [.posixPermissions: 0o600])
        guard created else { throw Failure(description: "cannot write the county credential to \(file.path)") }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
    }

    /// The county of a UAT, from the SIRUTA list.
    public func county(of siruta: Int) throws -> County {
        guard let uat = registry[.init(siruta)] else {
            throw Failure(description: "SIRUTA \(siruta) is not in the SIRUTA list of Romania's UATs. Check the code (match by SIRUTA, not by name).")
        }
        return uat.county
    }
}
