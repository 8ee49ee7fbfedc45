import PlansyncProtocol

/// A submission is a frozen snapshot: the content hash and the reviewer checks' findings on it.
/// The submitter's client builds it from the plan it shows; the county checks it against its own
/// plan and its own checks, and accepts nothing it did not compute itself.
extension PlanValidator {
    /// The submission of the plan's draft as it stands, by the UAT's letter. Refused here when the
    /// checks find errors (the county would refuse it for the same reason).
    public func submission(of plan: PlanDocument, letter: String) throws(Rejection) -> Change {
        guard let draft = plan.workflow.draft else {
            throw Rejection(code: "wrong-state", message: "Planul nu are o ciornă de transmis: versiunea \(plan.workflow.latest.number) este \(plan.workflow.latest.state.romanian). Pentru o schimbare deschideți o modificare (`plansync plan modify`) (no draft to submit).")
        }
        let report = check(plan)
        if !report.canSubmit {
            throw Rejection(code: "submission-has-errors", message: "Planul are \(report.errors.count) erori care blochează transmiterea:\n"
                + report.errors.map { "  \($0.line)" }.joined(separator: "\n") + "\nCorectați-le (`plansync plan check`) și transmiteți din nou.")
        }
        return .act(version: draft.number, .submit(letter: letter, contentHash: PlanSnapshot(plan).hash, findings: report.marks))
    }

    /// The county's check of a submission: the findings it carries must be the county's own on
    /// the same content (a device cannot hide an error or invent a warning). A second submission
    /// of a version already sent joins the first and is not checked again.
    public func checkSubmission(_ operation: PlanOperation, on plan: PlanDocument?) throws(Rejection) {
        guard case .act(let number, .submit(_, _, let carried, _)) = operation.change,
              let plan, plan.workflow.version(number)?.state == .draft
        else { return }
        let own = check(plan).marks
        guard carried.sorted() == own else {
            let missing = Set(own).subtracting(carried).sorted().prefix(3).map { "\($0.severity) \($0.code) \($0.path)" }
            let extra = Set(carried).subtracting(own).sorted().prefix(3).map { "\($0.severity) \($0.code) \($0.path)" }
            throw Rejection(code: "findings-differ", message: "Constatările transmise nu sunt cele ale verificărilor județului pe același conținut"
                + (missing.isEmpty ? "" : "; județul găsește și: \(missing.joined(separator: "; "))")
                + (extra.isEmpty ? "" : "; județul nu găsește: \(extra.joined(separator: "; "))")
                + ". Sincronizați (lista de coduri a județului vine cu sincronizarea), verificați și transmiteți din nou; dacă persistă, actualizați plansync (findings differ from the county's).")
        }
    }
}

extension ValidationReport {
    /// The findings as a submission carries them, in a stable order.
    public var marks: [FindingMark] {
        findings.map { FindingMark(code: $0.code, severity: $0.severity.rawValue, path: $0.path) }.sorted()
    }
}
