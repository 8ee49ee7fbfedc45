import Crypto
import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol

/// This computer's key, and what it last checked of the county's audit log.
extension Replica {
    /// The device's Ed25519 public key (base64), created on first use and kept in the replica
    /// (mode 0600, like the credential). It signs this device's submissions.
    public func devicePublicKey() throws -> String {
        try write { db in try Self.deviceKey(in: db).publicKey.rawRepresentation.base64EncodedString() }
    }

    static func deviceKey(in db: Database) throws -> Curve25519.Signing.PrivateKey {
        if let key = AuditKey.privateKey(try setting("device_key", in: db)) { return key }
        let key = Curve25519.Signing.PrivateKey()
        try setSetting("device_key", key.rawRepresentation.base64EncodedString(), in: db)
        return key
    }

    /// A submission signed with this device's key over what it freezes (other changes as they are).
    public func signed(_ change: Change, plan: PlanID) throws -> Change {
        try write { db in try Self.signed(change, plan: plan, in: db) }
    }

    static func signed(_ change: Change, plan: PlanID, in db: Database) throws -> Change {
        guard case .act(let version, .submit(let letter, let hash, let findings, _)) = change else { return change }
        let statement = SignedStatement.submission(plan: plan, version: version, contentHash: hash)
        let signature = try deviceKey(in: db).signature(for: statement).base64EncodedString()
        return .act(version: version, .submit(letter: letter, contentHash: hash, findings: findings, signature: signature))
    }

    /// What this computer holds as proven of the county's log.
    public struct AuditState: Sendable {
        /// The last checkpoint checked, `nil` before the first sync that checked one.
        public var checkpoint: Checkpoint?
        /// The county's public key, as first seen (pinned).
        public var countyKey: String?
        /// This device's operations up to this counter are proven in the log (0 for a device
        /// identity this computer took since: a copied folder's, or one enrolled again).
        public var provenCounter: Int64
    }

    public func auditState() throws -> AuditState {
        try read { db in
            let device = try settings(in: db).device.rawValue
            let proven = try Self.setting("audit_proven", in: db)?.split(separator: ".")
            return AuditState(checkpoint: try Self.setting("audit_checkpoint", in: db).flatMap { try? WireJSON.decode(Checkpoint.self, from: Data($0.utf8)) },
                              countyKey: try Self.setting("county_key", in: db),
                              provenCounter: proven?.count == 2 && proven?.first.map(String.init) == device ? Int64(proven![1]) ?? 0 : 0)
        }
    }

    /// Checks one proof answer against what this computer holds, and keeps the new checkpoint
    /// only if everything holds. Nothing else is written, whatever the answer says.
    ///
    /// - Throws: ``CountyLogRewritten`` naming what does not hold.
    func accept(_ answer: AuditProofResponse, asked: AuditProofRequest) throws {
        let state = try auditState()
        let settings = try settings()
        func rewritten(_ what: String) -> CountyLogRewritten {
            CountyLogRewritten(what: what, lastChecked: state.checkpoint, county: settings.county)
        }
        if let pinned = state.countyKey, pinned != answer.countyKey {
            throw rewritten("the county now signs with another key (\(AuditKey.fingerprint(answer.countyKey)), not \(AuditKey.fingerprint(pinned)))")
        }
        let checkpoint = answer.checkpoint
        guard checkpoint.size >= 0, checkpoint.isSigned(by: answer.countyKey), let root = checkpoint.rootHash else {
            throw rewritten("its newest checkpoint (size \(checkpoint.size), \(checkpoint.time)) is not signed by the county key")
        }
        if let old = state.checkpoint {
            guard checkpoint.size >= old.size else {
                throw rewritten("its log now holds \(checkpoint.size) entries, fewer than the \(old.size) it signed on \(old.time)")
            }
            let proof = answer.consistency.compactMap { Data(base64Encoded: $0) }
            guard proof.count == answer.consistency.count, let oldRoot = old.rootHash,
                  Merkle.verifyConsistency(old: old.size, oldRoot: oldRoot, new: checkpoint.size, newRoot: root, proof: proof)
            else {
                throw rewritten("its log of \(checkpoint.size) entries does not begin with the \(old.size) entries it signed on \(old.time): entries were changed or removed")
            }
        }
        let proven = try checkOwnEntries(answer, after: asked.after, root: root, settings: settings, rewritten: rewritten)
        guard checkpoint != state.checkpoint || proven != state.provenCounter || state.countyKey == nil else { return }
        // Without waiting for the disk: a power cut only takes this computer back to an earlier
        // checkpoint, from which the county's log must extend just the same.
        try writeWithoutWaiting { db in
            try Self.setSetting("audit_checkpoint", String(decoding: try WireJSON.encode(checkpoint), as: UTF8.self), in: db)
            try Self.setSetting("county_key", answer.countyKey, in: db)
            try Self.setSetting("audit_proven", "\(settings.device).\(proven)", in: db)
        }
    }

