import Foundation
import PlansyncCore
import PlansyncProtocol
import Testing

/// A current-template plan of Negomir (a commune of Gorj) edited step by step.
struct Draft {
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
        #expect(codes.count >= 38)
        #expect(PlanValidator.rules.allSatisfy { !$0.summary.isEmpty && !$0.summaryEN.isEmpty && !$0.source.isEmpty })
        #expect(Set(codes) == Set(Self.cases.map(\.code)), "every rule has a case below that makes it fire and one that keeps it quiet")
    }

    /// One rule's pair of plans: edits that make it fire at `path`, and edits of the same plan
    /// that are right, so it stays quiet there.
    struct RuleCase: Sendable, CustomTestStringConvertible {
        enum Edit: Sendable {
            case set(String, String)
            case row(String, [String: String])
        }
        let code: String
        let path: String
        var siruta = 80980
        let fire: [Edit]
        let quiet: [Edit]
        var testDescription: String { code }

        func draft(_ edits: [Edit], siruta: Int) throws -> Draft {
            var draft = try Draft(siruta: siruta)
            for edit in edits {
                switch edit {
                case .set(let path, let text): try draft.set([path: text])
                case .row(let table, let values): try draft.row(table, values)
                }
            }
            return draft
        }
    }

    static let cases: [RuleCase] = [
        RuleCase(code: "siruta-valid", path: "", siruta: 80981, fire: [], quiet: []),
        RuleCase(code: "siruta-county", path: "uat.county", fire: [.set("uat.county", "Județul Neamț")], quiet: [.set("uat.county", "JUDEȚUL GORJ")]),
        RuleCase(code: "plan-title", path: "title", fire: [.set("title", "Plan de acțiune privind serviciile sociale acordate la nivelul comunei")],
                 quiet: [.set("title", "Planul anual de acțiune privind serviciile sociale administrate și finanțate din bugetul local al comunei Negomir")]),
        RuleCase(code: "legal-basis", path: "legalBasis", fire: [.row("legalBasis", ["citation": "Legea asistenței sociale nr. 292/2011"])],
                 quiet: [.row("legalBasis", ["citation": "Legea asistenței sociale nr. 292/2011"]), .row("legalBasis", ["citation": "HG nr. 797/2017, Anexa 3"]),
                         .row("legalBasis", ["citation": "Ordinul MMJS nr. 1.086/2018"])]),
        RuleCase(code: "hg797-year", path: "legalBasis[1].citation", fire: [.row("legalBasis", ["citation": "HG nr. 797/2019, Anexa 3"])],
                 quiet: [.row("legalBasis", ["citation": "HG nr. 797/2017, Anexa 3"])]),
        RuleCase(code: "hg797-annex", path: "legalBasis[1].citation", fire: [.row("legalBasis", ["citation": "HG nr. 797/2017, Anexa 2"])],
                 quiet: [.row("legalBasis", ["citation": "HG nr. 797/2017, Anexa 3"])]),
        RuleCase(code: "year-consistent", path: "introduction", fire: [.set("introduction", "Planul pentru anul 2024.")], quiet: [.set("introduction", "Planul pentru anul 2025.")]),
        RuleCase(code: "strategy-approval", path: "context.localStrategy.title", fire: [],
                 quiet: [.set("context.localStrategy.title", "Strategia de dezvoltare a serviciilor sociale 2021–2027"), .set("context.localStrategy.approval", "HCL nr. 5/20.01.2021")]),
        RuleCase(code: "strategy-social", path: "context.localStrategy.title", fire: [.set("context.localStrategy.title", "Strategia de dezvoltare locală a comunei Negomir 2021–2027")],
                 quiet: [.set("context.localStrategy.title", "Strategia de dezvoltare a serviciilor sociale a comunei Negomir 2021–2027")]),
        RuleCase(code: "strategy-period", path: "context.localStrategy.period", fire: [.set("context.localStrategy.title", "Strategia de dezvoltare a serviciilor sociale")],
                 quiet: [.set("context.localStrategy.title", "Strategia de dezvoltare a serviciilor sociale"), .set("context.localStrategy.period", "2021 – 2027")]),
        RuleCase(code: "strategy-draft", path: "information[1].activity",
                 fire: [.row("information", ["activity": "Promovarea strategiei locale, aflată în curs de aprobare"])],
                 quiet: [.row("information", ["activity": "Promovarea strategiei locale de dezvoltare a serviciilor sociale"]), .set("context.localStrategy.approval", "HCL nr. 5/20.01.2021")]),
        RuleCase(code: "protocol-valid", path: "protocols[1].duration",
                 fire: [.row("protocols", ["partner": "DGASPC Gorj", "concluded": "15.03.2024", "duration": "pe o perioadă de 1 an"])],
                 quiet: [.row("protocols", ["partner": "DGASPC Gorj", "concluded": "15.03.2024", "duration": "pe o perioadă de 2 ani"])]),
        RuleCase(code: "consultation", path: "context.consultation", fire: [], quiet: [.set("context.consultation", "Proces-verbal nr. 12/10.01.2025")]),
        RuleCase(code: "beneficiary-numbers", path: "beneficiaryGroups", fire: [.row("beneficiaryGroups", ["group": "1. Persoane vârstnice"])],
                 quiet: [.row("beneficiaryGroups", ["group": "1. Persoane vârstnice", "detail": "45 de persoane singure"])]),
        RuleCase(code: "chapter-present", path: "services", fire: [], quiet: [.set("services.note", "Nu este cazul.")]),
        RuleCase(code: "totals-match", path: "services.total.budget.local",
                 fire: [.row("services", ["code": "8810 ID-I", "budget.local": "100.000"]), .set("services.total.budget.local", "150.000")],
                 quiet: [.row("services", ["code": "8810 ID-I", "budget.local": "100.000"]), .set("services.total.budget.local", "100.000")]),
        RuleCase(code: "money-unit", path: "training[1].budget", fire: [.set("moneyUnit", "lei"), .row("training", ["persons": "2", "budget": "1,5 mii lei"])],
                 quiet: [.set("moneyUnit", "lei"), .row("training", ["persons": "2", "budget": "1.500 lei"])]),
        RuleCase(code: "money-unit-stated", path: "moneyUnit", fire: [.row("training", ["persons": "2", "budget": "250 300"])],
                 quiet: [.set("moneyUnit", "mii lei"), .row("training", ["persons": "2", "budget": "250 300"])]),
        RuleCase(code: "training-persons-budget", path: "training[1].budget", fire: [.row("training", ["persons": "3", "budget": "-"])],
                 quiet: [.row("training", ["persons": "3", "budget": "1.000"])]),
        RuleCase(code: "service-code-present", path: "services[1].code", fire: [.row("services", ["name": "Servicii de asistență comunitară"])],
                 quiet: [.row("services", ["name": "Servicii de asistență comunitară", "code": "8899 CZ-PN-V"])]),
        RuleCase(code: "service-code-format", path: "services[1].code", fire: [.row("services", ["code": "8810-ID", "name": "Îngrijire la domiciliu"])],
                 quiet: [.row("services", ["code": "8810 ID-I", "name": "Îngrijire la domiciliu"])]),
        RuleCase(code: "service-code-known", path: "services[1].code", fire: [.row("services", ["code": "8899 ID-I", "name": "Îngrijire la domiciliu"])],
                 quiet: [.row("services", ["code": "8810 ID-I", "name": "Îngrijire la domiciliu"])]),
        RuleCase(code: "service-category", path: "proposedServices[1].category", fire: [.row("proposedServices", ["code": "8810 CZ-V-II", "category": "copii"])],
                 quiet: [.row("proposedServices", ["code": "8810 CZ-V-II", "category": "persoane vârstnice"])]),
        RuleCase(code: "service-not-benefit", path: "services[1].name", fire: [.row("services", ["name": "Normă de hrană pentru persoanele cu HIV/SIDA"])],
                 quiet: [.row("services", ["name": "Cantina socială", "code": "8899 CZ-PN-I"])]),
        RuleCase(code: "occupancy-capacity", path: "services[1].occupancy", fire: [.row("services", ["code": "8810 ID-I", "capacity": "10", "occupancy": "12"])],
                 quiet: [.row("services", ["code": "8810 ID-I", "capacity": "10", "occupancy": "8"])]),
        RuleCase(code: "figure-number", path: "services[1].occupancy", fire: [.row("services", ["code": "8810 ID-I", "capacity": "10", "occupancy": "în funcție de solicitări"])],
                 quiet: [.row("services", ["code": "8810 ID-I", "capacity": "10", "occupancy": "8"])]),
        RuleCase(code: "beds-residential", path: "proposedServices[1].beds", fire: [.row("proposedServices", ["code": "8810 CZ-V-II", "beds": "4"])],
                 quiet: [.row("proposedServices", ["code": "8730 CR-V-I", "beds": "4"])]),
        RuleCase(code: "service-funding", path: "services[1].budget.local", fire: [.row("services", ["code": "8810 ID-I", "name": "Îngrijire la domiciliu", "budget.local": ""])],
                 quiet: [.row("services", ["code": "8810 ID-I", "name": "Îngrijire la domiciliu", "budget.local": "15.000", "budget.state": "-"])]),
        RuleCase(code: "proposed-funding", path: "proposedServices[1].justification", fire: [.row("proposedServices", ["code": "8899 CZ-VD-I", "name": "Centru de consiliere"])],
                 quiet: [.row("proposedServices", ["code": "8899 CZ-VD-I", "name": "Centru de consiliere", "budget.local": "50.000"])]),
        RuleCase(code: "dates-order", path: "decisions.registration.reference",
                 fire: [.set("decisions.submission.reference", "Adresa nr. 5/12.03.2025"), .set("decisions.registration.reference", "nr. 6/10.03.2025")],
                 quiet: [.set("decisions.submission.reference", "Adresa nr. 5/12.03.2025"), .set("decisions.registration.reference", "nr. 6/20.03.2025")]),
        RuleCase(code: "reference-dated", path: "decisions.submission.reference", fire: [.set("decisions.submission.reference", "Adresa nr. 1143")],
                 quiet: [.set("decisions.submission.reference", "Adresa nr. 1143/12.03.2025")]),
        RuleCase(code: "plan-timely", path: "decisions.approvalReport.reference", fire: [.set("decisions.approvalReport.reference", "nr. 30/15.03.2025")],
                 quiet: [.set("decisions.approvalReport.reference", "nr. 30/15.12.2024")]),
        RuleCase(code: "hcl-votes", path: "decisions.hcl.votesFor",
                 fire: [.set("decisions.hcl.votesFor", "5"), .set("decisions.hcl.present", "11"), .set("decisions.hcl.inOffice", "11")],
                 quiet: [.set("decisions.hcl.votesFor", "6"), .set("decisions.hcl.present", "11"), .set("decisions.hcl.inOffice", "11")]),
        RuleCase(code: "aviz-recorded", path: "decisions.aviz.reference", fire: [.set("decisions.hclDraft.reference", "PH nr. 7/28.01.2025")],
                 quiet: [.set("decisions.hclDraft.reference", "PH nr. 7/28.01.2025"), .set("decisions.aviz.reference", "Aviz nr. 12/20.01.2025")]),
        RuleCase(code: "aviz-complete", path: "decisions.aviz.outcome", fire: [.set("decisions.aviz.reference", "Aviz nr. 12/20.01.2025"), .set("decisions.aviz.issuer", "Consiliul Județean Gorj")],
                 quiet: [.set("decisions.aviz.reference", "Aviz nr. 12/20.01.2025"), .set("decisions.aviz.issuer", "Consiliul Județean Gorj"), .set("decisions.aviz.outcome", "favorabil")]),
        RuleCase(code: "uat-documents", path: "decisions.specialistReport.reference",
                 fire: [.set("decisions.hclDraft.reference", "PH nr. 7/28.01.2025"), .set("decisions.approvalReport.reference", "nr. 30/20.01.2025")],
                 quiet: [.set("decisions.hclDraft.reference", "PH nr. 7/28.01.2025"), .set("decisions.approvalReport.reference", "nr. 30/20.01.2025"),
                         .set("decisions.specialistReport.reference", "nr. 31/20.01.2025")]),
        RuleCase(code: "plan-signed", path: "signatures", fire: [.row("signatures", ["role": "Primar", "name": "Ion Popescu", "signature": "ss"])],
                 quiet: [.row("signatures", ["role": "Primar", "name": "Ion Popescu", "signature": "ss"]),
                         .row("signatures", ["role": "Întocmit, Compartiment asistență socială", "name": "Ana Ionescu", "signature": "ss"])]),
        RuleCase(code: "placeholder", path: "training[1].persons", fire: [.row("training", ["kind": "supervizare", "persons": "....", "budget": "...."])],
                 quiet: [.row("training", ["kind": "supervizare", "topic": "Nu este cazul", "persons": "....", "budget": "...."])]),
    ]

    @Test("each rule fires on a plan that breaks it and stays quiet on the corrected plan", arguments: cases)
    func fireAndQuiet(_ rule: RuleCase) throws {
        let fired = try rule.draft(rule.fire, siruta: rule.siruta).findings()
        let finding = try #require(fired.first { $0.code == rule.code && $0.path == rule.path }, "\(rule.code) did not fire at \(rule.path): \(fired.map(\.line))")
        #expect(finding.severity == PlanValidator.rule(rule.code)?.severity && !finding.message.isEmpty && !finding.messageEN.isEmpty)
        let quiet = try rule.draft(rule.quiet, siruta: rule.siruta == 80981 ? 80980 : rule.siruta).findings()
        #expect(!quiet.contains { $0.code == rule.code && $0.path == rule.path }, "\(rule.code) fired on the corrected plan: \(quiet.filter { $0.code == rule.code }.map(\.line))")
    }

    @Test("--explain material: every rule names its purpose, severity and legal source")
    func explanations() throws {
        let rule = try #require(PlanValidator.rule("proposed-funding"))
        #expect(rule.severity == .error)
        #expect(rule.explanation.contains("proposed-funding (eroare / error)") && rule.explanation.contains("Legea 292/2011") && rule.explanation.contains("Temei:"))
        #expect(PlanValidator.rule("no-such-rule") == nil)
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
        try draft.row("services", ["code": "8899 ID-I", "name": "Îngrijire la domiciliu pentru vârstnici"])
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
        #expect(codes == ["strategy-approval", "consultation", "plan-signed"], "no chapter errors: that template has no chapter notes")
    }

    @Test("a plan in mii lei that says so only in its cells reads as mii lei; a mixed one is told")
    func unitFromCells() throws {
        var draft = try Draft()
        try draft.row("services", ["code": "8810 ID-I", "name": "Îngrijire", "budget.local": "250 mii lei", "budget.state": "12,5 mii lei"])
        #expect(draft.plan.moneyUnit == .miiLei)
        #expect(!draft.findings().contains { $0.code.hasPrefix("money-unit") })
        // One amount in lei among them: the plan is no longer read as mii lei, and is told.
        try draft.row("training", ["persons": "2", "budget": "1.500 lei"])
        #expect(draft.plan.moneyUnit == .lei && draft.has("money-unit", at: "services[1].budget.local"))
    }

    @Test("a totals row may count the services alone where benefits were listed among them")
    func totalsWithoutBenefits() throws {
        var draft = try Draft()
        try draft.row("services", ["code": "8810 ID-I", "name": "Îngrijire la domiciliu", "budget.local": "100.000"])
        try draft.row("services", ["name": "Ajutoare de urgență", "budget.local": "20.000"])
        try draft.set(["services.total.budget.local": "100.000"])
        #expect(!draft.findings().contains { $0.code == "totals-match" })
        try draft.set(["services.total.budget.local": "120.000"])
        #expect(!draft.findings().contains { $0.code == "totals-match" })
        try draft.set(["services.total.budget.local": "110.000"])
        #expect(draft.has("totals-match", at: "services.total.budget.local"))
        #expect(draft.has("service-not-benefit", at: "services[2].name") && !draft.has("service-code-present", at: "services[2].code"))
    }

    @Test("a protocol with a stated end inside the plan year is flagged; one ending on 31 December is not")
    func protocolEnds() throws {
        var draft = try Draft()
        try draft.row("protocols", ["partner": "DGASPC Gorj", "validUntil": "2025-06-30"])
        try draft.row("protocols", ["partner": "Parohia", "validUntil": "2025-12-31"])
        try draft.row("protocols", ["partner": "ONG", "concluded": "1 martie 2023", "duration": "pe perioadă nedeterminată"])
        #expect(draft.has("protocol-valid", at: "protocols[1].validUntil"))
        #expect(!draft.has("protocol-valid", at: "protocols[2].validUntil") && !draft.has("protocol-valid", at: "protocols[3].duration"))
    }

    @Test("the service nomenclator: the shipped list holds the codes real plans use; lists load in both forms")
    func nomenclator() throws {
        let shipped = ServiceNomenclator.shipped
        for code in ["8810 ID-I", "8899 CZ-F-I", "8899 CZ-PN-V", "8790 CR-D-I"] {
            #expect(shipped.contains(try #require(ServiceCode(code))), "\(code)")
        }
        #expect(!shipped.isComplete && shipped.types == ["CR", "CZ", "ID"])
        let full = try ServiceNomenclator(csv: "code;type;category;name;regulation;source\n8810 ID-I;ID;;Îngrijire la domiciliu;la domiciliu;HG 867/2015; nr. crt. 1\n")
        #expect(full.entries[try #require(ServiceCode("8810 ID-I"))]?.source == "HG 867/2015; nr. crt. 1")
        let older = try ServiceNomenclator(csv: "code;name;source\n8810 ID-IV;Asistent personal;plan\n")
        #expect(older.entries[try #require(ServiceCode("8810 ID-IV"))]?.name == "Asistent personal")
        let positional = try ServiceNomenclator(csv: "Cod;Denumire;Sursa\n8810 ID-I;Îngrijire;HG 867/2015\n")
        #expect(positional.entries[try #require(ServiceCode("8810 ID-I"))]?.source == "HG 867/2015")
        #expect(throws: ReferenceList.LoadError.self) { try ServiceNomenclator(csv: "code;name;source\n8810-ID;x;y\n") }
    }
}
