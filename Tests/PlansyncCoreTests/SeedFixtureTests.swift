import Foundation
import PlansyncCore
import PlansyncProtocol
import Testing

@Suite("Seed plans (fixtures)")
struct SeedFixtureTests {
    @Test("each seed imports through operations and exports back byte for byte", arguments: Fixtures.names)
    func roundTrip(name: String) throws {
        var author = Author("d1", name: "ana")
        let document = try Fixtures.document(name, by: &author)
        let exported = PlanFile(document).json
        #expect(exported == (try Fixtures.data(name)), "export of \(name) differs from the fixture")
        // And once more through a second import: the format is a fixed point.
        var other = Author("d2", name: "ion")
        let again = try PlanFile.read(exported)
        var second = try PlanDocument.created(by: other.operation(on: nil, again.creation))
        for edit in again.edits { second = try second.applying(other.operation(on: second.id, edit(second))) }
        #expect(PlanFile(second).json == exported)
    }

    @Test("the fixtures hold every table row and budget cell of the seeds")
    func completeness() throws {
        var author = Author("d1")
        let pangarati = PlanContent(try Fixtures.document("pangarati-2023", by: &author))
        #expect(pangarati.rows("services").count == 2)
        #expect(pangarati.rows("protocols").count == 6)
        #expect(pangarati.rows("information").count == 16)
        #expect(pangarati.rows("training").count == 7)
        let proposed = try #require(pangarati.rows("proposedServices").first)
        #expect(pangarati.money(proposed, "budget.local")?.bani == 1_500_000)
        #expect(pangarati.count(proposed, "capacity")?.kind == .text)
        #expect(pangarati.money(proposed, "budget.county")?.kind == .dash)
        let negomir = PlanContent(try Fixtures.document("negomir-2024", by: &author))
        #expect(negomir.rows("actions").count == 12)
        #expect(negomir.rows("legalBasis").count == 13)
        #expect(negomir.reference("decisions.aviz.report.reference")?.number == "1/5552")
        let targu = PlanContent(try Fixtures.document("targu-frumos-2019", by: &author))
        #expect(targu.rows("actions").count == 27)
        #expect(targu.count("decisions.hcl.votesFor")?.number == 17)
        #expect(targu.reference("decisions.hcl.reference")?.date == CalendarDate("2019-02-28"))
    }

    /// What a county reviewer finds in each seed: (severity, rule code, path).
    static let expected: [String: [String]] = [
        "negomir-2024": [
            "error hg797-year legalBasis[2].citation", "error hg797-annex legalBasis[2].citation",
            "error chapter-present services", "error chapter-present proposedServices", "error chapter-present contracting",
            "error chapter-present subsidies", "error chapter-present information",
            "warning strategy-approval context.localStrategy.title", "warning strategy-approval context.countyStrategy.title",
            "warning consultation context.consultation",
            "warning placeholder decisions.aviz.reference", "warning placeholder decisions.hcl.reference",
        ],
        "pangarati-2023": [
            "warning year-consistent considerations",
            "warning placeholder training[6].persons", "warning placeholder training[6].budget",
            "warning placeholder training[7].persons", "warning placeholder training[7].budget",
        ],
        "targu-frumos-2019": [
            "error chapter-present services", "error chapter-present proposedServices", "error chapter-present contracting",
            "warning strategy-approval context.localStrategy.approval", "warning strategy-approval context.countyStrategy.title",
            "warning aviz-recorded decisions.aviz.reference",
            "warning placeholder context.consultation",
        ],
    ]

    @Test("the checks find the seeds' real problems and no false error", arguments: Fixtures.names)
    func findings(name: String) throws {
        var author = Author("d1")
        let document = try Fixtures.document(name, by: &author)
        let county = SirutaRegistry.shipped[document.siruta]?.county
        let report = PlanValidator(context: ValidationContext(county: county)).check(document)
        #expect(report.findings.map { "\($0.severity.rawValue) \($0.code) \($0.path)" } == Self.expected[name])
        for finding in report.findings {
            #expect(!finding.message.isEmpty && !finding.messageEN.isEmpty)
        }
    }

    @Test("Pângărați's totals row is correct and passes; a wrong total is an error at its cell")
    func totals() throws {
        var author = Author("d1")
        var plan = try Fixtures.document("pangarati-2023", by: &author)
        #expect(!PlanValidator().check(plan).findings.contains { $0.code == "totals-match" })
        plan = try plan.applying(author.operation(on: plan.id, PlanEditor(plan: plan).setField("services.total.budget.local", to: .text("300.001"))))
        let finding = try #require(PlanValidator().check(plan).findings.first { $0.code == "totals-match" })
        #expect(finding.path == "services.total.budget.local" && finding.severity == .error)
        #expect(finding.message.contains("300.000 lei"))
    }
}
