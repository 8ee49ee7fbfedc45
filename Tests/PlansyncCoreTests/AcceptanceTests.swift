import Foundation
import PlansyncCore
@testable import PlansyncProtocol
import Testing

/// What an edit may say it saw (`over`, a removal's `seen`): only writes accepted before it, on
/// its own field, row or position. Each case here was accepted before the rule existed, and let a
/// device win over an honest edit it never received.
@Suite("References: what an edit saw")
struct ReferenceRuleTests {
    /// A plan with a title written by ana and one row, and the operations that made them.
    struct Scene {
        var ana = Author("ana00001"), ion = Author("ion00001"), eve = Author("eve00001")
        var plan: PlanDocument
        var history: [OpID: PlanOperation] = [:]
        let title: PlanOperation
        let row: PlanOperation

        init() throws {
            let create = ana.operation(on: nil, .createPlan(siruta: Siruta(80980), year: 2025))
            plan = try PlanDocument.created(by: create)
            title = ana.operation(on: plan.id, PlanEditor(plan: plan).setField("title", to: .text("Plan")))
            plan = try plan.applying(title)
            row = ana.operation(on: plan.id, PlanEditor(plan: plan).insertRow(into: "actions", values: ["activity": .text("Informare")]))
            plan = try plan.applying(row)
            for operation in [create, title, row] {
                history[operation.id] = operation
                ion.receive(operation)
                eve.receive(operation)
            }
        }

        func code(_ operation: PlanOperation, history extra: [OpID: PlanOperation] = [:]) -> String? {
            let rules = OperationRules()
            let known = history.merging(extra) { $1 }
            var lookups: [OpID: PlanOperation] = [:]
            for id in rules.referencesToLookUp(operation, in: plan) { lookups[id] = known[id] }
            do { try rules.check(operation, against: plan, history: lookups); return nil } catch { return error.code }
        }
    }

    @Test("an edit naming as seen a write that does not exist, or that the county has not accepted yet, is refused")
    func unseen() throws {
        var scene = try Scene()
        // Given ion wrote the notes but has not synced
        let honest = scene.ion.operation(on: scene.plan.id, PlanEditor(plan: scene.plan).setField("notes", to: .text("de ion")))
        // When eve claims to have seen ion's write (and one that never existed)
        let forged = scene.eve.operation(on: scene.plan.id, .setField(path: "notes", value: .text("de eve"), supersedes: [honest.id]))
        let invented = scene.eve.operation(on: scene.plan.id, .setField(path: "notes", value: .text("x"), supersedes: [OpID(device: DeviceID("nobody"), counter: 1)]))
        // Then both are refused; had ion's been accepted before, the same claim would be fine
        #expect(scene.code(forged) == "unknown-reference")
        #expect(scene.code(invented) == "unknown-reference")
        #expect(scene.code(forged, history: [honest.id: honest]) == nil)
    }

    @Test("an edit naming as seen a write on another field, another row or another plan is refused")
    func otherTarget() throws {
        var scene = try Scene()
        let plan = scene.plan
        let onTitle = scene.eve.operation(on: plan.id, .setField(path: "notes", value: .text("x"), supersedes: [scene.title.id]))
        #expect(scene.code(onTitle) == "reference-mismatch")
        let otherPlanCreate = scene.eve.operation(on: nil, .createPlan(siruta: Siruta(80980), year: 2026))
        let otherPlanTitle = scene.eve.operation(on: otherPlanCreate.plan, .setField(path: "title", value: .text("y"), supersedes: []))
        let acrossPlans = scene.eve.operation(on: plan.id, .setField(path: "title", value: .text("x"), supersedes: [otherPlanTitle.id]))
        #expect(scene.code(acrossPlans, history: [otherPlanTitle.id: otherPlanTitle]) == "reference-mismatch")
        let cell = scene.eve.operation(on: plan.id, .setRowField(table: "actions", row: scene.row.id, field: "termen", value: .text("Anual"), supersedes: [scene.title.id]))
        #expect(scene.code(cell) == "reference-mismatch")
        // A removal that says it saw a write of another row cannot defeat the remove-vs-edit rule.
        let otherRow = scene.ana.operation(on: plan.id, PlanEditor(plan: plan).insertRow(into: "actions", values: [:]))
        let removal = scene.eve.operation(on: plan.id, .removeRow(table: "actions", row: scene.row.id, seen: [scene.row.id, otherRow.id]))
        #expect(scene.code(removal, history: [otherRow.id: otherRow]) == "reference-mismatch")
    }

