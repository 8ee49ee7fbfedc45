import Foundation
import GRDB
@testable import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
@testable import PlansyncServerKit
import Testing

/// An enrolled inspector's device gone bad: it bypasses the replica and sends the county whatever
/// it likes under its own credential — straight to the store, or over HTTP for bodies no
/// operation type can hold.
struct Adversary {
    let store: CountyStore
    let session: Session
    let credential: String
    /// The operations it makes by hand, stamped with the county's clock (so its valid edits are valid).
    var operations: HandMadeOperations
    /// Its operations the county accepted.
    var accepted: [PlanOperation] = []
    /// Its forged operations, with what the county must answer (a rejection code or a problem slug).
    var forged: [(operation: PlanOperation, expected: String)] = []

    var device: DeviceID { session.deviceID }
    var counter: Int64 { operations.counter }
    var now: HLCTimestamp { operations.now }

    static func enroll(in county: TestCounty, clock: any WallClock, name: String = "mallory") async throws -> Adversary {
        let token = try await county.store.addAccount(name: name, role: .inspector, siruta: negomir).enrollmentToken
        let answer = try await county.store.enroll(token: Credential(token)!, label: name)
        let session = try await county.session(answer.credential)
        return Adversary(store: county.store, session: session, credential: answer.credential,
                         operations: HandMadeOperations(device: session.deviceID, author: session.account.name, clock: clock))
    }

    /// Pushes straight to the county's store; a refusal comes back as the problem HTTP would carry.
    func push(_ operations: [PlanOperation]) async throws -> Result<PushResponse, Problem> {
        do { return .success(try await store.push(operations, from: session)) } catch let error as ServerError { return .failure(error.problem) }
    }

    var headers: [String: String] {
        ["Authorization": "Bearer \(credential)", ProtocolVersion.header: String(ProtocolVersion.current), "Content-Type": "application/json"]
    }
}

/// The county's accepted history, read from its database.
struct ServerHistory {
    struct Entry {
        var seq: Int64
        var operation: PlanOperation
        var body: Data
    }
    var entries: [Entry]
    var byID: [OpID: Entry]

    static func read(_ store: CountyStore) async throws -> ServerHistory {
        let entries = try await store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, body FROM operation ORDER BY seq").map { row in
                let body: Data = row["body"]
                return Entry(seq: row["seq"], operation: try PlanOperation(json: JSONReader.parse(body), path: "operation"), body: body)
            }
        }
        return ServerHistory(entries: entries, byID: Dictionary(uniqueKeysWithValues: entries.map { ($0.operation.id, $0) }))
    }

    /// The set-aside operations: (device, counter) → code.
    static func rejections(_ store: CountyStore) async throws -> [OpID: String] {
        try await store.pool.read { db in
            var found: [OpID: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT device, counter, code FROM rejection") {
                found[OpID(device: DeviceID(row["device"] as String), counter: row["counter"])] = row["code"]
            }
            return found
        }
    }
}

/// Whether `change` may name `earlier` as seen, by the documented rule (written out here, not
/// taken from the product): the same field; for a cell, the same cell, the row's insertion or a
/// removal of the row; for a move, a move, the insertion or a removal; for a removal, any write on
/// the row — always of the same plan.
func mayName(_ earlier: PlanOperation, in later: PlanOperation) -> Bool {
    guard earlier.plan == later.plan else { return false }
    func rowOf(_ operation: PlanOperation) -> (table: String, row: RowID)? {
        switch operation.change {
        case .insertRow(let table, _, _): (table, operation.id)
        case .setRowField(let table, let row, _, _, _), .removeRow(let table, let row, _), .moveRow(let table, let row, _, _): (table, row)
        default: nil
        }
    }
    switch (later.change, earlier.change) {
    case (.setField(let path, _, _), .setField(let earlierPath, _, _)):
        return path == earlierPath
    case (.setRowField(let table, let row, let field, _, _), .setRowField(let earlierTable, let earlierRow, let earlierField, _, _)):
        return table == earlierTable && row == earlierRow && field == earlierField
    case (.setRowField(let table, let row, _, _, _), .insertRow), (.setRowField(let table, let row, _, _, _), .removeRow),
         (.moveRow(let table, let row, _, _), .insertRow), (.moveRow(let table, let row, _, _), .removeRow),
         (.moveRow(let table, let row, _, _), .moveRow), (.removeRow(let table, let row, _), _):
        return rowOf(earlier).map { $0.table == table && $0.row == row } ?? false
    default:
        return false
    }
}

