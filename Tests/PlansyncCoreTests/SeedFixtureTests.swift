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

    /// What a county reviewer found in a fixture, written before the checks ran (the seeds': in
    /// this file since the plan model landed; the others': `Tests/Fixtures/NAME.review.md`), each
    /// finding as the rule and path that state it, or no rule where none does. `notJudged`: the
    /// parts the published copy does not hold (it ends early), where the checks' findings are
    /// about the transcription, not the plan, and are left out of the comparison.
    struct Review: Sendable {
        let findings: [(rule: String?, path: String)]
        var notJudged: [String] = []

        /// The reviewer's findings a rule states, as `code path`.
        var stated: Set<String> { Set(findings.compactMap { finding in finding.rule.map { "\($0) \(finding.path)" } }) }

        func judged(_ finding: Finding) -> Bool { !notJudged.contains { finding.path == $0 || finding.path.hasPrefix($0 + ".") || finding.path.hasPrefix($0 + "[") } }
    }

    static let chapters = ["services", "proposedServices", "contracting", "subsidies", "information", "training", "actions", "monitoring"]

    static let reviews: [String: Review] = [
        "negomir-2024": Review(findings: [
            ("hg797-year", "legalBasis[2].citation"), ("hg797-annex", "legalBasis[2].citation"),
            ("chapter-present", "services"), ("chapter-present", "proposedServices"), ("chapter-present", "contracting"),
            ("chapter-present", "subsidies"), ("chapter-present", "information"),
            ("strategy-approval", "context.localStrategy.title"), ("strategy-approval", "context.countyStrategy.title"),
            ("consultation", "context.consultation"),
            ("placeholder", "decisions.aviz.reference"), ("placeholder", "decisions.hcl.reference"),
        ]),
        "pangarati-2023": Review(findings: [
            ("legal-basis", "legalBasis"), ("year-consistent", "considerations"), ("plan-signed", "approvedBy.mayor"),
        ]),
        "targu-frumos-2019": Review(findings: [
            ("chapter-present", "services"), ("chapter-present", "proposedServices"), ("chapter-present", "contracting"),
            ("strategy-approval", "context.localStrategy.approval"), ("strategy-approval", "context.countyStrategy.title"),
            ("strategy-period", "context.localStrategy.period"), ("aviz-recorded", "decisions.aviz.reference"),
            ("plan-signed", "approvedBy.mayor"), ("placeholder", "context.consultation"),
        ]),
        "sarmizegetusa-2022": Review(findings: [
            ("plan-title", "title"), (nil, "introduction"), (nil, "introduction"), ("beneficiary-numbers", "beneficiaryGroups"),
            ("legal-basis", "legalBasis"), ("aviz-complete", "decisions.aviz.issuer"), ("aviz-complete", "decisions.aviz.outcome"),
            (nil, "decisions.hcl.reference"), (nil, "decisions.hcl.votesFor"),
            ("uat-documents", "decisions.approvalReport.reference"), ("uat-documents", "decisions.specialistReport.reference"),
            ("reference-dated", "decisions.hclDraft.reference"), ("reference-dated", "context.localStrategy.approval"),
        ], notJudged: ["context.countyStrategy", "context.consultation", "protocols", "signatures", "decisions.hcl"] + chapters),
        "feresti-2025": Review(findings: [
            ("strategy-approval", "context.localStrategy.title"), ("strategy-period", "context.countyStrategy.period"),
            ("strategy-approval", "context.countyStrategy.approval"), ("legal-basis", "legalBasis"),
            (nil, "introduction"), (nil, "introduction"), (nil, "considerations"),
            ("aviz-recorded", "decisions.aviz.reference"), (nil, "decisions.hcl.reference"),
            ("uat-documents", "decisions.approvalReport.reference"), ("uat-documents", "decisions.specialistReport.reference"),
        ], notJudged: ["context.consultation", "protocols", "beneficiaryGroups", "signatures", "decisions.hcl"] + chapters),
        "pitesti-2019": Review(findings: [
            ("strategy-social", "context.localStrategy.title"), (nil, "context.localStrategy.approval"),
            ("reference-dated", "decisions.approvalReport.reference"), ("aviz-complete", "decisions.aviz.outcome"),
            (nil, "decisions.aviz.form"), ("strategy-approval", "context.countyStrategy.title"),
        ], notJudged: ["title", "introduction", "context.consultation", "protocols", "beneficiaryGroups", "signatures", "decisions.hcl", "decisions.prefect", "decisions.publication"] + chapters),
        "popesti-leordeni-2020": Review(findings: [
            ("aviz-recorded", "decisions.aviz.reference"), ("legal-basis", "legalBasis"), (nil, "legalBasis"),
            ("strategy-approval", "context.localStrategy.title"), (nil, ""), ("reference-dated", "decisions.hclDraft.reference"), (nil, "decisions.hclDraft"),
        ], notJudged: ["title", "introduction", "context.countyStrategy", "context.consultation", "protocols", "beneficiaryGroups", "signatures", "decisions.hcl", "decisions.prefect", "decisions.publication"] + chapters),
        "ramnicu-valcea-2020": Review(findings: [("aviz-recorded", "decisions.aviz.reference")],
                                      notJudged: ["title", "introduction", "legalBasis", "context", "protocols", "beneficiaryGroups", "signatures", "decisions.hcl.votes", "decisions.prefect", "decisions.publication"] + chapters),
        "fagaras-2021": Review(findings: [
            // The HCL of 31 March is late for the reviewer; the rule gives the council the first quarter.
            (nil, "decisions.hcl.reference"), ("reference-dated", "decisions.specialistReport.reference"),
            ("aviz-recorded", "decisions.aviz.reference"), ("plan-timely", "decisions.approvalReport.reference"),
        ], notJudged: ["title", "introduction", "legalBasis", "context", "protocols", "beneficiaryGroups", "signatures", "decisions.hcl.votes", "decisions.prefect", "decisions.publication"] + chapters),
    ]

    @Test("on every fixture the checks state the reviewer's findings a rule covers, and nothing else where the copy is judged", arguments: Fixtures.names)
    func findings(name: String) throws {
        var author = Author("d1")
        let document = try Fixtures.document(name, by: &author)
        let county = SirutaRegistry.shipped[document.siruta]?.county
        let report = PlanValidator(context: ValidationContext(county: county)).check(document)
        let review = try #require(Self.reviews[name])
        let judged = report.findings.filter(review.judged)
        #expect(Set(judged.map { "\($0.code) \($0.path)" }) == review.stated)
        #expect(judged.count == Set(judged.map { "\($0.code) \($0.path)" }).count, "one finding per rule and place")
        for finding in report.findings {
            #expect(!finding.message.isEmpty && !finding.messageEN.isEmpty)
        }
    }

    @Test("the reviewer's findings are written beside every fixture the project had not seen")
    func reviewsBeside() throws {
        for name in Fixtures.unseen {
            let review = try String(contentsOf: Fixtures.directory.appendingPathComponent("\(name).review.md"), encoding: .utf8)
            let rows = review.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.dropFirst(2).first?.isNumber == true }
            #expect(Set(rows).count == Self.reviews[name]?.findings.count, "\(name): the review lists \(rows.count) findings")
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
