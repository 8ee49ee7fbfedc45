import Foundation
import PlansyncCore
import Testing

/// The RFC 6962 tree: roots, range (inclusion) proofs and consistency proofs.
@Suite("Merkle tree (RFC 6962)")
struct MerkleTests {
    /// The leaves of the RFC 6962 test data used by Certificate Transparency implementations.
    static let vectorLeaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
        .map { Merkle.leafHash(Data(hex: $0)!) }
    static let vectorRoots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77", "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4", "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c", "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    static func leaves(_ count: Int) -> [Data] { (0..<count).map { Merkle.leafHash(Data("entry \($0)".utf8)) } }

    /// `MTH(D[lo:hi])` by the definition, for proofs to be built from.
    static func subtree(_ leaves: [Data]) -> (Int64, Int64) -> Data {
        { lo, hi in Merkle.root(ofLeaves: Array(leaves[Int(lo)..<Int(hi)])) }
    }

    @Test("the roots of the RFC 6962 test vectors, by definition and by the frontier")
    func vectors() throws {
        #expect(Merkle.root(ofLeaves: []).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        var frontier = MerkleFrontier()
        for (size, expected) in Self.vectorRoots.enumerated() {
            #expect(Merkle.root(ofLeaves: Array(Self.vectorLeaves[0...size])).hex == expected, "size \(size + 1)")
            try frontier.append(Self.vectorLeaves[size])
            #expect(frontier.root.hex == expected, "frontier at size \(size + 1)")
        }
    }

    @Test("a frontier built from stored perfect subtrees, and one grown leaf by leaf, give the root; completed subtrees are reported")
    func frontier() throws {
        let leaves = Self.leaves(300)
        var grown = MerkleFrontier()
        var completed: [String: Data] = [:]
        for (index, leaf) in leaves.enumerated() {
            try grown.append(leaf) { level, index, hash in completed["\(level)/\(index)"] = hash }
            let size = index + 1
            #expect(grown.root == Merkle.root(ofLeaves: Array(leaves[0..<size])), "size \(size)")
            let stored = try MerkleFrontier(size: Int64(size)) { level, index in
                Merkle.root(ofLeaves: Array(leaves[Int(index << level)..<Int((index + 1) << level)]))
            }
            #expect(stored == grown && stored.root == grown.root, "size \(size)")
        }
        for (key, hash) in completed {
            let parts = key.split(separator: "/").map { Int($0)! }
            #expect(hash == Merkle.root(ofLeaves: Array(leaves[(parts[1] << parts[0])..<((parts[1] + 1) << parts[0])])), "subtree \(key)")
        }
    }

    @Test("every range of every tree up to 40 entries proves its entries; a changed hash, entry, place or size does not")
    func ranges() throws {
        for size in 1...40 {
            let leaves = Self.leaves(size)
            let root = Merkle.root(ofLeaves: leaves)
            for first in 0..<size {
                for end in (first + 1)...size {
                    let range = Int64(first)..<Int64(end)
                    let proof = try Merkle.rangeProof(range, size: Int64(size), subtree: Self.subtree(leaves))
                    let run = Array(leaves[first..<end])
                    #expect(Merkle.root(fromLeaves: run, first: Int64(first), size: Int64(size), proof: proof) == root, "\(range) of \(size)")
                    var forged = run
                    forged[forged.count / 2] = Merkle.leafHash(Data("forged".utf8))
                    #expect(Merkle.root(fromLeaves: forged, first: Int64(first), size: Int64(size), proof: proof) != root)
                    if !proof.isEmpty {
                        var bent = proof
                        bent[0] = Merkle.nodeHash(bent[0], bent[0])
                        #expect(Merkle.root(fromLeaves: run, first: Int64(first), size: Int64(size), proof: bent) != root)
                        #expect(Merkle.root(fromLeaves: run, first: Int64(first), size: Int64(size), proof: proof.dropLast()) == nil)
                    }
                    if end < size {
                        #expect(Merkle.root(fromLeaves: run, first: Int64(first + 1), size: Int64(size), proof: proof) != root, "moved by one")
                    }
                }
            }
        }
    }

    @Test("one entry's range proof has the length of the RFC audit path")
    func auditPathLength() throws {
        let leaves = Self.leaves(1000)
        for index in [0, 1, 511, 512, 999] {
            let proof = try Merkle.rangeProof(Int64(index)..<Int64(index + 1), size: 1000, subtree: Self.subtree(leaves))
            #expect(proof.count <= 10 && proof.count >= 3)
        }
    }

    @Test("consistency proofs between every pair of sizes up to 70 verify; other roots, sizes or hashes do not")
    func consistency() throws {
        let leaves = Self.leaves(70)
        let roots = (0...70).map { Merkle.root(ofLeaves: Array(leaves[0..<$0])) }
        for new in 1...70 {
            for old in 0...new {
                let proof = try Merkle.consistencyProof(old: Int64(old), new: Int64(new), subtree: Self.subtree(leaves))
                #expect(Merkle.verifyConsistency(old: Int64(old), oldRoot: roots[old], new: Int64(new), newRoot: roots[new], proof: proof), "\(old) → \(new)")
                guard old > 0, old < new else { continue }
                let other = Merkle.leafHash(Data("rewritten".utf8))
                #expect(!Merkle.verifyConsistency(old: Int64(old), oldRoot: other, new: Int64(new), newRoot: roots[new], proof: proof))
                #expect(!Merkle.verifyConsistency(old: Int64(old), oldRoot: roots[old], new: Int64(new), newRoot: other, proof: proof))
                for position in proof.indices {
                    var bent = proof
                    bent[position] = other
                    #expect(!Merkle.verifyConsistency(old: Int64(old), oldRoot: roots[old], new: Int64(new), newRoot: roots[new], proof: bent))
                }
                #expect(!Merkle.verifyConsistency(old: Int64(old), oldRoot: roots[old], new: Int64(new), newRoot: roots[new], proof: Array(proof.dropLast())))
            }
        }
        // A rewritten first entry: the new tree does not extend the old one.
        var rewritten = leaves
        rewritten[0] = Merkle.leafHash(Data("rewritten".utf8))
        let proof = try Merkle.consistencyProof(old: 10, new: 70, subtree: Self.subtree(rewritten))
        #expect(!Merkle.verifyConsistency(old: 10, oldRoot: roots[10], new: 70, newRoot: Merkle.root(ofLeaves: rewritten), proof: proof))
    }
}
