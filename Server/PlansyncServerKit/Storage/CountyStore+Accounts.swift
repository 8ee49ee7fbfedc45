import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol

/// UATs, accounts, enrollment tokens, devices and credentials: who may talk to the county.
extension CountyStore {
    /// How long an enrollment token works unless said otherwise: a week covers a token sent by
    /// post or handed over at the next meeting; a forgotten one stops being a way in.
    public static let defaultTokenValidity: TimeInterval = 7 * 86_400
    /// Names and labels people type, in UTF-8 bytes: long enough for any real one, and a name
    /// always fits the `by` of an operation (``OperationLimits/authorBytes``).
    static let maximumNameBytes = OperationLimits.standard.authorBytes
    /// New identities one device may ask for in a day (``fork(_:label:)``).
    static let forksPerDay = 5

    // MARK: County credential

    /// Creates the county credential if there is none yet; returns it only when it was created.
    func createCountyCredentialIfNeeded() async throws -> String? {
        try await pool.write { [county] db -> String? in
            if try String.fetchOne(db, sql: "SELECT value FROM county WHERE key = 'credential_hash'") != nil { return nil }
            let credential = Credential.generate(.county, county: county.code)
            try db.execute(sql: "INSERT INTO county (key, value) VALUES ('credential_hash', ?), ('name', ?), ('created_at', ?)",
                           arguments: [credential.hash.base64EncodedString(), county.name, Self.timestamp()])
            return credential.text
        }
    }

