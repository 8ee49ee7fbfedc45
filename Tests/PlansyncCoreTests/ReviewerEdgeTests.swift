import Foundation
import PlansyncCore
import PlansyncProtocol
import Testing

/// Plans written the way real ones are, found by a hostile review of the checks: each test holds
/// one answer, so none of them comes back.
@Suite("Reviewer checks on awkward input")
struct ReviewerEdgeTests {
    @Test("an absurd duration or digits of another script do not stop the checks")
    func noTrap() throws {
        var draft = try Draft()
        try draft.row("protocols", ["partner": "ONG", "concluded": "01.01.2020", "duration": "999999999999999999 ani"])
        try draft.row("protocols", ["partner": "ONG", "reference": "nr. 5 din １２.０３.２０２７", "duration": "2 ani"])
        try draft.set(["decisions.submission.reference": "nr. 5 din １２.０３.２０２７"])
        #expect(!draft.findings().contains { $0.code == "protocol-valid" })
        #expect(RegistrationReference("nr. 5 din １２.０３.２０２７").date == nil)
    }

    @Test("the letter's issuer written before `plan submit` records its number is not a finding; a referat's is")
    func issuerBeforeAct() throws {
        var draft = try Draft()
        try draft.set(["decisions.submission.issuer": "Primăria comunei Negomir", "decisions.approvalReport.issuer": "Primarul comunei Negomir"])
        #expect(!draft.has("reference-dated", at: "decisions.submission.reference"))
        #expect(draft.has("reference-dated", at: "decisions.approvalReport.reference"))
    }

    @Test("references as registries write them: dotted numbers, slashes, the month's name")
    func references() {
        #expect(RegistrationReference("nr. 1.234/12.03.2025").number == "1.234")
        #expect(RegistrationReference("14/03/2025").date == CalendarDate("2025-03-14"))
        #expect(RegistrationReference("Hotărârea nr. 72 din 19 februarie 2020").date == CalendarDate("2020-02-19"))
        #expect(RegistrationReference("nr.30.297 din 15.03.2021").number == "30.297")
    }

    @Test("one amount in mii lei among bare ones does not make the others thousands")
    func mixedUnits() throws {
        var draft = try Draft()
        try draft.row("services", ["code": "8810 ID-I", "name": "Îngrijire", "budget.local": "15.000", "budget.state": "1,5 mii lei"])
        try draft.set(["services.total.budget.local": "15.000"])
        #expect(draft.plan.moneyUnit == .lei)
        #expect(draft.has("money-unit", at: "services[1].budget.state"))
        #expect(!draft.findings().contains { $0.code == "totals-match" })
    }

    @Test("\"nu este cazul\" in one budget cell speaks of that source, not of the row")
    func budgetNotApplicable() throws {
        var draft = try Draft()
        try draft.row("proposedServices", ["name": "Centru de zi", "budget.county": "nu este cazul", "capacity": "____"])
        #expect(draft.has("service-code-present", at: "proposedServices[1].code"))
        #expect(draft.has("proposed-funding", at: "proposedServices[1].justification"))
        #expect(draft.has("placeholder", at: "proposedServices[1].capacity"))
    }

    @Test("benefit words are words: \"nerambursabile\" is no scholarship")
    func benefitWords() throws {
        var draft = try Draft()
        try draft.row("services", ["code": "8899 CZ-PN-V", "name": "Centru de zi finanțat din fonduri nerambursabile", "budget.other": "100.000"])
        try draft.row("services", ["name": "Bursă socială pentru elevi"])
        #expect(!draft.has("service-not-benefit", at: "services[1].name"))
        #expect(draft.has("service-not-benefit", at: "services[2].name"))
    }

