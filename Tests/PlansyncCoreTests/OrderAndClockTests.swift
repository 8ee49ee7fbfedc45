import PlansyncCore
import PlansyncProtocol
import Testing

@Suite("Order keys and hybrid clock")
struct OrderAndClockTests {
    @Test("a key between two keys sorts strictly between them", arguments: 0..<50)
    func between(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var keys = [OrderKey.between(nil, nil)]
        for _ in 0..<200 {
            let index = Int.random(in: 0...keys.count, using: &random)
            let lower = index > 0 ? keys[index - 1] : nil
            let upper = index < keys.count ? keys[index] : nil
            let key = OrderKey.between(lower, upper)
            #expect(OrderKey.isValid(key))
            if let lower { #expect(lower < key) }
            if let upper { #expect(key < upper) }
            keys.insert(key, at: index)
        }
        #expect(keys == keys.sorted())
    }

    @Test("appending stays short")
    func appendStaysShort() {
        var key = OrderKey.between(nil, nil)
        for _ in 0..<1_000 { key = OrderKey.between(key, nil) }
        #expect(key.count <= 20)
    }

    @Test("the clock never goes backwards and passes every received timestamp")
    func hybridClock() {
        var clock = HLCTimestamp.zero.tick(now: 1_000)
        let before = clock
        clock = clock.tick(now: 500)  // wall clock went backwards
        #expect(clock > before)
        let remote = HLCTimestamp(wallMillis: 9_000, logical: 3)
        clock = clock.receive(remote, now: 600)
        #expect(clock >= remote)
        #expect(clock.tick(now: 600) > remote)
        #expect(HLCTimestamp(wallMillis: 9_000, logical: 3).wallMillis == 9_000)
    }
}

