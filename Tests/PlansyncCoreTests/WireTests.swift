import Foundation
import PlansyncCore
@testable import PlansyncProtocol
import Testing

@Suite("Wire format")
struct WireTests {
    @Test("every kind of operation survives encoding and decoding")
    func roundTrip() throws {
        let id = OpID(device: DeviceID("ab12cd34"), counter: 7)
        let changes: [Change] = [
            .createPlan(siruta: Siruta(80980), year: 2025),
            .setField(path: "title", value: .text("Plan"), supersedes: [id]),
            .insertRow(table: "services", position: "V", fields: ["capacity": .integer(5), "x": .object(["raw": .text("15.000")])]),
            .setRowField(table: "services", row: id, field: "name", value: .null, supersedes: []),
            .removeRow(table: "services", row: id, seen: [id]),
            .moveRow(table: "services", row: id, position: "a", supersedes: [id]),
        ]
        for change in changes {
            let operation = PlanOperation(id: id, hlc: HLCTimestamp(wallMillis: 1_700_000_000_000, logical: 2), author: "ana", plan: PlanID("ab12cd34.1"), change: change)
            #expect(try WireJSON.decode(PlanOperation.self, from: WireJSON.encode(operation)) == operation)
        }
    }

    @Test("a fraction is refused: money is exact")
    func noFloatingPoint() {
        #expect(throws: DecodingError.self) { try WireJSON.decode(Value.self, from: Data("1.5".utf8)) }
    }

    @Test("gzip round trip, and garbage is refused")
    func gzip() throws {
        let text = Data(String(repeating: "{\"op\":\"set\",\"path\":\"title\"}", count: 200).utf8)
        let packed = Gzip.compress(text)
        #expect(packed.count < text.count / 10)
        #expect(try Gzip.decompress(packed) == text)
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(Data("not gzip at all".utf8)) }
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress(packed.prefix(packed.count / 2)) }
    }

    @Test("paths and values as a clerk types them")
    func paths() throws {
        #expect(try PlanPath("title") == .field("title"))
        #expect(try PlanPath("services[2].budget.local") == .rowField(table: "services", row: "2", field: "budget.local"))
        #expect(throws: PlanPath.SyntaxError.self) { try PlanPath("services[2]") }
        #expect(throws: PlanPath.SyntaxError.self) { try PlanPath("[2].x") }
        #expect(try ValueKind.amount.parse("15.000") == .integer(15_000))
        #expect(try ValueKind.date.parse("12.03.2024") == .text("2024-03-12"))
        #expect(throws: PlanPath.SyntaxError.self) { try ValueKind.date.parse("31.02.2024") }
        #expect(try ValueKind.text.parse("") == .null)
    }

    @Test("a whole row id is that row even when it starts another's (ab.3 and ab.35); a unique start still finds one")
    func rowByWholeID() throws {
        var author = Author("ab")
        var plan = try PlanDocument.created(by: author.operation(on: nil, .createPlan(siruta: Siruta(80980), year: 2025)))
        var ids: [RowID] = []
        for index in 2...35 {
            let operation = author.operation(on: plan.id, PlanEditor(plan: plan).insertRow(into: "actions", values: ["activity": .text("A\(index)")]))
            plan.apply(operation)
            ids.append(operation.id)
        }
        let three = try #require(ids.first { $0.description == "ab.3" })
        #expect(ids.contains { $0.description == "ab.35" })
        #expect(try plan.findRow("ab.3", in: "actions") == three)
        #expect(throws: PlanPath.SyntaxError.self) { try plan.findRow("ab.", in: "actions") }
    }

    @Test("the shipped SIRUTA list has every UAT, and the seeds' UATs in their counties")
    func siruta() {
        let registry = SirutaRegistry.shipped
        #expect(registry.uats.count == 3_181)
        #expect(registry[Siruta(80980)]?.county.name == "GORJ")
        #expect(registry[Siruta(95471)]?.kind == .oras)
        #expect(registry.county(named: "neamt")?.code == 27)
        #expect(registry.counties.count == 42)
    }
}

@Suite("Contract")
struct ContractTests {
    @Test("the routes in code are exactly the paths of Protocol/openapi.yaml")
    func openAPIPaths() throws {
        let spec = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Protocol/openapi.yaml").standardized
        let text = try String(contentsOf: spec, encoding: .utf8)
        let documented = text.split(separator: "\n")
            .filter { $0.hasPrefix("  /") && $0.hasSuffix(":") }
            .map { String($0.dropFirst(2).dropLast()) }
        #expect(Set(documented) == Set(APIRoute.allCases.map(\.rawValue)))
        #expect(documented.count == APIRoute.allCases.count)
        for kind in ["create", "set", "insert", "update", "remove", "move"] {
            #expect(text.contains(kind), "operation kind \(kind) is documented")
        }
    }
}

@Suite("Canonical JSON")
struct CanonicalJSONTests {
    @Test("the hand-written encoding is byte for byte JSONEncoder's, for every kind and awkward text", arguments: 0..<200)
    func sameBytes(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        for _ in 0..<10 {
            let operation = randomOperation(using: &random)
            let canonical = operation.canonicalJSON
            #expect(canonical == (try WireJSON.encode(operation)), "\(String(decoding: canonical, as: UTF8.self))")
            #expect(try WireJSON.decode(PlanOperation.self, from: canonical) == operation)
        }
    }
}

