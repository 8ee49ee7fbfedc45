import Foundation
import PlansyncCore
import PlansyncProtocol

/// What one sync did.
public struct SyncReport: Codable, Sendable {
    public var pushed = 0
    public var accepted = 0
    public var rejected: [LoggedOperation] = []
    public var pulled = 0
    public var bytesSent = 0
    public var bytesReceived = 0
    public var milliseconds = 0
    /// What plansync did by itself to lose nothing, in words for the person at the computer.
    public var notices: [String] = []
    /// Plans held at an earlier state: the county has changes to them this version cannot apply.
    public var held: [HeldPlan] = []
    /// Plans brought up to date with changes held before (after an update of plansync).
    public var released: [PlanID] = []
    /// This device's edits that reached the county after the version they were made on froze:
    /// they are on a later draft.
    public var moved: [MovedEdit] = []
}

/// Progress of a long sync, for the CLI's progress line.
public enum SyncProgress: Sendable {
    case pushed(done: Int, remaining: Int)
    case pulled(done: Int)
}

/// Moves the change log to the county server and the county's accepted operations back.
///
/// Push first, in batches, oldest first; then pull pages after the cursor. Each batch's answer and
/// each page are committed locally before the next request, so a sync cut anywhere resumes where
/// it stopped, and the server's idempotent push makes a repeated batch harmless.
///
/// Three refusals are recovered from by the sync itself, losing nothing, and reported in
/// ``SyncReport/notices``: ids the county holds with other content (the data folder is in use on
/// another computer: this copy takes an identity of its own and sends its edits again under it),
/// the same found while pulling, and stamps the county's clock refuses (stamped again).
public struct Synchronizer: Sendable {
    public let replica: Replica
    public let transport: any SyncTransport
    public var batchSize: Int
    public var pageSize: Int
    /// The computer's clock, for measuring how far it is from the county's.
    let clock: any WallClock

    public init(replica: Replica, transport: any SyncTransport, batchSize: Int = 1000, pageSize: Int = 1000) {
        self.replica = replica
        self.transport = transport
        self.batchSize = batchSize
        self.pageSize = pageSize
        clock = replica.clock
    }

    /// A synchronizer for an enrolled replica, talking to the server it enrolled with.
    public init(replica: Replica, batchSize: Int = 1000, pageSize: Int = 1000) throws {
        let settings = try replica.settings()
        guard let url = URL(string: settings.server) else { throw ClientError("The server address '\(settings.server)' is not a URL.") }
        self.init(replica: replica, transport: Transport(server: url, credential: settings.credential),
                  batchSize: batchSize, pageSize: pageSize)
    }

    /// How many times one sync recovers by itself before it gives up and reports.
    private static let recoveries = 3

    public func sync(progress: @Sendable (SyncProgress) -> Void = { _ in }) async throws -> SyncReport {
        let started = ContinuousClock.now
        let (sentBefore, receivedBefore) = (transport.bytesSent, transport.bytesReceived)
        var report = SyncReport()
        var settings = try await replica.detached { try $0.settings() }
        if !settings.accountConfirmed {
            let enrollment = try await transport.me()
            try await replica.detached { try $0.confirm(enrollment) }
        }
        var holding = try await replica.detached { try $0.holdsAny() }
        if holding { report.released = try await replica.detached { try $0.releaseHeld() } }
        var recovered = 0
        while try await !pushAndPull(as: settings.device, into: &report, holding: &holding, progress: progress) {
            settings = try await replica.detached { try $0.settings() }
            recovered += 1
            guard recovered < Self.recoveries else {
                throw ClientError("The sync had to recover \(recovered) times in a row; stopped to let you look. Nothing was lost; run `plansync sync` again.")
            }
        }
        if holding { report.held = try await replica.detached { try $0.heldPlans() } }
        report.moved = try await replica.detached { try $0.finishSync() }
        report.bytesSent = transport.bytesSent - sentBefore
        report.bytesReceived = transport.bytesReceived - receivedBefore
        report.milliseconds = Int((ContinuousClock.now - started) / .milliseconds(1))
        return report
    }

