import PlansyncCore
import PlansyncProtocol
import Testing

/// One test per row of the conflict-rule table in README.md ("Merge and conflict rules").
@Suite("Conflict rules")
struct ConflictRuleTests {
    @Test("R1: edits to different fields both survive")
    func differentFields() throws {
        var ana = Author("ana00001"), ion = Author("ion00001")
        let (plan, create) = try newPlan(by: &ana)
        ion.receive(create)
        let a = ana.operation(on: plan.id, PlanEditor(plan: plan).setField("title", to: .text("Plan 2025")))
        let b = ion.operation(on: plan.id, PlanEditor(plan: plan).setField("notes", to: .text("de revizuit")))
        let one = try plan.applying(a, b), other = try plan.applying(b, a)
        #expect(one == other)
        #expect(PlanView(one).fields == ["title": .text("Plan 2025"), "notes": .text("de revizuit")])
        #expect(one.conflicts.isEmpty)
    }

    @Test("R2: concurrent edits of one field: one deterministic winner, the loser kept as a conflict")
    func sameField() throws {
        var ana = Author("ana00001"), ion = Author("ion00001", now: 1_700_000_000_500)
        let (plan, create) = try newPlan(by: &ana)
        ion.receive(create)
        let a = ana.operation(on: plan.id, PlanEditor(plan: plan).setField("title", to: .text("A")))
        let b = ion.operation(on: plan.id, PlanEditor(plan: plan).setField("title", to: .text("B")))
        let one = try plan.applying(a, b), other = try plan.applying(b, a)
        #expect(one == other)
        // ion's clock is later, so ion's value shows; ana's is the conflict record.
        #expect(one.fields["title"]?.value == .text("B"))
        let conflict = try #require(one.conflicts.first)
        #expect(conflict.kind == .concurrentEdit && conflict.path == "title")
        #expect(conflict.others.map(\.value) == [.text("A")])
        #expect(conflict.others.first?.author == "ana00001")
    }

    @Test("R2: equal clocks are broken by operation id, the same on every replica")
    func tieBreak() throws {
        var ana = Author("ana00001"), ion = Author("ion00001")
        let (plan, create) = try newPlan(by: &ana)
        ion.receive(create)
        ion.now = ana.now
        let a = ana.operation(on: plan.id, PlanEditor(plan: plan).setField("title", to: .text("A")))
        let b = ion.operation(on: plan.id, PlanEditor(plan: plan).setField("title", to: .text("B")))
        #expect(a.hlc == b.hlc)
        #expect(try plan.applying(a, b).fields["title"]?.value == .text("B"))
        #expect(try plan.applying(b, a).fields["title"]?.value == .text("B"))
    }

    @Test("R3: a later edit made after seeing the conflict resolves it")
    func resolveByEdit() throws {
        var ana = Author("ana00001"), ion = Author("ion00001")
        let (plan, create) = try newPlan(by: &ana)
        ion.receive(create)
        let a = ana.operation(on: plan.id, PlanEditor(plan: plan).setField("title", to: .text("A")))
        let b = ion.operation(on: plan.id, PlanEditor(plan: plan).setField("title", to: .text("B")))
        let merged = try plan.applying(a, b)
        ana.receive(b)
        let resolution = ana.operation(on: plan.id, PlanEditor(plan: merged).setField("title", to: .text("A, final")))
        let resolved = try merged.applying(resolution)
        #expect(resolved.conflicts.isEmpty)
        #expect(resolved.fields["title"]?.value == .text("A, final"))
    }

    @Test("R4: an edit made after seeing another wins, whatever the device's clock says")
    func causalityBeatsClock() throws {
        var ana = Author("ana00001")
        var ion = Author("ion00001", now: 1_700_000_000_000 - 6 * 3_600_000)  // six hours behind
        let (plan, create) = try newPlan(by: &ana)
        ion.receive(create)
        let a = ana.operation(on: plan.id, PlanEditor(plan: plan).setField("title", to: .text("A")))
        let seen = try plan.applying(a)
        ion.receive(a)
        let b = ion.operation(on: plan.id, PlanEditor(plan: seen).setField("title", to: .text("B, after reading A")))
        #expect(b.hlc > a.hlc)
        let merged = try seen.applying(b)
        #expect(merged.fields["title"]?.value == .text("B, after reading A"))
        #expect(merged.conflicts.isEmpty)
    }