/// One person's computer, using only the replica and the synchronizer.
struct HonestDevice {
    let name: String
    let role: Role
    let replica: Replica
    let transport: InProcessTransport
}

/// One seed's schedule.
struct AdversarialRun {
    static let start: Int64 = 1_764_000_000_000
    let seed: UInt64
    let county: TestCounty
    let url: URL
    var random: SeededGenerator
    var honest: [HonestDevice] = []
    var mallory: Adversary
    var step = 0

    var tag: String { "seed \(seed) step \(step)" }

    init(seed: UInt64, county: TestCounty, countyClock: any WallClock, url: URL) async throws {
        self.seed = seed
        self.county = county
        self.url = url
        random = SeededGenerator(seed: seed)
        var devices: [HonestDevice] = []
        // Three inspectors of Negomir (one 6 h behind, one a little ahead), its secretary, a county reviewer.
        let people: [(String, Role, Siruta?, Int64)] = [
            ("ana", .inspector, negomir, 0), ("ion", .inspector, negomir, -6 * 3_600_000), ("maria", .inspector, negomir, 90_000),
            ("sorin", .secretary, negomir, 0), ("rodica", .reviewer, nil, 30_000),
        ]
        for (index, (name, role, siruta, skew)) in people.enumerated() {
            let (replica, session) = try await county.enrolledReplica(siruta, author: name, role: role, clock: StepClock(start: Self.start + skew))
            let transport = InProcessTransport(store: county.store, session: session, seed: seed &* 31 &+ UInt64(index),
                                               faults: Faults(lostRequest: 0.1, lostAnswer: 0.15))
            devices.append(HonestDevice(name: name, role: role, replica: replica, transport: transport))
        }
        honest = devices
        mallory = try await Adversary.enroll(in: county, clock: countyClock)
    }

    // MARK: Honest people

    /// The plans a device's person may edit now (not held; with fields of their role).
    func editable(by device: HonestDevice) throws -> [PlanDocument] {
        let held = Set(try device.replica.heldPlans().map(\.plan))
        let area: PlanArea? = switch device.role {
        case .secretary: .councilDecision
        case .reviewer: .countyDecision
        default: nil
        }
        return try device.replica.plans().filter { plan in
            !held.contains(plan.id) && (area == nil || plan.schema.fields.contains {
                PlanArea.of(field: $0.path) == area && DecisionFields.command(recording: $0.path) == nil
            })
        }
    }

    mutating func honestEdit() throws {
        let device = honest[Int.random(in: 0..<honest.count, using: &random)]
        let plans = try editable(by: device)
        if device.role == .inspector, plans.isEmpty || Int.random(in: 0..<40, using: &random) == 0 {
            try device.replica.createPlan(year: Int.random(in: 2024...2026, using: &random), template: Bool.random(using: &random) ? .current : .unversioned)
        } else if !plans.isEmpty {
            let plan = plans[Int.random(in: 0..<plans.count, using: &random)]
            try device.replica.record(on: plan.id) { current in randomChange(on: current!, as: device.role, using: &random) }
        }
    }

    mutating func honestSync() async throws {
        let device = honest[Int.random(in: 0..<honest.count, using: &random)]
        let sync = Synchronizer(replica: device.replica, transport: device.transport,
                                batchSize: Int.random(in: 1...6, using: &random), pageSize: Int.random(in: 1...6, using: &random))
        if let report = try? await sync.sync() {
            #expect(report.rejected.isEmpty, "\(tag): \(device.name)'s edits set aside: \(report.rejected.map { "\($0.operation.id) \($0.rejection?.code ?? "")" })")
        }
        let held = try device.replica.heldPlans()
        #expect(held.isEmpty, "\(tag): \(device.name) holds plans the county accepted: \(held.map { "\($0.plan): \($0.reason)" })")
    }

