import Foundation
import PlansyncCore
import PlansyncProtocol
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
