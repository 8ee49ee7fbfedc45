import Crypto
import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol
import Synchronization

/// Receiving a device's operations: the one door into the county's history.
extension CountyStore {
    /// Accepts or sets aside each operation, durably, before answering.
    ///
    /// The documented outcome of a push, in the order it is decided:
    /// 1. The whole push is refused, nothing written, when it cannot be a well-behaved device's:
    ///    an operation of another device, or on a plan outside the account's scope (403); an id
    ///    the server already holds with other content (409 `op-id-reused`: the data folder is in
    ///    use on another computer too); a hybrid clock the county refuses (422 `clock-out-of-range`).
    ///    The problem document says which operations, so the client can recover by itself.
    /// 2. An operation accepted or set aside before gets the same answer again (idempotent).
    /// 3. Otherwise each operation is checked — the role's permission (``Permissions``), then the
    ///    rules (``OperationRules``), including that every write it says it saw was accepted before
    ///    it on the same target and, for an act, the workflow's state rules; a submission's content
    ///    hash and findings must be the county's own on the plan as it stands — and is accepted with the next sequence number, or set aside with
    ///    its reason. A set-aside operation never stops the ones after it.
    public func push(_ operations: [PlanOperation], from session: Session) async throws -> PushResponse {
        let outcomes: [PushOutcome]
        do {
            outcomes = try await decide(operations, from: session)
        } catch let error as ServerError {
            metrics.operations(county: county.code, outcome: "refused", reason: error.code, count: operations.count)
            throw error
        }
        let accepted = outcomes.count { $0.seq != nil }
        logger.debug("push", metadata: ["device.id": "\(session.deviceID)", "push.operations": "\(operations.count)", "push.accepted": "\(accepted)"])
        return PushResponse(outcomes: outcomes)
    }

    /// The outcome of each operation, once durable.
    private func decide(_ operations: [PlanOperation], from session: Session) async throws -> [PushOutcome] {
        guard Permissions.allows(session.account, .push) else {
            throw ServerError.forbidden(Permissions.refusal(for: session.account.role, area: .content))
        }
        let device = session.deviceID
        if let foreign = operations.first(where: { $0.id.device != device }) {
            throw ServerError.forbidden("Operation \(foreign.id) was made by another device; a device pushes only its own operations.")
        }
        // Encoded and hashed before taking the county's single writer.
        let encoded = operations.map { operation in
            let body = operation.canonicalJSON
            return (body: body, hash: Data(SHA256.hash(data: body)))
        }
        let push = QueuedPush(operations: operations, encoded: encoded, session: session, now: Self.timestamp(), countyNow: clock.nowMillis())
        pushes.enqueue(push)
        // The turn is a task of its own: a client that hangs up must not cancel it, which would
        // leave its push queued with no turn, or interrupt a group holding other devices' pushes.
        let pool = pool
        do {
            try await Task {
                try await pool.writeWithoutTransaction { db in
                    // A turn whose push an earlier turn took returns at once (committing what
                    // waits would cost an fsync per push again); turns may also run in another
                    // order than their pushes queued, so go on until this one's is decided.
                    while !push.isDecided { self.commitQueuedPushes(db) }
                }
            }.value
        } catch {
            pushes.remove(push)
            throw error
        }
        return try push.decision()
    }

    /// Group commit: the pushes waiting for the county's single writer go through it together,
    /// in the order they came, in one transaction — one `fsync` for all of them.
    ///
    /// Each push still stands alone: it runs in a savepoint of its own, so a push refused whole
    /// (403, 409, 422) is undone without touching the others, and each later push sees the
    /// documents as the earlier ones left them. None is answered before the commit: if the commit
    /// fails, every push of the group fails and nothing of it was acknowledged. Every push queues
    /// itself, then takes a turn on the writer that commits groups until its own is decided;
    /// a turn that finds it decided returns at once, so the pushes that came in meanwhile wait
    /// for the next undecided one's turn and go together.
    private func commitQueuedPushes(_ db: Database) {
        let group = pushes.takeGroup()
        guard !group.isEmpty else { return }
        let started = ContinuousClock.now
        var documents: [PlanID: PlanDocument] = [:]
        var decisions: [Result<[PushOutcome], any Error>] = []
        var decided = DecidedOperations()
        do {
            try db.inTransaction {
                for push in group {
                    var ingest = Ingest(store: self, session: push.session, db: db, now: push.now, documents: documents)
                    do {
                        try db.inSavepoint {
                            try ingest.run(push.operations, encoded: push.encoded, countyNow: push.countyNow)
                            return .commit
                        }
                        documents = ingest.touched
                        decisions.append(.success(ingest.outcomes))
                        decided.merge(ingest.decided)
                    } catch {
                        decisions.append(.failure(error))
                    }
                }
                return .commit
            }
        } catch {
            for push in group { push.decide(.failure(error)) }
            return
        }
        pushes.committed(group)
        metrics.committed(county: county.code, pushes: group.count, duration: ContinuousClock.now - started)
        decided.report(to: metrics, county: county.code)
        // Committed, and still on the single writer: the next group starts from these documents,
        // and only now may readers see them.
        cache.withLock { cache in cache.merge(documents) { $1 } }
        documentsGeneration.add(1, ordering: .releasing)
        for (push, decision) in zip(group, decisions) { push.decide(decision) }
    }

