import Foundation
import GRDB
@testable import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
@testable import PlansyncServerKit
import Testing

/// Several operations in one push: each gets its own outcome in order, a bad one never stops the
/// ones after it, and the pushes a well-behaved device never sends are refused whole.
@Suite("Multi-operation pushes")
struct PushBatchTests {
    /// Negomir's clerk with a synced 2025 plan holding one row of `services`, over real HTTP.
    static func withPlanAndRow(_ body: @Sendable (TestCounty, URL, HTTPTests.Setup, PlanID, RowID) async throws -> Void) async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let ana = try await HTTPTests.Setup(county: county, url: url, author: "ana")
            let plan = try ana.replica.createPlan(year: 2025)
            let withRow = try ana.replica.record(on: plan.id) { PlanEditor(plan: $0!).insertRow(into: "services", values: ["name": .text("Cantină")]) }
            _ = try await ana.sync()
            try await body(county, url, ana, plan.id, try #require(withRow.visibleRows(of: "services").first?.id))
        }
    }

    static func push(_ operations: [PlanOperation], as setup: HTTPTests.Setup) async throws -> (status: Int, contentType: String?, body: Data) {
        try await rawRequest("POST", setup.url.appendingPathComponent("v1/push"), headers: setup.headers(),
                             body: WireJSON.encode(PushRequest(operations: operations)))
    }

    /// Checks a push answered 200 and the database against the documented outcome: `expected[i]`
    /// is `nil` for an accepted operation, else the rejection code. Accepted operations get
    /// consecutive sequence numbers right after the county's last, in order; the database gains
    /// exactly their rows, the rejections' rows, the touched plans' projections (equal to the
    /// replay of their history) and the device's `last_push_at`.
    static func expectOutcomes(
        _ operations: [PlanOperation], _ expected: [String?], answer: (status: Int, contentType: String?, body: Data),
        before: DatabaseDump, after: DatabaseDump, store: CountyStore, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        #expect(answer.status == 200, "got \(answer.status): \(String(decoding: answer.body, as: UTF8.self))", sourceLocation: sourceLocation)
        guard answer.status == 200 else { return }
        let outcomes = try PushResponse.read(answer.body).outcomes
        #expect(outcomes.map(\.id) == operations.map(\.id), "one outcome per operation, in order", sourceLocation: sourceLocation)
        #expect(outcomes.map { $0.rejection?.code } == expected, "outcomes \(outcomes.map { $0.rejection.map { "\($0.code): \($0.message)" } ?? "accepted" })",
                sourceLocation: sourceLocation)
        let lastSeq = (before.tables["operation"] ?? []).compactMap { Int64($0["seq"] ?? "") }.max() ?? 0
        let accepted = zip(operations, expected).filter { $0.1 == nil }.map(\.0)
        let seqs = outcomes.compactMap(\.seq)
        #expect(seqs == Array((lastSeq + 1)..<(lastSeq + 1 + Int64(accepted.count))), "consecutive seq after \(lastSeq): \(seqs)", sourceLocation: sourceLocation)

        let changes = before.changes(to: after)
        #expect(Set(changes.keys).isSubset(of: ["operation", "rejection", "plan", "sqlite_sequence", "device", "audit_entry", "audit_node", "checkpoint"]),
                "unexpected writes: \(before.summary(to: after))", sourceLocation: sourceLocation)
        // The history gains exactly the accepted operations, as sent, under their seq.
        let addedOperations = (changes["operation"]?.added ?? []).sorted { Int64($0["seq"]!)! < Int64($1["seq"]!)! }
        #expect(changes["operation"]?.removed.isEmpty ?? true, sourceLocation: sourceLocation)
        #expect(addedOperations.compactMap { $0["body"] } == accepted.map { DatabaseDump.blob($0.canonicalJSON) }, "operation rows", sourceLocation: sourceLocation)
        #expect(addedOperations.compactMap { $0["seq"] } == seqs.map { "\($0)" }, sourceLocation: sourceLocation)
        // The rejections table gains exactly the rejected ones, with the reason answered.
        let rejected = zip(operations, outcomes).filter { $0.1.rejection != nil }
        let addedRejections = changes["rejection"]?.added ?? []
        #expect(changes["rejection"]?.removed.isEmpty ?? true, sourceLocation: sourceLocation)
        #expect(addedRejections.count == rejected.count, "rejection rows: \(addedRejections.count)", sourceLocation: sourceLocation)
        for (operation, outcome) in rejected {
            let row = addedRejections.first { $0["counter"] == "\(operation.id.counter)" && $0["device"] == operation.id.device.rawValue }
            #expect(row?["code"] == outcome.rejection?.code && row?["message"] == outcome.rejection?.message
                        && row?["body"] == DatabaseDump.blob(operation.canonicalJSON) && row?["plan"] == operation.plan.rawValue,
                    "rejection row of \(operation.id)", sourceLocation: sourceLocation)
        }
        // Each plan an accepted operation changed has its projection rewritten: the replay of its history.
        let touched = Set(accepted.map(\.plan))
        #expect(Set((changes["plan"]?.added ?? []).compactMap { $0["id"] }) == Set(touched.map(\.rawValue)), "plan rows rewritten", sourceLocation: sourceLocation)
        for plan in touched {
            let row = changes["plan"]?.added.first { $0["id"] == plan.rawValue }
            let last = zip(operations, outcomes).filter { $0.0.plan == plan }.compactMap(\.1.seq).max()
            #expect(row?["last_seq"] == last.map { "\($0)" }, "last_seq of \(plan)", sourceLocation: sourceLocation)
            let history = try WireJSON.decode([SequencedOperation].self, from: try await store.history(of: plan, after: 0, limit: 5_000))
            let (replayed, skipped) = PlanDocument.replay(history.map(\.operation))
            #expect(skipped.isEmpty, sourceLocation: sourceLocation)
            // The stored document may lag by a few operations: with them applied, it is the replay.
            let stored = try await store.pool.read { db in
                try PlanRecord.fetchOne(db, key: plan.rawValue).map { try CountyStore.projection(of: $0, in: db) }
            }
            #expect(stored == replayed, "stored projection = replay", sourceLocation: sourceLocation)
            #expect(try await store.plan(plan) == replayed, "served projection = replay", sourceLocation: sourceLocation)
        }
        if let device = operations.first?.id.device { expectOnlyLastPushChanged(changes["device"], device: device, "push", sourceLocation: sourceLocation) }
    }

    /// Checks a push was refused whole with a problem of `status`/`slug`, and nothing was written.
    @discardableResult
    static func expectRefused(
        _ status: Int, _ slug: String, answer: (status: Int, contentType: String?, body: Data), before: DatabaseDump, after: DatabaseDump,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Problem? {
        #expect(answer.status == status, "got \(answer.status): \(String(decoding: answer.body, as: UTF8.self))", sourceLocation: sourceLocation)
        #expect(answer.contentType == Problem.mediaType, sourceLocation: sourceLocation)
        let problem = try? WireJSON.decode(Problem.self, from: answer.body)
        #expect(problem?.slug == Substring(slug) && problem?.status == status, "problem \(String(describing: problem))", sourceLocation: sourceLocation)
        let unchanged = after == before
        #expect(unchanged, "nothing may be written, but \(before.summary(to: after))", sourceLocation: sourceLocation)
        return problem
    }

    @Test("one forbidden operation among valid ones: the others accepted in order, those naming it set aside")
    func oneForbidden() async throws {
        try await Self.withPlanAndRow { county, _, ana, planID, row in
            // Given: the plan as the county holds it, and a batch where exactly one edit is another role's
            let plan = try #require(try await county.store.plan(planID))
            var make = try HandMadeOperations(for: ana)
            let editor = PlanEditor(plan: plan)
            let a = make.next(planID, editor.setField("title", to: .text("Planul anual de acțiune 2025")))
            let b = make.next(planID, editor.setField("decisions.hcl.reference", to: .text("HCL nr. 12/28.02.2025")))
            let c = make.next(planID, editor.insertRow(into: "services", values: ["name": .text("Centru de zi")]))
            let d = make.next(planID, .setField(path: "title", value: .text("după HCL"), supersedes: [a.id, b.id]))
            let e = make.next(planID, .setRowField(table: "services", row: c.id, field: "name", value: .text("Centru de zi pentru copii"), supersedes: [c.id]))
            let f = make.next(planID, .setField(path: "decisions.aviz.remarks", value: .text("x"), supersedes: [b.id]))
            let g = make.next(planID, editor.setRowField("services", row: row, field: "capacity", to: .text("40")))
            let batch = [a, b, c, d, e, f, g]

            // When: it is pushed at once
            let before = try await DatabaseDump.of(county.store)
            let answer = try await Self.push(batch, as: ana)
            let after = try await DatabaseDump.of(county.store)

            // Then: the forbidden one is set aside for its role (before any rule), the one naming it
            // as seen is an unknown reference, and the rest are accepted in order
            try await Self.expectOutcomes(batch, [nil, "role-forbidden", nil, "unknown-reference", nil, "role-forbidden", nil],
                                          answer: answer, before: before, after: after, store: county.store)
            let served = try #require(try await county.store.plan(planID))
            #expect(served.fields["title"]?.value == .text("Planul anual de acțiune 2025"))
            #expect(served.fields["decisions.hcl.reference"] == nil && served.fields["decisions.aviz.remarks"] == nil)
            #expect(served.row(c.id, in: "services")?.fields["name"]?.value == .text("Centru de zi pentru copii"))
        }
    }

    @Test("one operation breaking a rule: the others accepted, those depending on it set aside with row-not-found, unknown-reference, plan-not-found")
    func oneBreaksARule() async throws {
        try await Self.withPlanAndRow { county, _, ana, planID, row in
            // Given: a row whose capacity is a bare number (the current template keeps cells as
            // written text), edits of that row and edits naming it, and a plan of the year 20225
            let plan = try #require(try await county.store.plan(planID))
            var make = try HandMadeOperations(for: ana)
            let editor = PlanEditor(plan: plan)
            let bad = make.next(planID, editor.insertRow(into: "services", values: ["capacity": .integer(10)]))
            let title = make.next(planID, editor.setField("title", to: .text("Plan 2025")))
            let update = make.next(planID, .setRowField(table: "services", row: bad.id, field: "name", value: .text("x"), supersedes: [bad.id]))
            let remove = make.next(planID, .removeRow(table: "services", row: bad.id, seen: [bad.id]))
            let move = make.next(planID, .moveRow(table: "services", row: bad.id, position: "V", supersedes: [bad.id]))
            let naming = make.next(planID, .setField(path: "notes", value: .text("x"), supersedes: [bad.id]))
            let namingOnRow = make.next(planID, .setRowField(table: "services", row: row, field: "name", value: .text("y"), supersedes: [bad.id]))
            let tooLarge = make.next(planID, .setField(path: "notes", value: .text(String(repeating: "ă", count: 20_000)), supersedes: []))
            let afterTooLarge = make.next(planID, .setField(path: "notes", value: .text("scurt"), supersedes: [tooLarge.id]))
            let typo = make.next(planID, .createPlan(siruta: negomir, year: 20225, template: PlanSchema.current.template))
            let onTypo = make.next(typo.plan, .setField(path: "title", value: .text("x"), supersedes: []))
            let good = make.next(planID, editor.setRowField("services", row: row, field: "capacity", to: .text("40")))
            let batch = [bad, title, update, remove, move, naming, namingOnRow, tooLarge, afterTooLarge, typo, onTypo, good]

            // When: it is pushed at once
            let before = try await DatabaseDump.of(county.store)
            let answer = try await Self.push(batch, as: ana)
            let after = try await DatabaseDump.of(county.store)

            // Then: each gets the documented outcome, and only the good ones are in the history
            try await Self.expectOutcomes(
                batch,
                ["wrong-type", nil, "row-not-found", "row-not-found", "row-not-found", "unknown-reference", "unknown-reference",
                 "too-large", "unknown-reference", "year-out-of-range", "plan-not-found", nil],
                answer: answer, before: before, after: after, store: county.store)
            #expect(try await county.store.plan(typo.plan) == nil)
        }
    }

    @Test("one operation on another UAT's plan, or another device's, refuses the whole push (403): nothing written")
    func otherUATRefusesAll() async throws {
        try await Self.withPlanAndRow { county, url, ana, planID, _ in
            // Given: a plan of Bălești, and a valid edit of Negomir's plan
            let vasile = try await HTTPTests.Setup(county: county, url: url, author: "vasile", siruta: balesti)
            let balestiPlan = try vasile.replica.createPlan(year: 2025)
            _ = try await vasile.sync()
            let plan = try #require(try await county.store.plan(planID))
            var make = try HandMadeOperations(for: ana)
            let valid = make.next(planID, PlanEditor(plan: plan).setField("title", to: .text("Plan 2025")))
            let vasileDevice = try vasile.replica.settings().device
            let bad: [(String, PlanOperation)] = [
                ("an edit of Bălești's plan", make.with(counter: valid.id.counter + 1, balestiPlan.id, .setField(path: "title", value: .text("x"), supersedes: []))),
                ("a plan created for Bălești", make.with(counter: valid.id.counter + 1, planID, .createPlan(siruta: balesti, year: 2026, template: nil))),
                ("an operation of Vasile's device", PlanOperation(id: OpID(device: vasileDevice, counter: 99), hlc: valid.hlc, author: "ana", plan: planID,
                                                                  change: .setField(path: "notes", value: .text("x"), supersedes: []))),
            ]
            for (what, operation) in bad {
                for batch in [[valid, operation], [operation, valid]] {
                    // When: it is pushed together with the valid edit
                    let before = try await DatabaseDump.of(county.store)
                    let answer = try await Self.push(batch, as: ana)
                    let after = try await DatabaseDump.of(county.store)
                    // Then: 403, and not even the valid edit is written
                    let problem = Self.expectRefused(403, "forbidden", answer: answer, before: before, after: after)
                    #expect(problem?.detail.isEmpty == false, "\(what)")
                }
            }
            // And: the valid edit alone goes through afterwards
            let before = try await DatabaseDump.of(county.store)
            let answer = try await Self.push([valid], as: ana)
            try await Self.expectOutcomes([valid], [nil], answer: answer, before: before, after: try await DatabaseDump.of(county.store), store: county.store)
        }
    }

    @Test("an id the county holds with other content refuses the whole push (409 op-id-reused, with operations and known): nothing written")
    func reusedIDRefusesAll() async throws {
        try await Self.withPlanAndRow { county, url, ana, planID, _ in
            // Given: two accepted edits and one set aside
            let plan = try #require(try await county.store.plan(planID))
            var make = try HandMadeOperations(for: ana)
            let a = make.next(planID, PlanEditor(plan: plan).setField("title", to: .text("A")))
            let b = make.next(planID, .setField(path: "notes", value: .text("B"), supersedes: []))
            let r = make.next(planID, .setField(path: "decisions.aviz.outcome", value: .text("favorabil"), supersedes: []))
            var before = try await DatabaseDump.of(county.store)
            var answer = try await Self.push([a, b, r], as: ana)
            try await Self.expectOutcomes([a, b, r], [nil, nil, "role-forbidden"], answer: answer, before: before,
                                          after: try await DatabaseDump.of(county.store), store: county.store)
            let outcomes = try PushResponse.read(answer.body).outcomes
            let c = make.next(planID, .setField(path: "preparedBy", value: .text("C"), supersedes: []))

            // When: a push repeats a and r as sent, reuses b's id for other content, and adds a new edit
            let bReused = make.with(counter: b.id.counter, planID, .setField(path: "notes", value: .text("B de pe alt calculator"), supersedes: []))
            before = try await DatabaseDump.of(county.store)
            answer = try await Self.push([a, r, bReused, c], as: ana)
            // Then: 409, naming the reused id and what the county holds exactly as sent; nothing written
            var problem = Self.expectRefused(409, "op-id-reused", answer: answer, before: before, after: try await DatabaseDump.of(county.store))
            #expect(problem?.operations == [b.id])
            #expect(problem?.known == [outcomes[0], outcomes[2]], "known: \(String(describing: problem?.known))")

            // When: a set-aside id is reused for other content
            let rReused = make.with(counter: r.id.counter, planID, .setField(path: "title", value: .text("R"), supersedes: [a.id]))
            before = try await DatabaseDump.of(county.store)
            answer = try await Self.push([rReused, c], as: ana)
            problem = Self.expectRefused(409, "op-id-reused", answer: answer, before: before, after: try await DatabaseDump.of(county.store))
            #expect(problem?.operations == [r.id] && problem?.known == [])

            // When: one push holds the same new id twice with different content (after an edit the county holds as sent)
            let cTwin = make.with(counter: c.id.counter, planID, .setField(path: "preparedBy", value: .text("C'"), supersedes: []))
            before = try await DatabaseDump.of(county.store)
            answer = try await Self.push([a, c, cTwin], as: ana)
            problem = Self.expectRefused(409, "op-id-reused", answer: answer, before: before, after: try await DatabaseDump.of(county.store))
            #expect(problem?.operations == [c.id])
            #expect(problem?.known == [outcomes[0]], "the county holds a exactly as sent: known \(String(describing: problem?.known))")

            // When: a reused id comes with a stamp the county refuses, or with another UAT's plan
            let vasile = try await HTTPTests.Setup(county: county, url: url, author: "vasile", siruta: balesti)
            let balestiPlan = try vasile.replica.createPlan(year: 2025)
            _ = try await vasile.sync()
            let farFuture = make.next(planID, .setField(path: "notes", value: .text("viitor"), supersedes: []),
                                      hlc: HLCTimestamp(wallMillis: SystemClock().nowMillis() + 30 * 86_400_000, logical: 0))
            before = try await DatabaseDump.of(county.store)
            answer = try await Self.push([bReused, farFuture], as: ana)
            // Then: the documented order — 409 before 422, 403 before 409
            Self.expectRefused(409, "op-id-reused", answer: answer, before: before, after: try await DatabaseDump.of(county.store))
            let onBalesti = make.next(balestiPlan.id, .setField(path: "title", value: .text("x"), supersedes: []))
            answer = try await Self.push([bReused, onBalesti], as: ana)
            Self.expectRefused(403, "forbidden", answer: answer, before: before, after: try await DatabaseDump.of(county.store))

            // And: c alone still goes through
            before = try await DatabaseDump.of(county.store)
            answer = try await Self.push([c], as: ana)
            try await Self.expectOutcomes([c], [nil], answer: answer, before: before, after: try await DatabaseDump.of(county.store), store: county.store)
        }
    }

    @Test("one stamp the county refuses refuses the whole push (422 clock-out-of-range, with countyTime): nothing written")
    func badClockRefusesAll() async throws {
        try await Self.withPlanAndRow { county, _, ana, planID, _ in
            let plan = try #require(try await county.store.plan(planID))
            var make = try HandMadeOperations(for: ana)
            let valid = make.next(planID, PlanEditor(plan: plan).setField("title", to: .text("Plan 2025")))
            let now = SystemClock().nowMillis()
            let stamps: [(String, HLCTimestamp)] = [
                ("30 days ahead", HLCTimestamp(wallMillis: now + 30 * 86_400_000, logical: 0)),
                ("25 hours ahead", HLCTimestamp(wallMillis: now + 25 * 3_600_000, logical: 0)),
                ("zero", .zero),
                ("negative", HLCTimestamp(rawValue: -1)),
                ("Int64.max", HLCTimestamp(rawValue: .max)),
                ("2019", HLCTimestamp(wallMillis: HLCTimestamp.earliestWallMillis - 1, logical: 0)),
            ]
            for (what, stamp) in stamps {
                // Given: a valid edit and one with a broken stamp, in one push
                let bad = make.with(counter: valid.id.counter + 1, planID, .setField(path: "notes", value: .text(what), supersedes: []), hlc: stamp)
                // When: it is pushed
                let before = try await DatabaseDump.of(county.store)
                let sentAt = SystemClock().nowMillis()
                let answer = try await Self.push([valid, bad], as: ana)
                let answeredAt = SystemClock().nowMillis()
                // Then: 422 naming the stamped operation, with the county's time; nothing written
                let problem = Self.expectRefused(422, "clock-out-of-range", answer: answer, before: before, after: try await DatabaseDump.of(county.store))
                #expect(problem?.operations == [bad.id], "\(what)")
                #expect(problem?.countyTime.map { (sentAt...answeredAt).contains($0) } == true, "\(what): countyTime \(String(describing: problem?.countyTime))")
            }
            // And: a stamp a little less than a day ahead is accepted with the valid edit
            let ahead = make.with(counter: valid.id.counter + 1, planID, .setField(path: "notes", value: .text("mâine"), supersedes: []),
                                  hlc: HLCTimestamp(wallMillis: SystemClock().nowMillis() + 23 * 3_600_000, logical: 0))
            let before = try await DatabaseDump.of(county.store)
            let answer = try await Self.push([valid, ahead], as: ana)
            try await Self.expectOutcomes([valid, ahead], [nil, nil], answer: answer, before: before, after: try await DatabaseDump.of(county.store), store: county.store)
        }
    }

    @Test("the smallest whole number a clerk can type into an amount cell reaches the county, and Int64.min as a stamp is a clock problem, not a malformed body")
    func smallestWholeNumber() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            // Given: a plan of the first template (capacities are whole numbers there) with one row, synced
            let ana = try await HTTPTests.Setup(county: county, url: url, author: "ana")
            let plan = try ana.replica.createPlan(year: 2025, template: .unversioned)
            try ana.replica.record(on: plan.id) { PlanEditor(plan: $0!).insertRow(into: "services", values: ["name": .text("Cantină")]) }
            _ = try await ana.sync()
            // When: the clerk types the smallest number the client reads as a whole number
            let typed = "-9223372036854775808"
            #expect(try ValueKind.amount.parse(typed) == .integer(.min), "the client takes it")
            try ana.replica.set(plan.id, path: "services[1].capacity", to: typed)
            // Then: the replica can still read its own change log, the sync goes through, and the county has the value
            #expect(throws: Never.self, "the replica reads its own log") { _ = try ana.replica.log(plan: plan.id) }
            await #expect(throws: Never.self, "the sync goes through") { _ = try await ana.sync() }
            #expect(try ana.replica.pendingCount() == 0, "the edit is not stuck on the computer")
            let row = try #require(try ana.replica.plan(plan.id)?.visibleRows(of: "services").first?.id)
            #expect(try await county.store.plan(plan.id)?.row(row, in: "services")?.fields["capacity"]?.value == .integer(.min))

            // When: a push carries Int64.min as its stamp
            var make = try HandMadeOperations(for: ana)
            let stamped = make.next(plan.id, .setField(path: "notes", value: .text("x"), supersedes: []), hlc: HLCTimestamp(rawValue: .min))
            let before = try await DatabaseDump.of(county.store)
            let answer = try await Self.push([stamped], as: ana)
            // Then: the county reads it and refuses the clock, as for any stamp before 2020
            Self.expectRefused(422, "clock-out-of-range", answer: answer, before: before, after: try await DatabaseDump.of(county.store))
        }
    }

    @Test("the same push replayed after success — even after the county moved on — gets byte-identical answers and writes nothing more")
    func replayIsByteIdentical() async throws {
        try await Self.withPlanAndRow { county, url, ana, planID, row in
            // Given: a second inspector's edit made offline, not yet on the county
            let ion = try await HTTPTests.Setup(county: county, url: url, author: "ion")
            _ = try await ion.sync()
            let ionEdit = try ion.replica.set(planID, path: "notes", to: "de la Ion")
            let ionWrite = try #require(ionEdit.fields["notes"]?.winner?.id)
            // and a push of accepted, forbidden and rule-breaking edits, one naming Ion's unsent write
            let plan = try #require(try await county.store.plan(planID))
            var make = try HandMadeOperations(for: ana)
            let editor = PlanEditor(plan: plan)
            let batch = [
                make.next(planID, editor.setField("title", to: .text("Plan 2025"))),
                make.next(planID, editor.setField("decisions.hcl.reference", to: .text("HCL 1/2025"))),
                make.next(planID, .setField(path: "notes", value: .text("peste Ion"), supersedes: [ionWrite])),
                make.next(planID, editor.insertRow(into: "services", after: row, values: ["name": .text("Centru de zi")])),
                make.next(planID, editor.setRowField("services", row: row, field: "name", to: .text("Cantină socială"))),
            ]
            var before = try await DatabaseDump.of(county.store)
            let first = try await Self.push(batch, as: ana)
            try await Self.expectOutcomes(batch, [nil, "role-forbidden", "unknown-reference", nil, nil], answer: first, before: before,
                                          after: try await DatabaseDump.of(county.store), store: county.store)

            // When: the county moves on (Ion's write is now accepted, more edits arrive) and the same push comes again, three times
            _ = try await ion.sync()
            try ion.replica.set(planID, path: "preparedBy", to: "Ion Popescu")
            _ = try await ion.sync()
            for attempt in 1...3 {
                before = try await DatabaseDump.of(county.store)
                let again = try await Self.push(batch, as: ana)
                let after = try await DatabaseDump.of(county.store)
                // Then: the very same bytes, and at most the device's last push time written
                #expect(again.status == 200 && again.body == first.body,
                        "attempt \(attempt): \(String(decoding: again.body, as: UTF8.self)) ≠ \(String(decoding: first.body, as: UTF8.self))")
                let changes = before.changes(to: after)
                #expect(Set(changes.keys).isSubset(of: ["device"]), "attempt \(attempt) wrote \(before.summary(to: after))")
                expectOnlyLastPushChanged(changes["device"], device: batch[0].id.device, "attempt \(attempt)")
            }
            // And: a part of it, in another order, gets the same outcome for each operation
            let part = [batch[4], batch[1], batch[2]]
            let partial = try PushResponse.read(try await Self.push(part, as: ana).body).outcomes
            let whole = try PushResponse.read(first.body).outcomes
            #expect(partial == [whole[4], whole[1], whole[2]])
        }
    }
}
