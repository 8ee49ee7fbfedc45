import PlansyncProtocol

/// The rules of the legal workflow: which act may happen to a version in which state, and what
/// each act must say. Part of ``OperationRules``, so the client refuses offline exactly what the
/// county refuses, with the same words.
extension OperationRules {
    func checkAct(_ act: WorkflowAct, on number: Int, of plan: PlanDocument) throws(Rejection) {
        let workflow = plan.workflow
        guard let version = workflow.version(number) else {
            throw Rejection(code: "unknown-version", message: "Planul nu are versiunea \(number); are \(workflow.versions.count) (unknown version).")
        }
        for text in act.texts where text.utf8.count > limits.valueBytes {
            throw Rejection(code: "too-large", message: "Un text al actului are \(text.utf8.count) octeți; cel mult \(limits.valueBytes) (text too long).")
        }
        let state = version.state
        // Each freeze and each modification adds a version; the plan keeps a bounded number.
        let addsVersion: Bool = switch act {
        case .submit, .modify: state == .draft || act.name == .modify
        case .hcl: state == .draft
        default: false
        }
        if addsVersion, workflow.versions.count >= PlanWorkflow.maximumVersions {
            throw Rejection(code: "too-large", message: "Planul are deja \(workflow.versions.count) versiuni; cel mult \(PlanWorkflow.maximumVersions). Cereți consiliului județean să verifice ce se întâmplă (too many versions).")
        }
        if [.register, .remark, .aviz, .hcl].contains(act.name), let later = workflow.versions.dropFirst(number).last(where: { $0.route != nil }) {
            throw Rejection(code: "wrong-state", message: "Versiunea \(number) a fost înlocuită de versiunea \(later.number), aprobată prin HCL; actele se fac pe versiunea în vigoare sau pe una mai nouă (replaced by a later approved version).")
        }
        func require(_ states: Set<VersionState>, _ what: String) throws(Rejection) {
            guard states.contains(state) else {
                throw Rejection(code: "wrong-state", message: "Versiunea \(number) este \(state.romanian) (\(state.rawValue)); \(what) (wrong state).")
            }
        }
        switch act {
        case .submit(let letter, let hash, let findings, _):
            try requireText(letter, "Adresa de transmitere (nr./data)", "the outgoing letter")
            guard findings.count <= limits.rowsPerTable else {
                throw Rejection(code: "too-large", message: "Transmiterea poartă \(findings.count) constatări; cel mult \(limits.rowsPerTable) (too many findings).")
            }
            if state != .draft {
                guard state == .submitted || state == .registered, version.contentHash == hash, version.findings == findings.sorted() else {
                    throw Rejection(code: "version-frozen", message: "Versiunea \(number) a fost deja transmisă de \(version.last(.submit)?.operation.author ?? "altcineva"), cu alt conținut; editările făcute după aceea sunt pe versiunea \(workflow.latest.number) (already submitted with other content).")
                }
                return  // the same submission again (another device, concurrently): one submission
            }
            guard hash == PlanSnapshot(plan).hash else {
                throw Rejection(code: "submission-stale", message: "Conținutul versiunii \(number) s-a schimbat după ce a fost verificat pentru transmitere (alte editări au ajuns între timp). Sincronizați, verificați planul și transmiteți din nou (content changed since it was checked).")
            }
            if let error = findings.first(where: { $0.severity == Severity.error.rawValue }) {
                throw Rejection(code: "submission-has-errors", message: "Planul are erori care blochează transmiterea (prima: \(error.code) la \(error.path.isEmpty ? "plan" : error.path)). Vedeți `plansync plan check` (errors block a submission).")
            }
            let open = plan.conflicts.filter { PlanSchema.isChapterOne(String($0.path.prefix { $0 != "[" })) }
            if let conflict = open.first {
                throw Rejection(code: "open-conflicts", message: "Capitolul I are \(open.count) conflict(e) nerezolvat(e) (primul: \(quoted(conflict.path))); rezolvați-le (`plansync conflicts`) înainte de transmitere (open conflicts in Chapter I).")
            }
        case .register(let registryNumber, let date):
            try require([.submitted], "doar o versiune transmisă și neînregistrată se înregistrează")
            try requireText(registryNumber, "Numărul de înregistrare", "the registration number")
            try requireOrder(date, after: version.lastDate, "înregistrarea", "adresa UAT")
        case .remark(_, let text):
            try require([.submitted, .registered], "observațiile se fac pe o versiune transmisă, înainte de aviz")
            try requireText(text, "Observația", "the remark")
            guard workflow.remarks.count < limits.rowsPerTable else {
                throw Rejection(code: "too-large", message: "Planul are deja \(limits.rowsPerTable) observații (too many remarks).")
            }
        case .aviz(let aviz):
            try require([.registered], "avizul se dă unei versiuni înregistrate la consiliul județean")
            try requireText(aviz.reference, "Referința avizului (nr./data)", "the aviz reference")
            if aviz.outcome != .favourable, (aviz.remarks ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw Rejection(code: "missing-remarks", message: "Un aviz \(aviz.outcome.romanian) are observații: dați-le cu --remarks (remarks required).")
            }
            if let date = RegistrationReference(aviz.reference).date {
                try requireOrder(date.iso, after: version.lastDate, "avizul", "înregistrarea")
            }
        case .hcl(let hcl):
            try checkHCL(hcl, version: version, of: plan)
        case .prefect(let reference, let date):
            try require([.approved], "comunicarea către Prefect urmează aprobării prin HCL")
            try requireText(reference, "Numărul comunicării", "the communication's number")
            try requireOrder(date, after: version.lastDate, "comunicarea către Prefect", "HCL")
        case .publish(let date, _):
            try require([.communicated], "publicarea urmează comunicării către Prefect")
            try requireOrder(date, after: version.lastDate, "publicarea", "comunicarea către Prefect")
        case .modify:
            guard number == workflow.latest.number else {
                throw Rejection(code: "wrong-state", message: "Versiunea \(number) nu este ultima; ultima este \(workflow.latest.number) (modify the latest version).")
            }
            guard state != .draft else {
                throw Rejection(code: "draft-open", message: "Versiunea \(number) este deja o ciornă deschisă (\(version.opening.cause.rawValue)); modificați-o direct (a draft is already open).")
            }
        case .answer(let remark, let text):
            try requireText(text, "Răspunsul", "the answer")
            guard let found = workflow.remarks.first(where: { $0.id == remark }) else {
                throw Rejection(code: "unknown-remark", message: "Planul nu are observația \(remark) (unknown remark). `plansync plan state` le arată.")
            }
            if let answer = found.answer {
                throw Rejection(code: "already-answered", message: "Observația \(remark) are deja răspuns, dat în versiunea \(answer.version) de \(answer.author) (already answered).")
            }
        }
    }

