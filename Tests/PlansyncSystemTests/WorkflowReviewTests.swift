import Foundation
import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
@testable import PlansyncServerKit
import Testing

/// Found by a hostile review of the workflow: each test holds one answer.
@Suite("Workflow review findings")
struct WorkflowReviewTests {
    @Test("a county with a fuller nomenclator: the client checks with the county's codes after a sync, so its submission is accepted")
    func countyNomenclator() async throws {
        // The county's list has a code whose CAEN class the shipped list gives otherwise (its
        // CZ-VD codes are all 8899): the shipped list's check finds it suspect, the county's not.
        let fuller = try ServiceNomenclator(csv: "code;name;source\n8810 ID-IV;Asistent personal;x\n8810 CZ-VD-II;Centru de zi (cod din lista județului);lista județului\n")
        let county = try await TestCounty(nomenclator: fuller)
        try await withServer(county.directory) { url in
            let clerk = try await HTTPTests.Setup(county: county, url: url)
            let plan = try clerk.replica.createPlan(year: 2024, template: .unversioned)
            try clerk.replica.record(on: plan.id) {
                PlanEditor(plan: $0!).insertRow(into: "services", values: ["code": .text("8810 CZ-VD-II"), "name": .text("Centru de zi pentru victimele violenței")])
            }
            // Before any sync the replica knows only the shipped list: it finds a warning the county does not.
            try clerk.replica.submit(plan.id, letter: "Nr. 1/12.03.2024")
            let first = try await clerk.sync()
            let refused = try #require(first.rejected.first?.rejection)
            #expect(refused.code == "findings-differ" && refused.message.contains("service-code-known"), "\(refused)")
            // That sync brought the county's codes: the same submission now carries the county's findings.
            try clerk.replica.submit(plan.id, letter: "Nr. 1/12.03.2024")
            let second = try await clerk.sync()
            #expect(second.rejected.isEmpty && second.accepted == 1)
            #expect(try await county.store.plan(plan.id)?.workflow.latest.state == .submitted)
        }
    }
}

/// A plan of one UAT in memory, through its acts.
private struct Acts {
    var inspector = Author("insp")
    var reviewer = Author("cj")
    var secretary = Author("sec")
    var plan: PlanDocument

    init() throws {
        let create = inspector.operation(on: nil, .createPlan(siruta: negomir, year: 2024))
        plan = try PlanDocument.created(by: create)
        try record(\.inspector, PlanEditor(plan: plan).insertRow(into: "services", values: ["name": .text("Cantină"), "capacity": .integer(40)]))
    }

    mutating func record(_ author: WritableKeyPath<Acts, Author>, _ change: Change) throws {
        let operation = self[keyPath: author].operation(on: plan.id, change)
        try OperationRules().check(operation, against: plan)
        plan.apply(operation)
    }

    mutating func refusal(_ author: WritableKeyPath<Acts, Author>, _ change: Change) -> String? {
        let operation = self[keyPath: author].operation(on: plan.id, change)
        do { try OperationRules().check(operation, against: plan); return nil } catch { return error.code }
    }

    var submission: Change {
        .act(version: plan.workflow.latest.number, .submit(letter: "Nr. 1143/12.03.2024", contentHash: PlanSnapshot(plan).hash, findings: []))
    }

    /// Registered and avizat favourably by the county (the aviz's reference without a full date).
    mutating func avizat(_ number: Int) throws {
        try record(\.reviewer, .act(version: number, .register(number: "5552", date: "2024-03-20")))
        try record(\.reviewer, .act(version: number, .aviz(AvizRecord(form: .hcj, reference: "HCJ 39/2024", outcome: .favourable, remarks: nil))))
    }

    mutating func approve(_ number: Int, hclDate: String = "2024-03-27") throws {
        try avizat(number)
        try record(\.secretary, .act(version: number, .hcl(CouncilDecision(number: "17", date: hclDate, votesFor: 9, against: 0, abstentions: 0, present: 9, inOffice: 15))))
    }
}

/// An author of in-memory operations (as the core tests have).
private struct Author {
    let device: DeviceID
    var counter: Int64 = 0
    var hlc = HLCTimestamp.zero
    init(_ device: String) { self.device = DeviceID(device) }

    mutating func operation(on plan: PlanID?, _ change: Change) -> PlanOperation {
        counter += 1
        hlc = hlc.tick(now: 1_764_000_000_000 + counter)
        let id = OpID(device: device, counter: counter)
        return PlanOperation(id: id, hlc: hlc, author: device.rawValue, plan: plan ?? PlanID(creatingOperation: id), change: change)
    }
}

@Suite("Workflow review findings: the rules")
struct WorkflowReviewRuleTests {
    @Test("votes of any size are refused, not trapped on")
    func hugeVotes() throws {
        var acts = try Acts()
        try acts.record(\.inspector, acts.submission)
        try acts.avizat(1)
        for big in [Int64.max, Int64.min, 1_001] {
            let vote = CouncilDecision(number: "17", date: "2024-03-27", votesFor: 0, against: 0, abstentions: 0, present: big, inOffice: big)
            #expect(acts.refusal(\.secretary, .act(version: 1, .hcl(vote))) == "vote-rules")
        }
    }

