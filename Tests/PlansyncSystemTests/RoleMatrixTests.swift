import Foundation
import GRDB
@testable import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
@testable import PlansyncServerKit
import Testing

// MARK: - Whole-database dumps (shared with PushBatchTests and AdversarialPropertyTests)

/// Every row of every table of a county database, as text: what "nothing was written" is checked
/// against. Blobs are kept whole (base64), so a changed plan document or body shows.
struct DatabaseDump: Equatable, Sendable {
    typealias Line = [String: String]
    var tables: [String: [Line]]

    static func of(_ store: CountyStore) async throws -> DatabaseDump {
        try await store.pool.read { db in
            var tables: [String: [Line]] = [:]
            for name in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") {
                tables[name] = try Row.fetchAll(db, sql: "SELECT * FROM \(name.quotedDatabaseIdentifier) ORDER BY rowid").map { row in
                    var line: Line = [:]
                    for (column, value) in row { line[column] = Self.text(value) }
                    return line
                }
            }
            return DatabaseDump(tables: tables)
        }
    }

    static func text(_ value: DatabaseValue) -> String {
        switch value.storage {
        case .null: "NULL"
        case .int64(let number): "\(number)"
        case .double(let number): "\(number)"
        case .string(let text): text
        case .blob(let data): "blob:" + data.base64EncodedString()
        }
    }

    static func blob(_ data: Data) -> String { "blob:" + data.base64EncodedString() }

    struct TableChange {
        var added: [Line] = []
        var removed: [Line] = []
    }

    /// The rows added and removed, for each table that differs (as multisets).
    func changes(to after: DatabaseDump) -> [String: TableChange] {
        var result: [String: TableChange] = [:]
        for name in Set(tables.keys).union(after.tables.keys) {
            var remaining: [Line: Int] = [:]
            for line in tables[name] ?? [] { remaining[line, default: 0] += 1 }
            var change = TableChange()
            for line in after.tables[name] ?? [] {
                if let count = remaining[line], count > 0 { remaining[line] = count - 1 } else { change.added.append(line) }
            }
            for (line, count) in remaining where count > 0 { change.removed += Array(repeating: line, count: count) }
            if !change.added.isEmpty || !change.removed.isEmpty { result[name] = change }
        }
        return result
    }

    /// A short account of the differences, for failure messages.
    func summary(to after: DatabaseDump) -> String {
        let changes = changes(to: after)
        if changes.isEmpty { return "no change" }
        return changes.keys.sorted().map { "\($0): +\(changes[$0]!.added.count) −\(changes[$0]!.removed.count)" }.joined(separator: ", ")
    }
}

/// Checks that the only change to `device`'s row is its `last_push_at` (which moves at most once a
/// second, so it may also not have changed at all).
func expectOnlyLastPushChanged(_ change: DatabaseDump.TableChange?, device: DeviceID, _ what: String,
                               sourceLocation: SourceLocation = #_sourceLocation) {
    guard let change else { return }
    #expect(change.added.count == 1 && change.removed.count == 1, "\(what): device rows changed: \(change)", sourceLocation: sourceLocation)
    guard change.added.count == 1, change.removed.count == 1 else { return }
    var old = change.removed[0], new = change.added[0]
    #expect(new["id"] == device.rawValue, "\(what): another device's row changed", sourceLocation: sourceLocation)
    old["last_push_at"] = nil
    new["last_push_at"] = nil
    #expect(old == new, "\(what): a device column other than last_push_at changed", sourceLocation: sourceLocation)
}

// MARK: - The tenants and the people

/// Whose plan a request is about, seen from an account of Negomir (or of the Gorj county council).
enum Tenant: String, CaseIterable, Sendable {
    /// A plan of Negomir (Gorj).
    case ownUAT
    /// A plan of Bălești, another UAT of Gorj.
    case otherUAT
    /// A plan of Pângărați, a UAT of Neamț (county 27), in the same server directory.
    case otherCounty

    static let pangarati = Siruta(123601)

    var siruta: Siruta {
        switch self {
        case .ownUAT: negomir
        case .otherUAT: balesti
        case .otherCounty: Self.pangarati
        }
    }
}

