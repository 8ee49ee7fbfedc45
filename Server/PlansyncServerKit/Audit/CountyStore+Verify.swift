import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol

/// What `plansync-server audit verify` found in one county's database.
public struct LogVerification: Sendable {
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// The first log entry the problem concerns (`nil`: none can be named).
        public let entry: Int64?
        public let message: String
        /// The problem is not at `entry` but shows something changed around it (a signed root that
        /// no longer matches, a plan that is not its history's replay).
        public var range = false
        public var description: String { entry.map { "entry \($0): \(message)" } ?? message }
    }

    public var entries: Int64 = 0
    public var checkpoints = 0
    public var operations = 0
    public var plans = 0
    public var problems: [Problem] = []

    /// The problem at the earliest entry: where the log stopped being what was signed. A root
    /// that no longer matches says only that something from an entry on changed; an entry found
    /// changed by its own hash, place or operation names it exactly, and is preferred.
    public var firstProblem: Problem? {
        let exact = problems.filter { !$0.range }
        return (exact.isEmpty ? problems : exact).min { ($0.entry ?? .max) < ($1.entry ?? .max) }
    }
}

extension CountyStore {
    /// Re-derives everything the log commits to from the stored rows and compares: every entry's
    /// leaf hash and place, every stored subtree, every signed checkpoint's root and signature,
    /// every operation against its entry, and every plan against the replay of its history.
    /// Reads only; a damaged database is reported, never repaired.
    /// How many entries the county's log holds now.
    public func logSize() async throws -> Int64 {
        try await pool.read { db in try CountyLog.size(db) }
    }

    public func verifyLog() async throws -> LogVerification {
        try await pool.read { db in
            var verifier = LogVerifier(store: self, db: db)
            return try verifier.run()
        }
    }
}

/// One pass over a county's log, history and plans.
private struct LogVerifier {
    let store: CountyStore
    let db: Database
    var result = LogVerification()
    /// Operation entries by the sequence number they name.
    var operationEntries: [Int64: (index: Int64, entry: LogEntry)] = [:]
    /// Accounts and devices as the log tells them: who may have acted, and with which key.
    var accounts: [String: (index: Int64, entry: LogEntry, disabled: Bool)] = [:]
    var devices: [String: (index: Int64, entry: LogEntry, revoked: Bool)] = [:]

    init(store: CountyStore, db: Database) {
        self.store = store
        self.db = db
    }

    mutating func problem(_ entry: Int64?, _ message: String, range: Bool = false) {
        result.problems.append(.init(entry: entry, message: message, range: range))
    }

    mutating func run() throws -> LogVerification {
        let size = try checkEntriesAndCheckpoints()
        try checkPeople()
        try checkOperations(logSize: size)
        try checkPlans()
        return result
    }

