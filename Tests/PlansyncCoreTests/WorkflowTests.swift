import Foundation
import PlansyncCore
import PlansyncProtocol
import Testing

/// One UAT and its county, acting on one plan in memory, each act checked by the shared rules.
private struct Story {
    var inspector = Author("insp", name: "Ana Inspector")
    var laptop = Author("lap", name: "Ana Inspector")
    var reviewer = Author("cj", name: "Maria Referent")
    var secretary = Author("sec", name: "Ion Secretar")
    var plan: PlanDocument

    init() throws {
        (plan, _) = try newPlan(by: &inspector, year: 2024)
        plan = try plan.applying(inspector.operation(on: plan.id, PlanEditor(plan: plan).insertRow(
            into: "services", values: ["code": .text("8899 CZ-PN-I"), "name": .text("Cantină socială"), "capacity": .integer(40), "budget.local": .integer(150_000)])))
    }

    var row: RowID { plan.visibleRows(of: "services")[0].id }

    /// Records `change` by `author`; the rules must accept it.
    mutating func act(_ author: WritableKeyPath<Story, Author>, _ change: Change) throws {
        let operation = self[keyPath: author].operation(on: plan.id, change)
        plan = try plan.applying(operation)
    }

    /// The rejection the rules give `change` by `author`, which is not recorded.
    mutating func refusal(_ author: WritableKeyPath<Story, Author>, _ change: Change) -> Rejection? {
        let operation = self[keyPath: author].operation(on: plan.id, change)
        do {
            try OperationRules().check(operation, against: plan)
            return nil
        } catch {
            return error
        }
    }

    func submission(letter: String = "Nr. 1143/12.03.2024") -> Change {
        .act(version: plan.workflow.latest.number, .submit(letter: letter, contentHash: PlanSnapshot(plan).hash, findings: []))
    }

    mutating func approveFirstVersion() throws {
        try act(\.inspector, submission())
        try act(\.reviewer, .act(version: 1, .register(number: "5552", date: "2024-03-20")))
        try act(\.reviewer, .act(version: 1, .aviz(AvizRecord(form: .hcj, reference: "HCJ nr. 39/21.03.2024", outcome: .favourable, remarks: nil))))
        try act(\.secretary, .act(version: 1, .hcl(Self.vote())))
    }

    static func vote(for votesFor: Int64 = 14, present: Int64 = 15, inOffice: Int64 = 15, date: String = "2024-03-27") -> CouncilDecision {
        CouncilDecision(number: "17", date: date, votesFor: votesFor, against: 0, abstentions: present - votesFor, present: present, inOffice: inOffice)
    }
}

@Suite("The legal workflow")
struct WorkflowTests {
    @Test("every act goes on the wire and back unchanged, in canonical bytes; an unknown act or member is not read")
    func wire() throws {
        var author = Author("k3f9a1c2", name: "Ana")
        let acts: [WorkflowAct] = [
            .submit(letter: "Nr. 1143/12.03.2024", contentHash: String(repeating: "ab", count: 32),
                    findings: [FindingMark(code: "consultation", severity: "warning", path: "context.consultation")]),
            .register(number: "5552", date: "2024-03-20"),
            .remark(path: "services[1].capacity", text: "Precizați"), .remark(path: nil, text: "General"),
            .aviz(AvizRecord(form: .letter, reference: "Adresa nr. 6120/22.03.2024", outcome: .favourableWithRemarks, remarks: "Vezi anexa")),
            .hcl(Story.vote()), .prefect(reference: "245", date: "2024-04-02"), .publish(date: "2024-04-03", place: nil),
            .modify(reason: "Rectificare"), .modify(reason: nil), .answer(remark: OpID("cj.2")!, text: "Răspuns"),
        ]
        for act in acts {
            let operation = author.operation(on: PlanID("k3f9a1c2.1"), .act(version: 2, act))
            let bytes = operation.canonicalJSON
            let read = try PlanOperation(json: JSONReader.parse(bytes), path: "op")
            #expect(read == operation)
            #expect(read.canonicalJSON == bytes)
            #expect(try JSONReader.parse(bytes).canonicalJSON == bytes, "members sorted: \(String(decoding: bytes, as: UTF8.self))")
        }
        let unknownAct = #"{"act":"veto","by":"a","hlc":1,"id":"k.1","op":"act","plan":"k.1","version":1}"#
        #expect(throws: WireFormatError.self) { try PlanOperation(json: JSONReader.parse(Data(unknownAct.utf8)), path: "op") }
        let extraMember = #"{"act":"modify","by":"a","hlc":1,"id":"k.1","op":"act","plan":"k.1","version":1,"urgent":true}"#
        #expect(throws: WireFormatError.self) { try PlanOperation(json: JSONReader.parse(Data(extraMember.utf8)), path: "op") }
        let memberOfAnotherAct = #"{"act":"modify","by":"a","hlc":1,"id":"k.1","op":"act","plan":"k.1","version":1,"number":"5"}"#
        #expect(throws: WireFormatError.self) { try PlanOperation(json: JSONReader.parse(Data(memberOfAnotherAct.utf8)), path: "op") }
    }