    @Test("R5: concurrent row inserts are both kept, in the same order everywhere")
    func concurrentInserts() throws {
        var ana = Author("ana00001"), ion = Author("ion00001")
        let (plan, create) = try newPlan(by: &ana)
        ion.receive(create)
        let a = ana.operation(on: plan.id, PlanEditor(plan: plan).insertRow(into: "services", values: ["name": .text("Cantină")]))
        let b = ion.operation(on: plan.id, PlanEditor(plan: plan).insertRow(into: "services", values: ["name": .text("Centru de zi")]))
        let one = try plan.applying(a, b), other = try plan.applying(b, a)
        #expect(one == other)
        #expect(one.visibleRows(of: "services").map(\.id) == other.visibleRows(of: "services").map(\.id))
        #expect(one.visibleRows(of: "services").count == 2)
    }

    @Test("R6: a row removed while another device edited it is kept, with a conflict")
    func editWhileRemoved() throws {
        var ana = Author("ana00001"), ion = Author("ion00001")
        var (plan, create) = try newPlan(by: &ana)
        ion.receive(create)
        let insert = ana.operation(on: plan.id, PlanEditor(plan: plan).insertRow(into: "services", values: ["capacity": .integer(10)]))
        plan = try plan.applying(insert)
        ion.receive(insert)
        let remove = ana.operation(on: plan.id, PlanEditor(plan: plan).removeRow("services", row: insert.id))
        let edit = ion.operation(on: plan.id, PlanEditor(plan: plan).setRowField("services", row: insert.id, field: "capacity", to: .integer(12)))
        let one = try plan.applying(remove, edit), other = try plan.applying(edit, remove)
        #expect(one == other)
        #expect(one.visibleRows(of: "services").map(\.id) == [insert.id])
        let conflict = try #require(one.conflicts.first)
        #expect(conflict.kind == .editedWhileRemoved)
        #expect(conflict.others.map(\.author) == ["ana00001"])
        #expect(conflict.current.map(\.id) == [edit.id])

        // Settled by removing again (having seen the edit) …
        let again = ana.operation(on: plan.id, PlanEditor(plan: one).removeRow("services", row: insert.id))
        let removed = try one.applying(again)
        #expect(removed.visibleRows(of: "services").isEmpty && removed.conflicts.isEmpty)
        // … or by editing the kept row.
        let keep = ana.operation(on: plan.id, PlanEditor(plan: one).setRowField("services", row: insert.id, field: "capacity", to: .integer(14)))
        let kept = try one.applying(keep)
        #expect(kept.visibleRows(of: "services").count == 1 && kept.conflicts.isEmpty)
    }

    @Test("R6: a removal made after seeing every edit removes the row")
    func removeAfterSeeing() throws {
        var ana = Author("ana00001")
        var (plan, _) = try newPlan(by: &ana)
        let insert = ana.operation(on: plan.id, PlanEditor(plan: plan).insertRow(into: "actions", values: ["activity": .text("Informare")]))
        plan = try plan.applying(insert)
        let edit = ana.operation(on: plan.id, PlanEditor(plan: plan).setRowField("actions", row: insert.id, field: "termen", to: .text("Permanent")))
        plan = try plan.applying(edit)
        let remove = ana.operation(on: plan.id, PlanEditor(plan: plan).removeRow("actions", row: insert.id))
        plan = try plan.applying(remove)
        #expect(plan.visibleRows(of: "actions").isEmpty)
        #expect(plan.conflicts.isEmpty)
    }