    /// The SHA-256 of an operation's canonical encoding, as stored with it.
    static func hash(of body: Data) -> Data { Data(SHA256.hash(data: body)) }
}

/// One push inside the writer's transaction.
private struct Ingest {
    let store: CountyStore
    let session: Session
    let db: Database
    let now: String
    var outcomes: [PushOutcome] = []
    /// What this push decided for the first time (a retry's earlier answers are not counted again).
    var decided = DecidedOperations()
    /// Plans read or changed by this push (and the earlier pushes of its group), as they stand
    /// after it.
    var touched: [PlanID: PlanDocument] = [:]
    private var lastSeq: [PlanID: Int64] = [:]
    /// What each counter of this device already got, with the hash of its content.
    private var known: [Int64: (outcome: PushOutcome, hash: Data)] = [:]
    /// Operations accepted earlier in this push, which later ones may name as seen.
    private var accepted: [OpID: PlanOperation] = [:]

    /// The largest body of a set-aside operation kept as is: twice a value's limit.
    static let keptRejectedBody = 2 * OperationLimits.standard.valueBytes

    /// `documents`: the plans as the earlier pushes of the same group left them.
    init(store: CountyStore, session: Session, db: Database, now: String, documents: [PlanID: PlanDocument]) {
        self.store = store
        self.session = session
        self.db = db
        self.now = now
        touched = documents
    }

