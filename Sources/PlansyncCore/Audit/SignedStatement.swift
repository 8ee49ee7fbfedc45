import Crypto
import Foundation
import PlansyncProtocol

/// The exact bytes a device or the county signs (Ed25519), documented in `Protocol/CANONICAL.md`.
///
/// Plain lines rather than JSON: a statement must read the same to any verifier in any language,
/// and each names what it is, so a signature made for one purpose cannot be passed off for another.
public enum SignedStatement {
    /// A submission: the submitting device vouches for the frozen content it sent the county. The
    /// device id is not in it, so a submission re-sent under a new identity (a copied data folder)
    /// still verifies against the same key.
    public static func submission(plan: PlanID, version: Int, contentHash: String) -> Data {
        Data("plansync-submission v1\nplan \(plan)\nversion \(version)\ncontent \(contentHash)\n".utf8)
    }

    /// A registration or an aviz: the county vouches for its own act, on the operation's bytes
    /// (its hash), as it recorded it at `at`.
    public static func countyAct(county: Int, plan: PlanID, version: Int, act: ActName, operation: Data, at: String) -> Data {
        Data("plansync-county-act v1\ncounty \(county)\nplan \(plan)\nversion \(version)\nact \(act.rawValue)\noperation \(operation.hex)\nat \(at)\n".utf8)
    }

    /// Whether a base64 signature of `statement` verifies with a base64 public key.
    public static func verify(_ signature: String?, of statement: Data, publicKey: String?) -> Bool {
        guard let signature, let bytes = Data(base64Encoded: signature), let key = AuditKey.publicKey(publicKey) else { return false }
        return key.isValidSignature(bytes, for: statement)
    }
}

/// Ed25519 keys as the log, the wire and the files carry them: raw bytes in base64.
public enum AuditKey {
    public static func publicKey(_ base64: String?) -> Curve25519.Signing.PublicKey? {
        guard let base64, let raw = Data(base64Encoded: base64) else { return nil }
        return try? Curve25519.Signing.PublicKey(rawRepresentation: raw)
    }

    public static func privateKey(_ base64: String?) -> Curve25519.Signing.PrivateKey? {
        guard let base64, let raw = Data(base64Encoded: base64) else { return nil }
        return try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
    }

    /// A short form people compare by eye or read on the phone: the first 16 hex digits of the
    /// key's SHA-256, in groups of four.
    public static func fingerprint(_ base64: String) -> String {
        let hex = Data(SHA256.hash(data: Data(base64Encoded: base64) ?? Data(base64.utf8))).hex.prefix(16)
        return stride(from: 0, to: 16, by: 4).map { i in String(hex.dropFirst(i).prefix(4)) }.joined(separator: " ")
    }
}

extension Checkpoint {
    public func isSigned(by publicKey: String) -> Bool {
        SignedStatement.verify(signature, of: statement, publicKey: publicKey)
    }

    public var rootHash: Data? { Data(hex: root) }
}