    @Test("writes that were superseded since are still valid references, found in the history")
    func superseded() throws {
        var scene = try Scene()
        // Given ana and ion both saw ana's title; ana changes it again
        let seen = scene.plan
        let again = scene.ana.operation(on: seen.id, PlanEditor(plan: seen).setField("title", to: .text("Plan 2")))
        scene.plan = try seen.applying(again)
        scene.history[again.id] = again
        // When ion, who saw only the first title, edits it
        let ions = scene.ion.operation(on: seen.id, PlanEditor(plan: seen).setField("title", to: .text("Plan ion")))
        // Then the rules find the superseded write in the history and accept it: a conflict, as R2 says
        #expect(OperationRules().referencesToLookUp(ions, in: scene.plan) == [scene.title.id])
        #expect(scene.code(ions) == nil)
        #expect(try scene.plan.applying(ions, history: scene.history).conflicts.map(\.path) == ["title"])
    }

    @Test("replay applies the same check, so a rebuilt plan never holds a forged supersession")
    func replay() throws {
        let scene = try Scene()
        var eve = scene.eve
        let forged = eve.operation(on: scene.plan.id, .setField(path: "title", value: .text("eve"), supersedes: [OpID(device: DeviceID("ion00001"), counter: 99)]))
        let create = scene.history.values.first { $0.change.kind == .create }!
        let (document, skipped) = PlanDocument.replay([create, scene.title, scene.row, forged])
        #expect(skipped == [forged])
        #expect(document?.fields["title"]?.value == .text("Plan"))
    }
}

@Suite("Limits")
struct LimitTests {
    @Test("a value, a list of seen writes, a field's open values, a table and a plan are bounded, each with its code")
    func bounded() throws {
        var ana = Author("ana00001")
        var (plan, _) = try newPlan(by: &ana)
        let limits = OperationLimits(valueBytes: 100, authorBytes: 20, supersedes: 2, seen: 3, openValues: 3, rowsPerTable: 2, planBytes: 300,
                                     pushOperations: 10, bodyBytes: 1_000, pageBytes: 1_000)
        let rules = OperationRules(limits: limits)
        func code(_ operation: PlanOperation, on document: PlanDocument? = nil) -> String? {
            do { try rules.check(operation, against: document ?? plan); return nil } catch { return error.code }
        }
        #expect(code(ana.operation(on: plan.id, .setField(path: "title", value: .text(String(repeating: "x", count: 101)), supersedes: []))) == "too-large")
        #expect(code(ana.operation(on: plan.id, .setField(path: "title", value: .text(String(repeating: "x", count: 100)), supersedes: []))) == nil)
        var longName = Author("ana00001", name: String(repeating: "n", count: 21))
        #expect(code(longName.operation(on: plan.id, .setField(path: "title", value: .text("x"), supersedes: []))) == "too-large")
        // Open values: three devices wrote the title without seeing each other; a fourth is refused
        // until someone resolves the conflict.
        for device in ["a", "b", "c"] {
            var writer = Author("\(device)0000001")
            plan = try plan.applying(writer.operation(on: plan.id, .setField(path: "title", value: .text(device), supersedes: [])))
        }
        #expect(plan.fields["title"]?.heads.count == 3)
        #expect(code(ana.operation(on: plan.id, .setField(path: "title", value: .text("d"), supersedes: []))) == "too-many-values")
        let resolving = ana.operation(on: plan.id, PlanEditor(plan: plan).setField("title", to: .text("resolved")))
        #expect(code(resolving) == "too-large", "three ids in `over` exceed this test's bound of two")
        // Rows per table, then the plan's size.
        for _ in 0..<2 { plan = try plan.applying(ana.operation(on: plan.id, PlanEditor(plan: plan).insertRow(into: "actions", values: [:]))) }
        #expect(code(ana.operation(on: plan.id, PlanEditor(plan: plan).insertRow(into: "actions", values: [:]))) == "too-large")
        plan = try plan.applying(ana.operation(on: plan.id, .setField(path: "notes", value: .text(String(repeating: "y", count: 100)), supersedes: [])))
        plan = try plan.applying(ana.operation(on: plan.id, .setField(path: "contracting", value: .text(String(repeating: "y", count: 100)), supersedes: [])))
        #expect(code(ana.operation(on: plan.id, .setField(path: "subsidies", value: .text(String(repeating: "z", count: 100)), supersedes: []))) == "plan-too-large")
        #expect(plan.contentBytes == plan.measuredContentBytes)
    }