@Suite("Fast JSON reader")
struct JSONReaderTests {
    @Test("reads back every canonical operation, alone and in push and pull bodies", arguments: 0..<100)
    func roundTrip(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let operations = (0..<20).map { _ in randomOperation(using: &random) }
        for operation in operations {
            #expect(try PlanOperation(json: JSONReader.parse(operation.canonicalJSON), path: "op") == operation)
        }
        let push = PushRequest(operations: operations)
        #expect(try PushRequest.read(WireJSON.encode(push)).operations == operations)
        let page = PullResponse(operations: operations.enumerated().map { SequencedOperation(seq: Int64($0.offset + 1), operation: $0.element) }, next: 20, more: true)
        let read = try PullResponse.read(JSONWriter.canonical(page.json))
        #expect(read.operations == page.operations && read.next == 20 && read.more)
        let answer = PushResponse(outcomes: [.accepted(operations[0].id, seq: 7), .rejected(operations[1].id, Rejection(code: "wrong-type", message: "„x”"))])
        #expect(try PushResponse.read(WireJSON.encode(answer)) == answer)
        #expect(answer.canonicalJSON == (try WireJSON.encode(answer)))
    }

    @Test("accepts and refuses what JSONDecoder does on awkward documents, and is stricter on two")
    func agreesWithFoundation() {
        let documents = [
            #"{"a":"\u00e9\ud83c\udfdb\n\/"}"#, #"{"a":-0}"#, #"{"a":9223372036854775807}"#, #"  {"a" : [ 1 , 2 ] }  "#,
            #"{"a":01}"#, #"{"a":1.5}"#, #"{"a":9223372036854775808}"#, #"{"a":-}"#,
            #"{"a":"\ud83c"}"#, #"{"a":"\x"}"#, "{\"a\":\"tab\there\"}", #"{"a":tru}"#, #"{"a":1}x"#, #"{"a""#, "", "[]",
        ]
        for document in documents {
            let foundation = (try? WireJSON.decode(JSONValue.self, from: Data(document.utf8)))
            let ours = try? JSONReader.parse(Data(document.utf8))
            #expect(foundation == ours, "\(document)")
        }
        // Foundation reads these; RFC 8259 and plansync do not (no exponents, no trailing commas).
        for stricter in [#"{"a":1e3}"#, #"{"a":[1,]}"#] {
            #expect(throws: WireFormatError.self) { try JSONReader.parse(Data(stricter.utf8)) }
        }
        #expect(throws: WireFormatError.self) { try JSONReader.parse(Data([0x22, 0xC3, 0x28, 0x22])) }  // invalid UTF-8
        #expect(throws: WireFormatError.self) { try JSONReader.parse(Data(String(repeating: "[", count: 100).utf8)) }
    }

    @Test("cut or corrupted bodies are refused, never crash", arguments: 0..<50)
    func corrupted(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        var body = try WireJSON.encode(PushRequest(operations: (0..<5).map { _ in randomOperation(using: &random) }))
        let cut = body.prefix(Int.random(in: 0..<body.count, using: &random))
        #expect(throws: WireFormatError.self) { try PushRequest.read(cut) }
        for _ in 0..<5 { body[Int.random(in: 0..<body.count, using: &random)] = UInt8.random(in: 0...255, using: &random) }
        _ = try? PushRequest.read(body)
    }
}

func randomOperation(using random: inout SeededGenerator) -> PlanOperation {
    let texts = ["Cantină", "a \"quoted\" \\ path/with/slashes", "tab\there\nnew line", "\u{1}\u{1F}", "emoji 🏛️", ""]
    func text() -> String { texts.randomElement(using: &random)! + String(Int.random(in: 0..<100, using: &random)) }
    func id() -> OpID { OpID(device: DeviceID("d\(Int.random(in: 0..<9, using: &random))x"), counter: Int64.random(in: 1...99_999, using: &random)) }
    func ids() -> [OpID] { (0..<Int.random(in: 0...3, using: &random)).map { _ in id() } }
    func value(depth: Int = 0) -> Value {
        switch Int.random(in: 0..<(depth > 1 ? 4 : 5), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .integer(Int64.random(in: Int64.min...Int64.max, using: &random))
        case 3: return .text(text())
        default: return .object(Dictionary(uniqueKeysWithValues: (0..<Int.random(in: 0...3, using: &random)).map { ("k\($0)\(text())", value(depth: depth + 1)) }))
        }
    }
    let changes: [Change] = [
        .createPlan(siruta: Siruta(Int.random(in: 1...999_999, using: &random)), year: 2025),
        .setField(path: text(), value: value(), supersedes: ids()),
        .insertRow(table: text(), position: "V", fields: Dictionary(uniqueKeysWithValues: (0..<Int.random(in: 0...3, using: &random)).map { ("c\($0)", value()) })),
        .setRowField(table: text(), row: id(), field: text(), value: value(), supersedes: ids()),
        .removeRow(table: text(), row: id(), seen: ids()),
        .moveRow(table: text(), row: id(), position: "a1", supersedes: ids()),
    ]
    return PlanOperation(id: id(), hlc: HLCTimestamp(rawValue: Int64.random(in: 0...Int64.max, using: &random)),
                         author: text(), plan: PlanID(id().description), change: changes.randomElement(using: &random)!)
}
