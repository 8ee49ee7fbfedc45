import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol

/// Edits: the one way a change enters the replica.
extension Replica {
    /// Creates a plan of this commune for a budget year, following the current template version.
    @discardableResult
    public func createPlan(year: Int, template: PlanSchema = .current) throws -> PlanDocument {
        let settings = try settings()
        guard let siruta = settings.siruta else {
            throw Rejection(code: "role-forbidden", message: Permissions.refusal(for: settings.account.role, area: .content))
        }
        return try record(on: nil) { _ in .createPlan(siruta: siruta, year: year, template: template.template) }
    }

    /// The one way an edit enters the replica: builds the operation from the plan as it stands,
    /// checks it, applies it and appends it to the change log, all in one transaction.
    ///
    /// What the county would refuse is refused here, offline, with the county's words: another
    /// role's part of the plan (``Permissions``), a broken rule (``OperationRules``), a kind or a
    /// template the county's server does not accept yet, a plan held back by changes this version
    /// of plansync cannot read.
    ///
    /// - Parameters:
    ///   - plan: the plan edited, or `nil` to create one.
    ///   - change: what to change, given the plan as it stands now (see ``PlanEditor``).
    @discardableResult
    public func record(on plan: PlanID?, _ change: (PlanDocument?) throws -> Change) throws -> PlanDocument {
        try write { db in try self.append(on: plan, change, in: db) }
    }

    /// Imports a plan file (`plansync plan import`) as a new plan of this commune: its creation and
    /// one operation per field and row, recorded in one transaction, so an import is in the change
    /// log whole or not at all and syncs like any edit.
    ///
    /// A file may hold decision records this account's role does not write (the county's
    /// registration and aviz, the council's HCL): the import is refused and names them, unless
    /// `withoutDecisions` leaves them out — they are then returned, for the person who records them.
    public func importPlan(_ file: PlanFile, withoutDecisions: Bool = false) throws -> (plan: PlanDocument, leftOut: [String]) {
        let settings = try settings()
        guard file.siruta == settings.siruta else {
            throw ClientError("This file is a plan of SIRUTA \(file.siruta); this computer works for \(settings.uatName ?? settings.county) (\(settings.siruta.map { "SIRUTA \($0)" } ?? "a county account")). Import it on that commune's computer.")
        }
        let others = file.fields.keys.sorted().filter { path in
            (try? Permissions.check(.setField(path: path, value: .null, supersedes: []), by: settings.account, onPlanOf: file.siruta)) == nil
        }
        if !others.isEmpty, !withoutDecisions {
            throw ClientError("This file holds decision records your role (\(settings.account.role.rawValue)) does not write as fields: \(others.joined(separator: ", ")). "
                + "Import it with --without-decisions to leave them out; they are recorded as acts, each by its own person: "
                + "`plansync plan submit` (the letter), `plansync county register` and `county aviz` (the county), `plansync plan hcl`, `plan prefect`, `plan publish` (the secretary).")
        }
        let content = file.dropping(fields: Set(others))
        let document = try write { db in
            var document = try self.append(on: nil, { _ in content.creation }, in: db)
            for edit in content.edits {
                document = try self.append(on: document.id, { edit($0!) }, in: db)
            }
            return document
        }
        return (document, others)
    }

    /// Sets a field or cell given by a path (see ``PlanPath``) from the text a clerk typed.
    @discardableResult
    public func set(_ plan: PlanID, path text: String, to valueText: String) throws -> PlanDocument {
        try set(plan, [(path: text, value: valueText)])
    }

    /// Sets several fields or cells in one transaction (a table row saved from the commune's web
    /// page): the edits are in the change log all together or, when one is refused, none is.
    @discardableResult
    public func set(_ plan: PlanID, _ edits: [(path: String, value: String)]) throws -> PlanDocument {
        try write { db in
            var document: PlanDocument?
            for edit in edits {
                document = try self.append(on: plan, { try Self.change(setting: edit.path, to: edit.value, in: $0!) }, in: db)
            }
            guard let document else { throw ClientError("Nothing to set: name a field or a cell and its value.") }
            return document
        }
    }