    @Test("the first bad column named is always the same one, whatever order the values came in")
    func deterministicMessages() throws {
        var ana = Author("ana00001")
        let (plan, _) = try newPlan(by: &ana)
        var messages: Set<String> = []
        for permutation in 0..<20 {
            var values: [String: Value] = [:]
            let columns = ["zzz", "capacity", "aaa", "name", "mmm"]
            for index in 0..<columns.count { let column = columns[(index + permutation) % columns.count]; values[column] = .integer(1) }
            do { try OperationRules().check(ana.operation(on: plan.id, .insertRow(table: "services", position: "V", fields: values)), against: plan) } catch {
                messages.insert(error.message)
            }
        }
        #expect(messages.count == 1 && messages.first?.contains("'aaa'") == true)
    }

    @Test("a value's size counts its text; the plan's size follows every write in force")
    func sizes() throws {
        #expect(Value.text("ăîș").byteSize == 6)
        #expect(Value.object(["raw": .text("15.000")]).byteSize == 9)
        var ana = Author("ana00001"), ion = Author("ion00001")
        var (plan, create) = try newPlan(by: &ana)
        ion.receive(create)
        let a = ana.operation(on: plan.id, PlanEditor(plan: plan).setField("title", to: .text("aaaa")))
        let b = ion.operation(on: plan.id, PlanEditor(plan: plan).setField("title", to: .text("bb")))
        plan = try plan.applying(a, b)
        #expect(plan.contentBytes == 6)
        plan = try plan.applying(ana.operation(on: plan.id, PlanEditor(plan: plan).setField("title", to: .text("c"))), history: [a.id: a, b.id: b])
        #expect(plan.contentBytes == 1 && plan.contentBytes == plan.measuredContentBytes)
    }
}

@Suite("Hybrid clock bounds")
struct ClockBoundTests {
    static let now: Int64 = 1_764_000_000_000

    @Test("the clock saturates instead of trapping, at the very top and at the very bottom")
    func saturates() {
        let top = HLCTimestamp(rawValue: .max)
        #expect(top.tick(now: Self.now) == top)
        #expect(top.tick(now: .max) == top)
        #expect(HLCTimestamp(wallMillis: .max, logical: 0).wallMillis == HLCTimestamp.maximumWallMillis)
        #expect(HLCTimestamp(wallMillis: -5, logical: 0) == .zero)
        #expect(Int64.max.addingSaturating(1) == .max && Int64.min.addingSaturating(-1) == .min)
    }

    @Test("a received stamp far ahead of the clock is not followed, one within a day is")
    func receive() {
        let clock = HLCTimestamp(wallMillis: Self.now, logical: 0)
        let year5000 = HLCTimestamp(wallMillis: 95_617_584_000_000, logical: 0)
        #expect(clock.receive(year5000, now: Self.now) == clock)
        #expect(clock.receive(HLCTimestamp(rawValue: .max), now: Self.now) == clock)
        let soon = HLCTimestamp(wallMillis: Self.now + 3_600_000, logical: 4)
        #expect(clock.receive(soon, now: Self.now) == soon)
    }

