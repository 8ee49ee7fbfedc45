import Foundation
import PlansyncProtocol

/// Where the core reads the time. Injected so merge, replay and audit tests are deterministic
/// and can put a device hours off.
public protocol WallClock: Sendable {
    /// Milliseconds since 1970.
    func nowMillis() -> Int64
}

/// The machine's clock, optionally shifted (to reproduce a commune PC whose clock is wrong).
public struct SystemClock: WallClock {
    public let offsetMillis: Int64
    public init(offsetMillis: Int64 = 0) { self.offsetMillis = offsetMillis }
    public func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000).addingSaturating(offsetMillis) }
}