    @Test("submit → register → aviz → HCL → prefect → publication, each by its role, each recorded with who and when")
    func fullRoute() throws {
        var story = try Story()
        try story.approveFirstVersion()
        try story.act(\.secretary, .act(version: 1, .prefect(reference: "245", date: "2024-04-02")))
        try story.act(\.secretary, .act(version: 1, .publish(date: "2024-04-03", place: "www.negomir.ro")))
        let version = try #require(story.plan.workflow.version(1))
        #expect(version.state == .published && version.route == .full)
        #expect(version.acts.map(\.act.name) == [.submit, .register, .aviz, .hcl, .prefect, .publish])
        #expect(version.acts.map(\.to) == [.submitted, .registered, .avizat, .approved, .communicated, .published])
        #expect(version.acts.map(\.operation.author) == ["Ana Inspector", "Maria Referent", "Maria Referent", "Ion Secretar", "Ion Secretar", "Ion Secretar"])
        #expect(story.plan.workflow.inForce?.number == 1)
        // The decision records shown with the version come from its acts.
        let shown = story.plan.presenting(version)
        #expect(shown.fields["decisions.hcl.reference"] == nil, "the first template has no decision records")
    }

    @Test("an act out of its turn is refused with the state it found")
    func outOfTurn() throws {
        var story = try Story()
        #expect(story.refusal(\.reviewer, .act(version: 1, .register(number: "1", date: "2024-03-20")))?.code == "wrong-state")
        #expect(story.refusal(\.reviewer, .act(version: 1, .aviz(AvizRecord(form: .hcj, reference: "r", outcome: .favourable, remarks: nil))))?.code == "wrong-state")
        #expect(story.refusal(\.secretary, .act(version: 1, .hcl(Story.vote())))?.code == "aviz-required")
        #expect(story.refusal(\.inspector, .act(version: 1, .modify(reason: nil)))?.code == "draft-open")
        #expect(story.refusal(\.inspector, .act(version: 2, .modify(reason: nil)))?.code == "unknown-version")
        try story.act(\.inspector, story.submission())
        #expect(story.refusal(\.reviewer, .act(version: 1, .register(number: "1", date: "2024-03-11")))?.code == "dates-order", "before the letter")
        #expect(story.refusal(\.reviewer, .act(version: 1, .register(number: "1", date: "20.03.2024")))?.code == "bad-date")
        #expect(story.refusal(\.reviewer, .act(version: 1, .register(number: " ", date: "2024-03-20")))?.code == "missing-value")
        try story.act(\.reviewer, .act(version: 1, .register(number: "5552", date: "2024-03-20")))
        #expect(story.refusal(\.reviewer, .act(version: 1, .aviz(AvizRecord(form: .hcj, reference: "r", outcome: .unfavourable, remarks: nil))))?.code == "missing-remarks")
    }

