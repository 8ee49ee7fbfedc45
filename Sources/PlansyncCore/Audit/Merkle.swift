import Crypto
import Foundation

/// The Merkle tree of RFC 6962 / RFC 9162 (Certificate Transparency) over a county's log.
///
/// Why this structure: an auditor, or any commune's computer, holding one signed root can check
/// with a few hashes that an entry is in the log (an inclusion proof) and that a later log still
/// begins with everything the earlier one held (a consistency proof) — without trusting the
/// county's database. Leaves are hashed as `SHA-256(0x00 ‖ entry)`, nodes as
/// `SHA-256(0x01 ‖ left ‖ right)`; the tree of `n` entries splits at the largest power of two
/// below `n`, exactly as the RFC defines `MTH`.
public enum Merkle {
    /// A subtree's hash, given the half-open range of leaves it covers: `MTH(D[lo:hi])`.
    public typealias Subtree = (_ lo: Int64, _ hi: Int64) throws -> Data

    /// The hash of an empty log: SHA-256 of no bytes.
    public static let emptyRoot = Data(SHA256.hash(data: Data()))

    public static func leafHash(_ entry: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: [0])
        hasher.update(data: entry)
        return Data(hasher.finalize())
    }

    public static func nodeHash(_ left: Data, _ right: Data) -> Data {
        var hasher = SHA256()
        hasher.update(data: [1])
        hasher.update(data: left)
        hasher.update(data: right)
        return Data(hasher.finalize())
    }

    /// The largest power of two strictly below `n` (`n` ≥ 2): where the RFC splits a tree.
    static func split(_ n: Int64) -> Int64 { 1 << (63 - (n - 1).leadingZeroBitCount) }

    static func isPerfect(_ lo: Int64, _ hi: Int64) -> Bool {
        let width = hi - lo
        return width > 0 && width & (width - 1) == 0 && lo % width == 0
    }

    /// `MTH` of a list of leaf hashes, by the definition (the reference other code is tested against).
    public static func root(ofLeaves leaves: [Data]) -> Data {
        guard !leaves.isEmpty else { return emptyRoot }
        func mth(_ lo: Int, _ hi: Int) -> Data {
            if hi - lo == 1 { return leaves[lo] }
            let k = Int(split(Int64(hi - lo)))
            return nodeHash(mth(lo, lo + k), mth(lo + k, hi))
        }
        return mth(0, leaves.count)
    }

    /// `MTH(D[lo:hi])` from the perfect subtrees a store keeps (`perfect(level, index)`): a range
    /// that is not a perfect subtree is split as the RFC splits it.
    public static func subtree(_ lo: Int64, _ hi: Int64, perfect: (_ level: Int, _ index: Int64) throws -> Data) rethrows -> Data {
        if isPerfect(lo, hi) {
            let level = (hi - lo).trailingZeroBitCount
            return try perfect(level, lo >> level)
        }
        let k = split(hi - lo)
        return nodeHash(try subtree(lo, lo + k, perfect: perfect), try subtree(lo + k, hi, perfect: perfect))
    }

    // MARK: Inclusion of a range of entries

    /// The hashes that prove the entries `range` are in the tree of `size` entries: every maximal
    /// subtree outside the range, in the order the RFC's recursion meets them (left to right).
    /// For one entry this is the RFC 9162 audit path, read from the root down.
    public static func rangeProof(_ range: Range<Int64>, size: Int64, subtree: Subtree) rethrows -> [Data] {
        var proof: [Data] = []
        func walk(_ lo: Int64, _ hi: Int64) throws {
            if hi <= range.lowerBound || lo >= range.upperBound {
                proof.append(try subtree(lo, hi))
            } else if hi - lo > 1 {
                let k = split(hi - lo)
                try walk(lo, lo + k)
                try walk(lo + k, hi)
            }
        }
        try walk(0, size)
        return proof
    }

    /// The root a range proof leads to from the entries' leaf hashes, or `nil` when the proof does
    /// not have the shape a tree of `size` entries gives (too few or too many hashes).
    public static func root(fromLeaves leaves: [Data], first: Int64, size: Int64, proof: [Data]) -> Data? {
        let range = first..<(first + Int64(leaves.count))
        guard !leaves.isEmpty, first >= 0, range.upperBound <= size else { return nil }
        var next = 0
        func walk(_ lo: Int64, _ hi: Int64) -> Data? {
            if hi <= range.lowerBound || lo >= range.upperBound {
                guard next < proof.count else { return nil }
                next += 1
                return proof[next - 1]
            }
            if hi - lo == 1 { return leaves[Int(lo - first)] }
            let k = split(hi - lo)
            guard let left = walk(lo, lo + k), let right = walk(lo + k, hi) else { return nil }
            return nodeHash(left, right)
        }
        guard let root = walk(0, size), next == proof.count else { return nil }
        return root
    }

    // MARK: Consistency of two sizes

    /// RFC 6962 §2.1.2 `PROOF(m, D[n])`: the hashes that show the tree of `old` entries is the
    /// beginning of the tree of `new` entries.
    public static func consistencyProof(old: Int64, new: Int64, subtree: Subtree) rethrows -> [Data] {
        guard old > 0, old < new else { return [] }
        var proof: [Data] = []
        func sub(_ m: Int64, _ lo: Int64, _ hi: Int64, _ complete: Bool) throws {
            if m == hi - lo {
                if !complete { proof.append(try subtree(lo, hi)) }
                return
            }
            let k = split(hi - lo)
            if m <= k {
                try sub(m, lo, lo + k, complete)
                proof.append(try subtree(lo + k, hi))
            } else {
                try sub(m - k, lo + k, hi, false)
                proof.append(try subtree(lo, lo + k))
            }
        }
        try sub(old, 0, new, true)
        return proof
    }

    /// RFC 9162 §2.1.4.2: whether `proof` shows the tree `(old, oldRoot)` is the beginning of
    /// `(new, newRoot)`.
    public static func verifyConsistency(old: Int64, oldRoot: Data, new: Int64, newRoot: Data, proof: [Data]) -> Bool {
        if old == 0 { return proof.isEmpty }
        if old == new { return proof.isEmpty && oldRoot == newRoot }
        guard old < new, !proof.isEmpty else { return false }
        var path = proof
        if old & (old - 1) == 0 { path.insert(oldRoot, at: 0) }
        var fn = old - 1
        var sn = new - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            guard sn != 0 else { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == oldRoot && sr == newRoot && sn == 0
    }
}