    /// The plan as it would be after setting a field or cell, with nothing recorded: the same
    /// checks and the same apply as ``set(_:path:to:)``, in a transaction rolled back. What the
    /// commune's web page shows the reviewer's findings on while the clerk is still typing.
    public func preview(_ plan: PlanID, path text: String, to valueText: String) throws -> PlanDocument {
        var previewed: PlanDocument?
        do {
            try queue.inTransaction { db in
                previewed = try self.append(on: plan, { try Self.change(setting: text, to: valueText, in: $0!) }, in: db)
                return .rollback
            }
        } catch {
            throw ReplicaFile.explain(error, path: path)
        }
        guard let previewed else { throw ClientError.planNotFound(plan.rawValue) }
        return previewed
    }

    /// Adds a row to a table from the texts a clerk typed per column (`plansync row add`), after
    /// a row, first, or at the end. Returns the plan and the new row's id.
    @discardableResult
    public func addRow(to plan: PlanID, table: String, values texts: [String: String], after: RowID? = nil,
                       first: Bool = false) throws -> (plan: PlanDocument, row: RowID) {
        let document = try record(on: plan) { current in
            guard let schema = current!.schema.table(table) else {
                throw ClientError("There is no table '\(table)'. Tables: \(current!.schema.tables.map(\.name).joined(separator: ", ")).")
            }
            var values: [String: Value] = [:]
            for (column, text) in texts {
                guard let kind = schema.kind(of: column) else {
                    throw ClientError("There is no column '\(column)' in \(table). Columns: \(schema.columns.map(\.name).joined(separator: ", ")).")
                }
                values[column] = try kind.parse(text)
            }
            return PlanEditor(plan: current!).insertRow(into: table, after: after, atStart: first, values: values)
        }
        // Row ids are operation ids: the newest row of this device is the one just added.
        let row = document.tables[table]!.values.max { $0.id < $1.id }!
        return (document, row.id)
    }

    /// The change that sets the field or cell at a path from the text a clerk typed.
    private static func change(setting text: String, to valueText: String, in current: PlanDocument) throws -> Change {
        let editor = PlanEditor(plan: current)
        let schema = current.schema
        switch try PlanPath(text) {
        case .field(let path):
            guard let kind = schema.kind(ofField: path) else {
                throw ClientError("The plan (template \(schema.template)) has no field '\(path)'. `plansync plan fields` lists them.")
            }
            return editor.setField(path, to: try kind.parse(valueText))
        case .rowField(let table, let reference, let field):
            guard let kind = schema.table(table)?.kind(of: field) else {
                throw ClientError("There is no column '\(field)' in table '\(table)'. `plansync plan fields` lists them.")
            }
            let row = try current.findRow(reference, in: table)
            return editor.setRowField(table, row: row, field: field, to: try kind.parse(valueText))
        }
    }

    /// Builds the operation from the plan as it stands, checks it, applies it and appends it to
    /// the change log, inside the caller's transaction.
    func append(on plan: PlanID?, _ makeChange: (PlanDocument?) throws -> Change, in db: Database) throws -> PlanDocument {
        let settings = try self.settings(in: db)
        let current = try plan.map { id in
            guard let document = try Self.document(id, in: db) else { throw ClientError.planNotFound(id.rawValue) }
            if let held = try Self.holdingReason(of: id, in: db) { throw ClientError.planHeld(id, reason: held) }
            return document
        }
        let change = try makeChange(current)
        if let current, let table = Self.longKeyTable(change) {
            // Keys grew long: spread the table's rows over short keys first, then place this one.
            for move in PlanEditor(plan: current).spreadRows(of: table) {
                _ = try append(on: current.id, { _ in move }, in: db)
            }
            return try append(on: current.id, makeChange, in: db)
        }
        let siruta: Siruta
        if case .createPlan(let created, _, _) = change { siruta = created } else { siruta = current!.siruta }
        try Permissions.check(change, by: settings.account, onPlanOf: siruta)
        let madeOn = try current.flatMap { try Self.draftEdited(by: change, in: $0) }
        try Self.requireServerAccepts(change, in: db)
        let counter = (try Int64.fetchOne(db, sql: "SELECT max(counter) FROM operation WHERE device = ?",
                                          arguments: [settings.device.rawValue]) ?? 0) + 1
        let id = OpID(device: settings.device, counter: counter)
        let hlc = try Self.clock(in: db).tick(now: try stampingNow(in: db))
        let operation = PlanOperation(id: id, hlc: hlc, author: settings.account.name, plan: plan ?? PlanID(creatingOperation: id), change: change)
        try rules.check(operation, against: current, history: try Self.history(rules.referencesToLookUp(operation, in: current), in: db))
        var next = try current ?? PlanDocument.created(by: operation)
        if current != nil { next.apply(operation) }
        try Self.save(next, in: db)
        try db.execute(sql: """
            INSERT INTO operation (device, counter, plan, body, state, recorded_at) VALUES (?, ?, ?, ?, 'pending', ?)
            """, arguments: [id.device.rawValue, id.counter, operation.plan.rawValue, operation.canonicalJSON, Self.now()])
        if let madeOn {
            try db.cachedStatement(sql: "INSERT INTO unsettled_edit (device, counter, plan, version) VALUES (?, ?, ?, ?)")
                .execute(arguments: [id.device.rawValue, id.counter, operation.plan.rawValue, madeOn])
        }
        try Self.setSetting("hlc", String(hlc.rawValue), in: db)
        return next
    }