    /// The HCL: on a version avizat favourably, or on a modification's draft that leaves Chapter I
    /// as approved; the vote must adopt it.
    private func checkHCL(_ hcl: CouncilDecision, version: PlanVersion, of plan: PlanDocument) throws(Rejection) {
        let workflow = plan.workflow
        switch version.state {
        case .avizat:
            try requireOrder(hcl.date, after: version.lastDate, "HCL", "avizul")
        case .draft:
            guard let approved = workflow.approvedBefore(version.number) else {
                throw Rejection(code: "aviz-required", message: "Versiunea \(version.number) nu a primit avizul consiliului județean: transmiteți-o (`plansync plan submit`) înainte de HCL (aviz required).")
            }
            // Measured now, on the draft as it stands.
            guard approved.chapterOneHash == PlanSnapshot.chapterOne(plan).hash else {
                throw Rejection(code: "aviz-required", message: "Modificarea schimbă Capitolul I (servicii, capacități, bugete) față de versiunea \(approved.number) aprobată: trebuie transmisă spre avizare consiliului județean înainte de HCL (a Chapter I change needs a new aviz).")
            }
            try requireOrder(hcl.date, after: approved.lastDate, "HCL", "HCL-ul versiunii aprobate")
        default:
            throw Rejection(code: "wrong-state", message: "Versiunea \(version.number) este \(version.state.romanian) (\(version.state.rawValue)); HCL-ul aprobă o versiune avizată favorabil sau o modificare fără schimbări în Capitolul I (wrong state).")
        }
        try requireText(hcl.number, "Numărul HCL", "the HCL number")
        // In range before any sum: no number a device sends can overflow the arithmetic below.
        let numbers = [hcl.votesFor, hcl.against, hcl.abstentions, hcl.present, hcl.inOffice]
        guard numbers.allSatisfy({ (0...CouncilDecision.maximumCouncillors).contains($0) }) else {
            throw Rejection(code: "vote-rules", message: "Voturile și numărul consilierilor sunt între 0 și \(CouncilDecision.maximumCouncillors) (votes out of range).")
        }
        let cast = hcl.votesFor + hcl.against + hcl.abstentions
        let problem: String? =
            hcl.inOffice == 0 ? "consiliul nu are consilieri în funcție"
            : cast > hcl.present ? "au votat \(cast) consilieri, dar erau prezenți \(hcl.present)"
            : hcl.present > hcl.inOffice ? "prezenți \(hcl.present), mai mulți decât cei \(hcl.inOffice) în funcție"
            : hcl.present * 2 <= hcl.inOffice ? "fără cvorum: \(hcl.present) prezenți din \(hcl.inOffice) în funcție"
            : hcl.votesFor * 2 <= hcl.present ? "\(hcl.votesFor) voturi pentru din \(hcl.present) prezenți nu adoptă hotărârea"
            : nil
        if let problem {
            throw Rejection(code: "vote-rules", message: "HCL-ul nu poate fi consemnat: \(problem) (pentru+împotrivă+abțineri ≤ prezenți ≤ în funcție; cvorum peste jumătate; adoptată cu peste jumătate din prezenți).")
        }
    }

