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
public struct Synchronizer: Sendable {
    public let replica: Replica
    public let transport: any SyncTransport
    public var batchSize: Int
    public var pageSize: Int

    public init(replica: Replica, transport: any SyncTransport, batchSize: Int = 1000, pageSize: Int = 1000) {
        self.replica = replica
        self.transport = transport
        self.batchSize = batchSize
        self.pageSize = pageSize
    }

    /// A synchronizer for an enrolled replica, talking to the server it enrolled with.
    public init(replica: Replica, batchSize: Int = 1000, pageSize: Int = 1000) throws {
        let settings = try replica.settings()
        guard let url = URL(string: settings.server) else { throw ClientError("The server address '\(settings.server)' is not a URL.") }
        self.init(replica: replica, transport: Transport(server: url, credential: settings.credential),
                  batchSize: batchSize, pageSize: pageSize)
    }

    public func sync(progress: @Sendable (SyncProgress) -> Void = { _ in }) async throws -> SyncReport {
        let started = ContinuousClock.now
        let (sentBefore, receivedBefore) = (transport.bytesSent, transport.bytesReceived)
        var report = SyncReport()
        while true {
            let batch = try replica.pendingBatch(limit: batchSize)
            if batch.count == 0 { break }
            let answer = try await transport.push(body: batch.body)
            guard answer.outcomes.count == batch.count else {
                throw SyncFailure.badResponse("the server answered \(answer.outcomes.count) outcomes for \(batch.count) operations")
            }
            let rejected = try replica.acknowledge(answer)
            report.pushed += batch.count
            report.accepted += answer.outcomes.count - rejected.count
            report.rejected += rejected
            progress(.pushed(done: report.pushed, remaining: try replica.pendingCount()))
            if batch.count < batchSize { break }
        }
        var cursor = try replica.cursor()
        while true {
            let page = try await transport.pull(after: cursor, limit: pageSize)
            report.pulled += try replica.integrate(page)
            if !page.operations.isEmpty { progress(.pulled(done: report.pulled)) }
            cursor = page.next
            if !page.more { break }
        }
        try replica.markSynced()
        report.bytesSent = transport.bytesSent - sentBefore
        report.bytesReceived = transport.bytesReceived - receivedBefore
        report.milliseconds = Int((ContinuousClock.now - started) / .milliseconds(1))
        return report
    }
}
