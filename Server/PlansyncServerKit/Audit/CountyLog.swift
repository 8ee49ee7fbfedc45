import Crypto
import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol
#if canImport(Glibc)
import Glibc
#endif

/// The county's audit log in its SQLite file: entries, the stored subtrees of the Merkle tree, and
/// a signed checkpoint after every write that added entries.
///
/// Every writer of the county (a push, an enrollment, an administrator's command in another
/// process) appends inside its own transaction through a ``LogAppender`` that starts from the
/// tree as stored, so entries from several processes interleave without a cache going stale.
/// The signing key lives beside the database (`county-18.signing-key`, mode 0600), never in it:
/// a copy of the database alone cannot sign a rewritten history.
struct CountyLog: Sendable {
    let county: County
    /// The county's private key, made once: making it from its raw bytes at every signature was
    /// a visible part of a push's CPU.
    private let key: SigningKey
    /// The county's public key, base64 (entry 0 of the log).
    let publicKey: String

    /// Subtrees of 2^4 = 16 entries and larger are stored; smaller ones are hashed from the leaves
    /// (at most 16 rows) when a proof needs them. About one node row per 16 entries.
    static let storedLevel = 4

    /// Opens the log of a county database, creating the key and the first entries on first use.
    static func open(county: County, databasePath: String, pool: DatabasePool, at now: String) throws -> CountyLog {
        let keyPath = signingKeyPath(forDatabase: databasePath)
        let isEmpty = try pool.read { db in try Int64.fetchOne(db, sql: "SELECT count(*) FROM audit_entry") == 0 }
        let key = try loadKey(at: keyPath, creating: isEmpty)
        let log = CountyLog(county: county, key: SigningKey(key), publicKey: key.publicKey.rawRepresentation.base64EncodedString())
        if isEmpty {
            try pool.write { db in try log.bootstrap(db, at: now) }
        } else {
            let first = try pool.read { db in try Data.fetchOne(db, sql: "SELECT body FROM audit_entry WHERE idx = 0") }
            guard let first, let logged = try? LogEntry(bytes: first), logged.kind == .countyKey else {
                throw CountyDirectory.Failure(description: "Entry 0 of \(county.name)'s audit log (the county key) is missing or damaged: the log was tampered with. "
                    + "Restore the database from a backup and run `plansync-server audit verify`.")
            }
            guard logged.string("publicKey") == log.publicKey else {
                throw CountyDirectory.Failure(description: "The signing key in \(keyPath) is not the key of \(county.name)'s audit log (entry 0). "
                    + "Restore the county's signing key from its backup; a new key would make every earlier checkpoint unverifiable.")
            }
        }
        return log
    }

    /// Signs a statement with the county key.
    func sign(_ statement: Data) throws -> Data {
        try key.value.signature(for: statement)
    }

    static func signingKeyPath(forDatabase path: String) -> String {
        (path.hasSuffix(".sqlite") ? String(path.dropLast(".sqlite".count)) : path) + ".signing-key"
    }

    /// Reads the key file, or creates it (exclusively: two processes opening a new county agree).
    private static func loadKey(at path: String, creating: Bool) throws -> Curve25519.Signing.PrivateKey {
        if creating {
            let fresh = Curve25519.Signing.PrivateKey()
            let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            if descriptor >= 0 {
                let text = fresh.rawRepresentation.base64EncodedString() + "\n"
                let written = text.withCString { Glibc.write(descriptor, $0, strlen($0)) }
                fsync(descriptor)
                close(descriptor)
                guard written == text.utf8.count else { throw CountyDirectory.Failure(description: "cannot write the county signing key to \(path)") }
                return fresh
            }
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CountyDirectory.Failure(description: "The county signing key \(path) is missing or unreadable. Restore it from the county's backup: "
                + "it signs the audit log, and clients that checked the log refuse a county that signs with another key.")
        }
        guard let key = AuditKey.privateKey(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw CountyDirectory.Failure(description: "The county signing key \(path) is damaged (not an Ed25519 key in base64). Restore it from the county's backup.")
        }
        return key
    }