    /// Replaces the county credential (when the old one leaked or was lost).
    public func rotateCountyCredential() async throws -> String {
        let credential = Credential.generate(.county, county: county.code)
        try await pool.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO county (key, value) VALUES ('credential_hash', ?)",
                           arguments: [credential.hash.base64EncodedString()])
        }
        logger.notice("county credential rotated")
        return credential.text
    }

    // MARK: UATs and accounts

    /// Registers a UAT of this county (again is harmless), gives it a first inspector account if
    /// it has none, and issues a one-time enrollment token for that inspector.
    public func registerUAT(_ siruta: Siruta, inspector: String? = nil, validity: TimeInterval = defaultTokenValidity)
        async throws -> (uat: UAT, account: AccountRecord, enrollmentToken: String)
    {
        let uat = try uatOfThisCounty(siruta)
        let name = try Self.checkedName(inspector ?? "Inspector \(uat.name)", what: "The inspector's name")
        return try await pool.write { db in
            try self.register(uat, in: db)
            let account = try self.firstInspector(of: siruta, in: db) ?? self.insertAccount(name: name, role: .inspector, siruta: siruta, in: db)
            return (uat, account, try Self.issueEnrollment(for: account, county: self.county, validity: validity, in: db))
        }
    }

    /// Creates a person's account with one role and one scope, and issues the one-time token that
    /// enrolls their first device. UAT roles need the UAT (registered now if it was not);
    /// reviewer and administrator work for the whole county; an auditor for either.
    public func addAccount(name: String, role: Role, siruta: Siruta?, validity: TimeInterval = defaultTokenValidity)
        async throws -> (account: AccountRecord, enrollmentToken: String)
    {
        let name = try Self.checkedName(name, what: "The person's name")
        if role.isUATRole, siruta == nil {
            throw ServerError.badInput("The role \(role.rawValue) works for one UAT: give its SIRUTA code (--siruta).")
        }
        if role == .reviewer || role == .administrator, siruta != nil {
            throw ServerError.badInput("The role \(role.rawValue) works for the whole county: give --county, not a UAT.")
        }
        let uat = try siruta.map { try uatOfThisCounty($0) }
        return try await pool.write { db in
            if let uat { try self.register(uat, in: db) }
            let account = try self.insertAccount(name: name, role: role, siruta: siruta, in: db)
            let token = try Self.issueEnrollment(for: account, county: self.county, validity: validity, in: db)
            self.logger.info("account created", metadata: ["account.id": "\(account.id)", "account.role": "\(role.rawValue)"])
            return (account, token)
        }
    }

    /// Every account of the county, UAT accounts by UAT.
    public func accounts() async throws -> [AccountRecord] {
        try await pool.read { db in try AccountRecord.order(Column("siruta"), Column("role"), Column("name")).fetchAll(db) }
    }

    /// Disables an account: its devices stop working at once; its history stays attributed to it.
    public func disableAccount(_ id: AccountID) async throws {
        try await pool.write { db in
            let now = Self.timestamp()
            try db.execute(sql: "UPDATE account SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL", arguments: [now, id.rawValue])
            guard db.changesCount == 1 else { throw ServerError.notFound("No active account \(id) in \(self.county.name).") }
            // Its web sessions end too: enabling the account again does not bring them back.
            try db.execute(sql: "DELETE FROM web_session WHERE account = ?", arguments: [id.rawValue])
            try self.appendToLog(in: db) { .account(.accountDisabled, index: $0, at: now, account: id) }
        }
        logger.notice("account disabled", metadata: ["account.id": "\(id)"])
    }

    /// A one-time token for one more device of an active account.
    public func issueEnrollment(for id: AccountID, validity: TimeInterval = defaultTokenValidity) async throws -> String {
        try await pool.write { db in
            guard let account = try AccountRecord.fetchOne(db, key: id.rawValue), account.disabledAt == nil else {
                throw ServerError.notFound("No active account \(id) in \(self.county.name). `plansync-server user list` shows them.")
            }
            return try Self.issueEnrollment(for: account, county: self.county, validity: validity, in: db)
        }
    }

    /// The UAT's first active inspector, who `device add --siruta` and `uat add` enroll devices for.
    public func firstInspector(of siruta: Siruta) async throws -> AccountRecord? {
        try await pool.read { db in try self.firstInspector(of: siruta, in: db) }
    }

    private func firstInspector(of siruta: Siruta, in db: Database) throws -> AccountRecord? {
        try AccountRecord.filter(sql: "siruta = ? AND role = 'inspector' AND disabled_at IS NULL", arguments: [siruta.rawValue])
            .order(Column("created_at"), Column("id")).fetchOne(db)
    }

    private func uatOfThisCounty(_ siruta: Siruta) throws -> UAT {
        guard let uat = registry[siruta] else {
            throw ServerError.badInput("SIRUTA \(siruta) is not in the SIRUTA list of Romania's UATs. Check the code (match by SIRUTA, not by name).")
        }
        guard uat.county == county else {
            throw ServerError.badInput("\(uat.name) (SIRUTA \(siruta)) belongs to \(uat.county.name), not to \(county.name).")
        }
        return uat
    }

    private func register(_ uat: UAT, in db: Database) throws {
        try UATRecord(siruta: uat.siruta.rawValue, name: uat.name, kind: uat.kind.rawValue, registeredAt: Self.timestamp())
            .insert(db, onConflict: .ignore)
    }

    private func insertAccount(name: String, role: Role, siruta: Siruta?, in db: Database) throws -> AccountRecord {
        var id = Self.newIdentifier()
        while try AccountRecord.exists(db, key: id) { id = Self.newIdentifier() }
        let account = AccountRecord(id: id, name: name, role: role.rawValue, siruta: siruta?.rawValue, createdAt: Self.timestamp(), disabledAt: nil)
        try account.insert(db)
        try appendToLog(in: db) { .accountCreated(index: $0, at: account.createdAt, account: account.account) }
        return account
    }

    /// Appends one entry to the audit log and seals it, inside the caller's transaction.
    func appendToLog(in db: Database, _ make: (Int64) throws -> LogEntry) throws {
        var appender = try LogAppender(log, db)
        try appender.append(make)
        try appender.seal(at: Self.timestamp())
    }

    private static func issueEnrollment(for account: AccountRecord, county: County, validity: TimeInterval, in db: Database) throws -> String {
        guard validity > 0 else { throw ServerError.badInput("A token must be valid for some time (days > 0).") }
        let token = Credential.generate(.enrollment, county: county.code)
        try EnrollmentRecord(tokenHash: token.hash, account: account.id, issuedAt: timestamp(),
                             expiresAt: timestamp(Date().addingTimeInterval(validity)), usedAt: nil, device: nil).insert(db)
        return token.text
    }

    /// A name or label as people type it: one line, no control characters (they would reach
    /// other people's terminals), at most ``maximumNameBytes`` bytes.
    static func checkedName(_ name: String, what: String) throws -> String {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.utf8.count <= maximumNameBytes,
              !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else {
            throw ServerError.badInput("\(what) must be one line of 1 to \(maximumNameBytes) bytes (up to \(maximumNameBytes) letters without diacritics), with no control characters.")
        }
        return trimmed
    }

    /// 8 characters of `a-z0-9`: short, because a device's is in every operation id on the wire.
    static func newIdentifier() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<8).map { _ in alphabet.randomElement()! })
    }

    // MARK: Devices

    /// Trades a one-time enrollment token, as text, for a device id and credential.
    public func enroll(token text: String, label: String, replacing replaced: DeviceID? = nil, publicKey: String? = nil) async throws -> EnrollResponse {
        guard let token = Credential(text), token.kind == .enrollment, token.countyCode == county.code else { throw ServerError.unknownEnrollment() }
        return try await enroll(token: token, label: label, replacing: replaced, publicKey: publicKey)
    }

    /// A device's public key as sent: raw Ed25519 in base64, or none (an older client).
    private static func checkedKey(_ base64: String?) throws -> Data? {
        guard let base64 else { return nil }
        guard let key = AuditKey.publicKey(base64) else {
            throw ServerError.badInput("publicKey must be a raw Ed25519 public key (32 bytes) in base64.")
        }
        return key.rawRepresentation
    }

    /// The device and account a device credential opens.
    public func session(credential text: String) async throws -> Session {
        guard let credential = Credential(text), case .device(let session) = try await authenticate(credential) else {
            throw ServerError.unknownCredential
        }
        return session
    }

    /// Trades a one-time enrollment token for a device id and credential, for the token's account.
    ///
    /// With `replaced` (a computer enrolling again after its device was revoked), the token must be
    /// for the account of that revoked device; otherwise nothing happens and the token stays unused.
    func enroll(token: Credential, label: String, replacing replaced: DeviceID? = nil, publicKey: String? = nil) async throws -> EnrollResponse {
        let label = try Self.checkedName(label, what: "The device's label")
        let publicKey = try Self.checkedKey(publicKey)
        let credential = Credential.generate(.device, county: county.code)
        let answer = try await pool.write { db in
            guard let enrollment = try EnrollmentRecord.fetchOne(db, key: token.hash) else { throw ServerError.unknownEnrollment() }
            guard enrollment.usedAt == nil else { throw ServerError.usedEnrollment() }
            guard enrollment.expiresAt > Self.timestamp() else { throw ServerError.expiredEnrollment(enrollment.expiresAt) }
            guard let account = try AccountRecord.fetchOne(db, key: enrollment.account), account.disabledAt == nil else {
                throw ServerError.accountDisabled
            }
            if let replaced {
                guard let old = try DeviceRecord.fetchOne(db, key: replaced.rawValue), old.account == account.id, old.revokedAt != nil else {
                    throw ServerError.enrollmentMismatch(replaced)
                }
            }
            let device = try self.insertDevice(for: account, label: label, credential: credential, forkedFrom: replaced?.rawValue, publicKey: publicKey, in: db)
            try db.execute(sql: "UPDATE enrollment SET used_at = ?, device = ? WHERE token_hash = ?",
                           arguments: [device.enrolledAt, device.id, token.hash])
            return EnrollResponse(enrollment: try self.enrollment(of: device, account: account, in: db), credential: credential.text)
        }
        logger.info("device enrolled", metadata: ["device.id": "\(answer.device)", "account.id": "\(answer.account.id)"])
        return answer
    }

    /// A new identity for a device whose data folder is in use on another computer too: same
    /// account, new id and credential. The old identity keeps working for the other copy.
    ///
    /// A copied folder forks once; a device asking again and again is not a copied folder: at
    /// most ``forksPerDay`` a day. Revoking a device revokes its forks (``revokeDevice(_:)``).
    func fork(_ session: Session, label: String, publicKey: String? = nil) async throws -> EnrollResponse {
        let label = try Self.checkedName(label, what: "The device's label")
        let publicKey = try Self.checkedKey(publicKey)
        let credential = Credential.generate(.device, county: county.code)
        let answer = try await pool.write { db in
            guard let account = try AccountRecord.fetchOne(db, key: session.account.id.rawValue) else { throw ServerError.accountDisabled }
            let recent = try Int.fetchOne(db, sql: "SELECT count(*) FROM device WHERE forked_from = ? AND enrolled_at > ?",
                                          arguments: [session.device.id, Self.timestamp(Date().addingTimeInterval(-86_400))]) ?? 0
            guard recent < Self.forksPerDay else {
                throw ServerError.forbidden("This device asked for \(recent) new identities in a day; a copied data folder needs one. Ask the county's administrator.")
            }
            let device = try self.insertDevice(for: account, label: label, credential: credential, forkedFrom: session.device.id, publicKey: publicKey, in: db)
            return EnrollResponse(enrollment: try self.enrollment(of: device, account: account, in: db), credential: credential.text)
        }
        logger.notice("device forked: its data folder is in use elsewhere too",
                      metadata: ["device.id": "\(answer.device)", "device.forkedFrom": "\(session.device.id)"])
        return answer
    }

    func insertDevice(for account: AccountRecord, label: String, credential: Credential, forkedFrom: String?, publicKey: Data?,
                              in db: Database) throws -> DeviceRecord {
        var id = Self.newIdentifier()
        while try DeviceRecord.exists(db, key: id) { id = Self.newIdentifier() }
        let device = DeviceRecord(id: id, account: account.id, label: label, credentialHash: credential.hash,
                                  enrolledAt: Self.timestamp(), revokedAt: nil, lastPushAt: nil, forkedFrom: forkedFrom, publicKey: publicKey)
        try device.insert(db)
        try appendToLog(in: db) { .deviceEnrolled(index: $0, at: device.enrolledAt, device: device.deviceID, account: AccountID(account.id),
                                                  publicKey: publicKey, forkedFrom: forkedFrom.map { DeviceID($0) }) }
        return device
    }

    /// What a device is enrolled as (`GET /v1/me`).
    public func enrollment(of session: Session) async throws -> Enrollment {
        try await pool.read { db in
            guard let account = try AccountRecord.fetchOne(db, key: session.account.id.rawValue) else { throw ServerError.accountDisabled }
            return try self.enrollment(of: session.device, account: account, in: db)
        }
    }

    private func enrollment(of device: DeviceRecord, account: AccountRecord, in db: Database) throws -> Enrollment {
        let uatName = try account.siruta.flatMap { try String.fetchOne(db, sql: "SELECT name FROM uat WHERE siruta = ?", arguments: [$0]) }
        return Enrollment(device: device.deviceID, label: device.label, account: account.account, county: county.name, uatName: uatName)
    }

    /// Revokes a device and every identity forked from it (a stolen laptop's credential must not
    /// live on through a fork it asked for).
    ///
    /// - Returns: the devices revoked, the one named first.
    @discardableResult
    public func revokeDevice(_ id: DeviceID) async throws -> [DeviceID] {
        let revoked = try await pool.write { db in
            let tree = try String.fetchAll(db, sql: """
                WITH RECURSIVE tree(id) AS (SELECT ? UNION SELECT d.id FROM device d JOIN tree ON d.forked_from = tree.id)
                SELECT d.id FROM device d JOIN tree USING (id) WHERE d.revoked_at IS NULL
                """, arguments: [id.rawValue])
            guard tree.contains(id.rawValue) else {
                throw ServerError.notFound("No active device \(id) in \(self.county.name).")
            }
            let now = Self.timestamp()
            var appender = try LogAppender(self.log, db)
            for device in tree {
                try db.execute(sql: "UPDATE device SET revoked_at = ? WHERE id = ?", arguments: [now, device])
                try appender.append { .deviceRevoked(index: $0, at: now, device: DeviceID(device)) }
            }
            try appender.seal(at: now)
            return [id] + tree.filter { $0 != id.rawValue }.map { DeviceID($0) }
        }
        logger.notice("device revoked", metadata: ["device.id": "\(id)", "device.forks": "\(revoked.count - 1)"])
        return revoked
    }

    /// Enables a disabled account again: its devices work again (those not revoked).
    public func enableAccount(_ id: AccountID) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE account SET disabled_at = NULL WHERE id = ? AND disabled_at IS NOT NULL", arguments: [id.rawValue])
            guard db.changesCount == 1 else { throw ServerError.notFound("No disabled account \(id) in \(self.county.name).") }
            try self.appendToLog(in: db) { .account(.accountEnabled, index: $0, at: Self.timestamp(), account: id) }
        }
        logger.notice("account enabled", metadata: ["account.id": "\(id)"])
    }

    /// Every device with its account.
    public func devices() async throws -> [(device: DeviceRecord, account: AccountRecord)] {
        try await pool.read { db in
            let accounts = Dictionary(uniqueKeysWithValues: try AccountRecord.fetchAll(db).map { ($0.id, $0) })
            return try DeviceRecord.order(Column("enrolled_at"), Column("id")).fetchAll(db).compactMap { device in
                accounts[device.account].map { (device, $0) }
            }
        }
    }

    /// Who holds this credential.
    func authenticate(_ credential: Credential) async throws -> Principal {
        try await pool.read { db in
            switch credential.kind {
            case .county:
                let stored = try String.fetchOne(db, sql: "SELECT value FROM county WHERE key = 'credential_hash'")
                guard stored == credential.hash.base64EncodedString() else { throw ServerError.unknownCredential }
                return .county
            case .device:
                // Every request asks: prepared once per connection, not built and compiled each time.
                let deviceQuery = try db.cachedStatement(sql: "SELECT * FROM device WHERE credential_hash = ?")
                guard let device = try DeviceRecord.fetchOne(deviceQuery, arguments: [credential.hash])
                else { throw ServerError.unknownCredential }
                guard device.revokedAt == nil else { throw ServerError.revokedDevice }
                let accountQuery = try db.cachedStatement(sql: "SELECT * FROM account WHERE id = ?")
                guard let account = try AccountRecord.fetchOne(accountQuery, arguments: [device.account]), account.disabledAt == nil else {
                    throw ServerError.accountDisabled
                }
                return .device(Session(device: device, account: account.account))
            case .enrollment:
                throw ServerError.unknownCredential
            }
        }
    }
}
