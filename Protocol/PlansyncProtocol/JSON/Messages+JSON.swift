import Foundation

/// The fast readers and writers of the sync's hot messages (push and pull bodies, push answers),
/// through the one operation mapping (``PlanOperation/init(json:path:)``).

extension PushRequest {
    /// Reads a push body (the server's hot path). Strict: one unreadable operation refuses the body.
    public static func read(_ data: Data) throws(WireFormatError) -> PushRequest {
        let root = try JSONFields(try JSONReader.parse(data), path: "the body")
        try root.allowOnly(["operations"])
        return PushRequest(operations: try root.list("operations") { item, path throws(WireFormatError) in
            try PlanOperation(json: item, path: path)
        })
    }
}

extension PullResponse {
    /// Reads a pull page (the client's hot path). Lenient where a later server may send what this
    /// build does not know: an operation it cannot read is kept as ``UnreadableOperation`` (as long
    /// as its id and plan can be read), and members of the page it does not know are ignored.
    public static func read(_ data: Data) throws(WireFormatError) -> PullResponse {
        let root = try JSONFields(try JSONReader.parse(data), path: "the page")
        var readable: [SequencedOperation] = []
        var unreadable: [UnreadableOperation] = []
        _ = try root.list("operations") { item, path throws(WireFormatError) in
            let entry = try JSONFields(item, path: path)
            let seq = try entry.integer("seq")
            let json = try entry.required("operation")
            do throws(WireFormatError) {
                readable.append(SequencedOperation(seq: seq, operation: try PlanOperation(json: json, path: "\(path).operation"),
                                                   receivedAt: try entry.optionalString("at")))
            } catch {
                let operation = try JSONFields(json, path: "\(path).operation")
                unreadable.append(UnreadableOperation(
                    seq: seq, id: try operation.opID("id"), plan: PlanID(try operation.string("plan")),
                    kind: try? operation.string("op"), body: JSONWriter.canonical(json), reason: error.description))
            }
        }
        let people: [Person] = root["people"] == nil ? [] : try root.list("people") { item, path throws(WireFormatError) -> Person in
            let entry = try JSONFields(item, path: path)
            let siruta = try entry["siruta"].map { _ throws(WireFormatError) in Siruta(Int(try entry.integer("siruta"))) }
            guard let role = Role(rawValue: try entry.string("role")) else {
                throw WireFormatError("\(path).role: unknown role '\(try entry.string("role"))'")
            }
            return Person(device: DeviceID(try entry.string("device")),
                          account: Account(id: AccountID(try entry.string("account")), name: try entry.string("name"), role: role, siruta: siruta))
        }
        return PullResponse(
            operations: readable, unreadable: unreadable, next: try root.integer("next"), more: try root.bool("more"), people: people,
            lastOwnCounter: root["lastOwnCounter"] == nil ? 0 : try root.integer("lastOwnCounter"),
            capabilities: try root.optionalString("capabilities"),
            time: root["time"] == nil ? nil : try root.integer("time"))
    }

    /// The page as JSON (the server splices stored bodies instead; this is for tests and tools).
    public var json: JSONValue {
        var members: [(String, JSONValue)] = []
        if let capabilities { members.append(("capabilities", .string(capabilities))) }
        members.append(("lastOwnCounter", .integer(lastOwnCounter)))
        members.append(("more", .bool(more)))
        members.append(("next", .integer(next)))
        members.append(("operations", .array(operations.map { entry -> JSONValue in
            var members: JSONObject = ["operation": entry.operation.json, "seq": .integer(entry.seq)]
            if let at = entry.receivedAt { members.append("at", .string(at)) }
            return .object(members)
        })))
        members.append(("people", .array(people.map(\.json))))
        if let time { members.append(("time", .integer(time))) }
        return .object(JSONObject(members))
    }
}

extension Person {
    /// One entry of a pull page's `people`.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("account", .string(account.id.rawValue)), ("device", .string(device.rawValue)),
            ("name", .string(account.name)), ("role", .string(account.role.rawValue)),
        ]
        if let siruta = account.siruta { members.append(("siruta", .integer(Int64(siruta.rawValue)))) }
        return .object(JSONObject(members))
    }
}

extension PushResponse {
    /// Reads a push answer.
    public static func read(_ data: Data) throws(WireFormatError) -> PushResponse {
        let root = try JSONFields(try JSONReader.parse(data), path: "the answer")
        return PushResponse(outcomes: try root.list("outcomes") { item, path throws(WireFormatError) in
            let entry = try JSONFields(item, path: path)
            let id = try entry.opID("id")
            let hlc = entry["hlc"] == nil ? nil : HLCTimestamp(rawValue: try entry.integer("hlc"))
            if entry["seq"] != nil {
                return PushOutcome(id: id, seq: try entry.integer("seq"), rejection: nil, hlc: hlc, receivedAt: try entry.optionalString("at"))
            }
            let rejection = try JSONFields(try entry.required("rejection"), path: "\(path).rejection")
            return PushOutcome(id: id, seq: nil, rejection: Rejection(code: try rejection.string("code"), message: try rejection.string("message")), hlc: hlc)
        })
    }
}

/// The answer is written per pushed operation, so on the hot path: straight to bytes.
extension PushResponse: JSONWritable {
    public func write<Sink: JSONSink>(to sink: inout Sink) {
        sink.openObject()
        sink.key("outcomes")
        sink.openArray()
        for outcome in outcomes {
            sink.openObject()
            if let receivedAt = outcome.receivedAt { sink.key("at"); sink.string(receivedAt) }
            if let hlc = outcome.hlc { sink.key("hlc"); sink.integer(hlc.rawValue) }
            sink.key("id"); sink.string(outcome.id.description)
            if let rejection = outcome.rejection {
                sink.key("rejection")
                sink.openObject()
                sink.key("code"); sink.string(rejection.code)
                sink.key("message"); sink.string(rejection.message)
                sink.closeObject()
            }
            if let seq = outcome.seq { sink.key("seq"); sink.integer(seq) }
            sink.closeObject()
        }
        sink.closeArray()
        sink.closeObject()
    }
}
