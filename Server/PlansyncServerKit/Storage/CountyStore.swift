import Foundation
import GRDB
import Logging
import PlansyncCore
import PlansyncProtocol
import Synchronization

/// Who made a request: a device working for a person, or the county itself (machine-to-machine
/// reading with the county credential).
public enum Principal: Sendable, Equatable {
    case device(Session)
    case county
}

/// An authenticated device and the account it works for.
public struct Session: Sendable, Equatable {
    public let device: DeviceRecord
    public let account: Account

    public var deviceID: DeviceID { device.deviceID }
}

/// One county's database: UATs, accounts, devices, the accepted operation history and the latest
/// plans.
///
/// The history is the source of truth; the `plan` table is its projection, updated in the same
/// transaction as every accepted operation, so the two never disagree. Writes are serialised by
/// SQLite's single writer, and pushes waiting for it commit together (one `fsync` for many
/// devices); the in-memory plan cache is updated on that same writer after commit.
/// One process serves a county's file (``CountyDirectory`` takes a lock), so the cache is never
/// stale. The work is split by concern: accounts and credentials, ingest (push), pull and
/// history, projection (the latest plans), listing.
public final class CountyStore: Sendable {
    public let county: County
    public let path: String
    let pool: DatabasePool
    let registry: SirutaRegistry
    let rules = OperationRules()
    let logger: Logger
    /// The county's clock: what operations' stamps are checked against.
    let clock: any WallClock
    /// Latest documents, filled on first use; touched only on the writer queue or under its lock.
    let cache = Mutex<[PlanID: PlanDocument]>([:])
    /// The county's audit log and its signing key.
    let log: CountyLog
    /// Pushes waiting for the writer, committed together (``push(_:from:)``).
    let pushes = PushQueue()

    /// Where the county reports what it decides and how long its writer takes.
    let metrics: ServerMetrics

    /// Moves on each time a group's documents reach the plan cache (after their commit): what is
    /// computed from the documents and kept is still right while this has not moved.
    let documentsGeneration = Atomic<Int64>(0)

    /// Replays of frozen versions (``document(of:version:)``).
    let frozenVersions = Mutex<[FrozenKey: PlanDocument]>([:])

    /// The last id and stamp given under each web device (``recordFromWeb(_:on:by:_:)``).
    let webAuthors = Mutex<[String: WebAuthor]>([:])

    /// The server's password checks, shared by its counties (``PasswordGate``).
    let passwordGate: PasswordGate

    /// The county reviewer's checks, run on every plan as received (``findings(of:)``).
    public let validator: PlanValidator

    init(county: County, path: String, registry: SirutaRegistry, nomenclator: ServiceNomenclator = .shipped,
         clock: any WallClock = SystemClock(), logger: Logger = Logger(label: "plansync.county"),
         metrics: ServerMetrics = ServerMetrics(), passwordGate: PasswordGate = PasswordGate()) throws {
        self.county = county
        self.passwordGate = passwordGate
        self.metrics = metrics
        self.path = path
        self.registry = registry
        self.clock = clock
        var logger = logger
        logger[metadataKey: "county.code"] = "\(county.code)"
        self.logger = logger
        validator = PlanValidator(context: ValidationContext(registry: registry, nomenclator: nomenclator, county: county))
        pool = try CountyDatabase.open(at: path)
        log = try CountyLog.open(county: county, databasePath: path, pool: pool, at: Self.timestamp())
    }

    static func timestamp(_ date: Date = Date()) -> String { date.formatted(.iso8601) }
}
