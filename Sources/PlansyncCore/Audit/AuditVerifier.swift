import Crypto
import Foundation
import PlansyncProtocol

/// What an offline check of an evidence bundle found, per class of entry.
public struct AuditVerdict: Codable, Sendable {
    public struct ClassCount: Codable, Sendable, Equatable {
        public var entries = 0
        /// Entries whose every check held (in the signed tree; signatures and hashes as they must be).
        public var verified = 0

        public init(entries: Int = 0, verified: Int = 0) {
            self.entries = entries
            self.verified = verified
        }
    }

    public var scope: String
    public var county: String
    public var checkpointSize: Int64
    public var checkpointTime: String
    /// The county key's fingerprint, to compare with the one the county publishes.
    public var countyKey: String
    public var classes: [String: ClassCount] = [:]
    /// Plans replayed from the bundle's operations, with the SHA-256 of their content now.
    public var plans: [String: String] = [:]
    /// Each problem names the entry it concerns.
    public var problems: [String] = []
    /// Whether the bundle proves it holds every entry of its scope: a county bundle holds the whole
    /// log; a plan's or a UAT's proves each entry it holds is in the signed log, not that the
    /// county left none of the scope out.
    public var complete = false

    public var intact: Bool { problems.isEmpty }
}

/// Checks an evidence bundle with nothing but its bytes: no server, no network, no database.
///
/// It holds when: the checkpoint is signed by the county key (and that key is the one the
/// auditor pinned, when given); every entry is canonical, at its place, and in the signed tree
/// (range proofs, RFC 6962 hashing); every operation an entry names has the bytes the entry
/// committed to; every submission is signed by its device's registered key over the content
/// it froze, and that content is what the replay of the history gives at that point; every
/// registration and aviz carries the county's signature.
public enum AuditVerifier {
    public static func verify(_ bundle: AuditBundle, pinnedCountyKey: String? = nil) -> AuditVerdict {
        var verdict = AuditVerdict(scope: bundle.scope, county: bundle.county, checkpointSize: bundle.checkpoint.size,
                                   checkpointTime: bundle.checkpoint.time, countyKey: AuditKey.fingerprint(bundle.countyKey))
        var bad: [Int64: String] = [:]
        func problem(_ index: Int64?, _ message: String) {
            if let index { if bad[index] == nil { bad[index] = message } } else { verdict.problems.append(message) }
        }
        guard bundle.format == AuditBundle.currentFormat else {
            verdict.problems.append("the bundle's format is \(bundle.format); this plansync reads \(AuditBundle.currentFormat)")
            return verdict
        }
        if let pinnedCountyKey, pinnedCountyKey != bundle.countyKey {
            let held = AuditKey.publicKey(pinnedCountyKey) == nil ? pinnedCountyKey : AuditKey.fingerprint(pinnedCountyKey)
            verdict.problems.append("the bundle's county key (\(AuditKey.fingerprint(bundle.countyKey))) is not the county's key you hold (\(held))")
        }
        guard bundle.checkpoint.isSigned(by: bundle.countyKey), let root = bundle.checkpoint.rootHash else {
            verdict.problems.append("the checkpoint (size \(bundle.checkpoint.size), \(bundle.checkpoint.time)) is not signed by the county key")
            return verdict
        }

        // Entries: canonical, at their place, and their leaves.
        var entries: [Int64: LogEntry] = [:]
        var leaves: [Int64: Data] = [:]
        for item in bundle.entries {
            guard leaves[item.index] == nil, entries[item.index] == nil else { problem(item.index, "is in the bundle twice"); continue }
            guard let bytes = Data(base64Encoded: item.entry) else { problem(item.index, "is not base64"); continue }
            leaves[item.index] = Merkle.leafHash(bytes)
            do {
                let entry = try LogEntry(bytes: bytes)
                if entry.index != item.index { problem(item.index, "says it is entry \(entry.index)") }
                entries[item.index] = entry
            } catch {
                problem(item.index, "its content \(error.description)")
            }
        }
        // Every entry in the signed tree.
        var proven = Set<Int64>()
        for range in bundle.ranges {
            guard let indexes = range.entries(inTreeOf: bundle.checkpoint.size, atMost: bundle.entries.count) else {
                verdict.problems.append("a proof of entries \(range.first) and \(range.count) after is not one a log of \(bundle.checkpoint.size) entries has")
                continue
            }
            let runLeaves = indexes.compactMap { leaves[$0] }
            let hashes = range.hashes.compactMap { Data(base64Encoded: $0) }
            if runLeaves.count == indexes.count, hashes.count == range.hashes.count,
               Merkle.root(fromLeaves: runLeaves, first: range.first, size: bundle.checkpoint.size, proof: hashes) == root {
                proven.formUnion(indexes)
            } else {
                problem(range.first, "entries \(range.first)–\(range.first + range.count - 1) are not in the tree the checkpoint signed")
            }
        }
        for index in leaves.keys where !proven.contains(index) { problem(index, "is not covered by any proof") }
        // The county's whole log is every entry up to the checkpoint: none may be left out.
        if bundle.scope == "county" {
            if Int64(leaves.count) != bundle.checkpoint.size || !(0..<bundle.checkpoint.size).allSatisfy({ leaves[$0] != nil }) {
                let missing = (0..<bundle.checkpoint.size).first { leaves[$0] == nil }
                problem(missing, "is missing: a county bundle holds every entry of the log up to its checkpoint (\(bundle.checkpoint.size)), this one \(leaves.count)")
            }
            verdict.complete = true
        }

        // Who is who: accounts' roles, devices' keys, the county key.
        var roles: [String: String] = [:]
        var deviceKeys: [String: String] = [:]
        var deviceAccounts: [String: String] = [:]
        for entry in entries.values {
            switch entry.kind {
            case .accountCreated: if let account = entry.string("account") { roles[account] = entry.string("role") }
            case .deviceEnrolled:
                if let device = entry.string("device") {
                    deviceAccounts[device] = entry.string("account")
                    if let key = entry.string("publicKey") { deviceKeys[device] = key }
                }
            case .countyKey: if entry.string("publicKey") != bundle.countyKey { problem(entry.index, "names another county key than the one signing") }
            default: break
            }
        }

        // Operations: the bytes each entry committed to, signatures, and the replay.
        var plans: [PlanID: PlanDocument] = [:]
        for index in entries.keys.sorted() {
            let entry = entries[index]!
            guard entry.kind == .operation else { continue }
            guard let id = entry.string("operation"), let encoded = bundle.operations[id], let bytes = Data(base64Encoded: encoded) else {
                problem(index, "names operation \(entry.string("operation") ?? "?"), which the bundle does not hold")
                continue
            }
            guard Data(SHA256.hash(data: bytes)).hex == entry.string("hash"),
                  let operation = try? PlanOperation(json: JSONReader.parse(bytes), path: "operation"), operation.id.description == id,
                  operation.plan.rawValue == entry.string("plan")
            else {
                problem(index, "operation \(id) is not the one the log committed to")
                continue
            }
            // Who acted: the account the device was enrolled for, created in the log with that role.
            let account = entry.string("account") ?? "?"
            if let enrolledFor = deviceAccounts[operation.id.device.rawValue], enrolledFor != account {
                problem(index, "says \(account) made \(id), but device \(operation.id.device) was enrolled for \(enrolledFor)")
            } else if deviceAccounts[operation.id.device.rawValue] == nil {
                problem(index, "names device \(operation.id.device), whose enrollment is not in the log")
            }
            if let role = roles[account] {
                if role != entry.string("role") { problem(index, "says \(account) acted as \(entry.string("role") ?? "?"), but the account is a \(role)") }
            } else {
                problem(index, "names account \(account), whose creation is not in the log")
            }
            // Taken out of the dictionary and put back, so it is changed in place, not copied.
            var plan = plans.removeValue(forKey: operation.plan)
            if case .act(let version, let act) = operation.change {
                check(act, version: version, of: operation, entry: entry, before: plan, bytes: bytes, deviceKeys: deviceKeys,
                      countyKey: bundle.countyKey, county: bundle.checkpoint.county, problem: problem)
            }
            PlanDocument.apply(operation, to: &plan)
            plans[operation.plan] = plan
        }
        for (id, plan) in plans { verdict.plans[id.rawValue] = PlanSnapshot(plan).hash }

        for (index, entry) in entries {
            verdict.classes[entry.entryClass, default: .init()].entries += 1
            if bad[index] == nil { verdict.classes[entry.entryClass, default: .init()].verified += 1 }
        }
        verdict.problems += bad.keys.sorted().map { "entry \($0): \(bad[$0]!)" }
        return verdict
    }

