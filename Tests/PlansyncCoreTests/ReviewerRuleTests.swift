import Foundation
import PlansyncCore
import PlansyncProtocol
import Testing

/// A current-template plan of Negomir (a commune of Gorj) edited step by step.
private struct Draft {
    var author = Author("d1", name: "ana")
    var plan: PlanDocument

    init(siruta: Int = 80980, year: Int = 2025) throws {
        plan = try PlanDocument.created(by: author.operation(on: nil, .createPlan(siruta: Siruta(siruta), year: year, template: PlanSchema.current.template)))
    }

    mutating func set(_ fields: [String: String]) throws {
        for (path, text) in fields.sorted(by: { $0.key < $1.key }) {
            plan = try plan.applying(author.operation(on: plan.id, PlanEditor(plan: plan).setField(path, to: .text(text))))
        }
    }

    mutating func row(_ table: String, _ values: [String: String]) throws {
        plan = try plan.applying(author.operation(on: plan.id, PlanEditor(plan: plan).insertRow(into: table, values: values.mapValues(Value.text))))
    }

    func findings(county: County? = nil) -> [Finding] {
        PlanValidator(context: ValidationContext(county: county)).check(plan).findings
    }

    func has(_ code: String, at path: String) -> Bool { findings().contains { $0.code == code && $0.path == path } }
}

@Suite("Reviewer checks")
struct ReviewerRuleTests {
    @Test("every rule has a unique stable code and both messages")
    func catalogue() {
        let codes = PlanValidator.rules.map(\.code)
        #expect(Set(codes).count == codes.count)
        #expect(codes.count >= 24)
        #expect(PlanValidator.rules.allSatisfy { !$0.summary.isEmpty && !$0.summaryEN.isEmpty })
    }

    @Test("UAT in another county than the server's, or than the plan states")
    func county() throws {
        var draft = try Draft()
        let neamt = SirutaRegistry.shipped.county(named: "Neamț")
        #expect(draft.findings(county: neamt).contains { $0.code == "siruta-county" && $0.severity == .error })
        #expect(!draft.findings(county: SirutaRegistry.shipped.county(named: "gorj")).contains { $0.code == "siruta-county" })
        try draft.set(["uat.county": "Județul Neamț"])
        #expect(draft.has("siruta-county", at: "uat.county"))
    }

    @Test("a town cites Anexa 2 of HG 797/2017; Anexa 3 is wrong for it")
    func annexByUATType() throws {
        var town = try Draft(siruta: 95471)
        try town.row("legalBasis", ["citation": "HG nr. 797/2017, Anexa nr. 2"])
        #expect(!town.findings().contains { $0.code.hasPrefix("hg797") })
        try town.row("legalBasis", ["citation": "H.G. 797/2017 – Anexa 3"])
        #expect(town.has("hg797-annex", at: "legalBasis[2].citation"))
    }

    @Test("strategy periods must cover the year, protocols must still be valid")
    func periods() throws {
        var draft = try Draft(year: 2026)
        try draft.set(["context.localStrategy.title": "Strategia locală", "context.localStrategy.period": "2018 – 2024",
                       "context.localStrategy.approval": "HCL nr. 83 din 14.12.2017"])
        try draft.row("protocols", ["partner": "DGASPC", "validUntil": "2025-12-31"])
        #expect(draft.has("strategy-period", at: "context.localStrategy.period"))
        #expect(draft.has("protocol-valid", at: "protocols[1].validUntil"))
        #expect(!draft.findings().contains { $0.code == "strategy-approval" && $0.path.hasPrefix("context.localStrategy") })
    }