    mutating func run(_ operations: [PlanOperation], encoded: [(body: Data, hash: Data)], countyNow: Int64) throws {
        try refuseOutOfScope(operations)
        try loadKnown(counters: operations.map(\.id.counter))
        try refuseReusedIDs(operations, encoded: encoded)
        try refuseBadClocks(operations, countyNow: countyNow)
        outcomes.reserveCapacity(operations.count)
        var log = try LogAppender(store.log, db)
        let insert = try db.cachedStatement(sql: """
            INSERT INTO operation (device, counter, plan, siruta, hlc, author, kind, body, received_at, hash, entry)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (operation, (body, hash)) in zip(operations, encoded) {
            if let earlier = known[operation.id.counter] {
                // Sent before, or earlier in this push with the same content (refuseReusedIDs
                // refused any other content): the same answer.
                outcomes.append(earlier.outcome)
                continue
            }
            let plan = touched[operation.plan]
            let siruta = Self.uat(of: operation, plan: plan)
            if let rejection = try verdict(on: operation, plan: plan, siruta: siruta) {
                // The hash answers a retry; the body is kept for people to read, unless it is far
                // larger than any real operation (a hostile push must not fill the county's disk).
                try RejectionRecord(device: operation.id.device.rawValue, counter: operation.id.counter, plan: operation.plan.rawValue,
                                    code: rejection.code, message: rejection.message, body: body.count <= Self.keptRejectedBody ? body : Data(),
                                    receivedAt: now, hash: hash).insert(db)
                record(.rejected(operation.id, rejection), hash: hash, for: operation)
                decided.rejected[rejection.code, default: 0] += 1
                continue
            }
            // Applied in place: the document is not copied per operation.
            if plan == nil {
                touched[operation.plan] = try PlanDocument.created(by: operation)
            } else {
                touched[operation.plan]!.apply(operation)
            }
            // A prepared statement rather than a record: this insert is the push's hot loop.
            try insert.execute(arguments: [
                operation.id.device.rawValue, operation.id.counter, operation.plan.rawValue, siruta!.rawValue,
                operation.hlc.rawValue, operation.author, operation.change.kind.rawValue, body, now, hash, log.frontier.size,
            ])
            let seq = db.lastInsertedRowID
            try log.append { index in
                .operation(index: index, at: now, seq: seq, operation: operation.id, plan: operation.plan, account: session.account.id,
                           role: session.account.role, hash: hash, act: CountyLog.actName(of: operation), countySignature: try countySignature(of: operation, hash: hash))
            }
            lastSeq[operation.plan] = seq
            accepted[operation.id] = operation
            record(.accepted(operation.id, seq: seq, at: now), hash: hash, for: operation)
            decided.accepted += 1
        }
        try saveTouchedPlans()
        try log.seal(at: now)
        if !operations.isEmpty {
            try db.cachedStatement(sql: "UPDATE device SET last_push_at = ? WHERE id = ?").execute(arguments: [now, session.device.id])
        }
    }

    /// The county's signature of a registration or an aviz it accepts: the county vouches for its
    /// own acts, verifiable offline with its public key.
    private func countySignature(of operation: PlanOperation, hash: Data) throws -> Data? {
        guard case .act(let version, let act) = operation.change, act.name == .register || act.name == .aviz else { return nil }
        return try store.log.sign(SignedStatement.countyAct(county: store.county.code, plan: operation.plan, version: version,
                                                               act: act.name, operation: hash, at: now))
    }

    /// A submission must be signed by the device that sends it, over the content it froze, when
    /// the device registered a key (devices enrolled before keys existed send unsigned ones).
    private func checkSignature(of operation: PlanOperation) throws(Rejection) {
        guard case .act(let version, .submit(_, let contentHash, _, let signature)) = operation.change else { return }
        guard let key = session.device.publicKey else { return }
        let statement = SignedStatement.submission(plan: operation.plan, version: version, contentHash: contentHash)
        guard SignedStatement.verify(signature, of: statement, publicKey: key.base64EncodedString()) else {
            throw Rejection(code: "signature-invalid", message: signature == nil
                ? "Transmiterea nu este semnată cu cheia acestui dispozitiv; actualizați plansync și transmiteți din nou (the submission is not signed)."
                : "Semnătura transmiterii nu este a acestui dispozitiv pe acest conținut (the submission's signature does not verify with this device's key).")
        }
    }

    /// The UAT whose plan an operation changes (`nil` for a plan the county does not have).
    private static func uat(of operation: PlanOperation, plan: PlanDocument?) -> Siruta? {
        if case .createPlan(let siruta, _, _) = operation.change { return siruta }
        return plan?.siruta
    }

    /// An operation on a plan outside the account's scope is not a clerk's mistake — the device
    /// never had that plan — but a misbehaving client: refuse the whole push.
    private mutating func refuseOutOfScope(_ operations: [PlanOperation]) throws {
        for operation in operations {
            if touched[operation.plan] == nil, let stored = try store.document(operation.plan, in: db) {
                touched[operation.plan] = stored
            }
            guard let siruta = Self.uat(of: operation, plan: touched[operation.plan]) else { continue }
            guard store.registry[siruta]?.county == store.county else {
                throw ServerError.forbidden("SIRUTA \(siruta) is not a UAT of \(store.county.name); this server holds only its county's plans.")
            }
            if !Permissions.covers(session.account, siruta: siruta) {
                throw ServerError.forbidden("Plan \(operation.plan) is of SIRUTA \(siruta); this account works for SIRUTA \(session.account.siruta.map(String.init(describing:)) ?? "-"). A device sends only changes to plans it works on.")
            }
        }
    }

    private mutating func record(_ outcome: PushOutcome, hash: Data, for operation: PlanOperation) {
        known[operation.id.counter] = (outcome, hash)
        outcomes.append(outcome)
    }

    /// What this batch's counters already got: one range query on each table instead of a probe
    /// per operation (a repeated batch is the common retry).
    private mutating func loadKnown(counters: [Int64]) throws {
        guard let low = counters.min(), let high = counters.max() else { return }
        let range: StatementArguments = [session.device.id, low, high]
        let device = session.deviceID
        for earlier in try KnownOperation.fetchAll(db.cachedStatement(sql: """
            SELECT counter, seq, NULL AS code, NULL AS message, hash, CASE WHEN hash IS NULL THEN body END AS body, received_at AS receivedAt
            FROM operation WHERE device = ? AND counter BETWEEN ? AND ?
            UNION ALL
            SELECT counter, NULL, code, message, hash, CASE WHEN hash IS NULL THEN body END, NULL
            FROM rejection WHERE device = ? AND counter BETWEEN ? AND ?
            """), arguments: range + range) {
            let id = OpID(device: device, counter: earlier.counter)
            let outcome: PushOutcome = earlier.seq.map { .accepted(id, seq: $0, at: earlier.receivedAt) }
                ?? .rejected(id, Rejection(code: earlier.code ?? "", message: earlier.message ?? ""))
            // Rows from before hashes were stored: their body is the same canonical encoding.
            known[earlier.counter] = (outcome, earlier.hash ?? CountyStore.hash(of: earlier.body ?? Data()))
        }
    }

    /// An operation this device sent before, accepted (`seq`) or set aside (`code`, `message`).
    private struct KnownOperation: Decodable, FetchableRecord {
        let counter: Int64
        let seq: Int64?
        let code: String?
        let message: String?
        let hash: Data?
        let body: Data?
        let receivedAt: String?
    }

    /// An id the server holds with other content means two computers issue the same ids: refuse
    /// the push and say which operations the server holds as sent (the client marks those done).
    /// The same id twice in one push with other content is a reuse too. The same edit with
    /// another stamp is not: it was stamped again on another copy of the data folder (a clock
    /// far off) — it is answered as known, with the county's stamp for the replica to take.
    private mutating func refuseReusedIDs(_ operations: [PlanOperation], encoded: [(body: Data, hash: Data)]) throws {
        var reused: [OpID] = []
        var same: [PushOutcome] = []
        var inPush: [Int64: Data] = [:]
        for (operation, (_, hash)) in zip(operations, encoded) {
            if var earlier = known[operation.id.counter] {
                if earlier.hash != hash, let stamp = try stampOfSameEdit(operation) {
                    earlier.outcome.hlc = stamp
                    earlier.hash = hash
                    known[operation.id.counter] = earlier
                }
                if earlier.hash == hash { same.append(earlier.outcome) } else { reused.append(operation.id) }
            } else if let first = inPush[operation.id.counter] {
                if first != hash { reused.append(operation.id) }
            } else {
                inPush[operation.id.counter] = hash
            }
        }
        if !reused.isEmpty { throw ServerError.opIDReused(reused, known: same) }
    }

    /// The stamp under which the county holds `operation` when what it holds is the same edit
    /// with another stamp; `nil` otherwise.
    private func stampOfSameEdit(_ operation: PlanOperation) throws -> HLCTimestamp? {
        let body = try Data.fetchOne(db, sql: """
            SELECT body FROM operation WHERE device = ?1 AND counter = ?2 UNION ALL SELECT body FROM rejection WHERE device = ?1 AND counter = ?2
            """, arguments: [operation.id.device.rawValue, operation.id.counter])
        guard let body, var held = try? PlanOperation(json: JSONReader.parse(body), path: "operation") else { return nil }
        let stamp = held.hlc
        held.hlc = operation.hlc
        return held == operation ? stamp : nil
    }

    /// A stamp the county refuses on an operation it does not hold yet refuses the push: the
    /// client stamps those operations again with the county's time and loses nothing.
    private func refuseBadClocks(_ operations: [PlanOperation], countyNow: Int64) throws {
        let wrong = operations.filter { known[$0.id.counter] == nil && OperationRules.clockFault($0.hlc, countyNow: countyNow) != nil }
        if !wrong.isEmpty { throw ServerError.clockOutOfRange(wrong, countyNow: countyNow) }
    }

    /// The rejection of an operation, or `nil` when it is accepted.
    private func verdict(on operation: PlanOperation, plan: PlanDocument?, siruta: Siruta?) throws -> Rejection? {
        do throws(Rejection) {
            // Permission first, even for a plan the county does not have: who before what.
            if let siruta {
                try Permissions.check(operation.change, by: session.account, onPlanOf: siruta)
            } else {
                try Permissions.checkRole(operation.change, by: session.account)
            }
        } catch {
            return error
        }
        var history: [OpID: PlanOperation] = [:]
        for id in store.rules.referencesToLookUp(operation, in: plan) {
            history[id] = try accepted[id] ?? acceptedOperation(id)
        }
        do throws(Rejection) {
            try store.rules.check(operation, against: plan, history: history)
            try checkSignature(of: operation)
            try store.validator.checkSubmission(operation, on: plan)
            return nil
        } catch {
            return error
        }
    }

    /// An operation of the history, by id.
    private func acceptedOperation(_ id: OpID) throws -> PlanOperation? {
        let statement = try db.cachedStatement(sql: "SELECT body FROM operation WHERE device = ? AND counter = ?")
        guard let body = try Data.fetchOne(statement, arguments: [id.device.rawValue, id.counter]) else { return nil }
        return try PlanOperation(json: JSONReader.parse(body), path: "operation \(id)")
    }

    /// Each changed plan's projection, with the sequence number of its own last operation: its
    /// version and last operation always, its whole document when new or when the operations
    /// since the stored one reach ``CountyStore/projectionTail``.
    private func saveTouchedPlans() throws {
        let stored = try db.cachedStatement(sql: "SELECT document_version FROM plan WHERE id = ?")
        let advance = try db.cachedStatement(sql: "UPDATE plan SET version = ?, last_seq = ?, updated_at = ? WHERE id = ?")
        for (id, plan) in touched {
            guard let seq = lastSeq[id] else { continue }
            if let base = try Int.fetchOne(stored, arguments: [id.rawValue]), plan.version - base < CountyStore.projectionTail {
                try advance.execute(arguments: [plan.version, seq, now, id.rawValue])
                continue
            }
            try PlanRecord(id: id.rawValue, siruta: plan.siruta.rawValue, year: plan.year, version: plan.version, lastSeq: seq,
                           updatedAt: now, baseDocument: try WireJSON.encode(plan), documentSeq: seq, documentVersion: plan.version).upsert(db)
        }
    }
}

/// Operations a group decided for the first time, by outcome: what `plansync_operations_total`
/// counts once the group is committed.
struct DecidedOperations {
    var accepted = 0
    var rejected: [String: Int] = [:]

    mutating func merge(_ other: DecidedOperations) {
        accepted += other.accepted
        rejected.merge(other.rejected, uniquingKeysWith: +)
    }

    func report(to metrics: ServerMetrics, county: Int) {
        metrics.operations(county: county, outcome: "accepted", reason: "", count: accepted)
        for (code, count) in rejected { metrics.operations(county: county, outcome: "rejected", reason: code, count: count) }
    }
}

/// A push waiting for the county's writer, and then its answer.
final class QueuedPush: Sendable {
    let operations: [PlanOperation]
    let encoded: [(body: Data, hash: Data)]
    let session: Session
    let now: String
    let countyNow: Int64
    private let decided = Mutex<Result<[PushOutcome], any Error>?>(nil)

    init(operations: [PlanOperation], encoded: [(body: Data, hash: Data)], session: Session, now: String, countyNow: Int64) {
        self.operations = operations
        self.encoded = encoded
        self.session = session
        self.now = now
        self.countyNow = countyNow
    }

    func decide(_ decision: Result<[PushOutcome], any Error>) { decided.withLock { $0 = decision } }

    var isDecided: Bool { decided.withLock { $0 != nil } }

    /// The outcomes, once the push's group committed (its own turn on the writer waits for that).
    func decision() throws -> [PushOutcome] {
        guard let decision = decided.withLock({ $0 }) else {
            preconditionFailure("a push's turn on the writer ends only once the push is decided")
        }
        return try decision.get()
    }
}

/// The pushes waiting for the county's writer, oldest first.
final class PushQueue: Sendable {
    private let waiting = Mutex<[QueuedPush]>([])
    private let totals = Mutex<(groups: Int, pushes: Int)>((0, 0))
    /// A group's size in operations (or its first push alone, when larger): one transaction
    /// stays short enough that no push waits long behind it.
    static let groupOperations = 10_000

    func enqueue(_ push: QueuedPush) { waiting.withLock { $0.append(push) } }

    /// Takes back a push whose turn on the writer failed before deciding it (the database is
    /// closing): nobody waits for its answer any more.
    func remove(_ push: QueuedPush) { waiting.withLock { $0.removeAll { $0 === push } } }

    var waitingCount: Int { waiting.withLock { $0.count } }

    /// Groups committed so far and the pushes in them: their ratio is how many pushes share an
    /// `fsync`.
    var committedTotals: (groups: Int, pushes: Int) { totals.withLock { $0 } }

    func committed(_ group: [QueuedPush]) { totals.withLock { $0 = ($0.groups + 1, $0.pushes + group.count) } }

    /// The oldest pushes, up to ``groupOperations`` (always at least one when any waits).
    func takeGroup() -> [QueuedPush] {
        waiting.withLock { waiting in
            var count = 0
            var taken = 0
            while taken < waiting.count, taken == 0 || count + waiting[taken].operations.count <= Self.groupOperations {
                count += waiting[taken].operations.count
                taken += 1
            }
            defer { waiting.removeFirst(taken) }
            return Array(waiting.prefix(taken))
        }
    }
}
