import PlansyncProtocol

/// Where a version of a plan stands in its legal life.
public enum VersionState: String, Codable, CaseIterable, Sendable {
    /// Being written by the UAT: the only state in which content changes.
    case draft
    /// Sent to the county: frozen, as the county sees it.
    case submitted
    /// Registered by the county.
    case registered
    /// The county gave a favourable aviz (with or without remarks): waits for the HCL.
    case avizat
    /// The county gave an unfavourable aviz: the remarks go to the next draft.
    case returned
    /// Approved by the local council (HCL).
    case approved
    /// The HCL was communicated to the prefect.
    case communicated
    /// Published: the plan in force, until a modification is approved.
    case published
    /// A later version was approved in its place.
    case superseded

    /// Whether the version was approved by the council (and may be in force).
    public var isApproved: Bool { self == .approved || self == .communicated || self == .published }

    /// The Romanian word, as shown to clerks.
    public var romanian: String {
        switch self {
        case .draft: "ciornă"
        case .submitted: "transmis spre avizare"
        case .registered: "înregistrat la consiliul județean"
        case .avizat: "avizat"
        case .returned: "aviz nefavorabil, de refăcut"
        case .approved: "aprobat prin HCL"
        case .communicated: "comunicat Prefectului"
        case .published: "publicat"
        case .superseded: "înlocuit"
        }
    }
}

/// How a version came to be opened.
public struct VersionOpening: Codable, Hashable, Sendable {
    public enum Cause: String, Codable, Sendable {
        /// Version 1, with the plan.
        case created
        /// `plansync plan modify`: a deliberate change of a version sent or approved.
        case modification
        /// An edit reached the county after the version it was made on was frozen: it opened
        /// this draft rather than be lost.
        case automatic
        /// An unfavourable aviz sent the plan back.
        case returned
    }

    public var cause: Cause
    /// The operation that opened it (the plan's creation, the modify act, the edit, the aviz).
    public var by: OpID
    public var reason: String?
}

/// How an approved version got there.
public enum ApprovalRoute: String, Codable, Sendable {
    /// Submitted, registered, avizat by the county, then approved by HCL.
    case full
    /// A modification that leaves Chapter I as approved: the HCL alone approves it.
    case hclOnly = "hcl-only"
}

/// An act as it was applied to a version: the operation (who, when, what) and the states around it.
public struct RecordedAct: Codable, Hashable, Sendable {
    public var operation: PlanOperation
    public var from: VersionState
    public var to: VersionState

    /// The act of the operation.
    public var act: WorkflowAct {
        guard case .act(_, let act) = operation.change else { preconditionFailure("a recorded act is an act") }
        return act
    }
}

/// One version of a plan: its state, what froze it and every act on it.
public struct PlanVersion: Codable, Hashable, Sendable {
    public let number: Int
    public internal(set) var state: VersionState
    /// The version it follows, for every version after the first.
    public let supersedes: Int?
    public let opening: VersionOpening
    /// The act that froze the content (the submission, or an HCL approving a modification directly).
    public internal(set) var frozenBy: OpID?
    /// SHA-256 of the content when frozen (``PlanSnapshot``).
    public internal(set) var contentHash: String?
    /// SHA-256 of Chapter I when frozen: what decides whether a modification needs a new aviz.
    public internal(set) var chapterOneHash: String?
    /// The reviewer checks' findings carried by the submission (checked by the county).
    public internal(set) var findings: [FindingMark]
    /// Set at approval.
    public internal(set) var route: ApprovalRoute?
    /// Whether the version changes Chapter I of the version it supersedes; set when frozen.
    public internal(set) var changesChapterOne: Bool?
    /// Every act on the version, in the county's order.
    public internal(set) var acts: [RecordedAct]

    init(number: Int, supersedes: Int?, opening: VersionOpening) {
        self.number = number
        state = .draft
        self.supersedes = supersedes
        self.opening = opening
        findings = []
        acts = []
    }

    /// The latest act of a kind on this version.
    public func last(_ name: ActName) -> RecordedAct? { acts.last { $0.act.name == name } }