    /// Every operation of this device the county acknowledged after `after` is in the log, as
    /// this device sent it, where the county says; returns the last counter proven.
    private func checkOwnEntries(_ answer: AuditProofResponse, after: Int64, root: Data, settings: ReplicaSettings,
                                 rewritten: (String) -> CountyLogRewritten) throws -> Int64 {
        let limit = answer.own.last?.counter ?? .max
        let acknowledged = try read { db in
            // `+state`: through this device's counters, not the index of states, which would walk
            // every accepted operation of the county's other devices.
            try Row.fetchAll(db, sql: """
                SELECT counter, body, seq, county_at FROM operation
                WHERE device = ? AND +state = 'accepted' AND counter > ? AND counter <= ? ORDER BY counter
                """, arguments: [settings.device.rawValue, after, answer.more ? limit : Int64.max])
        }
        let placed = Dictionary(answer.own.map { ($0.counter, $0) }, uniquingKeysWith: { first, _ in first })
        // Operations under this identity that this computer never made: another copy of this data
        // folder made them (a restored backup, a copied folder). The pull that follows gives this
        // copy an identity of its own, whose operations are proven from the start; until then
        // there is nothing here to rebuild those entries from.
        let made = Set(acknowledged.map { $0["counter"] as Int64 })
        if answer.own.contains(where: { !made.contains($0.counter) }) { return after }
        var leaves: [Int64: Data] = [:]
        for row in acknowledged {
            let counter: Int64 = row["counter"]
            let id = OpID(device: settings.device, counter: counter)
            guard let entry = placed[counter] else {
                throw rewritten("operation \(id), which it acknowledged, is not in its log")
            }
            // Acknowledged before this computer kept the county's time: nothing to rebuild the entry from.
            guard let at: String = row["county_at"], let seq: Int64 = row["seq"] else { continue }
            let operation = try PlanOperation(json: JSONReader.parse(row["body"] as Data), path: "operation \(id)")
            let hash = Data(SHA256.hash(data: operation.canonicalJSON))
            var act: ActName?
            if case .act(let version, let recorded) = operation.change {
                act = recorded.name
                if recorded.name == .register || recorded.name == .aviz {
                    let statement = SignedStatement.countyAct(county: answer.checkpoint.county, plan: operation.plan, version: version,
                                                              act: recorded.name, operation: hash, at: at)
                    guard SignedStatement.verify(entry.countySignature, of: statement, publicKey: answer.countyKey) else {
                        throw rewritten("its \(recorded.name.rawValue) \(id) does not carry the county's signature")
                    }
                }
            }
            let logEntry = LogEntry.operation(index: entry.index, at: at, seq: seq, operation: id, plan: operation.plan, account: settings.account.id,
                                              role: settings.account.role, hash: hash, act: act,
                                              countySignature: entry.countySignature.flatMap { Data(base64Encoded: $0) })
            leaves[entry.index] = logEntry.leafHash
        }
        var covered = Set<Int64>()
        for range in answer.ranges {
            guard let indexes = range.entries(inTreeOf: answer.checkpoint.size, atMost: answer.own.count) else {
                throw rewritten("it answered a proof that no log of \(answer.checkpoint.size) entries has")
            }
            covered.formUnion(indexes)
            let runLeaves = indexes.compactMap { leaves[$0] }
            let hashes = range.hashes.compactMap { Data(base64Encoded: $0) }
            guard runLeaves.count == indexes.count, hashes.count == range.hashes.count,
                  Merkle.root(fromLeaves: runLeaves, first: range.first, size: answer.checkpoint.size, proof: hashes) == root
            else {
                throw rewritten("its log does not hold this computer's operations \(range.first)…\(range.first + range.count - 1) as they were sent")
            }
        }
        guard leaves.keys.allSatisfy(covered.contains) else { throw rewritten("it gave no proof for some of this computer's operations") }
        return answer.more ? limit : max(after, acknowledged.last?["counter"] ?? after)
    }
}

/// The county's log no longer holds what this computer checked before: it was rewritten, or the
/// server is not the county's. The sync stops before it takes anything from that server.
public struct CountyLogRewritten: Error, CustomStringConvertible {
    public let what: String
    public let lastChecked: Checkpoint?
    public let county: String

    public var description: String {
        "STOP: the audit log of \(county) does not hold what this computer checked before: \(what). "
            + "The sync stopped before taking anything from the server, and nothing on this computer was changed. "
            + "Do not sync again; tell the county council and the auditors (the last checkpoint this computer checked"
            + (lastChecked.map { " is size \($0.size), root \($0.root.prefix(16))…, signed \($0.time)" } ?? " is none") + ")."
    }
}