    // MARK: The adversary

    /// The plans of the county, as the adversary can read them.
    func serverPlans() async throws -> [PlanDocument] {
        var plans: [PlanDocument] = []
        for summary in try await county.store.planSummaries() { plans.append(try #require(try await county.store.plan(summary.id))) }
        return plans.sorted { $0.id < $1.id }
    }

    /// A content field of text kind of the plan (every template has some).
    mutating func textField(of plan: PlanDocument, except: String? = nil) -> String {
        let fields = plan.schema.fields.filter { $0.kind == .text && PlanArea.of(field: $0.path) == .content && $0.path != except }
        return fields[Int.random(in: 0..<fields.count, using: &random)].path
    }

    /// An edit that names `ids` as seen, on something that exists in `plan`: a field, or a row's
    /// cell, removal or move. Only its references can be wrong.
    mutating func carrier(on plan: PlanDocument, naming ids: [OpID]) -> Change {
        let rows = plan.schema.tables.flatMap { table in (plan.tables[table.name] ?? [:]).keys.sorted().map { (table, $0) } }
        let pick = rows.isEmpty ? 0 : Int.random(in: 0..<4, using: &random)
        if pick == 0 {
            let path = textField(of: plan)
            return .setField(path: path, value: .text("forged \(counterText)"), supersedes: ids)
        }
        let (table, row) = rows[Int.random(in: 0..<rows.count, using: &random)]
        switch pick {
        case 1:
            let column = table.columns[Int.random(in: 0..<table.columns.count, using: &random)]
            return .setRowField(table: table.name, row: row, field: column.name, value: randomValue(column.kind, using: &random), supersedes: ids)
        case 2: return .removeRow(table: table.name, row: row, seen: ids)
        default: return .moveRow(table: table.name, row: row, position: "V", supersedes: ids)
        }
    }

    var counterText: String { "\(mallory.counter)-\(seed)" }

    /// A valid edit of the plan as the county holds it (now and then a new plan, or a stamp just
    /// under a day ahead of the county): the county must accept it.
    mutating func validEdit(on plan: PlanDocument?) -> PlanOperation {
        var hlc: HLCTimestamp?
        if Int.random(in: 0..<5, using: &random) == 0 {
            hlc = HLCTimestamp(wallMillis: mallory.operations.clock.nowMillis() + HLCTimestamp.maximumLeadMillis - Int64.random(in: 1_000...60_000, using: &random), logical: 0)
        }
        guard let plan, Int.random(in: 0..<25, using: &random) != 0 else {
            return mallory.operations.next(PlanID("-"), .createPlan(siruta: negomir, year: 2025, template: PlanSchema.current.template), hlc: hlc)
        }
        let change = randomChange(on: plan, as: .inspector, using: &random)
        return mallory.operations.next(plan.id, change, hlc: hlc)
    }

    /// Pushes a forged operation the county must set aside with `code`, now and then after a valid
    /// edit in the same push.
    mutating func expectSetAside(_ forged: PlanOperation, _ code: String, plan: PlanDocument) async throws {
        mallory.forged.append((forged, code))
        var batch = [forged]
        if Int.random(in: 0..<2, using: &random) == 0 {
            let valid = validEdit(on: plan)
            batch.insert(valid, at: 0)
        }
        switch try await mallory.push(batch) {
        case .success(let answer):
            #expect(answer.outcomes.map(\.id) == batch.map(\.id), "\(tag)")
            #expect(answer.outcomes.last?.rejection?.code == code,
                    "\(tag): forged \(forged.change.kind) naming \(forged.change.references) got \(answer.outcomes.last?.rejection?.code ?? "accepted"), expected \(code)")
            for (operation, outcome) in zip(batch, answer.outcomes).dropLast() {
                #expect(outcome.seq != nil, "\(tag): the valid edit in front was set aside: \(outcome.rejection?.description ?? "")")
                if outcome.seq != nil { mallory.accepted.append(operation) }
            }
        case .failure(let problem):
            Issue.record("\(tag): a push with a forged \(forged.change.kind) was refused whole: \(problem)")
        }
    }

    /// Pushes something the county must refuse whole with `status`/`slug`, and checks nothing was written.
    mutating func expectRefused(_ batch: [PlanOperation], forged: PlanOperation, _ status: Int, _ slug: String) async throws -> Problem? {
        mallory.forged.append((forged, slug))
        let before = try await DatabaseDump.of(county.store)
        let result = try await mallory.push(batch)
        let after = try await DatabaseDump.of(county.store)
        let unchanged = after == before
        #expect(unchanged, "\(tag): a refused push wrote \(before.summary(to: after))")
        guard case .failure(let problem) = result else {
            Issue.record("\(tag): expected \(status) \(slug), the county answered \(result)")
            return nil
        }
        #expect(problem.status == status && problem.slug == Substring(slug), "\(tag): expected \(status) \(slug), got \(problem)")
        return problem
    }

    mutating func adversaryStep() async throws {
        let history = try await ServerHistory.read(county.store)
        let plans = try await serverPlans()
        guard !plans.isEmpty else {
            let create = validEdit(on: nil)
            if case .success(let answer) = try await mallory.push([create]), answer.outcomes.first?.seq != nil { mallory.accepted.append(create) }
            return
        }
        let plan = plans[Int.random(in: 0..<plans.count, using: &random)]
        switch Int.random(in: 0..<14, using: &random) {
        case 0, 1, 2:
            // An ordinary valid edit, made on what the county holds.
            let edit = validEdit(on: plan)
            let result = try await mallory.push([edit])
            guard case .success(let answer) = result, answer.outcomes.first?.seq != nil else {
                Issue.record("\(tag): the adversary's valid \(edit.change.kind) was not accepted: \(result)")
                return
            }
            mallory.accepted.append(edit)
        case 3:
            // Naming an honest write the county has not received yet (made offline, or lost on the way).
            var unsent: [OpID] = []
            for device in honest {
                for row in try device.replica.queue.read({ db in try Row.fetchAll(db, sql: "SELECT device, counter FROM operation WHERE state = 'pending'") }) {
                    let id = OpID(device: DeviceID(row["device"] as String), counter: row["counter"])
                    if history.byID[id] == nil { unsent.append(id) }
                }
            }
            let named = unsent.isEmpty ? OpID(device: DeviceID("nimeni"), counter: 1) : unsent[Int.random(in: 0..<unsent.count, using: &random)]
            let change = carrier(on: plan, naming: [named])
            let forged = mallory.operations.next(plan.id, change)
            try await expectSetAside(forged, "unknown-reference", plan: plan)
        case 4:
            // Naming writes that never existed: another device's, or its own future one.
            let named = Bool.random(using: &random)
                ? OpID(device: DeviceID("zz\(Int.random(in: 0..<1000, using: &random))"), counter: Int64.random(in: 1...50, using: &random))
                : OpID(device: mallory.device, counter: mallory.counter + 100_000)
            let change = carrier(on: plan, naming: [named])
            let forged = mallory.operations.next(plan.id, change)
            try await expectSetAside(forged, "unknown-reference", plan: plan)
        case 5:
            // Naming a write of this plan on another field (or not a field write at all).
            let path = textField(of: plan)
            let others = history.entries.filter { entry in
                guard entry.operation.plan == plan.id else { return false }
                if case .setField(let earlier, _, _) = entry.operation.change { return earlier != path }
                return true
            }
            let named = others[Int.random(in: 0..<others.count, using: &random)].operation.id
            let text = "forged \(counterText)"
            let forged = mallory.operations.next(plan.id, .setField(path: path, value: .text(text), supersedes: [named]))
            try await expectSetAside(forged, "reference-mismatch", plan: plan)
        case 6:
            // Naming a write on another row of the same table.
            let tables = plan.schema.tables.filter { (plan.tables[$0.name]?.count ?? 0) >= 2 }
            guard !tables.isEmpty else { return }
            let table = tables[Int.random(in: 0..<tables.count, using: &random)]
            let rows = (plan.tables[table.name] ?? [:]).keys.sorted()
            let target = rows[Int.random(in: 0..<rows.count, using: &random)]
            let others = history.entries.filter { entry in
                switch entry.operation.change {
                case .insertRow(let name, _, _): return name == table.name && entry.operation.id != target && entry.operation.plan == plan.id
                case .setRowField(let name, let row, _, _, _), .removeRow(let name, let row, _), .moveRow(let name, let row, _, _):
                    return name == table.name && row != target && entry.operation.plan == plan.id
                default: return false
                }
            }
            let named = others[Int.random(in: 0..<others.count, using: &random)].operation
            var field = table.columns[Int.random(in: 0..<table.columns.count, using: &random)].name
            if case .setRowField(_, _, let earlierField, _, _) = named.change { field = earlierField }
            let kind = table.columns.first { $0.name == field }!.kind
            let change: Change = Bool.random(using: &random)
                ? .setRowField(table: table.name, row: target, field: field, value: randomValue(kind, using: &random), supersedes: [named.id])
                : .removeRow(table: table.name, row: target, seen: [named.id])
            let forged = mallory.operations.next(plan.id, change)
            try await expectSetAside(forged, "reference-mismatch", plan: plan)
        case 7:
            // Naming a write of another plan.
            let others = history.entries.filter { $0.operation.plan != plan.id }
            guard !others.isEmpty else { return }
            let named = others[Int.random(in: 0..<others.count, using: &random)].operation.id
            let change = carrier(on: plan, naming: [named])
            let forged = mallory.operations.next(plan.id, change)
            try await expectSetAside(forged, "reference-mismatch", plan: plan)
        case 8:
            // Its own accepted id again, with other content (and now and then an unchanged one before it).
            guard !mallory.accepted.isEmpty else { return }
            let reused = mallory.accepted[Int.random(in: 0..<mallory.accepted.count, using: &random)]
            let path = textField(of: plan)
            let text = "reused \(counterText) \(random.next())"
            let forged = mallory.operations.with(counter: reused.id.counter, plan.id, .setField(path: path, value: .text(text), supersedes: []))
            var batch = [forged]
            var known: [PushOutcome] = []
            if let same = mallory.accepted.randomElement(using: &random), same.id != reused.id, let seq = history.byID[same.id]?.seq {
                batch.insert(same, at: 0)
                known = [.accepted(same.id, seq: seq)]
            }
            let problem = try await expectRefused(batch, forged: forged, 409, "op-id-reused")
            #expect(problem?.operations == [reused.id] && problem?.known?.map(\.untimed) == known, "\(tag): \(String(describing: problem))")
        case 9:
            // A stamp the county refuses: far ahead, zero, negative, the largest, before 2020.
            let countyNow = mallory.operations.clock.nowMillis()
            let stamps = [
                HLCTimestamp(wallMillis: countyNow + HLCTimestamp.maximumLeadMillis + Int64.random(in: 1_000...400 * 86_400_000, using: &random), logical: 0),
                HLCTimestamp.zero, HLCTimestamp(rawValue: -Int64.random(in: 1...Int64.max, using: &random)), HLCTimestamp(rawValue: .max),
                HLCTimestamp(wallMillis: HLCTimestamp.earliestWallMillis - Int64.random(in: 1...86_400_000, using: &random), logical: 0),
            ]
            let stamp = stamps[Int.random(in: 0..<stamps.count, using: &random)]
            let change = randomChange(on: plan, as: .inspector, using: &random)
            var batch = [mallory.operations.next(plan.id, change, hlc: stamp)]
            if Bool.random(using: &random) {
                let valid = mallory.operations.with(counter: mallory.counter + 1, plan.id, .setField(path: "title", value: .text("x"), supersedes: []))
                batch.insert(valid, at: 0)
            }
            let problem = try await expectRefused(batch, forged: batch.last!, 422, "clock-out-of-range")
            #expect(problem?.operations == [batch.last!.id] && problem?.countyTime != nil, "\(tag): \(String(describing: problem))")
        case 10:
            // An operation kind that does not exist, over HTTP: 400, nothing written.
            mallory.operations.counter += 1
            let painted = #"{"by":"mallory","color":"roșu","hlc":\#(mallory.now.rawValue),"id":"\#(mallory.device).\#(mallory.counter)","op":"paint","plan":"\#(plan.id)"}"#
            let validEdit = validEdit(on: plan)
            let valid = String(decoding: validEdit.canonicalJSON, as: UTF8.self)
            let body = Bool.random(using: &random) ? #"{"operations":[\#(painted)]}"# : #"{"operations":[\#(valid),\#(painted)]}"#
            let before = try await DatabaseDump.of(county.store)
            let answer = try await rawRequest("POST", url.appendingPathComponent("v1/push"), headers: mallory.headers, body: Data(body.utf8))
            let after = try await DatabaseDump.of(county.store)
            #expect(answer.status == 400 && answer.contentType == Problem.mediaType, "\(tag): paint got \(answer.status)")
            #expect((try? WireJSON.decode(Problem.self, from: answer.body))?.slug == "malformed-body", "\(tag)")
            let unchanged = after == before
            #expect(unchanged, "\(tag): paint wrote \(before.summary(to: after))")
        case 11:
            // A value over the size limit, in a field or a new row.
            let big = Value.text(String(repeating: "ș", count: OperationLimits.standard.valueBytes / 2 + Int.random(in: 1...1_000, using: &random)))
            let path = textField(of: plan)
            let change: Change = Bool.random(using: &random)
                ? .setField(path: path, value: big, supersedes: [])
                : .insertRow(table: "services", position: "V", fields: ["name": big])
            let forged = mallory.operations.next(plan.id, change)
            try await expectSetAside(forged, "too-large", plan: plan)
        case 12:
            // Another role's part of the plan.
            let path = ["decisions.aviz.outcome", "decisions.hcl.reference", "decisions.registration.reference", "decisions.publication.place"]
                .randomElement(using: &random)!
            let forged = mallory.operations.next(plan.id, .setField(path: path, value: .text("forged"), supersedes: []))
            try await expectSetAside(forged, "role-forbidden", plan: plan)
        default:
            // Another device's id, or a plan of another UAT: 403.
            let victim = try honest[Int.random(in: 0..<honest.count, using: &random)].replica.settings().device
            let forged = Bool.random(using: &random)
                ? PlanOperation(id: OpID(device: victim, counter: Int64.random(in: 1...1_000, using: &random)), hlc: mallory.now, author: "ana",
                                plan: plan.id, change: .setField(path: "title", value: .text("în numele altuia"), supersedes: []))
                : mallory.operations.next(PlanID("-"), .createPlan(siruta: balesti, year: 2025, template: nil))
            var batch = [forged]
            if Bool.random(using: &random) {
                let valid = mallory.operations.next(plan.id, .setField(path: "notes", value: .text("x"), supersedes: []))
                batch.insert(valid, at: 0)
            }
            _ = try await expectRefused(batch, forged: forged, 403, "forbidden")
        }
    }

    // MARK: The end

    /// Faults off, two full rounds of syncs, then the properties.
    mutating func finish() async throws {
        for device in honest { device.transport.setFaults(.none) }
        for round in 0..<2 {
            for device in honest {
                let report: SyncReport
                do {
                    report = try await Synchronizer(replica: device.replica, transport: device.transport, batchSize: 7, pageSize: 5).sync()
                } catch {
                    Issue.record("seed \(seed): \(device.name)'s final sync failed: \(error)")
                    throw error
                }
                #expect(report.rejected.isEmpty, "seed \(seed) round \(round): \(device.name)'s edits set aside: \(report.rejected.map { "\($0.operation.id) \($0.rejection?.code ?? "")" })")
                #expect(report.held.isEmpty, "seed \(seed) round \(round): \(device.name) holds \(report.held)")
            }
        }

        let history = try await ServerHistory.read(county.store)
        let serverPlans = try await serverPlans()
        var honestOperations = 0
        for device in honest {
            // (a) every honest replica holds exactly the county's plans, conflicts included
            let local = try device.replica.plans().sorted { $0.id < $1.id }
            #expect(local == serverPlans, "seed \(seed): \(device.name) differs from the county: \(firstDifference(local, serverPlans))")
            #expect(local.map(\.conflicts) == serverPlans.map(\.conflicts), "seed \(seed): \(device.name)'s conflicts")
            // (b) nothing pending, nothing set aside, nothing held
            let status = try device.replica.status()
            #expect(status.pending == 0 && status.rejected == 0 && status.held.isEmpty,
                    "seed \(seed): \(device.name) has \(status.pending) pending, \(status.rejected) set aside, \(status.held.count) held")
            // (c) every operation it recorded is on the county once, as recorded; its whole log is the county's history
            let own = try device.replica.settings().device
            let log = try device.replica.queue.read { db in try Row.fetchAll(db, sql: "SELECT device, counter, body, state, seq FROM operation") }
            var seen: Set<OpID> = []
            for row in log {
                let id = OpID(device: DeviceID(row["device"] as String), counter: row["counter"])
                seen.insert(id)
                let entry = history.byID[id]
                #expect(entry?.body == row["body"] as Data, "seed \(seed): \(device.name)'s \(id) is \(entry == nil ? "not on the county" : "on the county with another body")")
                #expect(row["state"] as String == "accepted" && row["seq"] as Int64? == entry?.seq, "seed \(seed): \(device.name)'s \(id) state/seq")
                if id.device == own { honestOperations += 1 }
            }
            #expect(seen == Set(history.byID.keys), "seed \(seed): \(device.name)'s log misses \(Set(history.byID.keys).subtracting(seen).sorted())")
            #expect(history.entries.count { $0.operation.id.device == own } == log.count { $0["device"] as String == own.rawValue },
                    "seed \(seed): \(device.name)'s edits are on the county exactly once")
        }
        #expect(history.entries.count == honestOperations + mallory.accepted.count,
                "seed \(seed): the county holds \(history.entries.count) operations, \(honestOperations) honest + \(mallory.accepted.count) of the adversary")
        for operation in mallory.accepted {
            #expect(history.byID[operation.id]?.body == operation.canonicalJSON, "seed \(seed): the adversary's accepted \(operation.id) as sent")
        }

        // (d) no write was superseded by one that had not seen it: every id named is an accepted
        // operation of the same plan and target, earlier in the county's order
        for entry in history.entries {
            for id in entry.operation.change.references {
                let earlier = history.byID[id]
                #expect(earlier != nil && earlier!.seq < entry.seq && mayName(earlier!.operation, in: entry.operation),
                        "seed \(seed): \(entry.operation.id) (seq \(entry.seq), \(entry.operation.change.kind)) names \(id) (\(earlier.map { "seq \($0.seq), \($0.operation.change.kind)" } ?? "not accepted"))")
            }
        }

        // (e) no forged operation is in the history; the projection is the replay of the history
        let rejections = try await ServerHistory.rejections(county.store)
        for (operation, expected) in mallory.forged {
            let stored = history.byID[operation.id]
            #expect(stored?.body != operation.canonicalJSON, "seed \(seed): forged \(operation.id) (\(expected)) was accepted")
            if !["op-id-reused"].contains(expected) {
                #expect(stored == nil, "seed \(seed): forged \(operation.id) (\(expected)) has an accepted operation under its id")
            }
            if expected.contains("-"), !["op-id-reused", "clock-out-of-range"].contains(expected) {
                #expect(rejections[operation.id] == expected, "seed \(seed): forged \(operation.id) set aside as \(rejections[operation.id] ?? "nothing"), expected \(expected)")
            }
        }
        for plan in serverPlans {
            let (replayed, skipped) = PlanDocument.replay(history.entries.filter { $0.operation.plan == plan.id }.map(\.operation))
            #expect(skipped.isEmpty && replayed == plan, "seed \(seed): plan \(plan.id) is not the replay of its history: \(firstDifference([plan], replayed.map { [$0] } ?? []))")
        }
    }
}