    @Test("Chapter I: codes, categories, benefits, occupancy, beds, funding")
    func services() throws {
        var draft = try Draft()
        try draft.row("services", ["code": "8810 ID-IV", "name": "Îngrijire la domiciliu", "capacity": "10", "occupancy": "12"])
        try draft.row("services", ["code": "8810-ID", "name": "Ajutor pentru încălzirea locuinței"])
        try draft.row("services", ["code": "8790 CR-D-III", "name": "Centru rezidențial"])
        try draft.row("proposedServices", ["code": "8899 CZ-V-II", "name": "Centru de zi", "category": "copii", "beds": "4", "budget.local": "-"])
        let found = draft.findings()
        let at = { (code: String, path: String) in found.contains { $0.code == code && $0.path == path } }
        #expect(at("occupancy-capacity", "services[1].occupancy"))
        #expect(at("service-code-format", "services[2].code"))
        #expect(at("service-not-benefit", "services[2].name"))
        #expect(at("service-code-known", "services[3].code"))
        #expect(at("service-category", "proposedServices[1].category"))
        #expect(at("beds-residential", "proposedServices[1].beds"))
        #expect(at("proposed-funding", "proposedServices[1].justification"))
        #expect(!at("service-code-known", "services[1].code"))
    }

    @Test("one money unit per plan; training persons iff budget")
    func unitsAndTraining() throws {
        var draft = try Draft()
        try draft.set(["moneyUnit": "mii lei"])
        try draft.row("training", ["kind": "perfectionare", "persons": "3", "budget": "-"])
        try draft.row("training", ["kind": "instruire", "persons": "0", "budget": "1.500 lei"])
        #expect(draft.has("training-persons-budget", at: "training[1].budget"))
        #expect(draft.has("training-persons-budget", at: "training[2].persons"))
        #expect(draft.has("money-unit", at: "training[2].budget"))
        try draft.set(["moneyUnit": "euro"])
        #expect(draft.has("money-unit", at: "moneyUnit"))
    }

    @Test("dates in workflow order; HCL votes add up")
    func decisions() throws {
        var draft = try Draft()
        try draft.set(["decisions.submission.reference": "Adresa nr. 1143/12.03.2025",
                       "decisions.registration.reference": "nr. 5552/10.03.2025",
                       "decisions.aviz.reference": "HCJ nr. 39/25.03.2025",
                       "decisions.hcl.reference": "HCL nr. 17/27.03.2025",
                       "decisions.publication.date": "2025-03-20",
                       "decisions.hcl.votesFor": "7", "decisions.hcl.votesAgainst": "5", "decisions.hcl.abstentions": "4",
                       "decisions.hcl.present": "15", "decisions.hcl.inOffice": "15"])
        #expect(draft.has("dates-order", at: "decisions.registration.reference"))
        #expect(draft.has("dates-order", at: "decisions.publication.date"))
        #expect(!draft.has("dates-order", at: "decisions.hcl.reference"))
        #expect(draft.has("hcl-votes", at: "decisions.hcl.present"), "16 votes cast, 15 present")
        #expect(draft.has("hcl-votes", at: "decisions.hcl.votesFor"), "7 of 15 is no majority")
        try draft.set(["decisions.hcl.votesFor": "14", "decisions.hcl.votesAgainst": "0", "decisions.hcl.abstentions": "1",
                       "decisions.hcl.present": "7", "decisions.hcl.inOffice": "15"])
        #expect(draft.findings().contains { $0.code == "hcl-votes" && $0.message.contains("cvorum") })
        try draft.set(["decisions.hcl.votesFor": "14", "decisions.hcl.present": "15"])
        #expect(!draft.findings().contains { $0.code == "hcl-votes" })
    }

    @Test("a plan of the first template raises nothing about parts that template lacks")
    func firstTemplate() throws {
        var author = Author("d1")
        let plan = try PlanDocument.created(by: author.operation(on: nil, .createPlan(siruta: Siruta(80980), year: 2025)))
        #expect(plan.template == "ordin-1086-2018")
        let codes = Set(PlanValidator().check(plan).findings.map(\.code))
        #expect(codes == ["strategy-approval", "consultation"], "no chapter errors: that template has no chapter notes")
    }
}