/// The people who call the API: every role, the auditor both for the county and for one UAT.
enum Caller: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inspector, secretary, reviewer, countyAuditor, uatAuditor, administrator

    var role: Role {
        switch self {
        case .inspector: .inspector
        case .secretary: .secretary
        case .reviewer: .reviewer
        case .countyAuditor, .uatAuditor: .auditor
        case .administrator: .administrator
        }
    }

    /// The account's scope: Negomir, or the whole of Gorj.
    var siruta: Siruta? {
        switch self {
        case .inspector, .secretary, .uatAuditor: negomir
        case .reviewer, .countyAuditor, .administrator: nil
        }
    }

    var testDescription: String { rawValue }
}

/// One operation of each kind a push can carry, on the plan areas that matter to permissions.
enum Edit: String, CaseIterable, Sendable {
    case create, setContent, setSubmission, setCouncil, setCounty, insert, update, remove, move

    /// The change, made the way an editor would on `plan` (with what it shows as seen), on `row`.
    func change(on plan: PlanDocument, row: RowID, creating siruta: Siruta) -> Change {
        let editor = PlanEditor(plan: plan)
        switch self {
        case .create: return .createPlan(siruta: siruta, year: 2026, template: PlanSchema.current.template)
        case .setContent: return editor.setField("title", to: .text("Planul anual de acțiune 2025"))
        case .setSubmission: return editor.setField("decisions.submission.issuer", to: .text("Primăria Negomir"))
        case .setCouncil: return editor.setField("decisions.hcl.reference", to: .text("HCL nr. 12/28.02.2025"))
        case .setCounty: return editor.setField("decisions.aviz.report.reference", to: .text("Nr. 5601/25.03.2025"))
        case .insert: return editor.insertRow(into: "services", values: ["name": .text("Centru de zi pentru copii")])
        case .update: return editor.setRowField("services", row: row, field: "name", to: .text("Cantină socială"))
        case .remove: return editor.removeRow("services", row: row)
        case .move: return editor.moveRow("services", row: row, after: nil, atStart: true)
        }
    }
}

/// Two counties in one server directory — Gorj with a plan of Negomir and one of Bălești, Neamț with
/// one of Pângărați — each plan with one row of `services`, and the real server running.
struct Tenancy {
    let county: TestCounty
    let neamt: CountyStore
    let url: URL
    let plans: [Tenant: PlanID]
    let rows: [Tenant: RowID]

    static func make(_ county: TestCounty, url: URL) async throws -> Tenancy {
        let neamtCounty = try #require(county.directory.registry[Tenant.pangarati]?.county)
        let neamt = try await county.directory.open(neamtCounty).store
        var plans: [Tenant: PlanID] = [:]
        var rows: [Tenant: RowID] = [:]
        for tenant in Tenant.allCases {
            let store = tenant == .otherCounty ? neamt : county.store
            let token = try await store.addAccount(name: "seed \(tenant.rawValue)", role: .inspector, siruta: tenant.siruta).enrollmentToken
            let answer = try await store.enroll(token: Credential(token)!, label: "seed-\(tenant.rawValue)")
            let replica = try Replica(path: county.root.appendingPathComponent("seed-\(tenant.rawValue).sqlite").path, clock: StepClock())
            try replica.configure(ReplicaSettings(server: "http://127.0.0.1:1", enrollment: answer, label: "seed"))
            guard case .device(let session) = try await store.authenticate(Credential(answer.credential)!) else {
                throw ClientError("seed device did not authenticate")
            }
            let plan = try replica.createPlan(year: 2025)
            let withRow = try replica.record(on: plan.id) { PlanEditor(plan: $0!).insertRow(into: "services", values: ["name": .text("Cantină")]) }
            try replica.set(plan.id, path: "title", to: "Plan \(tenant.rawValue)")
            _ = try await Synchronizer(replica: replica, transport: InProcessTransport(store: store, session: session, seed: 1)).sync()
            plans[tenant] = plan.id
            rows[tenant] = try #require(withRow.visibleRows(of: "services").first?.id)
        }
        return Tenancy(county: county, neamt: neamt, url: url, plans: plans, rows: rows)
    }

