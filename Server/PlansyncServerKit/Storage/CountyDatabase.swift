import Foundation
import GRDB

/// Opens a county's SQLite file with the settings the sync guarantees rest on.
enum CountyDatabase {
    static func open(at path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        // Readers beyond the cores only queue for them, and each keeps its own page cache: with
        // GRDB's default of five per county, the 42 counties' pools held most of the server's
        // memory in the national load test.
        configuration.maximumReaderCount = min(4, max(2, ProcessInfo.processInfo.activeProcessorCount))
        configuration.prepareDatabase { db in
            // An acknowledged operation must survive a power cut, not only a crash of the process:
            // FULL makes every commit wait for the disk (WAL keeps that one fsync per commit).
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // 1 MiB of pages per connection (SQLite's default is 2): a server holds every county's
            // connections, and the kernel's file cache holds the pages they share.
            try db.execute(sql: "PRAGMA cache_size = -1024")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB turns a pool's writer to `synchronous = NORMAL` when it sets up WAL, after
        // `prepareDatabase`: in WAL mode that syncs only at checkpoints, and a power cut would take
        // acknowledged pushes with it. The writer is the only connection that commits.
        try pool.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL; PRAGMA journal_size_limit = \(walSizeLimit)") }
        try migrator.migrate(pool)
        return pool
    }

    /// The WAL file is cut back to this once a checkpoint has copied it into the database. Without
    /// a limit it keeps the largest size it ever reached: under a steady stream of readers a
    /// county's WAL grew to 183 MB for 25,000 operations in the load test.
    static let walSizeLimit = 8 << 20

    /// Migrations use SQL, never app types, and are never modified once shipped: a county's
    /// database outlives many versions of plansync.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: county, UATs, devices, operation history, plans") { db in
            try db.execute(sql: """
                CREATE TABLE county (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE uat (
                    siruta INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    registered_at TEXT NOT NULL);
                CREATE TABLE enrollment (
                    token_hash BLOB PRIMARY KEY,
                    siruta INTEGER NOT NULL REFERENCES uat(siruta),
                    issued_at TEXT NOT NULL,
                    used_at TEXT,
                    device TEXT);
                CREATE TABLE device (
                    id TEXT PRIMARY KEY,
                    siruta INTEGER NOT NULL REFERENCES uat(siruta),
                    label TEXT NOT NULL,
                    credential_hash BLOB NOT NULL UNIQUE,
                    enrolled_at TEXT NOT NULL,
                    revoked_at TEXT,
                    last_push_at TEXT);
                -- The accepted history: the source of truth. seq is the county-wide pull cursor.
                CREATE TABLE operation (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    device TEXT NOT NULL,
                    counter INTEGER NOT NULL,
                    plan TEXT NOT NULL,
                    siruta INTEGER NOT NULL,
                    hlc INTEGER NOT NULL,
                    author TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    body BLOB NOT NULL,
                    received_at TEXT NOT NULL,
                    UNIQUE (device, counter));
                CREATE INDEX operation_by_uat ON operation (siruta, seq);
                CREATE INDEX operation_by_plan ON operation (plan, seq);
                CREATE TRIGGER operation_no_update BEFORE UPDATE ON operation
                    BEGIN SELECT RAISE(ABORT, 'the operation history is append-only'); END;
                CREATE TRIGGER operation_no_delete BEFORE DELETE ON operation
                    BEGIN SELECT RAISE(ABORT, 'the operation history is append-only'); END;
                -- Operations set aside, with the reason, so a repeated push gets the same answer.
                CREATE TABLE rejection (
                    device TEXT NOT NULL,
                    counter INTEGER NOT NULL,
                    plan TEXT NOT NULL,
                    code TEXT NOT NULL,
                    message TEXT NOT NULL,
                    body BLOB NOT NULL,
                    received_at TEXT NOT NULL,
                    PRIMARY KEY (device, counter));
                -- The latest state of every plan: a projection of the history, rebuilt by replay.
                CREATE TABLE plan (
                    id TEXT PRIMARY KEY,
                    siruta INTEGER NOT NULL,
                    year INTEGER NOT NULL,
                    version INTEGER NOT NULL,
                    last_seq INTEGER NOT NULL,
                    updated_at TEXT NOT NULL,
                    document BLOB NOT NULL);
                CREATE INDEX plan_by_uat ON plan (siruta);
                """)
        }
        migrator.registerMigration("v2: accounts and roles, expiring enrollment tokens, operation hashes") { db in
            // Every device of plansync 0.1 worked for its UAT: each becomes an inspector account of
            // its own, named as its last edit was signed; unused tokens go to a first inspector
            // account of their UAT. Ids of migrated accounts are derived, so the migration is
            // deterministic.
            try db.execute(sql: """
                CREATE TABLE account (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    role TEXT NOT NULL CHECK (role IN ('inspector', 'secretary', 'reviewer', 'auditor', 'administrator')),
                    siruta INTEGER REFERENCES uat(siruta),
                    created_at TEXT NOT NULL,
                    disabled_at TEXT,
                    CHECK (role = 'auditor' OR (role IN ('inspector', 'secretary')) = (siruta IS NOT NULL)));
                CREATE INDEX account_by_uat ON account (siruta);
                INSERT INTO account (id, name, role, siruta, created_at)
                    SELECT 'm' || d.id,
                           COALESCE((SELECT o.author FROM operation o WHERE o.device = d.id ORDER BY o.seq DESC LIMIT 1), d.label),
                           'inspector', d.siruta, d.enrolled_at
                    FROM device d;
                INSERT INTO account (id, name, role, siruta, created_at)
                    SELECT DISTINCT 'u' || e.siruta, 'Inspector ' || u.name, 'inspector', e.siruta, u.registered_at
                    FROM enrollment e JOIN uat u USING (siruta) WHERE e.used_at IS NULL;
                CREATE TABLE device_v2 (
                    id TEXT PRIMARY KEY,
                    account TEXT NOT NULL REFERENCES account(id),
                    label TEXT NOT NULL,
                    credential_hash BLOB NOT NULL UNIQUE,
                    enrolled_at TEXT NOT NULL,
                    revoked_at TEXT,
                    last_push_at TEXT,
                    forked_from TEXT);
                INSERT INTO device_v2 (id, account, label, credential_hash, enrolled_at, revoked_at, last_push_at)
                    SELECT id, 'm' || id, label, credential_hash, enrolled_at, revoked_at, last_push_at FROM device;
                DROP TABLE device;
                ALTER TABLE device_v2 RENAME TO device;
                CREATE INDEX device_by_account ON device (account);
                CREATE TABLE enrollment_v2 (
                    token_hash BLOB PRIMARY KEY,
                    account TEXT NOT NULL REFERENCES account(id),
                    issued_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL,
                    used_at TEXT,
                    device TEXT);
                INSERT INTO enrollment_v2 (token_hash, account, issued_at, expires_at, used_at, device)
                    SELECT token_hash, CASE WHEN device IS NULL THEN 'u' || siruta ELSE 'm' || device END, issued_at,
                           strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+7 days'), used_at, device
                    FROM enrollment;
                DROP TABLE enrollment;
                ALTER TABLE enrollment_v2 RENAME TO enrollment;
                -- SHA-256 of each operation's canonical encoding (Protocol/CANONICAL.md): the same id
                -- with other content is a reused id, never an idempotent retry. Rows from before
                -- have none: their body is that encoding, and it is hashed when needed.
                ALTER TABLE operation ADD COLUMN hash BLOB;
                ALTER TABLE rejection ADD COLUMN hash BLOB;
                """)
        }
        migrator.registerMigration("v3: the audit log (RFC 6962 Merkle tree, signed checkpoints), device keys") { db in
            // Entries are filled by the county store when it opens the file (``CountyLog/bootstrap``):
            // the history already held becomes the log's first entries, hashed by app code.
            try db.execute(sql: """
                -- The county's append-only audit log: each entry's canonical JSON and its RFC 6962 leaf hash.
                CREATE TABLE audit_entry (
                    idx INTEGER PRIMARY KEY,
                    kind TEXT NOT NULL,
                    body BLOB NOT NULL,
                    leaf BLOB NOT NULL);
                CREATE INDEX audit_entry_not_operation ON audit_entry (idx) WHERE kind != 'operation';
                -- Hashes of the perfect subtrees of 16 entries and more: proofs without reading every leaf.
                CREATE TABLE audit_node (
                    level INTEGER NOT NULL,
                    idx INTEGER NOT NULL,
                    hash BLOB NOT NULL,
                    PRIMARY KEY (level, idx));
                -- Every signed statement of the log's size and root, one per write that added entries.
                CREATE TABLE checkpoint (
                    size INTEGER PRIMARY KEY,
                    root TEXT NOT NULL,
                    time TEXT NOT NULL,
                    signature TEXT NOT NULL);
                \(["audit_entry", "audit_node", "checkpoint"].map { appendOnly($0, because: "the audit log is append-only") }.joined(separator: "\n"))
                -- The log entry of each accepted operation.
                ALTER TABLE operation ADD COLUMN entry INTEGER;
                -- The Ed25519 public key a device registered at enrollment (none for older devices).
                ALTER TABLE device ADD COLUMN public_key BLOB;
                """)
        }
        migrator.registerMigration("v4: a plan's stored document may lag its history by a few operations") { db in
            // The document is rewritten every few hundred operations, not at every push; the
            // operations after `document_seq` are applied to it when it is read. The column is
            // renamed so that an older plansync-server, which would serve it as whole and leave
            // the new columns behind, fails on it instead.
            try db.execute(sql: """
                ALTER TABLE plan RENAME COLUMN document TO base_document;
                ALTER TABLE plan ADD COLUMN document_seq INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE plan ADD COLUMN document_version INTEGER NOT NULL DEFAULT 0;
                UPDATE plan SET document_seq = last_seq, document_version = version;
                """)
        }
        migrator.registerMigration("v5: passwords and sessions for the web pages") { db in
            try db.execute(sql: """
                ALTER TABLE account ADD COLUMN password_hash TEXT;
                -- Wrong passwords by the user id typed, whether or not such an account exists:
                -- the lock-out says nothing about which ids are real.
                CREATE TABLE sign_in_attempt (
                    account TEXT PRIMARY KEY,
                    failures INTEGER NOT NULL,
                    locked_until TEXT,
                    last_at TEXT NOT NULL);
                -- A session is known by the SHA-256 of its cookie's token, never the token itself.
                CREATE TABLE web_session (
                    token_hash BLOB PRIMARY KEY,
                    account TEXT NOT NULL REFERENCES account(id),
                    form_token TEXT NOT NULL,
                    created_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL);
                CREATE INDEX web_session_by_account ON web_session (account);
                """)
        }
        migrator.registerMigration("v6: the devices under which the server records acts made on the web pages") { db in
            // One per account: an ordinary device row (enrolled in the audit log like any other),
            // whose credential nobody ever holds; the server writes its operations itself.
            try db.execute(sql: """
                CREATE TABLE web_device (
                    account TEXT PRIMARY KEY REFERENCES account(id),
                    device TEXT NOT NULL UNIQUE REFERENCES device(id));
                """)
        }
        return migrator
    }

    /// The triggers that refuse to update or delete a row of `table`: how the history and the
    /// audit log stay append-only, whoever opens the file.
    static func appendOnly(_ table: String, because message: String) -> String {
        ["UPDATE", "DELETE"].map { refusing($0, on: table, because: message) }.joined(separator: "\n")
    }

    /// The trigger that refuses one kind of change (`UPDATE` or `DELETE`) to a table, named
    /// `<table>_no_<change>`.
    static func refusing(_ change: String, on table: String, because message: String) -> String {
        """
        CREATE TRIGGER \(table)_no_\(change.lowercased()) BEFORE \(change) ON \(table)
            BEGIN SELECT RAISE(ABORT, '\(message)'); END;
        """
    }
}
