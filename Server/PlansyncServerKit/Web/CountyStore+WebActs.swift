import Foundation
import GRDB
import PlansyncCore
import PlansyncProtocol
import Synchronization

/// Acts recorded on the county's web pages (register, remark, aviz): operations the server writes
/// for the person signed in and sends through the same door as any device's push
/// (``push(_:from:)``), so the same permissions, workflow rules and words apply, and the audit log
/// names the person and their role as it does for an act typed at a computer.
extension CountyStore {
    /// The label of the device under which a person's acts from the web pages are recorded.
    static let webDeviceLabel = "pagini web (plansync-server)"

    /// Records an act on the version it is meant for now (``PlanWorkflow/target(for:)``) for the
    /// person of `session`.
    ///
    /// - Parameter expected: the version the person saw in the form; when another version waits
    ///   now (the UAT sent a new one meanwhile, a colleague registered it), the act is refused
    ///   rather than given to a version they did not review.
    /// - Returns: the version acted on and the plan as it stands after the act.
    /// - Throws: ``Rejection`` with the county's words when the act is refused (no version waits
    ///   for it, another role's act, a rule broken); ``ServerError`` when the plan is not theirs.
    public func recordFromWeb(_ name: ActName, on plan: PlanID, by session: WebSession, expecting expected: Int? = nil,
                              _ make: (PlanVersion) -> WorkflowAct) async throws -> (version: PlanVersion, plan: PlanDocument) {
        guard let document = try await self.plan(plan), Permissions.covers(session.account, siruta: document.siruta) else {
            throw ServerError.notFound("There is no plan \(plan) among the plans this account works on.")
        }
        let workflow = document.workflow
        let target = workflow.target(for: name)
        let change = Change.act(version: (target ?? workflow.latest).number, make(target ?? workflow.latest))
        // Who before what, as for a push: another role's act is refused as such, whatever the state.
        try Permissions.check(change, by: session.account, onPlanOf: document.siruta)
        guard let version = target else { throw workflow.nothingAwaits(name) }
        if let expected, expected != version.number {
            throw Rejection(code: "version-moved", message: "Formularul era pentru versiunea \(expected), dar acum așteaptă versiunea \(version.number) (\(version.state.romanian)). Citiți versiunea \(version.number) și reluați actul (the version moved on).")
        }
        let device = try await webDevice(for: session.account)
        let (counter, stamp) = try nextWebStamp(for: device, after: document.lastChange)
        let operation = PlanOperation(id: OpID(device: device.deviceID, counter: counter), hlc: stamp, author: session.account.name,
                                      plan: plan, change: change)
        let outcome = try await push([operation], from: Session(device: device, account: session.account)).outcomes.first
        if let rejection = outcome?.rejection { throw rejection }
        guard let after = try await self.plan(plan) else { throw ServerError.notFound("There is no plan \(plan).") }
        return (version, after)
    }

    /// The account's web device, made (and enrolled in the audit log) at first use; a revoked one
    /// is replaced, so revoking it stops nothing but that device's history from growing.
    func webDevice(for account: Account) async throws -> DeviceRecord {
        try await pool.write { db in
            if let id = try String.fetchOne(db, sql: "SELECT device FROM web_device WHERE account = ?", arguments: [account.id.rawValue]),
               let device = try DeviceRecord.fetchOne(db, key: id), device.revokedAt == nil {
                return device
            }
            guard let record = try AccountRecord.fetchOne(db, key: account.id.rawValue), record.disabledAt == nil else { throw ServerError.accountDisabled }
            // A credential nobody is given: only the server writes under this device.
            let device = try self.insertDevice(for: record, label: Self.webDeviceLabel, credential: Credential.generate(.device, county: self.county.code),
                                               forkedFrom: nil, publicKey: nil, in: db)
            try db.execute(sql: "INSERT OR REPLACE INTO web_device (account, device) VALUES (?, ?)", arguments: [account.id.rawValue, device.id])
            return device
        }
    }

    /// The next operation id and stamp of a web device: ids never reused (two acts sent at once
    /// get two), stamps after the device's last and after the plan's last change.
    private func nextWebStamp(for device: DeviceRecord, after planStamp: HLCTimestamp) throws -> (Int64, HLCTimestamp) {
        let now = clock.nowMillis()
        return try webAuthors.withLock { authors in
            // The first act since the server started continues from what the history holds.
            var last = try authors[device.id] ?? pool.read { db in
                let counter = try Int64.fetchOne(db, sql: """
                    SELECT max(counter) FROM (SELECT counter FROM operation WHERE device = ?1 UNION ALL SELECT counter FROM rejection WHERE device = ?1)
                    """, arguments: [device.id]) ?? 0
                let stamp = try Int64.fetchOne(db, sql: "SELECT max(hlc) FROM operation WHERE device = ?", arguments: [device.id]) ?? 0
                return WebAuthor(counter: counter, stamp: HLCTimestamp(rawValue: stamp))
            }
            last.counter += 1
            last.stamp = last.stamp.receive(planStamp, now: now).tick(now: now)
            authors[device.id] = last
            return (last.counter, last.stamp)
        }
    }
}

/// The last operation id and stamp the server gave under a web device.
struct WebAuthor: Sendable {
    var counter: Int64
    var stamp: HLCTimestamp
}