    /// Entry 0 (the county's key), then what a database from before the audit log already held:
    /// its accounts, devices, accepted operations (in their order) and revocations.
    private func bootstrap(_ db: Database, at now: String) throws {
        var log = try LogAppender(self, db)
        let publicKey = key.value.publicKey
        try log.append { .countyKey(index: $0, at: now, county: county, publicKey: publicKey) }
        for account in try AccountRecord.order(Column("created_at"), Column("id")).fetchAll(db) {
            try log.append { .accountCreated(index: $0, at: account.createdAt, account: account.account) }
            if let disabled = account.disabledAt { try log.append { .account(.accountDisabled, index: $0, at: disabled, account: account.account.id) } }
        }
        let devices = try DeviceRecord.order(Column("enrolled_at"), Column("id")).fetchAll(db)
        for device in devices {
            try log.append { .deviceEnrolled(index: $0, at: device.enrolledAt, device: device.deviceID, account: AccountID(device.account),
                                             publicKey: device.publicKey, forkedFrom: device.forkedFrom.map { DeviceID($0) }) }
        }
        let roles = Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT d.id, a.id AS account, a.role FROM device d JOIN account a ON a.id = d.account")
            .map { row in (row["id"] as String, (AccountID(row["account"] as String), Role(rawValue: row["role"]) ?? .auditor)) })
        // The history's rows gain their entry once, here: the only update the history ever takes.
        try db.execute(sql: "DROP TRIGGER operation_no_update")
        let rows = try Row.fetchCursor(db, sql: "SELECT seq, device, counter, plan, kind, body, hash, received_at FROM operation ORDER BY seq")
        while let row = try rows.next() {
            let body: Data = row["body"]
            let hash: Data = row["hash"] ?? CountyStore.hash(of: body)
            let device = DeviceID(row["device"] as String)
            let (account, role) = roles[device.rawValue] ?? (AccountID("m" + device.rawValue), .inspector)
            let act = (row["kind"] as String) == OperationKind.act.rawValue
                ? (try? PlanOperation(json: JSONReader.parse(body), path: "operation")).flatMap(Self.actName) : nil
            let seq: Int64 = row["seq"]
            let index = try log.append { .operation(index: $0, at: row["received_at"], seq: seq, operation: OpID(device: device, counter: row["counter"]),
                                                    plan: PlanID(row["plan"] as String), account: account, role: role, hash: hash, act: act, countySignature: nil) }
            try db.execute(sql: "UPDATE operation SET entry = ? WHERE seq = ?", arguments: [index, seq])
        }
        try db.execute(sql: CountyDatabase.refusing("UPDATE", on: "operation", because: "the operation history is append-only"))
        for device in devices { if let revoked = device.revokedAt { try log.append { .deviceRevoked(index: $0, at: revoked, device: device.deviceID) } } }
        try log.seal(at: now)
    }

    static func actName(of operation: PlanOperation) -> ActName? {
        if case .act(_, let act) = operation.change { return act.name }
        return nil
    }

    // MARK: Reading the stored tree

    static func size(_ db: Database) throws -> Int64 {
        (try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(idx) FROM audit_entry"))).map { $0 + 1 } ?? 0
    }

    /// The hash of the perfect subtree `index` of `level` (2^level entries).
    static func perfect(level: Int, index: Int64, in db: Database) throws -> Data {
        if level >= storedLevel {
            guard let hash = try Data.fetchOne(db.cachedStatement(sql: "SELECT hash FROM audit_node WHERE level = ? AND idx = ?"), arguments: [level, index]) else {
                throw AuditFailure("the audit log lacks its subtree \(level)/\(index)")
            }
            return hash
        }
        let first = index << level
        let leaves = try Data.fetchAll(db.cachedStatement(sql: "SELECT leaf FROM audit_entry WHERE idx BETWEEN ? AND ? ORDER BY idx"), arguments: [first, first + (1 << level) - 1])
        guard leaves.count == 1 << level else { throw AuditFailure("the audit log lacks entries between \(first) and \(first + (1 << level) - 1)") }
        return Merkle.root(ofLeaves: leaves)
    }

    static func subtree(_ lo: Int64, _ hi: Int64, in db: Database) throws -> Data {
        try Merkle.subtree(lo, hi) { level, index in try perfect(level: level, index: index, in: db) }
    }

    static func latestCheckpoint(county: County, in db: Database) throws -> Checkpoint? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT size, root, time, signature FROM checkpoint ORDER BY size DESC LIMIT 1")).map { row in
            Checkpoint(county: county.code, size: row["size"], root: row["root"], time: row["time"], signature: row["signature"])
        }
    }

    static func rangeProofs(for indexes: [Int64], size: Int64, in db: Database) throws -> [RangeProof] {
        var runs: [Range<Int64>] = []
        for index in indexes {
            if let last = runs.last, last.upperBound == index { runs[runs.count - 1] = last.lowerBound..<(index + 1) } else { runs.append(index..<(index + 1)) }
        }
        return try runs.map { run in
            RangeProof(first: run.lowerBound, count: Int64(run.count),
                       hashes: try Merkle.rangeProof(run, size: size) { lo, hi in try subtree(lo, hi, in: db) }.map { $0.base64EncodedString() })
        }
    }
}

