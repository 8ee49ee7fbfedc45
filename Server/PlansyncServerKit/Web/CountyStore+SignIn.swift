import Crypto
import Foundation
import GRDB
import HummingbirdBcrypt
import PlansyncCore
import PlansyncProtocol
import Synchronization

/// Who is signed in to the county's web pages.
public struct WebSession: Sendable, Equatable {
    /// The account, as the permission table sees it.
    public let account: Account
    /// The secret every form of this session carries back (CSRF).
    public let formToken: String
    /// The cookie's secret (only the client holds it; the county keeps its hash).
    public let token: String
}

/// Passwords and sessions for the web pages.
///
/// A password is stored as a bcrypt hash; a session as the SHA-256 of its random token, so a copy
/// of the database opens no session. Every attempt is counted before its password is checked, by
/// the id typed, so attempts sent at once cannot slip past the lock and an id that does not exist
/// is treated like one that does: five wrong passwords in a row lock the id for a quarter of an
/// hour. At most ``PasswordGate/slots`` checks run at once on a server; an attempt waits a
/// moment for one, then is answered "busy".
extension CountyStore {
    /// Wrong passwords in a row before the account is locked for ``signInLockout``.
    static let signInAttempts = 5
    static let signInLockout: TimeInterval = 15 * 60
    /// How long a session lasts from sign-in (a working day).
    static let sessionLifetime: TimeInterval = 10 * 3600
    /// bcrypt's cost: ~0.1 s a check on the county's server, enough to make guessing slow.
    static let bcryptCost: UInt8 = 11
    /// A bcrypt hash of nothing anyone types, checked when the account is unknown (same time).
    private static let decoyHash = Bcrypt.hash("plansync-no-such-account", cost: bcryptCost)

    /// Sets (or replaces) an account's password and unlocks it; its open sessions end.
    public func setPassword(_ password: String, for id: AccountID) async throws {
        try Self.checkStrength(password)
        let hash = await PasswordGate.offThePool { Bcrypt.hash(password, cost: Self.bcryptCost) }
        try await pool.write { db in
            try db.execute(sql: "UPDATE account SET password_hash = ? WHERE id = ?", arguments: [hash, id.rawValue])
            guard db.changesCount == 1 else { throw ServerError.notFound("No account \(id) in \(self.county.name). `plansync-server user list` shows them.") }
            try db.execute(sql: "DELETE FROM sign_in_attempt WHERE account = ?", arguments: [id.rawValue])
            try db.execute(sql: "DELETE FROM web_session WHERE account = ?", arguments: [id.rawValue])
        }
        logger.notice("password set", metadata: ["account.id": "\(id)"])
    }

    /// A password a clerk can type and bcrypt reads whole: 10 to 72 bytes.
    static func checkStrength(_ password: String) throws {
        guard password.utf8.count >= 10 else { throw ServerError.badParameter("A password has at least 10 characters.") }
        guard password.utf8.count <= 72 else { throw ServerError.badParameter("A password has at most 72 bytes (bcrypt reads no further).") }
    }