    /// The latest date the version's acts carry (the letter's, the registration's, the aviz's,
    /// the HCL's…): every later act is dated on or after it.
    public var lastDate: CalendarDate? {
        acts.compactMap { recorded -> CalendarDate? in
            switch recorded.act {
            case .submit(let letter, _, _, _): RegistrationReference(letter).date
            case .register(_, let date), .prefect(_, let date), .publish(let date, _): CalendarDate(date)
            case .aviz(let aviz): RegistrationReference(aviz.reference).date
            case .hcl(let hcl): CalendarDate(hcl.date)
            case .remark, .modify, .answer: nil
            }
        }.max()
    }
}

/// A county remark and the UAT's answer to it.
public struct Remark: Codable, Hashable, Sendable {
    /// The remark's id: the id of the act (a remark, or an aviz with remarks) that made it.
    public let id: OpID
    /// The version remarked on.
    public let version: Int
    public let path: String?
    public let text: String
    public let author: String
    public let hlc: HLCTimestamp
    public internal(set) var answer: Answer?

    public struct Answer: Codable, Hashable, Sendable {
        public let id: OpID
        public let text: String
        /// The version the answer was given in.
        public let version: Int
        public let author: String
        public let hlc: HLCTimestamp
    }
}

/// A plan's versions and the county's remarks: the legal side of the document, a projection of its
/// act operations in the county's order, like the content.
public struct PlanWorkflow: Codable, Hashable, Sendable {
    /// Versions a plan may have: a real plan has a handful a year (a modification after each
    /// legislative change); the bound keeps a misbehaving device from growing a plan without end.
    public static let maximumVersions = 100

    /// Oldest first; version `n` is at index `n - 1`.
    public internal(set) var versions: [PlanVersion]
    public internal(set) var remarks: [Remark]

    /// A new plan's: version 1, a draft.
    init(createdBy id: OpID) {
        versions = [PlanVersion(number: 1, supersedes: nil, opening: VersionOpening(cause: .created, by: id))]
        remarks = []
    }

    public var latest: PlanVersion { versions[versions.count - 1] }

    /// The draft open for edits, if any (only the latest version can be one).
    public var draft: PlanVersion? { latest.state == .draft ? latest : nil }

    public func version(_ number: Int) -> PlanVersion? {
        versions.indices.contains(number - 1) ? versions[number - 1] : nil
    }

    /// The latest approved version (the plan in force), if any.
    public var inForce: PlanVersion? { versions.last { $0.state.isApproved } }

    /// Remarks the UAT has not answered yet.
    public var openRemarks: [Remark] { remarks.filter { $0.answer == nil } }

    /// Why no version waits for an act: what the plan's versions are, and what to do — the same
    /// words whether the act was typed at a commune's computer or sent from the county's pages.
    public func nothingAwaits(_ act: ActName) -> Rejection {
        let need: String = switch act {
        case .submit, .answer: "there is no draft open; open a modification with `plansync plan modify`"
        case .modify: "version \(latest.number) is already a draft; edit it"
        case .register: "no version waits to be registered (a version is registered once the UAT submits it)"
        case .remark: "no version is under the county's review (submitted or registered)"
        case .aviz: "no registered version waits for an aviz"
        case .hcl: "no version waits for an HCL (it follows a favourable aviz, or approves a modification that leaves Chapter I unchanged)"
        case .prefect: "no approved version waits to be communicated to the prefect"
        case .publish: "no version communicated to the prefect waits to be published"
        }
        return Rejection(code: "wrong-state", message: "Versiunea \(latest.number) este \(latest.state.romanian): \(need) (wrong state).")
    }

    /// The version an act of this kind is meant for now: the draft for a submission or an answer,
    /// the version waiting for the county or the council for theirs. `nil` when none is waiting.
    public func target(for act: ActName) -> PlanVersion? {
        switch act {
        case .submit, .answer: return draft
        case .modify: return latest.state == .draft ? nil : latest
        case .register: return versions.last { $0.state == .submitted }
        case .remark: return versions.last { $0.state == .submitted || $0.state == .registered }
        case .aviz: return versions.last { $0.state == .registered }
        case .hcl: return versions.last { $0.state == .avizat } ?? draft.flatMap { $0.supersedes == nil ? nil : $0 }
        case .prefect: return versions.last { $0.state == .approved }
        case .publish: return versions.last { $0.state == .communicated }
        }
    }

    /// What waits for the county on this plan: a version to register or to give an aviz on.
    public var awaitingCounty: (action: ActName, version: Int)? {
        if let version = target(for: .register) { return (.register, version.number) }
        if let version = target(for: .aviz) { return (.aviz, version.number) }
        return nil
    }
}
