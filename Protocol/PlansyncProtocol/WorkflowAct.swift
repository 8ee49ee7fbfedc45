/// One act of a plan's legal life (the workflow of `DOMAIN.md`): the UAT sends a version to the
/// county, the county registers it, remarks on it and gives its aviz, the local council approves it
/// by an HCL, the secretary communicates it to the prefect and publishes it, the inspector opens a
/// modification or answers a remark.
///
/// An act is an operation of the change log like any edit (`op: "act"`), made by one person in one
/// role and checked by the same rules on every replica and on the server; each names the version it
/// concerns. Dates are calendar dates written `YYYY-MM-DD`.
public enum WorkflowAct: Hashable, Sendable {
    /// The inspector sends the version to the county, by the UAT's letter ("Nr. 1143/12.03.2024").
    /// `contentHash` is the SHA-256 of the version's content as the submitter saw it (see
    /// `Protocol/CANONICAL.md`) and `findings` the reviewer checks' findings on it: the county
    /// accepts the submission only if its own content and findings are the same.
    case submit(letter: String, contentHash: String, findings: [FindingMark], signature: String? = nil)
    /// The county registers the version it received: its registry number and date.
    case register(number: String, date: String)
    /// A county remark on the version, on one field or cell (`path`, the syntax of `plan set`) or
    /// on the whole plan.
    case remark(path: String?, text: String)
    /// The county's aviz.
    case aviz(AvizRecord)
    /// The local council's decision approving the version, with its vote.
    case hcl(CouncilDecision)
    /// The communication of the HCL to the prefect (legality control).
    case prefect(reference: String, date: String)
    /// The publication of the approved plan.
    case publish(date: String, place: String?)
    /// The inspector opens a new draft that will supersede the version.
    case modify(reason: String?)
    /// The inspector's answer to a county remark, given in the next version.
    case answer(remark: OpID, text: String)

    /// The act's name on the wire and in messages.
    public var name: ActName {
        switch self {
        case .submit: .submit
        case .register: .register
        case .remark: .remark
        case .aviz: .aviz
        case .hcl: .hcl
        case .prefect: .prefect
        case .publish: .publish
        case .modify: .modify
        case .answer: .answer
        }
    }
}

/// The names of the acts, as written in the `act` member of an operation.
public enum ActName: String, CaseIterable, Codable, Sendable {
    case submit, register, remark, aviz, hcl, prefect, publish, modify, answer
}

/// A finding of the reviewer checks as a submission carries it: which rule, how grave, where.
public struct FindingMark: Hashable, Sendable, Codable, Comparable {
    public var code: String
    /// `error` or `warning`.
    public var severity: String
    public var path: String

    public init(code: String, severity: String, path: String) {
        (self.code, self.severity, self.path) = (code, severity, path)
    }

    public static func < (a: Self, b: Self) -> Bool { (a.severity, a.code, a.path) < (b.severity, b.code, b.path) }
}

/// The county's aviz on a version.
public struct AvizRecord: Hashable, Sendable, Codable {
    /// A county council decision (HCJ) or a letter.
    public enum Form: String, CaseIterable, Codable, Sendable {
        case hcj, letter
    }

    public enum Outcome: String, CaseIterable, Codable, Sendable {
        case favourable
        case favourableWithRemarks = "favourable-with-remarks"
        case unfavourable

        /// The Romanian words, as the aviz writes them.
        public var romanian: String {
            switch self {
            case .favourable: "favorabil"
            case .favourableWithRemarks: "favorabil cu observații"
            case .unfavourable: "nefavorabil"
            }
        }
    }

    public var form: Form
    /// "HCJ nr. 39/20.03.2024", "Adresa nr. 6120/22.03.2024".
    public var reference: String
    public var outcome: Outcome
    public var remarks: String?

    public init(form: Form, reference: String, outcome: Outcome, remarks: String?) {
        (self.form, self.reference, self.outcome, self.remarks) = (form, reference, outcome, remarks)
    }
}

/// The HCL approving a version: its number and date and the vote.
public struct CouncilDecision: Hashable, Sendable, Codable {
    /// More councillors than any council has (the largest, Bucharest's, has 55): votes and
    /// counts above it are refused before any arithmetic.
    public static let maximumCouncillors: Int64 = 1_000

    public var number: String
    public var date: String
    public var votesFor: Int64
    public var against: Int64
    public var abstentions: Int64
    public var present: Int64
    public var inOffice: Int64

    public init(number: String, date: String, votesFor: Int64, against: Int64, abstentions: Int64, present: Int64, inOffice: Int64) {
        (self.number, self.date, self.votesFor, self.against, self.abstentions, self.present, self.inOffice) =
            (number, date, votesFor, against, abstentions, present, inOffice)
    }
}
