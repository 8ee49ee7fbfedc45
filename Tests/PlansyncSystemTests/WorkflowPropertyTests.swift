import Foundation
import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
@testable import PlansyncServerKit
import Testing

/// Random interleavings of edits, submissions and county acts on several devices — two inspectors
/// of the commune (one often offline), the county reviewer, the UAT secretary — through a lossy
/// network, with a hostile inspector forging acts among them. At the end every replica and the
/// server agree on each version's state and content, no edit was lost, and no submitted snapshot
/// ever changed.
@Suite("Workflow (property)")
struct WorkflowPropertyTests {
    struct Device {
        let name: String
        let role: Role
        let replica: Replica
        let transport: InProcessTransport
    }

    @Test("edits, submissions and county acts interleaved at random: one truth, nothing lost, snapshots frozen", arguments: 0..<100)
    func workflow(seed: UInt64) async throws {
        var random = SeededGenerator(seed: seed)
        let county = try await TestCounty()
        var devices: [Device] = []
        for (index, (name, role, siruta)) in [("ana", Role.inspector, negomir), ("ana-laptop", .inspector, negomir),
                                              ("maria", .reviewer, nil), ("ion", .secretary, negomir)].enumerated() {
            let (replica, session) = try await county.enrolledReplica(siruta, author: name, role: role)
            let transport = InProcessTransport(store: county.store, session: session, seed: seed &* 17 &+ UInt64(index))
            devices.append(Device(name: name, role: role, replica: replica, transport: transport))
        }
        let (malloryReplica, mallorySession) = try await county.enrolledReplica(author: "mallory")
        var mallory = HandMadeOperations(device: mallorySession.deviceID, author: "mallory")

        let plan = try devices[0].replica.createPlan(year: 2024, template: .unversioned).id
        for device in devices {
            _ = try await Synchronizer(replica: device.replica, transport: device.transport).sync()
            device.transport.setFaults(Faults(lostRequest: 0.05, lostAnswer: 0.1))
        }
        #expect(try devices[0].replica.validator().check(try devices[0].replica.findPlan(plan.rawValue)).canSubmit, "seed \(seed): the empty plan can be sent")

        /// Each frozen version's content hash, as the county first held it (a replica's own pending
        /// submission is not a snapshot until the county accepts it).
        var frozen: [Int: String] = [:]
        func observe(_ document: PlanDocument, _ who: String) {
            for version in document.workflow.versions {
                guard let hash = version.contentHash else { continue }
                if let first = frozen[version.number] {
                    #expect(first == hash, "seed \(seed): \(who) sees version \(version.number) with another content hash")
                } else {
                    frozen[version.number] = hash
                }
            }
        }

        for step in 0..<Int.random(in: 80...160, using: &random) {
            let device = devices[Int.random(in: 0..<devices.count, using: &random)]
            let roll = Int.random(in: 0..<10, using: &random)
            if roll < 3 || (device.name == "ana-laptop" && roll < 7) {
                _ = try? await Synchronizer(replica: device.replica, transport: device.transport,
                                            batchSize: Int.random(in: 1...5, using: &random), pageSize: Int.random(in: 1...5, using: &random)).sync()
                if let document = try await county.store.plan(plan) { observe(document, "the county") }
                continue
            }
            if roll == 9 {
                try await forge(&mallory, replica: malloryReplica, session: mallorySession, plan: plan, store: county.store, random: &random, tag: "seed \(seed) step \(step)")
                continue
            }
            guard let document = try device.replica.plan(plan) else { continue }
            let pending = try device.replica.pendingCount()
            do {
                try act(as: device, on: document, random: &random)
            } catch let rejection as Rejection {
                // Refused offline (the act's turn has not come on this replica): nothing recorded.
                #expect(try device.replica.pendingCount() == pending, "seed \(seed): \(device.name) recorded a refused act: \(rejection)")
            }
        }

        for device in devices { device.transport.setFaults(.none) }
        for _ in 0..<2 {
            for device in devices { _ = try await Synchronizer(replica: device.replica, transport: device.transport, pageSize: 7).sync() }
        }

        let served = try #require(try await county.store.plan(plan))
        observe(served, "the county")
        for device in devices {
            let local = try #require(try device.replica.plan(plan))
            #expect(local == served, "seed \(seed): \(device.name) differs from the county: \(local.workflow.versions.map(\.state)) vs \(served.workflow.versions.map(\.state))")
            #expect(try device.replica.pendingCount() == 0)
            // No edit lost: the county set aside acts whose turn had passed, never a content edit.
            let lost = try device.replica.log(plan: plan, limit: 10_000).filter { entry in
                entry.state == .rejected && PlanArea.of(entry.operation.change) == .content
            }
            #expect(lost.isEmpty, "seed \(seed): \(device.name)'s edits set aside: \(lost.map { "\($0.operation.id) \($0.rejection?.code ?? "")" })")
            // An edit reported as moved was made on a version the county froze, and is on a later one.
            for moved in try device.replica.movedEdits(plan: plan) {
                #expect(moved.landedOn > moved.madeOn && served.workflow.version(moved.madeOn)?.frozenBy != nil
                            && served.workflow.version(moved.landedOn) != nil, "seed \(seed): \(device.name) reports \(moved)")
            }
            // Each frozen version replays, from the history, to the content it was frozen with.
            for version in served.workflow.versions where version.frozenBy != nil {
                let replayed = try device.replica.document(of: plan, version: version.number)
                #expect(PlanSnapshot(replayed).hash == version.contentHash, "seed \(seed): \(device.name) replays version \(version.number) to other content")
            }
        }
    }

    /// One honest act of the device's role, aimed where the replica says the plan is.
    private func act(as device: Device, on document: PlanDocument, random: inout SeededGenerator) throws {
        let replica = device.replica
        let workflow = document.workflow
        let letterDate = "12.03.2024"
        switch device.role {
        case .inspector:
            let choice = Int.random(in: 0..<10, using: &random)
            if workflow.draft == nil, workflow.latest.state.isApproved || choice == 9 {
                // A modification after approval, now and then one while the county reviews.
                try replica.act(on: document.id, .modify) { _ in .modify(reason: "modificare \(choice)") }
            } else if choice < 6 {
                try replica.record(on: document.id) { current in Self.safeChange(on: current!, using: &random) }
            } else if choice < 8 || workflow.openRemarks.isEmpty {
                try replica.submit(document.id, letter: "Nr. \(Int.random(in: 1...9_999, using: &random))/\(letterDate)")
            } else {
                let remark = workflow.openRemarks[Int.random(in: 0..<workflow.openRemarks.count, using: &random)].id
                try replica.act(on: document.id, .answer) { _ in .answer(remark: remark, text: "Răspuns") }
            }
        case .reviewer:
            switch Int.random(in: 0..<4, using: &random) {
            case 0: try replica.act(on: document.id, .register) { _ in .register(number: "5552", date: "2024-03-20") }
            case 1: try replica.act(on: document.id, .remark) { _ in .remark(path: "title", text: "Completați titlul.") }
            default:
                let outcome = AvizRecord.Outcome.allCases[Int.random(in: 0..<3, using: &random)]
                try replica.act(on: document.id, .aviz) { _ in
                    .aviz(AvizRecord(form: .hcj, reference: "HCJ nr. 39/21.03.2024", outcome: outcome, remarks: outcome == .favourable ? nil : "Observații"))
                }
            }
        default:
            switch Int.random(in: 0..<3, using: &random) {
            case 0:
                try replica.act(on: document.id, .hcl) { _ in
                    .hcl(CouncilDecision(number: "17", date: "2024-03-27", votesFor: 14, against: 0, abstentions: 1, present: 15, inOffice: 15))
                }
            case 1: try replica.act(on: document.id, .prefect) { _ in .prefect(reference: "245", date: "2024-04-02") }
            default: try replica.act(on: document.id, .publish) { _ in .publish(date: "2024-04-03", place: nil) }
            }
        }
    }

    /// A content edit that keeps the first template's plan free of the checks' errors: titles,
    /// notes, service rows named and budgeted, removed and moved.
    static func safeChange(on plan: PlanDocument, using random: inout SeededGenerator) -> Change {
        let editor = PlanEditor(plan: plan)
        let rows = plan.visibleRows(of: "services")
        switch rows.isEmpty ? Int.random(in: 0..<3, using: &random) : Int.random(in: 0..<7, using: &random) {
        case 0: return editor.setField(["title", "notes", "preparedBy"].randomElement(using: &random)!, to: .text("text \(random.next() % 1000)"))
        case 1, 2:
            return editor.insertRow(into: "services", values: ["name": .text("Serviciu \(random.next() % 100)"),
                                                              "budget.local": .integer(Int64.random(in: 0...500_000, using: &random))])
        case 3: return editor.setRowField("services", row: rows.randomElement(using: &random)!.id, field: "budget.local",
                                          to: .integer(Int64.random(in: 0...500_000, using: &random)))
        case 4: return editor.setRowField("services", row: rows.randomElement(using: &random)!.id, field: "name", to: .text("Cantină"))
        case 5: return editor.removeRow("services", row: rows.randomElement(using: &random)!.id)
        default: return editor.moveRow("services", row: rows.randomElement(using: &random)!.id, after: nil, atStart: true)
        }
    }

    /// A hostile inspector of the same UAT forges an act the county must set aside: a submission
    /// of content it does not hold, one hiding or inventing findings, another role's act, an act
    /// on a version that does not exist, a decision record written as a field.
    private func forge(_ mallory: inout HandMadeOperations, replica: Replica, session: Session, plan: PlanID, store: CountyStore,
                       random: inout SeededGenerator, tag: String) async throws {
        guard let current = try await store.plan(plan) else { return }
        let latest = current.workflow.latest.number
        let hash = PlanSnapshot(current).hash
        let forged: [(Change, Set<String>)] = [
            (.act(version: latest, .submit(letter: "Nr. 1/2024", contentHash: String(repeating: "0", count: 64), findings: [])),
             ["submission-stale", "version-frozen"]),
            // Unsigned: the county holds this device's key, and a submission must be signed with it.
            (.act(version: latest, .submit(letter: "Nr. 1/2024", contentHash: hash, findings: [])), ["signature-invalid", "version-frozen", "open-conflicts"]),
            (.act(version: latest, .submit(letter: "Nr. 1/2024", contentHash: hash,
                                           findings: [FindingMark(code: "invented", severity: "warning", path: "")])),
             ["findings-differ", "version-frozen", "open-conflicts"]),
            (.act(version: latest, .register(number: "1", date: "2024-03-20")), ["role-forbidden"]),
            (.act(version: latest, .hcl(CouncilDecision(number: "1", date: "2024-03-27", votesFor: 9, against: 0, abstentions: 0, present: 9, inOffice: 9))),
             ["role-forbidden"]),
            (.act(version: latest + 5, .modify(reason: nil)), ["unknown-version"]),
            (.setField(path: "decisions.hcl.reference", value: .text("HCL 1/2024"), supersedes: []), ["role-forbidden"]),
        ]
        let (change, codes) = forged[Int.random(in: 0..<forged.count, using: &random)]
        let unsigned = if case .act(_, .submit(_, let sent, _, _)) = change { sent == hash && codes.contains("signature-invalid") } else { false }
        let operation = mallory.next(plan, unsigned ? change : try replica.signed(change, plan: plan))
        let outcome = try await store.push([operation], from: session).outcomes.first
        #expect(outcome?.seq == nil && codes.contains(outcome?.rejection?.code ?? ""),
                "\(tag): forged \(change.kind.rawValue) got \(outcome?.rejection?.code ?? "accepted")")
        let after = try await store.plan(plan)
        #expect(after == current, "\(tag): a forged act changed the plan")
    }
}
