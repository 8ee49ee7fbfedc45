import Foundation
import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
import Synchronization

/// How one sync started from the page went: the steps it got through and how it ended.
struct SyncOutcome: Sendable {
    let finishedAt: Date
    /// What the sync reported as it went (batches sent, pages received).
    let steps: [SyncProgress]
    /// The whole report, when the sync went through.
    let report: SyncReport?
    /// Why it stopped, in the CLI's words, when it did not.
    let failure: String?
    /// Edits still waiting on this computer afterwards.
    let pending: Int
    let openConflicts: Int

    /// The steps and the result in the page's language, one line each.
    func lines(_ language: PageLanguage) -> [String] {
        let ro = language == .ro
        var lines = steps.map { step in
            switch step {
            case .pushed(let done, let remaining):
                ro ? "Trimise \(done) modificări către județ; mai sunt \(remaining)." : "Sent \(done) edits to the county; \(remaining) to go."
            case .pulled(let done):
                ro ? "Primite \(done) modificări de la județ." : "Received \(done) edits from the county."
            }
        }
        if let report {
            lines += report.notices
            lines.append(ro ? "Trimise \(report.pushed) modificări (\(report.accepted) acceptate), primite \(report.pulled), în \(report.milliseconds) ms."
                : "Sent \(report.pushed) edits (\(report.accepted) accepted), received \(report.pulled), in \(report.milliseconds) ms.")
            lines += report.rejected.map { item in
                (ro ? "Pusă deoparte de județ: " : "Set aside by the county: ") + "\(item.operation.change.described) — \(item.rejection?.message ?? "")"
            }
            lines += report.moved.map { edit in
                ro ? "Modificarea \(edit.operation) (\(edit.change)) făcută pe versiunea \(edit.madeOn), înghețată între timp, este pe versiunea \(edit.landedOn)."
                    : "Edit \(edit.operation) (\(edit.change)) was made on version \(edit.madeOn), frozen meanwhile: it is on version \(edit.landedOn)."
            }
            lines += report.held.map { held in
                ro ? "Planul \(held.plan) este afișat fără \(held.count) modificări ale județului pe care această versiune de plansync nu le poate aplica; actualizați plansync (\(held.reason))."
                    : "Plan \(held.plan) is shown without \(held.count) change(s) from the county that this version of plansync cannot apply; update plansync (\(held.reason))."
            }
        }
        if let failure { lines.append(failure) }
        lines.append(ro ? "Modificări încă netrimise pe acest calculator: \(pending). Conflicte deschise: \(openConflicts)."
            : "Edits still not sent from this computer: \(pending). Open conflicts: \(openConflicts).")
        return lines
    }
}

/// Runs the page's syncs one at a time — the same sync as `plansync sync` — and keeps the last
/// outcome for the pages that show it.
final class SyncDesk: Sendable {
    private let state = Mutex<(running: Bool, last: SyncOutcome?)>((false, nil))

    var last: SyncOutcome? { state.withLock { $0.last } }

    /// Syncs now; `nil` when a sync started from another tab is still running (its outcome will show).
    func sync(_ replica: Replica) async -> SyncOutcome? {
        guard state.withLock({ state in
            if state.running { return false }
            state.running = true
            return true
        }) else { return nil }
        defer { state.withLock { $0.running = false } }
        let steps = Mutex<[SyncProgress]>([])
        var report: SyncReport?
        var failure: String?
        do {
            report = try await Synchronizer(replica: replica).sync { step in steps.withLock { $0.append(step) } }
        } catch {
            // Unreachable, refused, or damaged: the edits stay pending; the words say what to do.
            failure = "\(error)"
        }
        let outcome = SyncOutcome(finishedAt: Date(), steps: steps.withLock { $0 }, report: report, failure: failure,
                                  pending: (try? await replica.detached { try $0.pendingCount() }) ?? 0,
                                  openConflicts: (try? await replica.detached { try $0.conflicts().count }) ?? 0)
        state.withLock { $0.last = outcome }
        return outcome
    }
}
