/// Order keys for table rows ("fractional indexing").
///
/// A row's place is a key string; a row inserted or moved between two others gets a key that sorts
/// between theirs, so no other row's key changes and concurrent inserts never collide on an index.
/// Two devices may pick the same key concurrently: rows then sort by row id as well.
/// Keys use the digits `0-9A-Za-z` (ASCII order) and never end in `0`, so there is always room
/// before any key.
public enum OrderKey {
    private static let digits = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
    private static let base = digits.count

    /// The longest key accepted.
    public static let maximumLength = 512
    /// Past this length a table's keys are spread out again (``spread(_:)``): moving rows again and
    /// again between the same neighbours makes keys grow about one character every six moves.
    public static let comfortableLength = 24

    public static func isValid(_ key: String) -> Bool {
        !key.isEmpty && key.count <= maximumLength && key.last != "0" && key.allSatisfy { digits.contains($0) }
    }

    /// `count` short keys in increasing order, evenly spaced (three characters each, room for many
    /// more between any two): a table's rows are moved to them when its keys grow long.
    public static func spread(_ count: Int) -> [String] {
        let room = base * base * base
        return (0..<count).map { index in
            var slot = (index + 1) * room / (count + 1)
            if slot % base == 0 { slot += 1 }  // never end in "0"
            return String([slot / (base * base), slot / base % base, slot % base].map { digits[$0] })
        }
    }

    /// A key strictly between `lower` and `upper` (`nil` meaning the start or the end of the table).
    /// Bounds out of order (which an honest editor never asks for) count as no upper bound, so the
    /// answer always exists and sorts after `lower`.
    public static func between(_ lower: String?, _ upper: String?) -> String {
        let low = (lower ?? "").map(value(of:))
        var high = upper.map { $0.map(value(of:)) }
        if let lower, let upper, upper <= lower { high = nil }
        var result: [Int] = []
        var index = 0
        if high == nil, !low.isEmpty {
            // Appending at the end is the common case: bump the first digit that has room (or
            // add a digit), so keys grow by one character per ~60 rows appended one after another.
            guard let room = low.firstIndex(where: { $0 < base - 1 }) else { return String((low + [1]).map { digits[$0] }) }
            return String((low[..<room] + [low[room] + 1]).map { digits[$0] })
        }
        while true {
            let a = index < low.count ? low[index] : 0
            let b = high.map { index < $0.count ? $0[index] : 0 } ?? base
            if a == b {
                result.append(a)
            } else {
                let middle = (a + b) / 2
                if middle > a {
                    result.append(middle)
                    return String(result.map { digits[$0] })
                }
                // Adjacent digits: keep `a` and look for room after it, below no upper bound.
                result.append(a)
                high = nil
            }
            index += 1
        }
    }

    private static func value(of character: Character) -> Int {
        digits.firstIndex(of: character) ?? 0
    }
}
