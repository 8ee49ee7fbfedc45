import Foundation
import PlansyncCore
import Synchronization

/// The server's data directory: one SQLite file per county (`county-18.sqlite` for Gorj), and
/// beside it the county credential written once, readable only by its owner (`county-18.credential`).
///
/// A county council runs the server for its own county; one directory can hold several counties,
/// and every credential names its county, so requests find their database without a lookup table.
/// One server process serves a directory: it keeps each county's latest plans cached in memory.
public final class CountyDirectory: Sendable {
    public let url: URL
    public let registry: SirutaRegistry
    /// The service codes the reviewer checks know (the shipped list, or one an administrator loads).
    public let nomenclator: ServiceNomenclator
    private let stores = Mutex<[Int: CountyStore]>([:])

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public init(url: URL, registry: SirutaRegistry = .shipped, nomenclator: ServiceNomenclator = .shipped) throws {
        self.url = url
        self.registry = registry
        self.nomenclator = nomenclator
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "cannot create the data directory \(url.path): \(error.localizedDescription)")
        }
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

    /// The store of a county, creating its database on first use. When this creates the county
    /// credential, it is written to ``credentialFile(for:)`` (mode 0600) and returned once.
    public func open(_ county: County) async throws -> (store: CountyStore, newCredential: String?) {
        if let store = stores.withLock({ $0[county.code] }) { return (store, nil) }
        let path = url.appendingPathComponent("county-\(county.code).sqlite").path
        let store = try CountyStore(county: county, path: path, registry: registry, nomenclator: nomenclator)
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