    @Test("the HCL is refused when the vote does not adopt it", arguments: [
        (Int64(7), Int64(7), Int64(15)),  // no quorum: 7 present of 15
        (Int64(7), Int64(14), Int64(15)),  // 7 for of 14 present is not over half
        (Int64(15), Int64(15), Int64(14)),  // more present than in office
    ])
    func votes(votesFor: Int64, present: Int64, inOffice: Int64) throws {
        var story = try Story()
        try story.act(\.inspector, story.submission())
        try story.act(\.reviewer, .act(version: 1, .register(number: "5552", date: "2024-03-20")))
        try story.act(\.reviewer, .act(version: 1, .aviz(AvizRecord(form: .hcj, reference: "HCJ nr. 39/21.03.2024", outcome: .favourable, remarks: nil))))
        #expect(story.refusal(\.secretary, .act(version: 1, .hcl(Story.vote(for: votesFor, present: present, inOffice: inOffice))))?.code == "vote-rules")
        let cast = CouncilDecision(number: "17", date: "2024-03-27", votesFor: 10, against: 4, abstentions: 2, present: 15, inOffice: 15)
        #expect(story.refusal(\.secretary, .act(version: 1, .hcl(cast)))?.code == "vote-rules", "16 votes cast by 15 present")
        #expect(story.refusal(\.secretary, .act(version: 1, .hcl(Story.vote(date: "2024-03-20"))))?.code == "dates-order", "before the aviz")
        #expect(story.refusal(\.secretary, .act(version: 1, .hcl(Story.vote()))) == nil)
    }

    @Test("a submission is a frozen snapshot: later edits land on a new draft, the snapshot's hash never changes")
    func frozen() throws {
        var story = try Story()
        let sent = PlanSnapshot(story.plan).hash
        try story.act(\.inspector, story.submission())
        // An edit made offline on version 1 reaches the county after the submission.
        try story.act(\.laptop, PlanEditor(plan: story.plan).setRowField("services", row: story.row, field: "capacity", to: .integer(45)))
        let workflow = story.plan.workflow
        #expect(workflow.versions.map(\.state) == [.submitted, .draft])
        #expect(workflow.latest.opening.cause == .automatic && workflow.latest.supersedes == 1)
        #expect(workflow.version(1)?.contentHash == sent && PlanSnapshot(story.plan).hash != sent)
        // A submission computed on other content than the county's is stale.
        var stale = story.submission()
        if case .act(let number, .submit(let letter, _, let findings, _)) = stale {
            stale = .act(version: number, .submit(letter: letter, contentHash: sent, findings: findings))
        }
        #expect(story.refusal(\.inspector, stale)?.code == "submission-stale")
        // The same version submitted again with the same content joins the first submission.
        try story.act(\.laptop, .act(version: 1, .submit(letter: "Nr. 1143/12.03.2024", contentHash: sent, findings: [])))
        #expect(story.plan.workflow.version(1)?.frozenBy == OpID(device: DeviceID("insp"), counter: 3))
        #expect(story.refusal(\.laptop, .act(version: 1, .submit(letter: "x", contentHash: String(repeating: "0", count: 64), findings: [])))?.code == "version-frozen")
        // A submission carrying an error is refused.
        let withError = Change.act(version: 2, .submit(letter: "Nr. 2/2024", contentHash: PlanSnapshot(story.plan).hash,
                                                         findings: [FindingMark(code: "chapter-present", severity: "error", path: "services")]))
        #expect(story.refusal(\.inspector, withError)?.code == "submission-has-errors")
    }

    @Test("an unfavourable aviz sends the plan back to a new draft with its remarks, answered in that version")
    func unfavourable() throws {
        var story = try Story()
        try story.act(\.inspector, story.submission())
        try story.act(\.reviewer, .act(version: 1, .register(number: "5552", date: "2024-03-20")))
        try story.act(\.reviewer, .act(version: 1, .remark(path: "services[1].capacity", text: "Capacitatea nu corespunde licenței.")))
        try story.act(\.reviewer, .act(version: 1, .aviz(AvizRecord(form: .letter, reference: "Adresa nr. 6120/22.03.2024", outcome: .unfavourable,
                                                                      remarks: "Refaceți capitolul I."))))
        let workflow = story.plan.workflow
        #expect(workflow.versions.map(\.state) == [.returned, .draft] && workflow.latest.opening.cause == .returned)
        #expect(workflow.openRemarks.count == 2)
        let remark = workflow.openRemarks[0].id
        try story.act(\.inspector, .act(version: 2, .answer(remark: remark, text: "Capacitatea este 45.")))
        #expect(story.plan.workflow.remarks.first { $0.id == remark }?.answer?.version == 2)
        #expect(story.refusal(\.inspector, .act(version: 2, .answer(remark: remark, text: "Din nou.")))?.code == "already-answered")
        #expect(story.refusal(\.inspector, .act(version: 2, .answer(remark: OpID("cj.99")!, text: "?")))?.code == "unknown-remark")
    }