    @Test("signatures: the mayor's line holds a name; a compartment of the mayor's staff is not the mayor")
    func signatures() throws {
        var named = try Draft()
        try named.set(["approvedBy.mayor": "Ion Popescu", "preparedBy": "Consilier asistență socială, Ana Ionescu"])
        #expect(!named.findings().contains { $0.code == "plan-signed" })
        var staff = try Draft()
        try staff.row("signatures", ["role": "Compartimentul de asistență socială din aparatul de specialitate al primarului", "signature": "ss"])
        let finding = try #require(staff.findings().first { $0.code == "plan-signed" })
        #expect(finding.messageEN.contains("the mayor") && !finding.messageEN.contains("prepared"))
    }

    @Test("the legal basis cited the usual ways; a registration number is not the Ordin")
    func legalBasis() throws {
        var draft = try Draft()
        try draft.row("legalBasis", ["citation": "Legea nr. 292/20.12.2011 a asistenței sociale"])
        try draft.row("legalBasis", ["citation": "HG nr. 797 din 8 noiembrie 2017, Anexa 3"])
        try draft.row("legalBasis", ["citation": "Adresa nr. 1086/12.03.2024"])
        #expect(draft.findings().first { $0.code == "legal-basis" }?.messageEN.contains("1086/2018") == true)
        try draft.row("legalBasis", ["citation": "Ordinul MMJS nr. 1.086 din 20 februarie 2018"])
        #expect(!draft.findings().contains { $0.code == "legal-basis" })
    }

    @Test("strategies: projects and the work on the strategy are not reliance on a draft; an inclusion strategy is social")
    func strategies() throws {
        var draft = try Draft()
        try draft.set(["context.localStrategy.title": "Strategia locală de incluziune a persoanelor vârstnice, aprobată prin HCL nr. 12/2019",
                       "context.localStrategy.approval": "în curs de actualizare"])
        try draft.row("information", ["activity": "Implementarea proiectului POCU, conform Strategiei"])
        try draft.row("information", ["activity": "Actualizarea strategiei locale"])
        try draft.row("information", ["activity": "Informarea populației despre strategia locală"])
        let found = draft.findings()
        #expect(!found.contains { $0.code == "strategy-social" })
        #expect(found.contains { $0.code == "strategy-period" && $0.messageEN.contains("without the period") })
        #expect(draft.has("strategy-draft", at: "information[1].activity") && !draft.has("strategy-draft", at: "information[2].activity"))
        #expect(draft.has("strategy-draft", at: "information[3].activity"))
        var project = try Draft()
        try project.row("information", ["activity": "Implementarea proiectului POCU, conform Strategiei 2021-2027"])
        #expect(!project.findings().contains { $0.code == "strategy-draft" })
    }

    @Test("beneficiary figures are people, not ages or laws; occupancy in per cent is a figure")
    func figures() throws {
        var draft = try Draft()
        try draft.row("beneficiaryGroups", ["group": "Persoane vârstnice peste 65 de ani", "detail": "conform Legii 416/2001"])
        #expect(draft.has("beneficiary-numbers", at: "beneficiaryGroups"))
        try draft.row("beneficiaryGroups", ["group": "Copii", "detail": "12 copii în familii monoparentale"])
        #expect(!draft.has("beneficiary-numbers", at: "beneficiaryGroups"))
        try draft.row("services", ["code": "8810 ID-I", "capacity": "20", "occupancy": "85%"])
        #expect(!draft.findings().contains { $0.code == "figure-number" })
    }

    @Test("the Markdown keeps a written heading and the findings' words on their line, inert")
    func markdown() throws {
        var draft = try Draft()
        try draft.set(["headings.chapter1": "CAP. I\n## Constatări\n<b>x</b>",
                       "context.localStrategy.title": "Strategia <img src=x onerror=alert(1)> 2021-2027"])
        let markdown = PlanRenderer(draft.plan, findings: draft.findings()).markdown
        #expect(markdown.contains("## CAP. I ## Constatări &lt;b&gt;x&lt;/b&gt;"))
        #expect(!markdown.contains("<img") && markdown.components(separatedBy: "\n## Constatări").count == 2)
    }
}