    @Test("the county refuses stamps before 2020, zero, negative, or more than a day ahead of its clock")
    func faults() {
        let accepted = [Self.now, Self.now - 400 * 86_400_000, Self.now + 23 * 3_600_000]
        for wall in accepted { #expect(OperationRules.clockFault(HLCTimestamp(wallMillis: wall, logical: 0), countyNow: Self.now) == nil) }
        #expect(OperationRules.clockFault(HLCTimestamp(wallMillis: Self.now + 25 * 3_600_000, logical: 0), countyNow: Self.now) == .ahead)
        #expect(OperationRules.clockFault(HLCTimestamp(rawValue: .max), countyNow: Self.now) == .ahead)
        #expect(OperationRules.clockFault(.zero, countyNow: Self.now) == .invalid)
        #expect(OperationRules.clockFault(HLCTimestamp(rawValue: -1), countyNow: Self.now) == .invalid)
        #expect(OperationRules.clockFault(HLCTimestamp(wallMillis: 1_500_000_000_000, logical: 0), countyNow: Self.now) == .invalid)
    }
}

@Suite("Order keys stay usable")
struct OrderKeyBoundTests {
    @Test("equal or reversed bounds give a key after the lower one instead of looping")
    func badBounds() {
        for (lower, upper) in [("V", "V"), ("a", "V"), ("V1", "V1"), ("zzz", "0V")] {
            let key = OrderKey.between(lower, upper)
            #expect(OrderKey.isValid(key) && key > lower, "\(lower) \(upper) → \(key)")
        }
    }

    @Test("rows squeezed between the same neighbours again and again: spreading gives short keys in the same order", arguments: [1, 7, 300, 2_000])
    func spread(count: Int) {
        let keys = OrderKey.spread(count)
        #expect(keys.count == count && keys == keys.sorted() && Set(keys).count == count)
        #expect(keys.allSatisfy { OrderKey.isValid($0) && $0.count == 3 })
        // A row moved again and again just after the same row: its key creeps towards that row's.
        var squeezed = OrderKey.between("V", "W")
        for _ in 0..<200 { squeezed = OrderKey.between("V", squeezed) }
        #expect(squeezed.count > OrderKey.comfortableLength, "this is the growth that spreading undoes")
    }

