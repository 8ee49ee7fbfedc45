import Foundation
import GRDB

/// Opens a county's SQLite file with the settings the sync guarantees rest on.
enum CountyDatabase {
    static func open(at path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // An acknowledged operation must survive a power cut, not only a crash of the process:
            // FULL makes every commit wait for the disk (WAL keeps that one fsync per commit).
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try migrator.migrate(pool)
        return pool
    }

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
        return migrator
    }
}