    func store(of tenant: Tenant) -> CountyStore { tenant == .otherCounty ? neamt : county.store }

    /// The plan of a tenant as its own county holds it now.
    func plan(_ tenant: Tenant) async throws -> PlanDocument {
        try #require(try await store(of: tenant).plan(plans[tenant]!))
    }

    /// Both county databases, whole.
    func dump() async throws -> (gorj: DatabaseDump, neamt: DatabaseDump) {
        (try await DatabaseDump.of(county.store), try await DatabaseDump.of(neamt))
    }
}

// MARK: - The matrix

/// Who may do what, over real HTTP: every role against every route, and every kind of operation on
/// every part of a plan of every tenant. Expected answers come from the tables below, written out
/// by hand from the documented rules — not computed from ``Permissions`` — so a wrong line in the
/// product's permission table makes a cell fail.
@Suite("Who may do what")
struct RoleMatrixTests {
    /// What a push of one operation gets, for each caller and tenant. Columns, in order: create,
    /// set on a content field (`title`), set `decisions.submission.*`, set `decisions.hcl.*` (an
    /// act's record), set `decisions.aviz.report.*`, insert, update, remove, move.
    ///
    /// `A` accepted · `F` rejected `role-forbidden` · `R` rejected `recorded-by-act` (the role's
    /// own record, which only its act writes) · `N` rejected `plan-not-found` · `403` the whole push
    /// refused, nothing written.
    ///
    /// Another county's plan is a plan this county does not have: its operations are set aside as
    /// `plan-not-found` — except that the role is checked first (the documented order: permission,
    /// then rules), so a change the role never makes is `role-forbidden` whatever the plan. A plan
    /// created for another county's SIRUTA is outside every account's scope: 403.
    static let pushTable: [Caller: [Tenant: String]] = [
        .inspector: [
            .ownUAT:      "A   A   A   F   F   A   A   A   A",
            .otherUAT:    "403 403 403 403 403 403 403 403 403",
            .otherCounty: "403 N   N   F   F   N   N   N   N",
        ],
        .secretary: [
            .ownUAT:      "F   F   F   R   F   F   F   F   F",
            .otherUAT:    "403 403 403 403 403 403 403 403 403",
            .otherCounty: "403 F   F   R   F   F   F   F   F",
        ],
        .reviewer: [
            .ownUAT:      "F   F   F   F   A   F   F   F   F",
            .otherUAT:    "F   F   F   F   A   F   F   F   F",
            .otherCounty: "403 F   F   F   N   F   F   F   F",
        ],
        .countyAuditor: [
            .ownUAT:      "403 403 403 403 403 403 403 403 403",
            .otherUAT:    "403 403 403 403 403 403 403 403 403",
            .otherCounty: "403 403 403 403 403 403 403 403 403",
        ],
        .uatAuditor: [
            .ownUAT:      "403 403 403 403 403 403 403 403 403",
            .otherUAT:    "403 403 403 403 403 403 403 403 403",
            .otherCounty: "403 403 403 403 403 403 403 403 403",
        ],
        .administrator: [
            .ownUAT:      "403 403 403 403 403 403 403 403 403",
            .otherUAT:    "403 403 403 403 403 403 403 403 403",
            .otherCounty: "403 403 403 403 403 403 403 403 403",
        ],
    ]

    /// The HTTP status of each read route, and of `POST /v1/fork`. Per tenant: `GET /v1/plans/{id}`,
    /// `…/operations` and `…/findings` (another county's plan is not in this county: 404).
    struct Reads {
        var me: Int
        var pull: Int
        var plans: Int
        var plan: [Tenant: Int]
        var fork: Int
    }

