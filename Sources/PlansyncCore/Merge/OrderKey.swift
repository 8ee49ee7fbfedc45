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

    public static func isValid(_ key: String) -> Bool {
        !key.isEmpty && key.count <= 512 && key.last != "0" && key.allSatisfy { digits.contains($0) }
    }

    /// A key strictly between `lower` and `upper` (`nil` meaning the start or the end of the table).
    public static func between(_ lower: String?, _ upper: String?) -> String {
        let low = (lower ?? "").map(value(of:))
        var high = upper.map { $0.map(value(of:)) }
        var result: [Int] = []
        var index = 0
        if upper == nil, !low.isEmpty {
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