    /// Opens a session for an account whose password matches, or says why not — in words that
    /// do not tell a guesser whether the account exists.
    public func signIn(account typed: String, password: String) async throws -> WebSession {
        let now = Date()
        // An id is at most a line; anything longer is no account's and is counted under its prefix.
        let id = String(typed.prefix(64))
        // Counted first, in one write: attempts sent together each take one of the five.
        let record = try await pool.write { db -> Row? in
            try db.execute(sql: "DELETE FROM sign_in_attempt WHERE last_at < ?", arguments: [Self.timestamp(now.addingTimeInterval(-86_400))])
            let attempt = try Row.fetchOne(db, sql: "SELECT failures, locked_until FROM sign_in_attempt WHERE account = ?", arguments: [id])
            if let locked = (attempt?["locked_until"] as String?).flatMap(Self.date), locked > now { throw SignInRefusal.locked(until: locked) }
            let failures = ((attempt?["failures"] as Int?) ?? 0) + 1
            let lock = failures >= Self.signInAttempts ? Self.timestamp(now.addingTimeInterval(Self.signInLockout)) : nil
            try db.execute(sql: "INSERT OR REPLACE INTO sign_in_attempt (account, failures, locked_until, last_at) VALUES (?, ?, ?, ?)",
                           arguments: [id, lock == nil ? failures : 0, lock, Self.timestamp(now)])
            return try Row.fetchOne(db, sql: "SELECT password_hash, disabled_at FROM account WHERE id = ?", arguments: [id])
        }
        let stored: String? = record?["password_hash"]
        let matches = try await passwordGate.check(password, against: stored ?? Self.decoyHash)
        guard stored != nil, matches else {
            logger.notice("sign-in refused", metadata: ["account.id": "\(id)"])
            throw SignInRefusal.wrongPassword
        }
        guard (record?["disabled_at"] as String?) == nil else { throw SignInRefusal.disabled }
        let token = Self.randomToken()
        let formToken = Self.randomToken()
        let account = try await pool.write { db in
            try db.execute(sql: "DELETE FROM sign_in_attempt WHERE account = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM web_session WHERE expires_at < ?", arguments: [Self.timestamp(now)])
            try db.execute(sql: "INSERT INTO web_session (token_hash, account, form_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [Self.sessionHash(token), id, formToken, Self.timestamp(now),
                                       Self.timestamp(now.addingTimeInterval(Self.sessionLifetime))])
            return try AccountRecord.fetchOne(db, key: id)!.account
        }
        logger.notice("signed in", metadata: ["account.id": "\(id)"])
        return WebSession(account: account, formToken: formToken, token: token)
    }

    /// The session a cookie's token opens: not expired, its account active.
    public func webSession(token: String) async throws -> WebSession? {
        try await pool.read { db in
            let query = try db.cachedStatement(sql: """
                SELECT s.form_token, s.expires_at, a.* FROM web_session s JOIN account a ON a.id = s.account WHERE s.token_hash = ?
                """)
            guard let row = try Row.fetchOne(query, arguments: [Self.sessionHash(token)]),
                  let expires = Self.date(row["expires_at"]), expires > Date(), (row["disabled_at"] as String?) == nil
            else { return nil }
            return WebSession(account: try AccountRecord(row: row).account, formToken: row["form_token"], token: token)
        }
    }

    /// Ends a session (signing out).
    public func signOut(token: String) async throws {
        try await pool.write { db in try db.execute(sql: "DELETE FROM web_session WHERE token_hash = ?", arguments: [Self.sessionHash(token)]) }
    }

    private static func sessionHash(_ token: String) -> Data { Data(SHA256.hash(data: Data(token.utf8))) }

    /// 32 random bytes, URL-safe base64.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func date(_ text: String?) -> Date? { text.flatMap { try? Date($0, strategy: .iso8601) } }
}

/// The bcrypt checks one server runs at once: sign-in floods must not take the cores that the
/// communes' syncs need. One gate per data directory (a server), shared by its counties.
final class PasswordGate: Sendable {
    /// Checks at once; each takes ~0.1 s of one core.
    static let slots = 4
    /// How long an attempt waits for a slot before it is answered "busy": a few people signing
    /// in at the same moment wait a little rather than being turned away.
    static let patience: Duration = .seconds(2)
    private let running = Mutex(0)

    /// Whether `password` matches `hash`, checked in one of the ``slots``.
    func check(_ password: String, against hash: String) async throws -> Bool {
        let deadline = ContinuousClock.now + Self.patience
        while !running.withLock({ running in
            guard running < Self.slots else { return false }
            running += 1
            return true
        }) {
            guard ContinuousClock.now < deadline else { throw SignInRefusal.busy }
            try await Task.sleep(for: .milliseconds(20))
        }
        defer { running.withLock { $0 -= 1 } }
        return await Self.offThePool { Bcrypt.verify(password, hash: hash) }
    }

    /// bcrypt is slow on purpose: it runs beside Swift's few cooperative threads, not on them.
    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }
}

/// Why a sign-in was refused, as the page says it.
public enum SignInRefusal: Error, Equatable, Sendable {
    case wrongPassword
    case locked(until: Date)
    case disabled
    /// Too many sign-ins at this moment; try again in a few seconds.
    case busy
}
