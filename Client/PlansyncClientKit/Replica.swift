import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol
import Synchronization

/// What this computer knows about its enrollment.
public struct ReplicaSettings: Codable, Sendable, Equatable {
    public var server: String
    public var device: DeviceID
    public var credential: String
    /// The person this computer works for: every edit made here is theirs.
    public var account: Account
    public var county: String
    /// The UAT, for an account of one UAT.
    public var uatName: String?
    /// The device's label, as the county sees it.
    public var label: String
    /// False for a replica enrolled before accounts existed, until the server has said whose
    /// device it is (`GET /v1/me`, at the next sync).
    public var accountConfirmed: Bool

    public init(server: String, enrollment: EnrollResponse, label: String) {
        self.server = server
        device = enrollment.device
        credential = enrollment.credential
        account = enrollment.account
        county = enrollment.county
        uatName = enrollment.uatName
        self.label = label
        accountConfirmed = true
    }

    /// The UAT whose plans this computer holds; `nil` for a county account (every UAT's).
    public var siruta: Siruta? { account.siruta }

    private enum CodingKeys: String, CodingKey {
        case server, device, credential, account, county, uatName, label, accountConfirmed
        case siruta, author  // written by plansync 0.1
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        server = try container.decode(String.self, forKey: .server)
        device = try container.decode(DeviceID.self, forKey: .device)
        credential = try container.decode(String.self, forKey: .credential)
        county = try container.decode(String.self, forKey: .county)
        uatName = try container.decodeIfPresent(String.self, forKey: .uatName)
        if let account = try container.decodeIfPresent(Account.self, forKey: .account) {
            self.account = account
            label = try container.decodeIfPresent(String.self, forKey: .label) ?? ""
            accountConfirmed = try container.decodeIfPresent(Bool.self, forKey: .accountConfirmed) ?? true
        } else {
            // plansync 0.1 enrolled every device for its UAT, named by the clerk: an inspector
            // until the server says otherwise.
            account = Account(id: AccountID(""), name: try container.decode(String.self, forKey: .author), role: .inspector,
                              siruta: try container.decode(Siruta.self, forKey: .siruta))
            label = ""
            accountConfirmed = false
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(server, forKey: .server)
        try container.encode(device, forKey: .device)
        try container.encode(credential, forKey: .credential)
        try container.encode(account, forKey: .account)
        try container.encode(county, forKey: .county)
        try container.encodeIfPresent(uatName, forKey: .uatName)
        try container.encode(label, forKey: .label)
        try container.encode(accountConfirmed, forKey: .accountConfirmed)
    }
}

/// The commune's local replica: its plans and the append-only change log, in one SQLite file.
///
/// Every edit goes through ``record(on:_:)``, which checks it with the shared rules and the
/// permission table, applies it to the plan and appends it to the log in one transaction: the
/// replica and its log never disagree, whatever crashes. Works with no network at all;
/// ``Synchronizer`` moves the log to the county. A county reviewer's computer holds the same kind
/// of replica, of every plan of the county.
public final class Replica: Sendable {
    let queue: DatabaseQueue
    let clock: any WallClock
    /// The replica's file, named in every message about it.
    public let path: String
    let rules = OperationRules()
    /// The enrollment as last read, with the text it was read from: decoded again only when the
    /// text changes (a sync reads it often, and changes it rarely).
    private let enrollment = Mutex<(text: String, settings: ReplicaSettings)?>(nil)

    /// Opens the replica at `path`, creating it if there is no file yet.
    ///
    /// A file that exists but cannot be read as a replica (empty, damaged, not a database, in a
    /// folder this user cannot write) is never started over: the error names the file and says
    /// what to do, and nothing is changed.
    public init(path: String, clock: any WallClock = SystemClock()) throws {
        self.path = path
        self.clock = clock
        try ReplicaFile.refuseTruncated(path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try Self.migrator.migrate(queue)
        } catch {
            throw ReplicaFile.explain(error, path: path)
        }
        ReplicaFile.restrictToOwner(path)
    }