    @Test("the editor spreads a table's rows keeping their order")
    func editorSpreads() throws {
        var ana = Author("ana00001")
        var (plan, _) = try newPlan(by: &ana)
        for index in 0..<5 {
            plan = try plan.applying(ana.operation(on: plan.id, PlanEditor(plan: plan).insertRow(into: "actions", atStart: true, values: ["activity": .text("\(index)")])))
        }
        let before = plan.visibleRows(of: "actions").map(\.id)
        for move in PlanEditor(plan: plan).spreadRows(of: "actions") { plan = try plan.applying(ana.operation(on: plan.id, move)) }
        #expect(plan.visibleRows(of: "actions").map(\.id) == before)
        #expect(plan.visibleRows(of: "actions").allSatisfy { $0.positionKey.count == 3 })
    }
}

@Suite("One JSON mechanism")
struct JSONMechanismTests {
    @Test("a member named twice is refused: two readers could disagree on what the document says")
    func duplicates() {
        #expect(throws: WireFormatError.self) { try JSONReader.parse(Data(#"{"a":1,"a":2}"#.utf8)) }
        let many = "{" + (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + ",\"k7\":0}"
        #expect(throws: WireFormatError.self) { try JSONReader.parse(Data(many.utf8)) }
    }

    @Test("members keep the document's order when read, and are sorted by their bytes in the canonical form")
    func order() throws {
        let value = try JSONReader.parse(Data(#"{"b":1,"a":{"é":2,"z":3},"A":[true,null]}"#.utf8))
        guard case .object(let object) = value else { Issue.record("not an object"); return }
        #expect(object.keys == ["b", "a", "A"])
        #expect(String(decoding: JSONWriter.canonical(value), as: UTF8.self) == #"{"A":[true,null],"a":{"z":3,"é":2},"b":1}"#)
        #expect(String(decoding: JSONWriter.pretty(.object(["x": .integer(1)])), as: UTF8.self) == "{\n  \"x\": 1\n}\n")
    }

    @Test("the example of Protocol/CANONICAL.md is what the encoder writes for that operation")
    func documentedExample() throws {
        let document = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Protocol/CANONICAL.md").standardized, encoding: .utf8)
        let example = try #require(document.components(separatedBy: "```json\n").dropFirst().first?.components(separatedBy: "\n```").first)
        let operation = PlanOperation(
            id: OpID(device: DeviceID("k3f9a1c2"), counter: 42), hlc: HLCTimestamp(wallMillis: 1_764_000_000_000, logical: 0),
            author: "Ana Popescu", plan: PlanID("k3f9a1c2.1"),
            change: .setField(path: "title", value: .text("Planul anual 2025"), supersedes: [OpID(device: DeviceID("k3f9a1c2"), counter: 7)]))
        #expect(String(decoding: operation.canonicalJSON, as: UTF8.self) == example)
        #expect(try PlanOperation(json: JSONReader.parse(Data(example.utf8)), path: "example") == operation)
    }

    @Test("an operation with a member its kind does not have, or of an unknown kind, is not read")
    func strictOperations() throws {
        let base = #""by":"ana","hlc":1764000000000,"id":"d1.2","plan":"d1.1""#
        #expect(throws: WireFormatError.self) { try PlanOperation(json: JSONReader.parse(Data("{\(base),\"op\":\"set\",\"path\":\"title\",\"value\":\"x\",\"note\":\"?\"}".utf8)), path: "op") }
        #expect(throws: WireFormatError.self) { try PlanOperation(json: JSONReader.parse(Data("{\(base),\"op\":\"submit\"}".utf8)), path: "op") }
        #expect((try? PlanOperation(json: JSONReader.parse(Data("{\(base),\"op\":\"set\",\"path\":\"title\",\"value\":\"x\"}".utf8)), path: "op")) != nil)
    }

    @Test("a pull page keeps what it cannot read, verbatim and in its place, and reads the rest")
    func unreadableInPage() throws {
        let known = #"{"by":"ana","hlc":1764000000000,"id":"d1.2","op":"set","path":"title","plan":"d1.1","value":"x"}"#
        let later = #"{"by":"ana","hlc":1764000000001,"id":"d1.3","op":"submit","plan":"d1.1","snapshot":"abc"}"#
        let page = try PullResponse.read(Data(#"{"more":false,"next":3,"operations":[{"operation":\#(known),"seq":2},{"operation":\#(later),"seq":3}],"someday":1}"#.utf8))
        #expect(page.operations.map(\.seq) == [2])
        let kept = try #require(page.unreadable.first)
        #expect(kept.seq == 3 && kept.id.description == "d1.3" && kept.kind == "submit" && kept.plan == PlanID("d1.1"))
        #expect(kept.body == Data(later.utf8), "kept in the canonical form, which is how the server stores it")
        #expect(page.lastOwnCounter == 0 && page.people.isEmpty)
    }
}

@Suite("Text from other people")
struct OtherPeoplesTextTests {
    @Test("control characters are shown, not obeyed, on a terminal; line feeds and tabs stay")
    func terminal() {
        #expect("a\u{1B}[31mRED\u{7}".forTerminal == "a\\u{1B}[31mRED\\u{7}")
        #expect("două rânduri\n\tși un tab".forTerminal == "două rânduri\n\tși un tab")
        #expect("\u{9B}2J".forTerminal == "\\u{9B}2J")
    }

    @Test("the Markdown rendering shows markup written in the plan as text")
    func markdownInert() throws {
        var ana = Author("ana00001")
        var (plan, _) = try newPlan(by: &ana)
        plan = try plan.applying(ana.operation(on: plan.id, .setField(path: "notes", value: .text("<script>alert(1)</script> & co"), supersedes: [])))
        let markdown = PlanRenderer(plan).markdown
        #expect(!markdown.contains("<script>") && markdown.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"))
    }

    @Test("the machine's clock with an absurd offset saturates instead of trapping")
    func clockOffset() {
        #expect(SystemClock(offsetMillis: .max).nowMillis() == .max)
        #expect(SystemClock(offsetMillis: .min).nowMillis() < 0)
    }
}
