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
        try draft.row("services", ["name": "Centru de zi", "budget.county": "nu este cazul"])
        #expect(draft.has("service-code-present", at: "services[1].code") && !draft.has("service-code-present", at: "proposedServices[1].code"))
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

    // A second hostile review, aimed at false errors (the bar is none on real plans).

    @Test("services named after the benefit they serve are services")
    func servicesNamingBenefits() throws {
        var draft = try Draft()
        for name in ["Cantina de ajutor social", "Consiliere și informare privind prestațiile sociale",
                     "Servicii de consiliere pentru beneficiarii de venit minim de incluziune"] {
            try draft.row("services", ["code": "8899 CZ-PN-V", "name": name, "budget.local": "10.000"])
        }
        #expect(!draft.findings().contains { $0.code == "service-not-benefit" })
    }

    @Test("a chapter note that says there is nothing is an explicit \"nu este cazul\"")
    func chapterNotes() throws {
        var draft = try Draft()
        try draft.set(["services.note": "-", "proposedServices.note": "Nu se propun servicii sociale noi în anul 2025.",
                       "subsidies.note": "Nu există asociații sau fundații subvenționate."])
        let chapters = draft.findings().filter { $0.code == "chapter-present" }.map(\.path)
        #expect(!chapters.contains("services") && !chapters.contains("proposedServices") && !chapters.contains("subsidies"))
        #expect(chapters.contains("contracting"))
    }

    @Test("HG 797 is read where the plan cites it: its annex next to it, not a registry's number 797")
    func hg797() throws {
        var draft = try Draft()
        try draft.set(["introduction": "Anexa nr. 1 la hotărârea consiliului local. Temei: HG nr. 797/2017, Anexa 3."])
        try draft.row("protocols", ["partner": "ONG", "concluded": "încheiat sub nr. 797/2024"])
        #expect(!draft.findings().contains { $0.code.hasPrefix("hg797") })
        try draft.set(["introduction": "Temei: H.G. 797/2019, Anexa 2."])
        #expect(draft.has("hg797-year", at: "introduction") && draft.has("hg797-annex", at: "introduction"))
    }

    @Test("totals: a column written in words is not summed; counts may name what they count")
    func totalsInWords() throws {
        var draft = try Draft()
        try draft.row("services", ["code": "8810 ID-I", "capacity": "20 locuri", "budget.local": "15.000 lei/an"])
        try draft.row("services", ["code": "8899 CZ-PN-V", "capacity": "40", "budget.local": "5.000"])
        try draft.set(["services.total.capacity": "60", "services.total.budget.local": "20.000"])
        #expect(!draft.findings().contains { $0.code == "totals-match" || $0.code == "figure-number" })
        #expect(CountCell("45 de persoane").number == 45)
    }

    @Test("codes written with \"Cod\" or a dash after the class; a funding source named in words; a full occupancy rate")
    func codesAndFunding() throws {
        #expect(ServiceCode("Cod 8810 ID-I")?.description == "8810 ID-I" && ServiceCode("8899-CZ-PN-V")?.description == "8899 CZ-PN-V")
        var draft = try Draft()
        try draft.row("proposedServices", ["code": "8899 CZ-VD-I", "name": "Centru de consiliere", "budget.other": "PNRR"])
        try draft.row("services", ["code": "8810 ID-I", "capacity": "20", "occupancy": "100", "budget.local": "1.000"])
        #expect(!draft.findings().contains { $0.code == "proposed-funding" || $0.code == "occupancy-capacity" || $0.code == "service-code-format" })
    }

    @Test("the first date of a text is the one written first, in any form; HCL 45 and Nr: 45 are numbers")
    func firstDate() {
        #expect(RegistrationReference("Referat nr. 5 din 10 februarie 2025 (înlocuiește nr. 9/05.03.2025)").date == CalendarDate("2025-02-10"))
        #expect(RegistrationReference("HCL 45 din 30.06.2021").kind == .reference && RegistrationReference("Nr: 45 din 30.06.2021").number == "45")
        #expect(RegistrationReference("Raport nr. 6/10.02.25").date == CalendarDate("2025-02-10"))
    }

    @Test("warnings a reviewer would not raise: last year's figures, renewals, a deputy signing, an approved strategy being updated")
    func quietWarnings() throws {
        var draft = try Draft()
        try draft.set(["introduction": "În anul 2024 au beneficiat de servicii 45 de persoane.",
                       "context.localStrategy.title": "Strategia de dezvoltare a serviciilor sociale", "context.localStrategy.approval": "HCL nr. 45/30.06.2021",
                       "context.localStrategy.period": "2021-2027 (în curs de actualizare)"])
        try draft.row("protocols", ["partner": "DGASPC", "concluded": "01.02.2024", "duration": "1 an, cu prelungire automată"])
        try draft.row("signatures", ["role": "Viceprimar cu atribuții de primar", "name": "Ion Pop"])
        try draft.row("signatures", ["role": "Întocmit", "name": "Ana Ionescu"])
        try draft.row("actions", ["activity": "Implementarea măsurilor din Strategia locală"])
        try draft.row("proposedServices", ["code": "8810 CZ-V-II", "category": "persoane în vârstă", "budget.local": "1.000"])
        let codes = Set(draft.findings().map(\.code))
        #expect(codes.isDisjoint(with: ["year-consistent", "protocol-valid", "plan-signed", "strategy-draft", "service-category"]), "\(codes)")
    }

    @Test("an absurd amount of the first template renders without trapping")
    func absurdAmount() throws {
        var author = Author("d1")
        var plan = try PlanDocument.created(by: author.operation(on: nil, .createPlan(siruta: Siruta(80980), year: 2025)))
        plan = try plan.applying(author.operation(on: plan.id, PlanEditor(plan: plan).insertRow(into: "services", values: ["budget.local": .integer(100_000_000_000_000_000)])))
        #expect(!PlanRenderer(plan).html.isEmpty)
    }
}