    /// Migrations are SQL and never change once shipped: a commune's unsynced edits live here.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: settings, change log, plans") { db in
            try db.execute(sql: """
                CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                -- The change log: this device's edits and those pulled from the county.
                CREATE TABLE operation (
                    device TEXT NOT NULL,
                    counter INTEGER NOT NULL,
                    plan TEXT NOT NULL,
                    body BLOB NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'accepted', 'rejected')),
                    seq INTEGER,
                    rejection_code TEXT,
                    rejection_message TEXT,
                    recorded_at TEXT NOT NULL,
                    PRIMARY KEY (device, counter));
                CREATE INDEX operation_by_state ON operation (state, counter);
                CREATE INDEX operation_by_plan ON operation (plan, seq);
                CREATE TRIGGER operation_body_immutable BEFORE UPDATE OF device, counter, plan, body ON operation
                    BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
                CREATE TRIGGER operation_no_delete BEFORE DELETE ON operation
                    BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
                CREATE TABLE plan (
                    id TEXT PRIMARY KEY,
                    siruta INTEGER NOT NULL,
                    year INTEGER NOT NULL,
                    document BLOB NOT NULL);
                """)
        }
        migrator.registerMigration("v2: people, held operations, re-issued operations") { db in
            try db.execute(sql: """
                -- Who is behind each device, as the county says: names shown come from here.
                CREATE TABLE person (
                    device TEXT PRIMARY KEY,
                    account TEXT NOT NULL,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL,
                    siruta INTEGER);
                -- Operations the county accepted that this version cannot apply (a kind, template or
                -- member of a later version, or one its rules refuse): kept verbatim, never sent,
                -- and their plan held at the state before them until plansync is updated.
                CREATE TABLE held_operation (
                    device TEXT NOT NULL,
                    counter INTEGER NOT NULL,
                    plan TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    kind TEXT,
                    body BLOB NOT NULL,
                    reason TEXT NOT NULL,
                    received_at TEXT NOT NULL,
                    PRIMARY KEY (device, counter));
                CREATE INDEX held_by_plan ON held_operation (plan, seq);
                -- Edits that were pending under an identity another computer also used (a copied
                -- data folder, a restored backup), and the ids they were sent again under.
                CREATE TABLE reissued_operation (
                    device TEXT NOT NULL,
                    counter INTEGER NOT NULL,
                    plan TEXT NOT NULL,
                    body BLOB NOT NULL,
                    new_device TEXT NOT NULL,
                    new_counter INTEGER NOT NULL,
                    reissued_at TEXT NOT NULL,
                    PRIMARY KEY (device, counter));
                -- What the county acknowledged stays as it is; an edit the county never saw may be
                -- stamped again (a wrong clock) or moved to a new identity (a copied folder).
                DROP TRIGGER operation_body_immutable;
                CREATE TRIGGER operation_body_immutable BEFORE UPDATE OF device, counter, plan, body ON operation
                    WHEN OLD.state != 'pending'
                    BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
                DROP TRIGGER operation_no_delete;
                CREATE TRIGGER operation_no_delete BEFORE DELETE ON operation
                    WHEN OLD.state != 'pending'
                    BEGIN SELECT RAISE(ABORT, 'the change log is append-only'); END;
                """)
        }
        migrator.registerMigration("v3: county times, the versions edits were made and landed on") { db in
            try db.execute(sql: """
                -- When the county received each operation (its clock): an act's county time.
                ALTER TABLE operation ADD COLUMN county_at TEXT;
                -- The draft each content edit of this device was made on, until the county's order
                -- says where it landed (a narrow table: settling deletes rows, never rewrites the log).
                CREATE TABLE unsettled_edit (
                    device TEXT NOT NULL,
                    counter INTEGER NOT NULL,
                    plan TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    PRIMARY KEY (device, counter));
                CREATE INDEX unsettled_by_version ON unsettled_edit (plan, version);
                -- Edits that reached the county after the version they were made on froze: they are
                -- on a later draft, and the clerk is told.
                CREATE TABLE moved_edit (
                    device TEXT NOT NULL,
                    counter INTEGER NOT NULL,
                    plan TEXT NOT NULL,
                    made_on INTEGER NOT NULL,
                    landed_on INTEGER NOT NULL,
                    PRIMARY KEY (device, counter));
                -- A plan's versions and acts beside its document: read without decoding the whole plan.
                ALTER TABLE plan ADD COLUMN workflow BLOB;
                """)
        }
        migrator.registerMigration("v4: replay snapshots, the county's audit log as checked") { db in
            try db.execute(sql: """
                -- A plan as it stood after every 1,000th accepted operation (derived, rebuilt when
                -- missing): replay as of any moment starts from the nearest one. max_hlc is the
                -- latest device stamp up to it, for replays on the devices' time axis.
                CREATE TABLE plan_snapshot (
                    plan TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    operations INTEGER NOT NULL,
                    max_hlc INTEGER NOT NULL,
                    document BLOB NOT NULL,
                    PRIMARY KEY (plan, seq));
                """)
        }
        return migrator
    }

    // MARK: Reaching the file

    /// Reads in one transaction; a failure of the file or of data in it is said naming the file.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.read(body) } catch { throw ReplicaFile.explain(error, path: path) }
    }

    /// Writes in one transaction, durably; failures as for ``read(_:)``.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.write(body) } catch { throw ReplicaFile.explain(error, path: path) }
    }

    func writeWithoutTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.writeWithoutTransaction(body) } catch { throw ReplicaFile.explain(error, path: path) }
    }

    /// Runs `work` on a thread of its own and waits for it without holding one of Swift's
    /// cooperative threads.
    ///
    /// A replica's writes wait for the disk (`fsync`), and there are only as many cooperative
    /// threads as cores: a sync that waited on them would stall every other task of the process
    /// — the commune's web page, the other clients of a load generator, the county server of a
    /// test — for as long as the disk takes.
    public func detached<T: Sendable>(_ work: @escaping @Sendable (Replica) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work(self) }) }
        }
    }

    /// Fails, naming the file, if the replica cannot be written (checked before spending an
    /// enrollment token on it).
    public func checkWritable() throws {
        try write { db in try Self.setSetting("writable_at", Self.now(), in: db) }
    }

    // MARK: Settings

    public func configure(_ settings: ReplicaSettings) throws {
        try write { db in
            if try Self.setting("settings", in: db) != nil {
                throw ClientError("This computer is already enrolled (device \(try self.settings(in: db).device)). Use another --data folder to enroll again.")
            }
            try Self.save(settings, in: db)
        }
    }

    public func settings() throws -> ReplicaSettings {
        try read { db in try self.settings(in: db) }
    }

    /// Whether this replica holds an enrollment, readable or not: a damaged one is still one, and
    /// enrolling again on top of it would spend a token for nothing.
    public func isEnrolled() throws -> Bool {
        try read { db in try Self.setting("settings", in: db) != nil }
    }

    func settings(in db: Database) throws -> ReplicaSettings {
        guard let text = try Self.setting("settings", in: db) else { throw ClientError.notInitialized }
        if let known = enrollment.withLock({ $0 }), known.text == text { return known.settings }
        do {
            let settings = try WireJSON.decode(ReplicaSettings.self, from: Data(text.utf8))
            enrollment.withLock { $0 = (text, settings) }
            return settings
        } catch {
            throw ClientError("The enrollment recorded in \(path) cannot be read (\(error)). Nothing was changed. Restore the file from a backup, or ask the county for a new token and enroll a new data folder.")
        }
    }

    static func save(_ settings: ReplicaSettings, in db: Database) throws {
        try setSetting("settings", String(decoding: try WireJSON.encode(settings), as: UTF8.self), in: db)
        try PersonRecord(Person(device: settings.device, account: settings.account)).save(db)
    }

    /// Records what the server says this device is (for replicas enrolled before accounts).
    func confirm(_ enrollment: Enrollment) throws {
        try write { db in
            var settings = try self.settings(in: db)
            guard enrollment.device == settings.device else { return }
            settings.account = enrollment.account
            settings.uatName = enrollment.uatName
            settings.label = enrollment.label
            settings.accountConfirmed = true
            try Self.save(settings, in: db)
        }
    }

    /// What the county server accepts, as it last said (`nil` before the first sync).
    public func serverCapabilities() throws -> Capabilities? {
        try read { db in try Self.capabilities(in: db) }
    }

    static func capabilities(in db: Database) throws -> Capabilities? {
        try setting("capabilities", in: db).flatMap { try? WireJSON.decode(Capabilities.self, from: Data($0.utf8)) }
    }

    /// Records what the county's server accepts, with its tag (compared at every pull, cheaply).
    public func store(_ capabilities: Capabilities) throws {
        try write { db in
            try Self.setSetting("capabilities", String(decoding: try WireJSON.encode(capabilities), as: UTF8.self), in: db)
            try Self.setSetting("capabilities_tag", capabilities.tag, in: db)
        }
    }



    static func setting(_ key: String, in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key])
    }

    static func setSetting(_ key: String, _ value: String, in db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)", arguments: [key, value])
    }

    static func now() -> String { Date().formatted(.iso8601) }
}