    static let readTable: [Caller: Reads] = [
        .inspector: Reads(me: 200, pull: 200, plans: 200, plan: [.ownUAT: 200, .otherUAT: 403, .otherCounty: 404], fork: 200),
        .secretary: Reads(me: 200, pull: 200, plans: 200, plan: [.ownUAT: 200, .otherUAT: 403, .otherCounty: 404], fork: 200),
        .reviewer: Reads(me: 200, pull: 200, plans: 200, plan: [.ownUAT: 200, .otherUAT: 200, .otherCounty: 404], fork: 200),
        .countyAuditor: Reads(me: 200, pull: 200, plans: 200, plan: [.ownUAT: 200, .otherUAT: 200, .otherCounty: 404], fork: 200),
        .uatAuditor: Reads(me: 200, pull: 200, plans: 200, plan: [.ownUAT: 200, .otherUAT: 403, .otherCounty: 404], fork: 200),
        .administrator: Reads(me: 200, pull: 403, plans: 403, plan: [.ownUAT: 403, .otherUAT: 403, .otherCounty: 403], fork: 200),
    ]

    static func expected(_ caller: Caller, _ tenant: Tenant, _ edit: Edit) -> String {
        let cells = pushTable[caller]![tenant]!.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        precondition(cells.count == Edit.allCases.count, "a line of the table has \(cells.count) cells")
        return cells[Edit.allCases.firstIndex(of: edit)!]
    }

    /// The caller's device, enrolled over HTTP, with what its role may pull.
    static func enroll(_ caller: Caller, in tenancy: Tenancy) async throws -> HTTPTests.Setup {
        let setup = try await HTTPTests.Setup(county: tenancy.county, url: tenancy.url, author: "cont \(caller.rawValue)",
                                              role: caller.role, siruta: caller.siruta)
        if readTable[caller]!.pull == 200 { _ = try await setup.sync() }
        return setup
    }

    @Test("push: every kind of operation on every part of a plan of its own UAT and of another UAT of the county", arguments: Caller.allCases)
    func pushWithinCounty(caller: Caller) async throws {
        try await checkPushes(caller: caller, tenants: [.ownUAT, .otherUAT])
    }

    @Test("push: operations naming another county's plan, or creating a plan for another county's UAT", arguments: Caller.allCases)
    func pushOtherCounty(caller: Caller) async throws {
        try await checkPushes(caller: caller, tenants: [.otherCounty])
    }