    /// Entries in order, the tree they make, and the checkpoints signed on it.
    private mutating func checkEntriesAndCheckpoints() throws -> Int64 {
        var nodes: [Int64: [Int64: Data]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT level, idx, hash FROM audit_node") {
            nodes[row["level"], default: [:]][row["idx"]] = row["hash"]
        }
        var checkpoints: [Int64: Checkpoint] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT size, root, time, signature FROM checkpoint") {
            checkpoints[row["size"]] = Checkpoint(county: store.county.code, size: row["size"], root: row["root"], time: row["time"], signature: row["signature"])
        }
        result.checkpoints = checkpoints.count
        var frontier = MerkleFrontier()
        var lastGood: Int64 = 0
        var seenNodes = 0
        let rows = try Row.fetchCursor(db, sql: "SELECT idx, kind, body, leaf FROM audit_entry ORDER BY idx")
        while let row = try rows.next() {
            let index: Int64 = row["idx"]
            guard index == frontier.size else {
                problem(frontier.size, "is missing (the next stored entry is \(index)): entries were deleted")
                break
            }
            let body: Data = row["body"]
            let leaf = Merkle.leafHash(body)
            if (row["leaf"] as Data?) != leaf { problem(index, "its stored hash does not match its content") }
            do {
                let entry = try LogEntry(bytes: body)
                if entry.index != index { problem(index, "says it is entry \(entry.index): entries were moved") }
                if (row["kind"] as String?) != entry.kind.rawValue { problem(index, "is filed as \(row["kind"] as String? ?? "nothing") but is a \(entry.kind.rawValue) entry") }
                record(entry)
                if index == 0, entry.kind != .countyKey || entry.string("publicKey") != store.log.publicKey {
                    problem(0, "is not the county key the checkpoints are signed with")
                }
            } catch {
                problem(index, "its content \(error.description)")
            }
            var badNode: (level: Int, index: Int64)?
            frontier.append(leaf) { level, nodeIndex, hash in
                guard level >= CountyLog.storedLevel else { return }
                seenNodes += 1
                if nodes[Int64(level)]?[nodeIndex] != hash, badNode == nil { badNode = (level, nodeIndex) }
            }
            if let badNode {
                problem(badNode.index << badNode.level, "the stored subtree of entries \(badNode.index << badNode.level)–\(((badNode.index + 1) << badNode.level) - 1) does not match them",
                        range: true)
            }
            if let checkpoint = checkpoints[frontier.size] {
                if checkpoint.root != frontier.root.hex {
                    problem(lastGood, "the checkpoint of size \(checkpoint.size) signed at \(checkpoint.time) does not match the entries from \(lastGood) on: they were rewritten",
                            range: true)
                } else if !checkpoint.isSigned(by: store.log.publicKey) {
                    problem(lastGood, "the checkpoint of size \(checkpoint.size) (\(checkpoint.time)) is not signed by the county key", range: true)
                } else {
                    lastGood = frontier.size
                }
            }
        }
        result.entries = frontier.size
        for size in checkpoints.keys.sorted() where size > frontier.size {
            problem(frontier.size, "the checkpoint of size \(size) signed at \(checkpoints[size]!.time) covers entries the log no longer has: entries were removed", range: true)
        }
        let storedNodes = nodes.values.reduce(0) { $0 + $1.count }
        if storedNodes != seenNodes { problem(nil, "the log stores \(storedNodes) subtrees where its entries make \(seenNodes)") }
        if checkpoints[frontier.size] == nil, frontier.size > 0 { problem(lastGood, "no signed checkpoint covers the newest entries (from \(lastGood) on)", range: true) }
        return frontier.size
    }

    private mutating func record(_ entry: LogEntry) {
        let account = entry.string("account") ?? "", device = entry.string("device") ?? ""
        switch entry.kind {
        case .operation: if let seq = entry.integer("seq") { operationEntries[seq] = (entry.index, entry) }
        case .accountCreated: accounts[account] = (entry.index, entry, false)
        case .accountDisabled, .accountEnabled: accounts[account]?.disabled = entry.kind == .accountDisabled
        case .deviceEnrolled: devices[device] = (entry.index, entry, false)
        case .deviceRevoked: devices[device]?.revoked = true
        case .countyKey: break
        }
    }

    /// Every account and device the county lets in, as the log recorded it: none added or changed
    /// behind the log's back (an account slipped in, a device moved to another person, a key
    /// swapped, a revocation undone).
    private mutating func checkPeople() throws {
        for row in try AccountRecord.fetchAll(db) {
            guard let logged = accounts.removeValue(forKey: row.id) else {
                problem(nil, "account \(row.id) (\(row.name)) is not in the log: it was added behind the log's back")
                continue
            }
            if logged.entry.string("name") != row.name || logged.entry.string("role") != row.role
                || logged.entry.integer("siruta") != row.siruta.map(Int64.init) || logged.disabled != (row.disabledAt != nil) {
                problem(logged.index, "account \(row.id) is not as the log recorded it")
            }
        }
        for (id, logged) in accounts { problem(logged.index, "records account \(id), which the county no longer holds") }
        for row in try DeviceRecord.fetchAll(db) {
            guard let logged = devices.removeValue(forKey: row.id) else {
                problem(nil, "device \(row.id) is not in the log: it was added behind the log's back")
                continue
            }
            if logged.entry.string("account") != row.account || logged.entry.string("publicKey") != row.publicKey?.base64EncodedString()
                || logged.revoked != (row.revokedAt != nil) {
                problem(logged.index, "device \(row.id) is not as the log recorded it (its person, key or revocation)")
            }
            devices[row.id] = logged
        }
    }

    /// Every accepted operation against its entry: the same id, plan, sequence number, time and
    /// the SHA-256 of its bytes; and no operation entry without its operation.
    private mutating func checkOperations(logSize: Int64) throws {
        let rows = try Row.fetchCursor(db, sql: "SELECT seq, device, counter, plan, hlc, author, kind, body, received_at, hash, entry FROM operation ORDER BY seq")
        while let row = try rows.next() {
            result.operations += 1
            let seq: Int64 = row["seq"]
            let id = OpID(device: DeviceID(row["device"] as String), counter: row["counter"])
            guard let (index, entry) = operationEntries.removeValue(forKey: seq) else {
                problem(row["entry"] as Int64?, "operation \(id) (seq \(seq)) has no entry in the log")
                continue
            }
            let body: Data = row["body"]
            let hash = CountyStore.hash(of: body)
            var wrong: [String] = []
            if (row["entry"] as Int64?) != index { wrong.append("its entry number") }
            if entry.string("operation") != id.description { wrong.append("its id") }
            if entry.string("plan") != (row["plan"] as String) { wrong.append("its plan") }
            if entry.at != (row["received_at"] as String) { wrong.append("when it was received") }
            if entry.string("hash") != hash.hex { wrong.append("its content") }
            if let device = devices[id.device.rawValue], device.entry.string("account") != entry.string("account") { wrong.append("who made it") }
            if let stored = row["hash"] as Data?, stored != hash { wrong.append("its stored hash") }
            if let operation = try? PlanOperation(json: JSONReader.parse(body), path: "operation") {
                if operation.id != id || operation.plan.rawValue != (row["plan"] as String) || operation.hlc.rawValue != (row["hlc"] as Int64)
                    || operation.author != (row["author"] as String) || operation.change.kind.rawValue != (row["kind"] as String) {
                    wrong.append("its columns")
                }
            } else {
                wrong.append("its bytes (not an operation)")
            }
            if !wrong.isEmpty { problem(index, "operation \(id) (seq \(seq)) differs from what the log recorded: \(wrong.joined(separator: ", "))") }
        }
        for (seq, (index, entry)) in operationEntries {
            problem(index, "records operation \(entry.string("operation") ?? "?") (seq \(seq)), which the history no longer holds")
        }
    }

    /// Every plan the county serves is the replay of its history.
    private mutating func checkPlans() throws {
        var stored: [String: PlanRecord] = [:]
        for record in try PlanRecord.fetchAll(db) { stored[record.id] = record }
        let plans = try String.fetchAll(db, sql: "SELECT DISTINCT plan FROM operation ORDER BY plan")
        for plan in plans {
            result.plans += 1
            let rows = try Row.fetchAll(db, sql: "SELECT body, entry, siruta FROM operation WHERE plan = ? ORDER BY seq", arguments: [plan])
            let operations = rows.compactMap { try? PlanOperation(json: JSONReader.parse($0["body"] as Data), path: "operation") }
            let lastEntry: Int64? = rows.last?["entry"]
            let replayed = PlanDocument.replay(operations, rules: store.rules).document
            // A plan that is not its history's replay says something changed in it, not where:
            // an entry found changed by its own hash, place or operation is named first.
            guard let kept = stored.removeValue(forKey: plan) else {
                problem(lastEntry, "plan \(plan) has a history but the county does not serve it", range: true)
                continue
            }
            let same = (try? CountyStore.projection(of: kept, in: db)).map { document in
                replayed.map { (try? WireJSON.encode($0)) == (try? WireJSON.encode(document)) } ?? false
            } ?? false
            if !same || replayed?.siruta.rawValue != kept.siruta || rows.contains(where: { ($0["siruta"] as Int) != kept.siruta }) {
                problem(lastEntry, "plan \(plan) as the county serves it is not the replay of its history", range: true)
            }
        }
        for plan in stored.keys.sorted() { problem(nil, "plan \(plan) is served but has no history in the log") }
    }
}