/// The county's private key shared by the writer and the administration commands.
///
/// swift-crypto does not mark the key `Sendable`; it is an immutable value whose signing reads it
/// only, so sharing it across threads is safe.
final class SigningKey: @unchecked Sendable {
    let value: Curve25519.Signing.PrivateKey

    init(_ value: Curve25519.Signing.PrivateKey) { self.value = value }
}

/// Appends entries inside one write transaction, then seals them with a signed checkpoint.
struct LogAppender {
    let log: CountyLog
    let db: Database
    private(set) var frontier: MerkleFrontier
    private var appended = 0

    init(_ log: CountyLog, _ db: Database) throws {
        self.log = log
        self.db = db
        frontier = try MerkleFrontier(size: CountyLog.size(db)) { level, index in try CountyLog.perfect(level: level, index: index, in: db) }
    }

    /// Appends the entry built for the next index; returns that index.
    @discardableResult
    mutating func append(_ make: (Int64) throws -> LogEntry) throws -> Int64 {
        let entry = try make(frontier.size)
        let body = entry.bytes
        let leaf = Merkle.leafHash(body)
        let insert = try db.cachedStatement(sql: "INSERT INTO audit_entry (idx, kind, body, leaf) VALUES (?, ?, ?, ?)")
        try insert.execute(arguments: [entry.index, entry.kind.rawValue, body, leaf])
        let node = try db.cachedStatement(sql: "INSERT INTO audit_node (level, idx, hash) VALUES (?, ?, ?)")
        try frontier.append(leaf) { level, index, hash in
            if level >= CountyLog.storedLevel { try node.execute(arguments: [level, index, hash]) }
        }
        appended += 1
        return entry.index
    }

    /// Signs and stores the checkpoint of the log as it now stands, if anything was appended.
    mutating func seal(at time: String) throws {
        guard appended > 0 else { return }
        var checkpoint = Checkpoint(county: log.county.code, size: frontier.size, root: frontier.root.hex, time: time, signature: "")
        checkpoint.signature = try log.sign(checkpoint.statement).base64EncodedString()
        try db.cachedStatement(sql: "INSERT INTO checkpoint (size, root, time, signature) VALUES (?, ?, ?, ?)").execute(
            arguments: [checkpoint.size, checkpoint.root, checkpoint.time, checkpoint.signature])
        appended = 0
    }
}
