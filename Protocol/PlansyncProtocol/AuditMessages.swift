import Foundation

/// A signed statement of the county's log: its size and root at a moment. Clients keep the last
/// one they checked; auditors hold it as proof of what the county's log said.
public struct Checkpoint: Codable, Sendable, Equatable {
    /// The county's code (Gorj is 18).
    public var county: Int
    /// How many entries the log held.
    public var size: Int64
    /// Lower-case hex of the RFC 6962 root hash of those entries.
    public var root: String
    /// When the county signed it (ISO 8601, its clock).
    public var time: String
    /// Base64 Ed25519 signature by the county key of ``statement``.
    public var signature: String

    public init(county: Int, size: Int64, root: String, time: String, signature: String) {
        self.county = county
        self.size = size
        self.root = root
        self.time = time
        self.signature = signature
    }

    /// The bytes signed: one line per member, in this order, each ending in a newline.
    public var statement: Data {
        Data("plansync-checkpoint v1\ncounty \(county)\nsize \(size)\nroot \(root)\ntime \(time)\n".utf8)
    }
}

/// A device asks, at each sync, for the proofs that the county's log still holds what it saw and
/// holds the device's own accepted operations (`POST /v1/audit/proof`).
public struct AuditProofRequest: Codable, Sendable {
    /// The size of the last checkpoint this device checked (0 at first).
    public var from: Int64
    /// The device's own operations to prove: counters above this one (its last proven counter).
    public var after: Int64
    public init(from: Int64, after: Int64) {
        self.from = from
        self.after = after
    }
}

/// The county's answer: its newest checkpoint, the consistency proof from `from`, and where each
/// of the device's accepted operations sits in the log with range proofs to the checkpoint.
public struct AuditProofResponse: Codable, Sendable {
    public var checkpoint: Checkpoint
    /// Base64 Ed25519 public key of the county (entry 0 of its log).
    public var countyKey: String
    /// Base64 hashes of the RFC 6962 consistency proof from `from` to the checkpoint's size.
    public var consistency: [String]
    /// The device's accepted operations after `after`, in counter order (at most 10,000 at once).
    public var own: [OwnEntry]
    /// One range proof per run of consecutive entries in ``own``.
    public var ranges: [RangeProof]
    /// Whether operations remain to prove after the last of ``own`` (ask again).
    public var more: Bool

    public init(checkpoint: Checkpoint, countyKey: String, consistency: [String], own: [OwnEntry], ranges: [RangeProof], more: Bool) {
        self.checkpoint = checkpoint
        self.countyKey = countyKey
        self.consistency = consistency
        self.own = own
        self.ranges = ranges
        self.more = more
    }
}

/// Where one of the device's operations is in the county's log.
public struct OwnEntry: Codable, Sendable, Equatable {
    public var counter: Int64
    public var index: Int64
    /// The county's signature, on a registration or an aviz (the device cannot know it).
    public var countySignature: String?
    public init(counter: Int64, index: Int64, countySignature: String?) {
        self.counter = counter
        self.index = index
        self.countySignature = countySignature
    }
}

/// The hashes proving entries `first ..< first + count` are in the tree of a checkpoint
/// (`Merkle.rangeProof`: every maximal subtree outside the range, left to right, base64).
public struct RangeProof: Codable, Sendable, Equatable {
    public var first: Int64
    public var count: Int64
    public var hashes: [String]
    public init(first: Int64, count: Int64, hashes: [String]) {
        self.first = first
        self.count = count
        self.hashes = hashes
    }

    /// The entries it covers, when it is one a tree of `size` entries can have and it covers at
    /// most `most` entries (whoever sent it may not make a reader walk more than it holds).
    public func entries(inTreeOf size: Int64, atMost most: Int) -> Range<Int64>? {
        guard first >= 0, count >= 1, count <= Int64(most), size >= 0, first <= size - count else { return nil }
        return first..<(first + count)
    }
}

/// Evidence an auditor takes away (`plansync audit export`): entries of the county's log with the
/// proofs that they are in a signed checkpoint, the operations they commit to, and every key
/// needed to check signatures — verifiable with no server and no network.
public struct AuditBundle: Codable, Sendable {
    public static let currentFormat = "plansync-audit-bundle/1"
    public var format: String
    /// What was exported: `county`, `uat 80980` or `plan k3f9a1c2.1`.
    public var scope: String
    public var county: String
    public var checkpoint: Checkpoint
    /// Base64 Ed25519 public key of the county.
    public var countyKey: String
    /// Entries in log order: the scope's operations, and every account and device entry of the
    /// log (who stood behind each operation, and their keys). Canonical JSON, base64.
    public var entries: [BundleEntry]
    /// One range proof per run of consecutive entries.
    public var ranges: [RangeProof]
    /// The canonical bytes of each operation an entry names (base64), by operation id.
    public var operations: [String: String]
    /// Where the encodings are defined, for a reader without plansync.
    public var encodings: String

    public init(scope: String, county: String, checkpoint: Checkpoint, countyKey: String, entries: [BundleEntry], ranges: [RangeProof],
                operations: [String: String]) {
        format = Self.currentFormat
        self.scope = scope
        self.county = county
        self.checkpoint = checkpoint
        self.countyKey = countyKey
        self.entries = entries
        self.ranges = ranges
        self.operations = operations
        encodings = "Entries, operations and signed statements: Protocol/CANONICAL.md of plansync. Leaf = SHA-256(0x00 || entry), "
            + "node = SHA-256(0x01 || left || right) (RFC 6962); range proofs list the maximal subtrees outside the range, left to right."
    }
}

public struct BundleEntry: Codable, Sendable, Equatable {
    public var index: Int64
    /// The entry's canonical JSON, base64.
    public var entry: String
    public init(index: Int64, entry: String) {
        self.index = index
        self.entry = entry
    }
}