/// The right edge of a growing tree: the perfect subtrees its entries decompose into, largest
/// first. Appending an entry costs O(log n) hashes and gives the root at any moment, so a log
/// never re-reads its entries to sign a checkpoint.
public struct MerkleFrontier: Sendable, Equatable {
    public private(set) var size: Int64
    /// (level, hash) of each perfect subtree, left to right.
    private var nodes: [(level: Int, hash: Data)]

    public init() {
        size = 0
        nodes = []
    }

    /// The frontier of a stored tree of `size` entries, from its perfect subtrees.
    public init(size: Int64, perfect: (_ level: Int, _ index: Int64) throws -> Data) rethrows {
        self.size = size
        nodes = []
        var start: Int64 = 0
        for level in stride(from: 62, through: 0, by: -1) where size & (1 << level) != 0 {
            nodes.append((level, try perfect(level, start >> level)))
            start += 1 << level
        }
    }

    /// Adds an entry's leaf hash; `completed` hears each perfect subtree this closes (level ≥ 1).
    public mutating func append(_ leaf: Data, completed: (_ level: Int, _ index: Int64, _ hash: Data) throws -> Void = { _, _, _ in }) rethrows {
        var hash = leaf
        var level = 0
        size += 1
        while let last = nodes.last, last.level == level {
            nodes.removeLast()
            hash = Merkle.nodeHash(last.hash, hash)
            level += 1
            try completed(level, (size >> level) - 1, hash)
        }
        nodes.append((level, hash))
    }

    public var root: Data {
        guard var root = nodes.last?.hash else { return Merkle.emptyRoot }
        for node in nodes.dropLast().reversed() { root = Merkle.nodeHash(node.hash, root) }
        return root
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.size == b.size && a.nodes.map(\.hash) == b.nodes.map(\.hash)
    }
}
