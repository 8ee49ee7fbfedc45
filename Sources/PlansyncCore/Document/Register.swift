import PlansyncProtocol

/// One write to a field: the value, and who wrote it when.
public struct Write: Codable, Hashable, Sendable {
    public var id: OpID
    public var hlc: HLCTimestamp
    public var author: String
    public var value: Value

    public init(id: OpID, hlc: HLCTimestamp, author: String, value: Value) {
        self.id = id
        self.hlc = hlc
        self.author = author
        self.value = value
    }

    /// Total order used to pick a winner among concurrent writes: the later hybrid clock wins,
    /// ties broken by operation id so every replica picks the same one.
    static func precedes(_ a: Write, _ b: Write) -> Bool {
        (a.hlc, a.id) > (b.hlc, b.id)
    }
}

/// A field's value as a multi-value register.
///
/// `heads` holds the writes no later write has superseded. Usually that is one write. When two
/// devices edit the same field without seeing each other's edit, both stay: the first (latest
/// hybrid clock, then highest operation id) is the value everyone shows, the others are the
/// conflict record. An edit made after seeing all of them supersedes them all and so resolves it.
public struct Register: Codable, Hashable, Sendable {
    /// Winner first.
    public private(set) var heads: [Write]

    public init(_ write: Write) { heads = [write] }

    /// The value shown: the winning write's.
    public var value: Value { heads.first?.value ?? .null }
    public var winner: Write? { heads.first }
    /// Writes that lost a concurrent edit and have not been superseded yet.
    public var losers: ArraySlice<Write> { heads.dropFirst() }
    public var headIDs: [OpID] { heads.map(\.id) }

    /// Bytes of the values in force.
    public var byteSize: Int { heads.reduce(0) { $0 + $1.value.byteSize } }

    /// Applies a write that saw (and so replaces) the writes in `superseding`; returns how many
    /// bytes of values the register holds more (or fewer) than before.
    ///
    /// Operations arrive in causal order (a device only supersedes what it has received), so the
    /// result is the same whatever order concurrent writes come in: heads are all writes minus the
    /// superseded ones.
    mutating func apply(_ write: Write, superseding: [OpID]) -> Int {
        var growth = write.value.byteSize
        if !superseding.isEmpty {
            heads.removeAll { head in
                guard superseding.contains(head.id) else { return false }
                growth -= head.value.byteSize
                return true
            }
        }
        let index = heads.firstIndex { Write.precedes(write, $0) } ?? heads.endIndex
        heads.insert(write, at: index)
        return growth
    }
}
