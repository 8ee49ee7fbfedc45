/// A hybrid logical clock timestamp: wall-clock milliseconds in the high 48 bits, a logical counter
/// in the low 16.
///
/// Why not the wall clock alone: a commune laptop whose clock is hours off would otherwise order
/// its edits wrongly against edits it has already seen. A device advances its clock past every
/// timestamp it receives, so anything it writes after seeing an edit is stamped later than that
/// edit, whatever its wall clock says. Packed into one integer to keep operations small on the wire.
///
/// The arithmetic saturates: no input, however hostile, makes it trap. The county refuses stamps
/// outside ``acceptedWallMillis(countyNow:)`` (before 2020, or more than a day ahead of its own
/// clock), and a device does not follow a received stamp that far ahead of its own clock, so one
/// bad stamp cannot drag every later edit of a commune into the future.
public struct HLCTimestamp: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: Int64

    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// A timestamp from its parts; a wall clock outside what 48 bits hold is clamped to it.
    public init(wallMillis: Int64, logical: Int64) {
        let wall = min(max(wallMillis, 0), Self.maximumWallMillis)
        rawValue = (wall << 16) | (logical & 0xFFFF)
    }

    public static let zero = HLCTimestamp(rawValue: 0)

    /// The largest wall clock a timestamp holds (about the year 10889).
    public static let maximumWallMillis = Int64.max >> 16
    /// 2020-01-01T00:00:00Z: no plansync edit is older, so an earlier stamp is a broken clock.
    public static let earliestWallMillis: Int64 = 1_577_836_800_000
    /// How far ahead of the county's clock a stamp may be: a day covers a wrong time zone or a
    /// forgotten daylight-saving change, not a wrong year.
    public static let maximumLeadMillis: Int64 = 24 * 3_600_000

    /// The wall clocks the county accepts on an operation, given its own clock now.
    public static func acceptedWallMillis(countyNow: Int64) -> ClosedRange<Int64> {
        earliestWallMillis...max(earliestWallMillis, countyNow.addingSaturating(maximumLeadMillis))
    }

    /// Milliseconds since 1970 of the wall-clock part.
    public var wallMillis: Int64 { rawValue >> 16 }
    /// Events within the same millisecond (or after the clock went backwards).
    public var logical: Int64 { rawValue & 0xFFFF }

    /// The timestamp of a new local event, given the previous one and the wall clock now.
    public func tick(now: Int64) -> HLCTimestamp {
        if now > wallMillis, now <= Self.maximumWallMillis { return HLCTimestamp(wallMillis: now, logical: 0) }
        return successor
    }

    /// The timestamp after receiving `remote`: later than both, and never behind the wall clock.
    /// A remote stamp more than ``maximumLeadMillis`` ahead of `now` is not followed: it cannot be
    /// right, and edits that replace it say so in their `over` list, not by their clock.
    public func receive(_ remote: HLCTimestamp, now: Int64) -> HLCTimestamp {
        let followed = remote.wallMillis <= now.addingSaturating(Self.maximumLeadMillis) ? remote : .zero
        let newest = max(self, followed)
        if now > newest.wallMillis, now <= Self.maximumWallMillis { return HLCTimestamp(wallMillis: now, logical: 0) }
        return newest
    }

    /// The next timestamp; when the logical counter is full it borrows one millisecond. At the
    /// very top it stays put rather than wrap.
    private var successor: HLCTimestamp { HLCTimestamp(rawValue: rawValue.addingSaturating(1)) }

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

extension Int64 {
    /// `self + other`, pinned to the type's bounds instead of trapping.
    public func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
