/// A hybrid logical clock timestamp: wall-clock milliseconds in the high 48 bits, a logical counter
/// in the low 16.
///
/// Why not the wall clock alone: a commune laptop whose clock is hours off would otherwise order
/// its edits wrongly against edits it has already seen. A device advances its clock past every
/// timestamp it receives, so anything it writes after seeing an edit is stamped later than that
/// edit, whatever its wall clock says. Packed into one integer to keep operations small on the wire.
public struct HLCTimestamp: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: Int64

    public init(rawValue: Int64) { self.rawValue = rawValue }

    public init(wallMillis: Int64, logical: Int64) {
        rawValue = (wallMillis << 16) | (logical & 0xFFFF)
    }

    public static let zero = HLCTimestamp(rawValue: 0)

    /// Milliseconds since 1970 of the wall-clock part.
    public var wallMillis: Int64 { rawValue >> 16 }
    /// Events within the same millisecond (or after the clock went backwards).
    public var logical: Int64 { rawValue & 0xFFFF }

    /// The timestamp of a new local event, given the previous one and the wall clock now.
    public func tick(now: Int64) -> HLCTimestamp {
        if now > wallMillis { return HLCTimestamp(wallMillis: now, logical: 0) }
        return successor
    }

    /// The timestamp after receiving `remote`: later than both, and never behind the wall clock.
    public func receive(_ remote: HLCTimestamp, now: Int64) -> HLCTimestamp {
        let newest = max(self, remote)
        if now > newest.wallMillis { return HLCTimestamp(wallMillis: now, logical: 0) }
        return newest
    }

    /// The next timestamp; when the logical counter is full it borrows one millisecond.
    private var successor: HLCTimestamp { HLCTimestamp(rawValue: rawValue + 1) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(Int64.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { "\(wallMillis)+\(logical)" }
}