    private func requireText(_ text: String, _ what: String, _ english: String) throws(Rejection) {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw Rejection(code: "missing-value", message: "\(what) lipsește (\(english) is missing).")
        }
    }

    /// A date of an act: a real day, not before the step it follows.
    private func requireOrder(_ text: String, after earlier: CalendarDate?, _ step: String, _ earlierStep: String) throws(Rejection) {
        guard let date = CalendarDate(text) else {
            throw Rejection(code: "bad-date", message: "Data \(quoted(text)) pentru \(step) nu este o dată; scrieți 20.03.2024 sau 2024-03-20 (not a date).")
        }
        if let earlier, date < earlier {
            throw Rejection(code: "dates-order", message: "Data pentru \(step) (\(date)) este înaintea celei pentru \(earlierStep) (\(earlier)) (dates out of order).")
        }
    }
}

extension WorkflowAct {
    /// The free texts the act carries (their size is limited like a value's).
    var texts: [String] {
        switch self {
        case .submit(let letter, let hash, let findings, let signature): [letter, hash, signature ?? ""] + findings.flatMap { [$0.code, $0.severity, $0.path] }
        case .register(let number, let date): [number, date]
        case .remark(let path, let text): [path ?? "", text]
        case .aviz(let aviz): [aviz.reference, aviz.remarks ?? ""]
        case .hcl(let hcl): [hcl.number, hcl.date]
        case .prefect(let reference, let date): [reference, date]
        case .publish(let date, let place): [date, place ?? ""]
        case .modify(let reason): [reason ?? ""]
        case .answer(_, let text): [text]
        }
    }
}