/// Honest devices of one commune and of the county edit offline and sync in random partial steps
/// over a lossy network, while an enrolled inspector of the same commune forges operations at
/// random moments. The honest ones must end exactly where the county is, with every edit on the
/// county once, and nothing forged may get in.
@Suite("Adversarial convergence (property)")
struct AdversarialPropertyTests {
    @Test("honest replicas converge with the county and no forged operation is accepted", arguments: 0..<200)
    func adversary(seed: UInt64) async throws {
        // Given: a county whose clock starts with the devices', five honest devices and the adversary
        let countyClock = StepClock(start: AdversarialRun.start)
        let county = try await TestCounty(clock: countyClock)
        try await withServer(county.directory) { url in
            var run = try await AdversarialRun(seed: seed, county: county, countyClock: countyClock, url: url)
            try run.honest[0].replica.createPlan(year: 2025)

            // When: honest edits, partial syncs and forgeries interleave at random
            for step in 0..<Int.random(in: 25...60, using: &run.random) {
                run.step = step
                let roll = Int.random(in: 0..<20, using: &run.random)
                if roll < 9 {
                    try run.honestEdit()
                } else if roll < 14 {
                    try await run.honestSync()
                } else {
                    try await run.adversaryStep()
                }
            }

            // Then: (a)–(e)
            try await run.finish()
        }
    }

