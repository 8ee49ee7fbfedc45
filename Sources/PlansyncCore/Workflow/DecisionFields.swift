import PlansyncProtocol

/// The decision records of the template (`decisions.*`) that acts record: nobody sets them as
/// fields any more, each is written by the act of the person whose decision it is.
public enum DecisionFields {
    /// The fields each act records, and the command that records it.
    static let byAct: [(act: ActName, command: String, paths: [String])] = [
        (.submit, "plansync plan submit", ["decisions.submission.reference"]),
        (.register, "plansync county register", ["decisions.registration.reference"]),
        (.aviz, "plansync county aviz", ["decisions.aviz.form", "decisions.aviz.reference", "decisions.aviz.outcome", "decisions.aviz.remarks"]),
        (.hcl, "plansync plan hcl", ["decisions.hcl.reference", "decisions.hcl.votesFor", "decisions.hcl.votesAgainst",
                                     "decisions.hcl.abstentions", "decisions.hcl.present", "decisions.hcl.inOffice"]),
        (.prefect, "plansync plan prefect", ["decisions.prefect.reference"]),
        (.publish, "plansync plan publish", ["decisions.publication.date", "decisions.publication.place"]),
    ]

    /// The command that records a field, when an act records it.
    public static func command(recording path: String) -> String? {
        byAct.first { $0.paths.contains(path) }?.command
    }

    /// The values a version's acts give the decision records.
    static func values(of version: PlanVersion) -> [String: (Value, RecordedAct)] {
        var values: [String: (Value, RecordedAct)] = [:]
        func put(_ path: String, _ text: String?, _ act: RecordedAct) {
            if let text { values[path] = (.text(text), act) }
        }
        for act in version.acts {
            switch act.act {
            case .submit(let letter, _, _, _):
                put("decisions.submission.reference", letter, act)
            case .register(let number, let date):
                put("decisions.registration.reference", written(number, date), act)
            case .aviz(let aviz):
                put("decisions.aviz.form", aviz.form == .hcj ? "hotărâre a consiliului județean" : "adresă", act)
                put("decisions.aviz.reference", aviz.reference, act)
                put("decisions.aviz.outcome", aviz.outcome.romanian, act)
                put("decisions.aviz.remarks", aviz.remarks, act)
            case .hcl(let hcl):
                put("decisions.hcl.reference", written(hcl.number, hcl.date), act)
                put("decisions.hcl.votesFor", String(hcl.votesFor), act)
                put("decisions.hcl.votesAgainst", String(hcl.against), act)
                put("decisions.hcl.abstentions", String(hcl.abstentions), act)
                put("decisions.hcl.present", String(hcl.present), act)
                put("decisions.hcl.inOffice", String(hcl.inOffice), act)
            case .prefect(let reference, let date):
                put("decisions.prefect.reference", RegistrationReference(reference).date == nil ? written(reference, date) : reference, act)
            case .publish(let date, let place):
                put("decisions.publication.date", date, act)
                put("decisions.publication.place", place, act)
            case .remark, .modify, .answer:
                continue
            }
        }
        return values
    }

    /// A number and an ISO date as the documents write them: `Nr. 5552/20.03.2024`.
    public static func written(_ number: String, _ date: String) -> String {
        "Nr. \(number)/\(CalendarDate(date)?.description ?? date)"
    }
}

extension PlanDocument {
    /// The plan as a version presents it: its content, with the decision records its acts made (a
    /// draft, which has none, is shown as it is).
    public func presenting(_ version: PlanVersion) -> PlanDocument {
        guard !version.acts.isEmpty else { return self }
        var copy = self
        let values = DecisionFields.values(of: version)
        for entry in DecisionFields.byAct {
            for path in entry.paths where schema.field(path) != nil {
                guard let (value, act) = values[path] else {
                    copy.fields[path] = nil
                    continue
                }
                let operation = act.operation
                copy.fields[path] = Register(Write(id: operation.id, hlc: operation.hlc, author: operation.author, value: value))
            }
        }
        copy.contentBytes = copy.measuredContentBytes
        return copy
    }
}

extension WorkflowAct {
    /// One line saying what the act recorded, for logs and histories.
    public var summary: String {
        switch self {
        case .submit(let letter, let hash, let findings, _):
            let warnings = findings.count { $0.severity == Severity.warning.rawValue }
            return "transmis spre avizare cu adresa \(letter) (conținut \(hash.prefix(12))…, \(warnings) avertisment(e))"
        case .register(let number, let date): return "înregistrat la consiliul județean: \(DecisionFields.written(number, date))"
        case .remark(let path, let text): return "observație\(path.map { " la \($0)" } ?? ""): \(text)"
        case .aviz(let aviz):
            return "aviz \(aviz.outcome.romanian), \(aviz.form == .hcj ? "prin hotărâre a consiliului județean" : "prin adresă"): \(aviz.reference)"
                + (aviz.remarks.map { "; observații: \($0)" } ?? "")
        case .hcl(let hcl):
            return "aprobat prin HCL \(DecisionFields.written(hcl.number, hcl.date)) (\(hcl.votesFor) pentru, \(hcl.against) împotrivă, \(hcl.abstentions) abțineri; \(hcl.present) prezenți din \(hcl.inOffice))"
        case .prefect(let reference, let date): return "comunicat Prefectului: \(reference), \(CalendarDate(date)?.description ?? date)"
        case .publish(let date, let place): return "publicat la \(CalendarDate(date)?.description ?? date)" + (place.map { " (\($0))" } ?? "")
        case .modify(let reason): return "modificare deschisă" + (reason.map { ": \($0)" } ?? "")
        case .answer(let remark, let text): return "răspuns la observația \(remark): \(text)"
        }
    }
}