    func checkPushes(caller: Caller, tenants: [Tenant]) async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            // Given: two counties' plans, and the caller's device enrolled (and synced, when it may read)
            let tenancy = try await Tenancy.make(county, url: url)
            let setup = try await Self.enroll(caller, in: tenancy)
            let device = try setup.replica.settings().device
            let author = try setup.replica.settings().account.name
            var counter: Int64 = 0
            for tenant in tenants {
                for edit in Edit.allCases {
                    let expected = Self.expected(caller, tenant, edit)
                    let cell = "\(caller.rawValue) × \(edit.rawValue) × \(tenant.rawValue) (expected \(expected))"
                    counter += 1
                    let id = OpID(device: device, counter: counter)
                    let target = try await tenancy.plan(tenant)
                    let change = edit.change(on: target, row: tenancy.rows[tenant]!, creating: tenant.siruta)
                    let operation = PlanOperation(
                        id: id, hlc: HLCTimestamp(wallMillis: Int64(Date().timeIntervalSince1970 * 1000), logical: 0),
                        author: author,
                        plan: edit == .create ? PlanID(creatingOperation: id) : target.id, change: change)

                    // When: the device pushes that one operation
                    let before = try await tenancy.dump()
                    let answer = try await rawRequest("POST", url.appendingPathComponent("v1/push"), headers: setup.headers(),
                                                      body: WireJSON.encode(PushRequest(operations: [operation])))
                    let after = try await tenancy.dump()

                    // Then: the answer and the database are exactly what the table says
                    let otherCountyUnchanged = after.neamt == before.neamt
                    #expect(otherCountyUnchanged, "\(cell): the other county's database changed: \(before.neamt.summary(to: after.neamt))")
                    let changes = before.gorj.changes(to: after.gorj)
                    var serverMessage: String?
                    switch expected {
                    case "403":
                        #expect(answer.status == 403, "\(cell): got \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
                        #expect(answer.contentType == Problem.mediaType, "\(cell)")
                        let problem = try? WireJSON.decode(Problem.self, from: answer.body)
                        #expect(problem?.slug == "forbidden", "\(cell): \(String(describing: problem))")
                        serverMessage = problem?.detail
                        let unchanged = after.gorj == before.gorj
                        #expect(unchanged, "\(cell): nothing may be written, but \(before.gorj.summary(to: after.gorj))")
                    case "A":
                        #expect(answer.status == 200, "\(cell): got \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
                        let outcome = try? PushResponse.read(answer.body).outcomes.first
                        #expect(outcome?.id == id && outcome?.seq != nil && outcome?.rejection == nil, "\(cell): \(String(describing: outcome))")
                        let added = changes["operation"]?.added ?? []
                        #expect(added.count == 1 && changes["operation"]?.removed.isEmpty == true, "\(cell): operation rows \(added.count)")
                        #expect(added.first?["body"] == DatabaseDump.blob(operation.canonicalJSON), "\(cell): the stored body is the one sent")
                        #expect(added.first.map { $0["seq"] } == outcome?.seq.map { "\($0)" }, "\(cell)")
                        let planRows = changes["plan"]
                        #expect(planRows?.added.count == 1 && (planRows?.removed.count ?? 0) <= 1, "\(cell): one plan's projection changes")
                        #expect(planRows?.added.first?["id"] == operation.plan.rawValue, "\(cell)")
                        #expect(Set(changes.keys).isSubset(of: ["operation", "plan", "sqlite_sequence", "device", "audit_entry", "audit_node", "checkpoint"]),
                                "\(cell): unexpected changes \(before.gorj.summary(to: after.gorj))")
                        // One entry in the audit log, sealed by one signed checkpoint.
                        #expect(changes["audit_entry"]?.added.count == 1 && changes["checkpoint"]?.added.count == 1, "\(cell): the audit log")
                        expectOnlyLastPushChanged(changes["device"], device: device, cell)
                    default:
                        let code = ["F": "role-forbidden", "R": "recorded-by-act"][expected] ?? "plan-not-found"
                        #expect(answer.status == 200, "\(cell): got \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
                        let outcome = try? PushResponse.read(answer.body).outcomes.first
                        #expect(outcome?.id == id && outcome?.seq == nil, "\(cell): \(String(describing: outcome))")
                        #expect(outcome?.rejection?.code == code, "\(cell): rejected with \(outcome?.rejection?.code ?? "nothing"): \(outcome?.rejection?.message ?? "")")
                        serverMessage = outcome?.rejection?.message
                        #expect(Set(changes.keys).isSubset(of: ["rejection", "device"]),
                                "\(cell): a rejection writes only its row, but \(before.gorj.summary(to: after.gorj))")
                        let rejection = changes["rejection"]?.added ?? []
                        #expect(rejection.count == 1 && changes["rejection"]?.removed.isEmpty == true, "\(cell): \(rejection.count) rejection rows")
                        #expect(rejection.first?["code"] == outcome?.rejection?.code && rejection.first?["counter"] == "\(counter)"
                                    && rejection.first?["device"] == device.rawValue && rejection.first?["body"] == DatabaseDump.blob(operation.canonicalJSON),
                                "\(cell): the rejection row \(String(describing: rejection.first))")
                        expectOnlyLastPushChanged(changes["device"], device: device, cell)
                    }

                    // And: the client refuses the same edit offline, in the server's words
                    try checkOfflineRefusal(caller: caller, tenant: tenant, edit: edit, expected: expected, serverMessage: serverMessage,
                                            replica: setup.replica, plan: target.id, row: tenancy.rows[tenant]!, cell: cell)
                }
            }
        }
    }

    /// Where the server set an edit aside as `role-forbidden` or `recorded-by-act`, or refused a role that writes
    /// nothing, the client refuses the same edit before recording it, with the same code and
    /// message, and records nothing.
    func checkOfflineRefusal(caller: Caller, tenant: Tenant, edit: Edit, expected: String, serverMessage: String?,
                             replica: Replica, plan: PlanID, row: RowID, cell: String) throws {
        let writesNothing: Set<Caller> = [.countyAuditor, .uatAuditor, .administrator]
        let refusedForRole = expected == "F" || expected == "R" || (expected == "403" && writesNothing.contains(caller))
        guard refusedForRole, let serverMessage, tenant != .otherCounty else { return }
        // The scope is checked before the role on the client: an out-of-scope create is another refusal.
        if edit == .create, let siruta = caller.siruta, siruta != tenant.siruta { return }
        if edit != .create, try replica.plan(plan) == nil { return }  // the device never had this plan
        let pendingBefore = try replica.pendingCount()
        let refusal: Rejection? = {
            do {
                if edit == .create {
                    try replica.record(on: nil) { _ in .createPlan(siruta: tenant.siruta, year: 2026, template: PlanSchema.current.template) }
                } else {
                    try replica.record(on: plan) { edit.change(on: $0!, row: row, creating: tenant.siruta) }
                }
                return nil
            } catch let rejection as Rejection {
                return rejection
            } catch {
                Issue.record("\(cell): the client refused with \(error), not a Rejection")
                return Rejection(code: "-", message: "-")
            }
        }()
        #expect(refusal?.code == (expected == "R" ? "recorded-by-act" : "role-forbidden"), "\(cell): the client \(refusal.map { "refused with \($0.code)" } ?? "recorded the edit")")
        #expect(refusal?.message == serverMessage, "\(cell): client says «\(refusal?.message ?? "")», server says «\(serverMessage)»")
        #expect(try replica.pendingCount() == pendingBefore, "\(cell): nothing recorded")
    }

    @Test("reads, who-am-I and fork: every route for every role, per tenant", arguments: Caller.allCases)
    func routes(caller: Caller) async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            // Given: two counties' plans, and the caller's device enrolled
            let tenancy = try await Tenancy.make(county, url: url)
            let setup = try await Self.enroll(caller, in: tenancy)
            let expected = Self.readTable[caller]!
            let settings = try setup.replica.settings()
            let inScope: Set<PlanID> = caller.siruta == nil ? [tenancy.plans[.ownUAT]!, tenancy.plans[.otherUAT]!] : [tenancy.plans[.ownUAT]!]

            /// Sends a request that must write nothing, and checks its status.
            func read(_ path: String, _ status: Int, _ what: String) async throws -> Data {
                let before = try await tenancy.dump()
                let answer = try await rawRequest("GET", URL(string: "\(url)\(path)")!, headers: setup.headers())
                let after = try await tenancy.dump()
                #expect(answer.status == status, "\(caller.rawValue) \(what): got \(answer.status) \(String(decoding: answer.body, as: UTF8.self))")
                if status != 200 {
                    #expect(answer.contentType == Problem.mediaType, "\(caller.rawValue) \(what)")
                    let slug = (try? WireJSON.decode(Problem.self, from: answer.body))?.slug
                    #expect(slug == (status == 403 ? "forbidden" : "not-found"), "\(caller.rawValue) \(what): \(slug ?? "no problem document")")
                }
                let unchanged = after.gorj == before.gorj, otherUnchanged = after.neamt == before.neamt
                #expect(unchanged, "\(caller.rawValue) \(what) wrote \(before.gorj.summary(to: after.gorj))")
                #expect(otherUnchanged, "\(caller.rawValue) \(what) wrote to the other county")
                return answer.body
            }

            // When / Then: GET /v1/me says who the device works for
            let me = try await read("/v1/me", expected.me, "GET /v1/me")
            if expected.me == 200 {
                let enrollment = try WireJSON.decode(Enrollment.self, from: me)
                #expect(enrollment.account.role == caller.role && enrollment.account.siruta == caller.siruta && enrollment.device == settings.device)
            }
            // GET /v1/pull gives only operations of plans in the account's scope
            let pull = try await read("/v1/pull?after=0", expected.pull, "GET /v1/pull")
            if expected.pull == 200 {
                let page = try PullResponse.read(pull)
                #expect(Set(page.operations.map(\.operation.plan)) == inScope, "\(caller.rawValue): pulled plans")
            }
            // GET /v1/plans lists the plans in scope
            let list = try await read("/v1/plans", expected.plans, "GET /v1/plans")
            if expected.plans == 200 {
                #expect(Set(try WireJSON.decode([PlanSummary].self, from: list).map(\.id)) == inScope, "\(caller.rawValue): listed plans")
            }
            // GET /v1/plans/{id}, its operations and its findings, per tenant
            for tenant in Tenant.allCases {
                let id = tenancy.plans[tenant]!
                let status = expected.plan[tenant]!
                let view = try await read("/v1/plans/\(id)", status, "GET /v1/plans/{\(tenant.rawValue)}")
                if status == 200 {
                    let current = PlanView(try await tenancy.plan(tenant))
                    #expect(try WireJSON.decode(PlanView.self, from: view) == current)
                }
                let history = try await read("/v1/plans/\(id)/operations", status, "GET /v1/plans/{\(tenant.rawValue)}/operations")
                if status == 200 {
                    let operations = try WireJSON.decode([SequencedOperation].self, from: history)
                    #expect(operations.count == 3 && operations.allSatisfy { $0.operation.plan == id })
                }
                let findings = try await read("/v1/plans/\(id)/findings", status, "GET /v1/plans/{\(tenant.rawValue)}/findings")
                if status == 200 { #expect((try? JSONReader.parse(findings)) != nil) }
                // An evidence bundle of one plan: whoever reads the plan
                let bundle = try await read("/v1/audit/bundle?plan=\(id)", status, "GET /v1/audit/bundle?plan={\(tenant.rawValue)}")
                if status == 200 {
                    let evidence = try WireJSON.decode(AuditBundle.self, from: bundle)
                    #expect(evidence.operations.count == 3 && AuditVerifier.verify(evidence).intact, "\(caller.rawValue): the plan's bundle verifies")
                }
            }
            // The whole county's evidence: the county's accounts only
            let countyBundle = expected.plan[.otherUAT]!
            let everything = try await read("/v1/audit/bundle", countyBundle, "GET /v1/audit/bundle")
            if countyBundle == 200 { #expect(AuditVerifier.verify(try WireJSON.decode(AuditBundle.self, from: everything)).intact) }
            // POST /v1/audit/proof: every device checks the county's log, and it writes nothing
            let beforeProof = try await tenancy.dump()
            let proof = try await rawRequest("POST", url.appendingPathComponent("v1/audit/proof"), headers: setup.headers(),
                                             body: WireJSON.encode(AuditProofRequest(from: 0, after: 0)))
            let afterProof = try await tenancy.dump()
            #expect(proof.status == 200 && afterProof.gorj == beforeProof.gorj, "\(caller.rawValue) POST /v1/audit/proof: got \(proof.status)")

            // POST /v1/fork: a new identity for the same account, and nothing else written
            let before = try await tenancy.dump()
            let fork = try await rawRequest("POST", url.appendingPathComponent("v1/fork"), headers: setup.headers(),
                                            body: WireJSON.encode(ForkRequest(label: "copie")))
            let after = try await tenancy.dump()
            #expect(fork.status == expected.fork, "\(caller.rawValue) POST /v1/fork: got \(fork.status)")
            if expected.fork == 200 {
                let answer = try WireJSON.decode(EnrollResponse.self, from: fork.body)
                #expect(answer.account.id == settings.account.id && answer.device != settings.device)
                let changes = before.gorj.changes(to: after.gorj)
                #expect(Set(changes.keys).isSubset(of: ["device", "audit_entry", "audit_node", "checkpoint"]) && changes["device"]?.removed.isEmpty == true
                            && changes["device"]?.added.count == 1 && changes["audit_entry"]?.added.count == 1,
                        "\(caller.rawValue) fork wrote \(before.gorj.summary(to: after.gorj))")
                let added = changes["device"]?.added.first
                #expect(added?["id"] == answer.device.rawValue && added?["forked_from"] == settings.device.rawValue
                            && added?["account"] == settings.account.id.rawValue)
            } else {
                let unchanged = after.gorj == before.gorj
                #expect(unchanged, "\(caller.rawValue) fork wrote \(before.gorj.summary(to: after.gorj))")
            }
            let otherUnchanged = after.neamt == before.neamt
            #expect(otherUnchanged)
        }
    }
}