    @Test("an honest replica is not held back by a burst of concurrent values that was resolved before its own edit arrived")
    func burstResolvedBeforeOfflineEdit() async throws {
        // Given: Ana and Ion, inspectors of Negomir, with a synced plan; and an adversary of the same UAT
        let county = try await TestCounty()
        let (ana, anaSession) = try await county.enrolledReplica(author: "ana")
        let (ion, ionSession) = try await county.enrolledReplica(author: "ion")
        let anaSync = Synchronizer(replica: ana, transport: InProcessTransport(store: county.store, session: anaSession, seed: 1))
        let ionSync = Synchronizer(replica: ion, transport: InProcessTransport(store: county.store, session: ionSession, seed: 2))
        var mallory = try await Adversary.enroll(in: county, clock: SystemClock())
        let plan = try ana.createPlan(year: 2025)
        _ = try await anaSync.sync()
        _ = try await ionSync.sync()

        // And: Ana writes the notes offline (the field is empty: her edit names nothing as seen)
        try ana.set(plan.id, path: "notes", to: "de la Ana")
        // And: the adversary writes the notes 16 times, each naming nothing (the most open values a field may hold)
        let burst = (1...OperationLimits.standard.openValues).map { index in
            mallory.operations.next(plan.id, .setField(path: "notes", value: .text("valoarea \(index)"), supersedes: []))
        }
        guard case .success(let answer) = try await mallory.push(burst) else { Issue.record("the burst was refused"); return }
        #expect(answer.outcomes.allSatisfy { $0.seq != nil }, "the county accepts the burst: \(answer.outcomes.compactMap(\.rejection))")
        // And: Ion sees the conflict and resolves it, before Ana's edit reaches the county
        _ = try await ionSync.sync()
        #expect(try ion.plan(plan.id)?.fields["notes"]?.heads.count == OperationLimits.standard.openValues)
        try ion.set(plan.id, path: "notes", to: "rezolvat de Ion")
        _ = try await ionSync.sync()

        // When: Ana syncs once
        let report = try await anaSync.sync()

        // Then: her edit is accepted (the county then holds two values), and her replica is the county's — nothing held
        let server = try #require(try await county.store.plan(plan.id))
        #expect(report.rejected.isEmpty && server.fields["notes"]?.heads.count == 2)
        #expect(report.held.isEmpty, "Ana's replica holds the plan: \(report.held.map(\.reason))")
        let local = try #require(try ana.plan(plan.id))
        let same = local == server
        #expect(same, "after one sync: \(firstDifference([local], [server]))")

        // And: a second sync brings it level in any case
        _ = try await anaSync.sync()
        #expect(try ana.heldPlans().isEmpty && ana.plan(plan.id) == server)
    }
}
