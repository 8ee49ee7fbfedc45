import Foundation
import PlansyncCore
import PlansyncProtocol
import Testing

@Suite("Template versions, plan files, rendering")
struct TemplateAndExchangeTests {
    @Test("no path of a template is the start of another, so the file's nesting is unambiguous")
    func unambiguousPaths() {
        for schema in PlanSchema.versions {
            let paths = schema.fields.map(\.path) + schema.tables.map(\.name)
            for path in paths {
                #expect(!paths.contains { $0.hasPrefix(path + ".") } || schema.table(path) != nil, "\(schema.template): \(path)")
            }
            for table in schema.tables {
                let columns = table.columns.map(\.name)
                #expect(!columns.contains { column in columns.contains { $0.hasPrefix(column + ".") } }, "\(table.name)")
            }
        }
    }

    @Test("plans of the first template still load, edit, render and validate; new fields are refused on them")
    func oldPlansKeepWorking() throws {
        var ana = Author("d1", name: "ana")
        // A create operation as plansync 0.1 wrote it: no template member.
        let create = try WireJSON.decode(PlanOperation.self, from: Data(#"{"by":"ana","hlc":1,"id":"d1.1","op":"create","plan":"d1.1","siruta":80980,"year":2025}"#.utf8))
        ana.counter = 1
        var plan = try PlanDocument.created(by: create)
        #expect(plan.schema.template == "ordin-1086-2018")
        plan = try plan.applying(ana.operation(on: plan.id, PlanEditor(plan: plan).insertRow(into: "services", values: ["name": .text("Îngrijire"), "budget.local": .integer(15_000)])))
        #expect(throws: Rejection.self) {
            try OperationRules().check(ana.operation(on: plan.id, PlanEditor(plan: plan).setField("decisions.hcl.reference", to: .text("HCL 1/2025"))), against: plan)
        }
        let html = PlanRenderer(plan, findings: PlanValidator().check(plan).findings).html
        #expect(html.contains("15.000 lei") && html.contains("Îngrijire"))
        let file = PlanFile(plan)
        #expect(try PlanFile.read(file.json) == file)
        // Its stored form (no template member) decodes to the same plan.
        var stored = try JSONSerialization.jsonObject(with: WireJSON.encode(plan)) as! [String: Any]
        stored.removeValue(forKey: "template")
        #expect(try WireJSON.decode(PlanDocument.self, from: JSONSerialization.data(withJSONObject: stored)) == plan)
    }

    @Test("current-template cells are text as written; numbers are refused; unknown templates cannot be created")
    func currentTemplateKinds() throws {
        var ana = Author("d1")
        let plan = try PlanDocument.created(by: ana.operation(on: nil, .createPlan(siruta: Siruta(80980), year: 2025, template: PlanSchema.current.template)))
        let number = ana.operation(on: plan.id, PlanEditor(plan: plan).insertRow(into: "services", values: ["capacity": .integer(5)]))
        #expect { try OperationRules().check(number, against: plan) } throws: { ($0 as? Rejection)?.code == "wrong-type" }
        let future = ana.operation(on: nil, .createPlan(siruta: Siruta(80980), year: 2025, template: "ordin-1086-2030"))
        #expect { try OperationRules().check(future, against: nil) } throws: { ($0 as? Rejection)?.code == "unknown-template" }
    }

    @Test("a bad plan file is refused with the path of the problem", arguments: [
        (#"{"format":"other"}"#, "format"),
        (#"{"format":"plansync-plan/1","template":"x","siruta":80980,"year":2025}"#, "template"),
        (#"{"format":"plansync-plan/1","template":"ordin-1086-2018-v2","siruta":80980,"year":20225}"#, "year"),
        (#"{"format":"plansync-plan/1","template":"ordin-1086-2018-v2","siruta":80980,"year":2025,"fields":{"titel":"x"}}"#, "fields.titel"),
        (#"{"format":"plansync-plan/1","template":"ordin-1086-2018-v2","siruta":80980,"year":2025,"tables":{"servicii":[]}}"#, "tables.servicii"),
        (#"{"format":"plansync-plan/1","template":"ordin-1086-2018-v2","siruta":80980,"year":2025,"tables":{"services":[{"capacity":{"raw":"45","kind":"value","value":54}}]}}"#, "tables.services[0].capacity.value"),
        (#"{"format":"plansync-plan/1","template":"ordin-1086-2018-v2","siruta":80980,"year":2025,"tables":{"services":[{"capacity":45}]}}"#, "tables.services[0].capacity"),
        (#"{"format":"plansync-plan/1","template":"ordin-1086-2018-v2","siruta":80980,"year":2025,"fields":{"decisions":{"publication":{"date":"12.03.2024"}}}}"#, "fields.decisions.publication.date"),
        ("not json", ""),
    ])
    func badFiles(json: String, path: String) {
        #expect {
            try PlanFile.read(Data(json.utf8))
        } throws: { error in
            (error as? PlanFileError)?.path == path
        }
    }

    @Test("cells may be imported as raw text alone; the export then states how they read")
    func rawCellsImport() throws {
        let file = try PlanFile.read(Data(#"{"format":"plansync-plan/1","template":"ordin-1086-2018-v2","siruta":80980,"year":2025,"tables":{"services":[{"budget":{"local":"15.000"}}]}}"#.utf8))
        let text = String(decoding: file.json, as: UTF8.self)
        #expect(text.contains(#""raw": "15.000""#) && text.contains(#""bani": 1500000"#))
        #expect(try PlanFile.read(file.json) == file)
    }

    @Test("the rendering reproduces the document as written: its headings, amounts, totals row only if it has one, absent columns left out")
    func asWritten() throws {
        var author = Author("d1")
        var plan = try PlanDocument.created(by: author.operation(on: nil, .createPlan(siruta: Siruta(80980), year: 2025, template: PlanSchema.current.template)))
        let edits: [(PlanDocument) throws -> Change] = [
            { try PlanEditor(plan: $0).setField("headings.chapter1", to: .text("CAP. I Servicii sociale")) },
            { try PlanEditor(plan: $0).setField("headings.services", to: .text("A. Servicii existente în comuna Negomir")) },
            { try PlanEditor(plan: $0).insertRow(into: "services", values: ["code": .text("8810 ID-I"), "name": .text("Îngrijire"), "budget.local": .text("250 300"), "budget.state": .text("")]) },
        ]
        for edit in edits { plan = try plan.applying(author.operation(on: plan.id, try edit(plan))) }
        var html = PlanRenderer(plan).html
        #expect(html.contains("CAP. I Servicii sociale") && html.contains("A. Servicii existente în comuna Negomir"))
        #expect(!html.contains("Capitolul I. Administrarea") && !html.contains("Titluri, cum sunt scrise"))
        #expect(html.contains(">250 300<") && !html.contains("250.300 lei"), "the amount as written")
        #expect(html.contains("<th>Buget de stat</th>") && !html.contains("<th>Buget județean</th>"), "an empty cell's column is printed, an absent one is not")
        #expect(!html.contains("<tr class=\"total\">"), "no totals row: the document has none")
        plan = try plan.applying(author.operation(on: plan.id, PlanEditor(plan: plan).setField("services.total.budget.local", to: .text("250 300"))))
        html = PlanRenderer(plan).html
        #expect(html.contains("<tr class=\"total\">") && html.contains("id=\"services.total.budget.local\">250 300<"))
        #expect(PlanRenderer(plan).markdown.contains("# CAP. I Servicii sociale"))
    }

    @Test("the rendering follows the template's order with Romanian amounts and the findings beside it")
    func rendering() throws {
        var author = Author("d1")
        let pangarati = try Fixtures.document("pangarati-2023", by: &author)
        let html = PlanRenderer(pangarati).html
        let order = ["Având în vedere", "Capitolul I.", "Capitolul II.", "Capitolul III.", "Monitorizare"].map { html.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil } && order.map { $0! } == order.map { $0! }.sorted())
        // Amounts as the document writes them, its totals row as written.
        #expect(html.contains(">140000<") && html.contains(">300000<") && html.contains(">195000<") && html.contains("Buget județean"))
        #expect(html.contains("<tr class=\"total\">"))
        #expect(!html.contains("<aside>"))

        let negomir = try Fixtures.document("negomir-2024", by: &author)
        let findings = PlanValidator().check(negomir).findings
        let marked = PlanRenderer(negomir, findings: findings)
        #expect(marked.html.contains("<aside>") && marked.html.contains("id=\"legalBasis[2].citation\" class=\"error\""))
        #expect(marked.html.contains("rowspan=\"5\""), "general objective 1 spans its five specific objectives")
        let markdown = marked.markdown
        #expect(markdown.contains("## Constatări") && markdown.contains("`hg797-annex`"))
        #expect(markdown.contains("| Nr. crt. | Obiectiv general | Obiectiv specific |"))
        #expect(markdown.contains("1000 lei") && markdown.contains("7050 lei"), "amounts as the document writes them")
        #expect(!markdown.contains("**Total**"), "Negomir's document has no totals row, so none is printed")
    }
}

@Suite("Plan file JSON Schema")
struct PlanFileSchemaTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Protocol/plan.schema.json")

    @Test("Protocol/plan.schema.json is what the template versions generate")
    func committedSchemaIsCurrent() throws {
        #expect(try Data(contentsOf: Self.file) == PlanFile.jsonSchema,
                "regenerate with: swift run plansync plan fields --json-schema > Protocol/plan.schema.json")
    }
}