    /// A submission's device signature and frozen content; a registration's or aviz's county signature.
    private static func check(_ act: WorkflowAct, version: Int, of operation: PlanOperation, entry: LogEntry, before: PlanDocument?, bytes: Data,
                              deviceKeys: [String: String], countyKey: String, county: Int, problem: (Int64?, String) -> Void) {
        switch act {
        case .submit(_, let contentHash, _, let signature):
            if let key = deviceKeys[operation.id.device.rawValue] {
                let statement = SignedStatement.submission(plan: operation.plan, version: version, contentHash: contentHash)
                if !SignedStatement.verify(signature, of: statement, publicKey: key) {
                    problem(entry.index, "submission \(operation.id) is not signed by its device's key")
                }
            } else if signature != nil {
                problem(entry.index, "submission \(operation.id) is signed, but the bundle holds no key for device \(operation.id.device)")
            }
            if let before, before.workflow.version(version)?.state == .draft, PlanSnapshot(before).hash != contentHash {
                problem(entry.index, "submission \(operation.id) froze content \(contentHash.prefix(12))…, but the history replayed to it gives \(PlanSnapshot(before).hash.prefix(12))…")
            }
        case .register, .aviz:
            let statement = SignedStatement.countyAct(county: county, plan: operation.plan, version: version, act: act.name,
                                                      operation: Data(SHA256.hash(data: bytes)), at: entry.at)
            if !SignedStatement.verify(entry.string("countySignature"), of: statement, publicKey: countyKey) {
                problem(entry.index, "the \(act.name.rawValue) \(operation.id) does not carry the county's signature")
            }
        default:
            break
        }
    }
}
