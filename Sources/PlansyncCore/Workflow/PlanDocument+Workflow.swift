import PlansyncProtocol

/// How acts move a plan's versions, and how a content edit that arrives after its version froze
/// lands on the next draft instead of being lost. Applied in the county's order, like any operation,
/// so every replica reaches the same versions; the acts are checked first (``OperationRules``).
extension PlanDocument {
    /// Opens the next draft when the latest version is frozen: called before a content edit is
    /// applied. The county never changes a frozen version; the edit is kept, on the new draft.
    mutating func openDraftIfFrozen(for operation: PlanOperation) {
        if workflow.draft == nil { openVersion(.automatic, by: operation.id) }
    }

    private mutating func openVersion(_ cause: VersionOpening.Cause, by id: OpID, reason: String? = nil) {
        let latest = workflow.latest
        workflow.versions.append(PlanVersion(number: latest.number + 1, supersedes: latest.number,
                                             opening: VersionOpening(cause: cause, by: id, reason: reason)))
    }

    /// Applies a checked act on version `number`.
    mutating func apply(act: WorkflowAct, on number: Int, by operation: PlanOperation) {
        guard workflow.versions.indices.contains(number - 1) else { return }  // the rules refuse it first
        let index = number - 1
        let from = workflow.versions[index].state
        var actedOn = index
        switch act {
        case .submit(_, let hash, let findings, _):
            // A second submission of the same content (another device, concurrently) is the same
            // submission: nothing more to record.
            guard from == .draft else { return }
            freeze(index, by: operation.id, hash: hash)
            workflow.versions[index].findings = findings.sorted()
            workflow.versions[index].state = .submitted
        case .register:
            workflow.versions[index].state = .registered
        case .remark(let path, let text):
            addRemark(id: operation.id, version: number, path: path, text: text, by: operation)
        case .aviz(let aviz):
            // Its remarks are answered in the next version, whatever the outcome.
            if let remarks = aviz.remarks { addRemark(id: operation.id, version: number, path: nil, text: remarks, by: operation) }
            if aviz.outcome == .unfavourable {
                workflow.versions[index].state = .returned
                if workflow.draft == nil { openVersion(.returned, by: operation.id) }
            } else {
                workflow.versions[index].state = .avizat
            }
        case .hcl:
            if from == .draft {
                freeze(index, by: operation.id, hash: PlanSnapshot(self).hash)
                workflow.versions[index].route = .hclOnly
            } else {
                workflow.versions[index].route = .full
            }
            workflow.versions[index].state = .approved
            // The version approved replaces every earlier one: in force, or still before the county.
            for earlier in 0..<index where workflow.versions[earlier].state != .draft {
                workflow.versions[earlier].state = .superseded
            }
        case .prefect:
            workflow.versions[index].state = .communicated
        case .publish:
            workflow.versions[index].state = .published
        case .modify(let reason):
            openVersion(.modification, by: operation.id, reason: reason)
        case .answer(let remark, let text):
            openDraftIfFrozen(for: operation)
            actedOn = workflow.versions.count - 1
            if let place = workflow.remarks.firstIndex(where: { $0.id == remark }) {
                workflow.remarks[place].answer = Remark.Answer(id: operation.id, text: text, version: actedOn + 1,
                                                               author: operation.author, hlc: operation.hlc)
            }
        }
        let to = workflow.versions[actedOn].state
        workflow.versions[actedOn].acts.append(RecordedAct(operation: operation, from: actedOn == index ? from : to, to: to))
    }

    /// Freezes a version's content as it stands: its hashes, and whether it changes Chapter I of
    /// the approved version it follows.
    private mutating func freeze(_ index: Int, by id: OpID, hash: String) {
        let chapterOne = PlanSnapshot.chapterOne(self).hash
        workflow.versions[index].frozenBy = id
        workflow.versions[index].contentHash = hash
        workflow.versions[index].chapterOneHash = chapterOne
        workflow.versions[index].changesChapterOne = workflow.approvedBefore(index + 1).map { $0.chapterOneHash != chapterOne }
    }

    private mutating func addRemark(id: OpID, version: Int, path: String?, text: String, by operation: PlanOperation) {
        workflow.remarks.append(Remark(id: id, version: version, path: path, text: text, author: operation.author, hlc: operation.hlc))
        contentBytes += text.utf8.count + (path?.utf8.count ?? 0)
    }
}

extension PlanWorkflow {
    /// The latest version before `number` that the council approved (in force or superseded since):
    /// what a modification is measured against.
    public func approvedBefore(_ number: Int) -> PlanVersion? {
        versions.prefix(number - 1).last { $0.route != nil }
    }
}