    /// One pass: every pending batch, then every page. Returns `false` when it stopped to recover
    /// (the caller runs it again), `true` when it went through.
    private func pushAndPull(as device: DeviceID, into report: inout SyncReport, holding: inout Bool,
                             progress: @Sendable (SyncProgress) -> Void) async throws -> Bool {
        while true {
            let batch = try await replica.detached { [batchSize] in try $0.pendingBatch(limit: batchSize) }
            if batch.count == 0 { break }
            let answer: PushResponse
            do {
                answer = try await transport.push(body: batch.body)
            } catch SyncFailure.problem(let problem) where problem.slug == "op-id-reused" {
                try await replica.detached { try $0.markKnown(problem.known ?? []) }
                try await takeOwnIdentity(into: &report)
                return false
            } catch SyncFailure.problem(let problem) where problem.slug == "clock-out-of-range" && problem.countyTime != nil {
                let answeredAt = clock.nowMillis()
                let restamped = try await replica.detached { try $0.restamp(countyTime: problem.countyTime!, answeredAt: answeredAt) }
                report.notices.append(Self.clockNotice(offset: problem.countyTime! - clock.nowMillis(), restamped: restamped))
                return false
            }
            guard answer.outcomes.count == batch.count else {
                throw SyncFailure.badResponse("the server answered \(answer.outcomes.count) outcomes for \(batch.count) operations")
            }
            let rejected = try await replica.detached { try $0.acknowledge(answer) }
            report.pushed += batch.count
            report.accepted += answer.outcomes.count - rejected.count
            report.rejected += rejected
            let remaining = try await replica.detached { try $0.pendingCount() }
            progress(.pushed(done: report.pushed, remaining: remaining))
            if batch.count < batchSize { break }
        }
        try await checkCountyLog()
        var cursor = try await replica.detached { try $0.cursor() }
        while true {
            let page = try await transport.pull(after: cursor, limit: pageSize)
            let receivedAt = clock.nowMillis()
            let result = try await replica.detached { try $0.integrate(page, receivedAt: receivedAt, device: device) }
            if result.identityInUse {
                try await takeOwnIdentity(into: &report)
                return false
            }
            report.pulled += result.applied
            holding = holding || !result.newlyHeld.isEmpty
            if !page.operations.isEmpty { progress(.pulled(done: report.pulled)) }
            if result.capabilitiesChanged {
                let capabilities = try await transport.capabilities()
                try await replica.detached { try $0.store(capabilities) }
            }
            cursor = page.next
            if !page.more { break }
        }
        return true
    }

    /// Checks the county's log before taking anything from it: its newest checkpoint is signed by
    /// the key first seen, extends the last one checked here, and holds every operation of this
    /// device it acknowledged, as sent. A county that rewrote its log stops the sync here.
    private func checkCountyLog() async throws {
        while true {
            let state = try await replica.detached { try $0.auditState() }
            let request = AuditProofRequest(from: state.checkpoint?.size ?? 0, after: state.provenCounter)
            let answer = try await transport.auditProof(request)
            try await replica.detached { try $0.accept(answer, asked: request) }
            if !answer.more { return }
        }
    }

    /// Asks the county for an identity of this copy's own and moves the unacknowledged edits to it.
    private func takeOwnIdentity(into report: inout SyncReport) async throws {
        let settings = try await replica.detached { try $0.settings() }
        let label = String((settings.label.isEmpty ? "computer" : settings.label).prefix(180)) + " (copie)"
        let publicKey = try await replica.detached { try $0.devicePublicKey() }
        let identity = try await transport.fork(label: label, publicKey: publicKey)
        let (reissued, renamed) = try await replica.detached { try $0.adopt(identity) }
        try await transport.use(credential: identity.credential)
        var notice = "This computer's data folder is also in use on another computer (a copy, or a restored backup). "
            + "It is now device \(identity.device) of \(identity.account.name); \(reissued) edit(s) the county had not acknowledged "
            + "were sent again under it, and the other computer's edits come in as anyone else's. Nothing was lost."
        for (from, to) in renamed { notice += " Plan \(from) is now \(to)." }
        report.notices.append(notice)
    }

    static func clockNotice(offset: Int64, restamped: Int) -> String {
        "This computer's clock is \(describe(clockOffset: offset)) the county's: \(restamped) edit(s) were stamped "
            + "again with the county's time, and new edits use it. Set the date and time of this computer."
    }

    /// How far a clock is off, in words: "3 days ahead of", "2.5 hours behind".
    public static func describe(clockOffset offset: Int64) -> String {
        let minutes = Double(offset.magnitude) / 60_000
        let amount = switch minutes {
        case ..<120: String(format: "%.0f minutes", minutes)
        case ..<(48 * 60): String(format: "%.1f hours", minutes / 60)
        case ..<(730 * 24 * 60): String(format: "%.0f days", minutes / 1_440)
        default: String(format: "%.0f years", minutes / 525_960)
        }
        return "\(amount) \(offset < 0 ? "ahead of" : "behind")"
    }
}