    @Test("R7: concurrent moves of one row: the later wins, no conflict (nothing is lost)")
    func concurrentMoves() throws {
        var ana = Author("ana00001"), ion = Author("ion00001")
        var (plan, create) = try newPlan(by: &ana)
        ion.receive(create)
        var rows: [PlanOperation] = []
        for name in ["a", "b", "c"] {
            let insert = ana.operation(on: plan.id, PlanEditor(plan: plan).insertRow(into: "information", values: ["activity": .text(name)]))
            plan = try plan.applying(insert)
            rows.append(insert)
            ion.receive(insert)
        }
        let first = ana.operation(on: plan.id, PlanEditor(plan: plan).moveRow("information", row: rows[2].id, after: nil, atStart: true))
        let middle = ion.operation(on: plan.id, PlanEditor(plan: plan).moveRow("information", row: rows[2].id, after: rows[0].id))
        let one = try plan.applying(first, middle), other = try plan.applying(middle, first)
        #expect(one == other)
        #expect(one.conflicts.isEmpty)
        #expect(one.visibleRows(of: "information").compactMap { $0.fields["activity"]?.value.text }.count == 3)
    }

    @Test("R8: totals are computed from the rows, never merged")
    func derivedTotals() throws {
        var ana = Author("ana00001"), ion = Author("ion00001")
        let (plan, create) = try newPlan(by: &ana)
        ion.receive(create)
        let a = ana.operation(on: plan.id, PlanEditor(plan: plan).insertRow(into: "services", values: ["budget.local": .integer(15_000)]))
        let b = ion.operation(on: plan.id, PlanEditor(plan: plan).insertRow(into: "services", values: ["budget.local": .integer(2_500), "budget.state": .integer(100)]))
        let view = PlanView(try plan.applying(a, b))
        let services = try #require(view.tables.first { $0.name == "services" })
        // First-template amounts are whole lei; totals are in bani.
        #expect(services.totals["budget.local"] == 1_750_000)
        #expect(services.totals["budget.state"] == 10_000)
        #expect(services.rows.compactMap(\.total).sorted() == [260_000, 1_500_000])
    }
}

@Suite("Operation rules")
struct OperationRuleTests {
    @Test("unknown fields, wrong types and missing rows are rejected with a stable code")
    func rejections() throws {
        var ana = Author("ana00001")
        let (plan, _) = try newPlan(by: &ana)
        let rules = OperationRules()
        func code(_ change: Change) -> String? {
            do { try rules.check(ana.operation(on: plan.id, change), against: plan); return nil } catch { return error.code }
        }
        #expect(code(.setField(path: "tilte", value: .text("x"), supersedes: [])) == "unknown-field")
        #expect(code(.insertRow(table: "services", position: "V", fields: ["capacity": .text("zece")])) == "wrong-type")
        #expect(code(.insertRow(table: "servicii", position: "V", fields: [:])) == "unknown-table")
        #expect(code(.insertRow(table: "services", position: "V", fields: ["colour": .text("red")])) == "unknown-column")
        #expect(code(.insertRow(table: "services", position: "", fields: [:])) == "bad-position")
        #expect(code(.setRowField(table: "services", row: OpID(device: DeviceID("x"), counter: 9), field: "name", value: .text("a"), supersedes: [])) == "row-not-found")
        #expect(code(.setField(path: "title", value: .text("ok"), supersedes: [])) == nil)
        let orphan = ana.operation(on: PlanID("nobody.1"), .setField(path: "title", value: .text("x"), supersedes: []))
        #expect(throws: Rejection.self) { try rules.check(orphan, against: nil) }
        let badYear = ana.operation(on: nil, .createPlan(siruta: Siruta(80980), year: 20225))
        #expect((try? rules.check(badYear, against: nil)) == nil)
    }

    @Test("replay skips operations that depend on a rejected one and reports them")
    func replaySkips() throws {
        var ana = Author("ana00001")
        let create = ana.operation(on: nil, .createPlan(siruta: Siruta(80980), year: 2025))
        let plan = try PlanDocument.created(by: create)
        let insert = ana.operation(on: plan.id, PlanEditor(plan: plan).insertRow(into: "services", values: [:]))
        let edit = ana.operation(on: plan.id, .setRowField(table: "services", row: insert.id, field: "name", value: .text("x"), supersedes: []))
        let (rebuilt, skipped) = PlanDocument.replay([create, edit])
        #expect(rebuilt?.version == 1)
        #expect(skipped == [edit])
    }
}