    @Test("a modification that leaves Chapter I as approved is approved by HCL alone; one that changes it needs a new aviz")
    func modifications() throws {
        var story = try Story()
        try story.approveFirstVersion()
        try story.act(\.inspector, .act(version: 1, .modify(reason: "Program de informare")))
        try story.act(\.inspector, PlanEditor(plan: story.plan).setField("notes", to: .text("Campanie de informare în satele aparținătoare")))
        try story.act(\.secretary, .act(version: 2, .hcl(Story.vote(date: "2024-06-20"))))
        var workflow = story.plan.workflow
        #expect(workflow.versions.map(\.state) == [.superseded, .approved])
        #expect(workflow.latest.route == .hclOnly && workflow.latest.changesChapterOne == false)

        try story.act(\.inspector, .act(version: 2, .modify(reason: "Rectificare bugetară")))
        try story.act(\.inspector, PlanEditor(plan: story.plan).setRowField("services", row: story.row, field: "budget.local", to: .integer(180_000)))
        #expect(story.refusal(\.secretary, .act(version: 3, .hcl(Story.vote(date: "2024-09-20"))))?.code == "aviz-required")
        try story.act(\.inspector, story.submission(letter: "Nr. 3001/02.09.2024"))
        workflow = story.plan.workflow
        #expect(workflow.latest.state == .submitted && workflow.latest.changesChapterOne == true)
        #expect(workflow.awaitingCounty?.action == .register && workflow.awaitingCounty?.version == 3)
    }

    @Test("the county's check of a submission: its findings must be the county's own")
    func findingsChecked() throws {
        var story = try Story()
        let validator = PlanValidator()
        let honest = try validator.submission(of: story.plan, letter: "Nr. 1/2024")
        let operation = story.inspector.operation(on: story.plan.id, honest)
        try validator.checkSubmission(operation, on: story.plan)
        let hidden = story.inspector.operation(on: story.plan.id, .act(version: 1, .submit(letter: "Nr. 1/2024", contentHash: PlanSnapshot(story.plan).hash, findings: [])))
        let marks = validator.check(story.plan).marks
        if marks.isEmpty {
            try validator.checkSubmission(hidden, on: story.plan)
        } else {
            #expect(throws: Rejection.self) { try validator.checkSubmission(hidden, on: story.plan) }
        }
    }

    @Test("the content hash follows the documented encoding: the fields and rows shown")
    func snapshotEncoding() throws {
        var story = try Story()
        let snapshot = PlanSnapshot(story.plan)
        let text = String(decoding: snapshot.bytes, as: UTF8.self)
        #expect(text.hasPrefix(#"{"fields":{},"plan":"insp.1","siruta":80980,"tables":{"services":[{"id":"insp.2","values":{"budget.local":150000,"capacity":40,"code":"8899 CZ-PN-I","name":"Cantină socială"}}]},"template":"ordin-1086-2018","year":2024}"#))
        #expect(snapshot.hash.count == 64 && snapshot.hash.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        // Any change of what is shown changes it.
        try story.act(\.laptop, PlanEditor(plan: story.plan).setField("notes", to: .text("a")))
        #expect(PlanSnapshot(story.plan).hash != snapshot.hash)
    }

    @Test("the checks on a plan that went through plansync's own acts: the county's aviz has its issuer; a modification's HCL is not late")
    func checksAfterActs() throws {
        var story = try Story()
        try story.approveFirstVersion()
        let approved = story.plan.presenting(story.plan.workflow.latest)
        let codes = PlanValidator().check(approved).findings.map(\.code)
        #expect(!codes.contains("aviz-complete") && !codes.contains("aviz-recorded") && !codes.contains("reference-dated"))
        try story.act(\.inspector, .act(version: 1, .modify(reason: "Rectificare bugetară")))
        try story.act(\.inspector, PlanEditor(plan: story.plan).setField("notes", to: .text("Campanie de informare")))
        try story.act(\.secretary, .act(version: 2, .hcl(Story.vote(date: "2024-06-20"))))
        let modified = story.plan.presenting(story.plan.workflow.latest)
        #expect(story.plan.workflow.latest.number == 2 && !PlanValidator().check(modified).findings.contains { $0.code == "plan-timely" })
    }
}