    @Test("an HCL dated before the registration is refused even when the aviz's reference has no full date")
    func hclBeforeRegistration() throws {
        var acts = try Acts()
        try acts.record(\.inspector, acts.submission)
        try acts.avizat(1)
        let early = CouncilDecision(number: "17", date: "2020-01-01", votesFor: 9, against: 0, abstentions: 0, present: 9, inOffice: 15)
        #expect(acts.refusal(\.secretary, .act(version: 1, .hcl(early))) == "dates-order")
    }

    @Test("a second submission joins only while the county has not decided, and changes nothing")
    func lateSecondSubmission() throws {
        var acts = try Acts()
        let submission = acts.submission
        try acts.record(\.inspector, submission)
        try acts.record(\.reviewer, .act(version: 1, .register(number: "5552", date: "2024-03-20")))
        let before = acts.plan.workflow
        try acts.record(\.inspector, .act(version: 1, .submit(letter: "Nr. 9999/30.12.2024", contentHash: PlanSnapshot(acts.plan).hash, findings: [])))
        #expect(acts.plan.workflow == before, "the late submission is the same one: the letter stays the first")
        try acts.record(\.reviewer, .act(version: 1, .aviz(AvizRecord(form: .hcj, reference: "HCJ 39/2024", outcome: .favourable, remarks: nil))))
        #expect(acts.refusal(\.inspector, submission) == "version-frozen")
    }

    @Test("once a later version is approved, an earlier one still before the county is superseded, never approved too")
    func twoApprovals() throws {
        var acts = try Acts()
        try acts.record(\.inspector, acts.submission)
        try acts.approve(1)
        try acts.record(\.inspector, .act(version: 1, .modify(reason: "buget")))
        let row = acts.plan.visibleRows(of: "services")[0].id
        try acts.record(\.inspector, PlanEditor(plan: acts.plan).setRowField("services", row: row, field: "capacity", to: .integer(45)))
        try acts.record(\.inspector, acts.submission)  // version 2, Chapter I changed
        try acts.record(\.inspector, .act(version: 2, .modify(reason: "înapoi")))
        try acts.record(\.inspector, PlanEditor(plan: acts.plan).setRowField("services", row: row, field: "capacity", to: .integer(40)))
        try acts.record(\.secretary, .act(version: 3, .hcl(CouncilDecision(number: "30", date: "2024-06-20", votesFor: 9, against: 0, abstentions: 0, present: 9, inOffice: 15))))
        #expect(acts.plan.workflow.versions.map(\.state) == [.superseded, .superseded, .approved])
        #expect(acts.refusal(\.reviewer, .act(version: 2, .register(number: "7000", date: "2024-06-21"))) == "wrong-state")
    }

    @Test("a favourable aviz with remarks gives the UAT remarks to answer")
    func remarksOfAFavourableAviz() throws {
        var acts = try Acts()
        try acts.record(\.inspector, acts.submission)
        try acts.record(\.reviewer, .act(version: 1, .register(number: "5552", date: "2024-03-20")))
        try acts.record(\.reviewer, .act(version: 1, .aviz(AvizRecord(form: .letter, reference: "Adresa 6120/22.03.2024", outcome: .favourableWithRemarks,
                                                                    remarks: "Actualizați indicatorii."))))
        #expect(acts.plan.workflow.openRemarks.map(\.text) == ["Actualizați indicatorii."])
    }

    @Test("totals of absurd cells saturate, a CSV field with CR LF is quoted, and one a spreadsheet would run is not a formula")
    func totalsAndCSV() throws {
        var acts = try Acts()
        for _ in 0..<2 {
            try acts.record(\.inspector, PlanEditor(plan: acts.plan).insertRow(into: "services", values: [
                "code": .text("8810 ID-IV"), "name": .text("Cantina\r\nlinia 2"), "capacity": .integer(5_000_000_000_000_000_000),
                "budget.local": .integer(Int64.max / 10)]))
        }
        for (code, name) in [("8899 CZ-F-I", "=HYPERLINK(\"http://x\")"), ("8891 CZ-C-I", "-2+3")] {
            try acts.record(\.inspector, PlanEditor(plan: acts.plan).insertRow(into: "services", values: ["code": .text(code), "name": .text(name)]))
        }
        let view = PlanView(acts.plan)
        #expect(view.tables.first { $0.name == "services" }?.totals["budget.local"] == Int64.max)
        let uat = try #require(SirutaRegistry.shipped[negomir])
        let totals = CountyTotals([CountyTotals.Counted(uat: uat, version: acts.plan.workflow.latest, document: acts.plan)], by: .service)
        #expect(totals.total.capacity == Int64.max)
        #expect(totals.csv.contains("\"Cantina\r\nlinia 2\""))
        #expect(totals.csv.contains(#""'=HYPERLINK(""http://x"")""#) && totals.csv.contains(",'-2+3,"))
    }
}
