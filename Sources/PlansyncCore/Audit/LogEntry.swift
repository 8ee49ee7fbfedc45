import Crypto
import Foundation
import PlansyncProtocol

/// One entry of a county's audit log: something the county did or accepted, in its order.
///
/// An entry is stored, hashed (``Merkle/leafHash(_:)``) and exported as its canonical JSON
/// (`Protocol/CANONICAL.md`, "Audit log entries"). It carries its own index, so a row moved to
/// another place names itself wrong. An accepted operation's entry commits to the operation by the
/// SHA-256 of the operation's canonical bytes: the bytes themselves stay in the history, and
/// whoever holds them checks they hash to what the log says.
public struct LogEntry: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// Entry 0: the county's public key, which signs every checkpoint and the county's acts.
        case countyKey = "county-key"
        /// An operation the county accepted (an edit, or an act of the legal workflow).
        case operation
        case accountCreated = "account-created"
        case accountDisabled = "account-disabled"
        case accountEnabled = "account-enabled"
        /// A device enrolled (or a copied data folder given its own identity), with its public key.
        case deviceEnrolled = "device-enrolled"
        case deviceRevoked = "device-revoked"
    }

    public var index: Int64
    public var kind: Kind
    /// When the county recorded it (its clock, ISO 8601).
    public var at: String
    /// The members of its kind, beside `index`, `class` and `at`.
    public var members: [String: JSONValue]

    public init(index: Int64, kind: Kind, at: String, members: [String: JSONValue]) {
        self.index = index
        self.kind = kind
        self.at = at
        self.members = members.filter { $0.value != .null }
    }

    /// The canonical bytes: what is hashed into the tree. Written straight to bytes, members in
    /// canonical order (the county writes one per accepted operation).
    public var bytes: Data {
        var keys = Array(members.keys) + ["at", "class", "index"]
        keys.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        return JSONWriter.canonical { sink in
            sink.openObject()
            for key in keys {
                sink.key(key)
                switch key {
                case "at": sink.string(at)
                case "class": sink.string(kind.rawValue)
                case "index": sink.integer(index)
                default: members[key]!.write(to: &sink)
                }
            }
            sink.closeObject()
        }
    }

    public var leafHash: Data { Merkle.leafHash(bytes) }

    /// Reads an entry back from its bytes; the bytes must be canonical (re-encoding gives them back).
    public init(bytes: Data) throws(AuditFailure) {
        guard case .object(let object)? = try? JSONReader.parse(bytes),
              case .integer(let index)? = object["index"], case .string(let kind)? = object["class"],
              let known = Kind(rawValue: kind), case .string(let at)? = object["at"]
        else { throw AuditFailure("is not an audit log entry") }
        var members: [String: JSONValue] = [:]
        for member in object.members where !["index", "class", "at"].contains(member.key) { members[member.key] = member.value }
        self.init(index: index, kind: known, at: at, members: members)
        guard self.bytes == bytes else { throw AuditFailure("is not in canonical form") }
    }

    public func string(_ key: String) -> String? {
        if case .string(let text)? = members[key] { return text }
        return nil
    }

    public func integer(_ key: String) -> Int64? {
        if case .integer(let number)? = members[key] { return number }
        return nil
    }
}

// MARK: The entries, by kind

extension LogEntry {
    public static func countyKey(index: Int64, at: String, county: County, publicKey: Curve25519.Signing.PublicKey) -> LogEntry {
        LogEntry(index: index, kind: .countyKey, at: at, members: [
            "county": .integer(Int64(county.code)), "name": .string(county.name), "publicKey": .string(publicKey.rawRepresentation.base64EncodedString()),
        ])
    }

    /// An accepted operation. `countySignature` is the county's signature of a registration or an
    /// aviz (``SignedStatement/countyAct(county:plan:version:act:operation:at:)``).
    public static func operation(index: Int64, at: String, seq: Int64, operation: OpID, plan: PlanID, account: AccountID, role: Role,
                                 hash: Data, act: ActName?, countySignature: Data?) -> LogEntry {
        LogEntry(index: index, kind: .operation, at: at, members: [
            "seq": .integer(seq), "operation": .string(operation.description), "plan": .string(plan.rawValue),
            "account": .string(account.rawValue), "role": .string(role.rawValue), "hash": .string(hash.hex),
            "act": act.map { .string($0.rawValue) } ?? .null,
            "countySignature": countySignature.map { .string($0.base64EncodedString()) } ?? .null,
        ])
    }

    public static func accountCreated(index: Int64, at: String, account: Account) -> LogEntry {
        LogEntry(index: index, kind: .accountCreated, at: at, members: [
            "account": .string(account.id.rawValue), "name": .string(account.name), "role": .string(account.role.rawValue),
            "siruta": account.siruta.map { .integer(Int64($0.rawValue)) } ?? .null,
        ])
    }

    public static func account(_ kind: Kind, index: Int64, at: String, account: AccountID) -> LogEntry {
        LogEntry(index: index, kind: kind, at: at, members: ["account": .string(account.rawValue)])
    }

    public static func deviceEnrolled(index: Int64, at: String, device: DeviceID, account: AccountID, publicKey: Data?, forkedFrom: DeviceID?) -> LogEntry {
        LogEntry(index: index, kind: .deviceEnrolled, at: at, members: [
            "device": .string(device.rawValue), "account": .string(account.rawValue),
            "publicKey": publicKey.map { .string($0.base64EncodedString()) } ?? .null,
            "forkedFrom": forkedFrom.map { .string($0.rawValue) } ?? .null,
        ])
    }

    public static func deviceRevoked(index: Int64, at: String, device: DeviceID) -> LogEntry {
        LogEntry(index: index, kind: .deviceRevoked, at: at, members: ["device": .string(device.rawValue)])
    }

    /// What the verdict of an offline check calls this entry: an operation by its act, else its kind.
    public var entryClass: String {
        if kind == .operation { return string("act").map { "act \($0)" } ?? "edit" }
        return kind.rawValue
    }
}

/// Why an audit check failed, in words for an auditor.
public struct AuditFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Data {
    /// Lower-case hex, as hashes are written in the log and in bundles.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Bytes from lower- or upper-case hex; `nil` for anything else.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(utf8.count / 2)
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x61...0x66: c - 0x61 + 10
            case 0x41...0x46: c - 0x41 + 10
            default: nil
            }
        }
        var i = 0
        while i < utf8.count {
            guard let high = value(utf8[i]), let low = value(utf8[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
            i += 2
        }
        self.init(bytes)
    }
}
