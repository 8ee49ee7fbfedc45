import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol

/// The workflow acts of the commune's roles as the page offers them: each act's CLI options
/// (`plansync plan submit --letter`, `plan hcl --number --date --for …`) as the inputs of a form,
/// recorded through the same replica methods as the CLI.
struct ActForm: Sendable {
    struct Input: Sendable {
        /// The CLI option's name, which is also the form field's.
        let name: String
        var required = true
        var whole = false
        var multiline = false
    }

    let act: ActName
    let inputs: [Input]

    /// The acts the page offers in its workflow section; answers are given beside each remark.
    static let offered: [ActForm] = [
        ActForm(act: .submit, inputs: [Input(name: "letter")]),
        ActForm(act: .modify, inputs: [Input(name: "reason", required: false, multiline: true)]),
        ActForm(act: .hcl, inputs: [Input(name: "number"), Input(name: "date")]
            + ["for", "against", "abstain", "present", "in-office"].map { Input(name: $0, whole: true) }),
        ActForm(act: .prefect, inputs: [Input(name: "reference"), Input(name: "date")]),
        ActForm(act: .publish, inputs: [Input(name: "date"), Input(name: "where", required: false)]),
    ]

    /// The acts the commune's own forms record, answers included: what `POST …/acts/{act}` takes.
    static let recordable: Set<ActName> = Set(offered.map(\.act) + [.answer])

    /// Whether the account's role records this act at all (the permission table's line for acts).
    static func role(_ role: Role, records act: ActName) -> Bool {
        Permissions.grants.contains { $0.role == role && $0.kinds.contains(.act) && $0.areas.contains(PlanArea.of(act)) }
    }

    /// The acts this account may record on the plan now: its role's, with a version waiting for them.
    static func available(to account: Account, on workflow: PlanWorkflow) -> [ActForm] {
        offered.filter { role(account.role, records: $0.act) && workflow.target(for: $0.act) != nil }
    }

    /// Records an act from a posted form, as the CLI's command of the same name does.
    static func record(_ act: ActName, on plan: PlanDocument, from form: FormBody, in replica: Replica,
                       language: PageLanguage) throws -> PlanDocument {
        let reader = ActInputs(form: form, language: language)
        switch act {
        case .submit:
            return try replica.submit(plan.id, letter: try reader.required("letter"))
        case .modify:
            let reason = form.trimmed("reason")
            return try replica.act(on: plan.id, .modify) { _ in .modify(reason: reason.isEmpty ? nil : reason) }
        case .answer:
            let remark = form.trimmed("remark")
            guard let id = OpID(remark), plan.workflow.remarks.contains(where: { $0.id == id }) else {
                throw ClientError("The plan has no remark '\(remark)'; `plansync plan state \(plan.id)` lists them.")
            }
            let text = try reader.required("text")
            return try replica.act(on: plan.id, .answer) { _ in .answer(remark: id, text: text) }
        case .hcl:
            let decision = CouncilDecision(
                number: try reader.required("number"), date: try reader.date("date"), votesFor: try reader.whole("for"),
                against: try reader.whole("against"), abstentions: try reader.whole("abstain"), present: try reader.whole("present"),
                inOffice: try reader.whole("in-office"))
            return try replica.act(on: plan.id, .hcl) { _ in .hcl(decision) }
        case .prefect:
            let (reference, date) = (try reader.required("reference"), try reader.date("date"))
            return try replica.act(on: plan.id, .prefect) { _ in .prefect(reference: reference, date: date) }
        case .publish:
            let (date, place) = (try reader.date("date"), form.trimmed("where"))
            return try replica.act(on: plan.id, .publish) { _ in .publish(date: date, place: place.isEmpty ? nil : place) }
        case .register, .remark, .aviz:
            throw Rejection(code: "role-forbidden", message: Permissions.refusal(for: try replica.settings().account.role, area: .countyDecision))
        }
    }
}

/// Reads an act's inputs, refusing what the CLI's options would refuse, in the page's words.
private struct ActInputs {
    let form: FormBody
    let language: PageLanguage

    func required(_ name: String) throws -> String {
        let text = form.trimmed(name)
        guard !text.isEmpty else { throw ClientError("\(communeWords["required", in: language]): \(communeWords["input.\(name)", in: language]).") }
        return text
    }

    /// A date as clerks type it (`27.03.2024` or `2024-03-27`), as stored.
    func date(_ name: String) throws -> String {
        guard case .text(let iso) = try ValueKind.date.parse(try required(name)) else { return "" }
        return iso
    }

    func whole(_ name: String) throws -> Int64 {
        let text = try required(name)
        guard let number = Int64(text) else { throw ClientError("\(communeWords["input.\(name)", in: language]): '\(text)' \(communeWords["notWhole", in: language]).") }
        return number
    }
}
