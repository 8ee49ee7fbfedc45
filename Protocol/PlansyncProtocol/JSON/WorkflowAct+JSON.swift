/// The members an act adds to its operation (`op: "act"`), both ways. See `Protocol/CANONICAL.md`.
extension WorkflowAct {
    /// The members each act has besides `act` and `version`; optional ones are left out when unset.
    static let members: [ActName: Set<String>] = [
        .submit: ["letter", "hash", "findings", "signature"],
        .register: ["number", "date"],
        .remark: ["path", "text"],
        .aviz: ["form", "reference", "outcome", "remarks"],
        .hcl: ["number", "date", "for", "against", "abstain", "present", "inOffice"],
        .prefect: ["reference", "date"],
        .publish: ["date", "where"],
        .modify: ["reason"],
        .answer: ["remark", "text"],
    ]

    /// The act's members and how to write each value (the operation sorts them with its own).
    func members<Sink: JSONSink>() -> [(String, (inout Sink) -> Void)] {
        func text(_ value: String) -> (inout Sink) -> Void { { $0.string(value) } }
        func number(_ value: Int64) -> (inout Sink) -> Void { { $0.integer(value) } }
        func optional(_ name: String, _ value: String?) -> [(String, (inout Sink) -> Void)] {
            value.map { [(name, text($0))] } ?? []
        }
        switch self {
        case .submit(let letter, let hash, let findings, let signature):
            let list: (inout Sink) -> Void = { sink in
                sink.openArray()
                for finding in findings {
                    sink.openObject()
                    sink.key("code"); sink.string(finding.code)
                    sink.key("path"); sink.string(finding.path)
                    sink.key("severity"); sink.string(finding.severity)
                    sink.closeObject()
                }
                sink.closeArray()
            }
            return [("letter", text(letter)), ("hash", text(hash)), ("findings", list)] + optional("signature", signature)
        case .register(let number, let date):
            return [("number", text(number)), ("date", text(date))]
        case .remark(let path, let remark):
            return optional("path", path) + [("text", text(remark))]
        case .aviz(let aviz):
            return [("form", text(aviz.form.rawValue)), ("reference", text(aviz.reference)), ("outcome", text(aviz.outcome.rawValue))]
                + optional("remarks", aviz.remarks)
        case .hcl(let hcl):
            return [("number", text(hcl.number)), ("date", text(hcl.date)), ("for", number(hcl.votesFor)), ("against", number(hcl.against)),
                    ("abstain", number(hcl.abstentions)), ("present", number(hcl.present)), ("inOffice", number(hcl.inOffice))]
        case .prefect(let reference, let date):
            return [("reference", text(reference)), ("date", text(date))]
        case .publish(let date, let place):
            return [("date", text(date))] + optional("where", place)
        case .modify(let reason):
            return optional("reason", reason)
        case .answer(let remark, let answer):
            return [("remark", text(remark.description)), ("text", text(answer))]
        }
    }

    /// Reads the act of an operation whose other members the caller reads.
    init(_ fields: JSONFields, path: String) throws(WireFormatError) {
        let name = try fields.string("act")
        guard let act = ActName(rawValue: name) else {
            throw WireFormatError("\(path).act: unknown act '\(name)'; this version of plansync knows \(ActName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws(WireFormatError) -> T where T.RawValue == String {
            let text = try fields.string(key)
            guard let value = T(rawValue: text) else {
                throw WireFormatError("\(path).\(key) '\(text)' should be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
        switch act {
        case .submit:
            let findings = try fields.list("findings") { (item, itemPath) throws(WireFormatError) in
                let finding = try JSONFields(item, path: "\(path).\(itemPath)")
                try finding.allowOnly(["code", "path", "severity"])
                return FindingMark(code: try finding.string("code"), severity: try finding.string("severity"), path: try finding.string("path"))
            }
            self = .submit(letter: try fields.string("letter"), contentHash: try fields.string("hash"), findings: findings,
                           signature: try fields.optionalString("signature"))
        case .register:
            self = .register(number: try fields.string("number"), date: try fields.string("date"))
        case .remark:
            self = .remark(path: try fields.optionalString("path"), text: try fields.string("text"))
        case .aviz:
            self = .aviz(AvizRecord(form: try choice("form", AvizRecord.Form.self), reference: try fields.string("reference"),
                                    outcome: try choice("outcome", AvizRecord.Outcome.self), remarks: try fields.optionalString("remarks")))
        case .hcl:
            self = .hcl(CouncilDecision(number: try fields.string("number"), date: try fields.string("date"),
                                        votesFor: try fields.integer("for"), against: try fields.integer("against"),
                                        abstentions: try fields.integer("abstain"), present: try fields.integer("present"),
                                        inOffice: try fields.integer("inOffice")))
        case .prefect:
            self = .prefect(reference: try fields.string("reference"), date: try fields.string("date"))
        case .publish:
            self = .publish(date: try fields.string("date"), place: try fields.optionalString("where"))
        case .modify:
            self = .modify(reason: try fields.optionalString("reason"))
        case .answer:
            self = .answer(remark: try fields.opID("remark"), text: try fields.string("text"))
        }
    }
}