    /// The draft a content edit or an answer to a remark is made on; `nil` for other operations.
    ///
    /// The county puts an edit that reaches it after its version froze on the next draft, so
    /// nothing is lost; but an edit of a version this replica already knows is frozen is refused
    /// here: a deliberate change after sending is a modification, opened with a reason.
    private static func draftEdited(by change: Change, in plan: PlanDocument) throws -> Int? {
        let editsContent: Bool
        if case .act(_, .answer) = change { editsContent = true } else { editsContent = PlanArea.of(change) == .content }
        guard editsContent else { return nil }
        guard let draft = plan.workflow.draft else {
            let latest = plan.workflow.latest
            throw Rejection(code: "version-frozen", message: "Versiunea \(latest.number) a planului este \(latest.state.romanian) și nu se mai modifică: consiliul județean vede exact ce i s-a transmis. Pentru o schimbare deschideți versiunea \(latest.number + 1): `plansync plan modify \(plan.id) --reason \"…\"` (the version is frozen; open a modification).")
        }
        return draft.number
    }

    /// The table whose rows an insert or a move would place at a key longer than comfortable.
    private static func longKeyTable(_ change: Change) -> String? {
        switch change {
        case .insertRow(let table, let position, _), .moveRow(let table, _, let position, _):
            position.count > OrderKey.comfortableLength ? table : nil
        default:
            nil
        }
    }

    /// A kind or a template the county's server did not list as accepted is refused here, before
    /// it is recorded, rather than set aside by the county later.
    private static func requireServerAccepts(_ change: Change, in db: Database) throws {
        guard let capabilities = try capabilities(in: db) else { return }
        guard capabilities.operations.contains(change.kind) else {
            throw ClientError("The county's server does not accept '\(change.kind.rawValue)' edits yet. Ask the county to update plansync-server.")
        }
        if case .createPlan(_, _, let template) = change, let template, !capabilities.templates.contains(template) {
            throw ClientError("The county's server does not know the template \(template) yet. Ask the county to update plansync-server.")
        }
    }

    /// The wall clock edits are stamped with: this computer's, unless the last sync found it
    /// further off the county's than the county accepts — then the county's time as estimated
    /// from that sync, so a computer with a wrong date still makes edits the county takes.
    func stampingNow(in db: Database) throws -> Int64 {
        let local = clock.nowMillis()
        guard let offset = Int64(try Self.setting("county_clock_offset", in: db) ?? ""),
              offset.magnitude > UInt64(HLCTimestamp.maximumLeadMillis)
        else { return local }
        return local.addingSaturating(offset)
    }

    static func clock(in db: Database) throws -> HLCTimestamp {
        HLCTimestamp(rawValue: Int64(try setting("hlc", in: db) ?? "0") ?? 0)
    }

    /// Operations of the log by id, for the rules' check of what an edit says it saw (rejected
    /// ones do not count: the county does not have them).
    static func history(_ ids: [OpID], in db: Database) throws -> [OpID: PlanOperation] {
        var found: [OpID: PlanOperation] = [:]
        let statement = try db.cachedStatement(sql: "SELECT body FROM operation WHERE device = ? AND counter = ? AND state != 'rejected'")
        for id in ids {
            guard let body = try Data.fetchOne(statement, arguments: [id.device.rawValue, id.counter]) else { continue }
            found[id] = try PlanOperation(json: JSONReader.parse(body), path: "operation \(id)")
        }
        return found
    }
}
