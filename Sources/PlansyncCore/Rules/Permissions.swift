import PlansyncProtocol

/// The parts of a plan, as far as who may write them is concerned.
public enum PlanArea: String, CaseIterable, Sendable {
    /// What the UAT drafts: identity, context, the chapters, the action table, monitoring,
    /// modifications — every table and every field outside the decision records below.
    case content
    /// The UAT's letter sending the plan to the county (`decisions.submission.*`).
    case submission
    /// The local council's side: HCL, communication to the prefect, publication.
    case councilDecision
    /// The county's side: registration, specialist report, aviz (`decisions.registration.*`,
    /// `decisions.aviz.*`). The county never writes the UAT's content.
    case countyDecision

    /// The area a plan field belongs to.
    public static func of(field path: String) -> PlanArea {
        if path.hasPrefix("decisions.submission.") { return .submission }
        if path.hasPrefix("decisions.registration.") || path.hasPrefix("decisions.aviz.") { return .countyDecision }
        if path.hasPrefix("decisions.hcl.") || path.hasPrefix("decisions.prefect.") || path.hasPrefix("decisions.publication.") {
            return .councilDecision
        }
        return .content
    }

    /// The area an operation writes: a field's own, an act's (the UAT's letter side for the
    /// inspector's acts, the county's or the council's for theirs), the content for tables and
    /// for a new plan.
    public static func of(_ change: Change) -> PlanArea {
        switch change {
        case .setField(let path, _, _): return of(field: path)
        case .act(_, let act): return of(act.name)
        default: return .content
        }
    }

    /// The area of an act: whose part of the workflow it is.
    public static func of(_ act: ActName) -> PlanArea {
        switch act {
        case .submit, .modify, .answer: .submission
        case .register, .remark, .aviz: .countyDecision
        case .hcl, .prefect, .publish: .councilDecision
        }
    }
}

/// Who may do what: role × operation kind × part of the plan × whose plan, in one table.
///
/// The county server checks every pushed operation with it and the client checks every edit with
/// it before recording, so the two can never disagree: what the server would refuse, the client
/// refuses offline, with the same words.
public enum Permissions {
    /// One line of the table: a role may make these kinds of operation on these parts of the
    /// plans in its scope.
    public struct Grant: Sendable {
        public let role: Role
        public let kinds: Set<OperationKind>
        public let areas: Set<PlanArea>
    }

    /// Everything anyone may write. What is not here is refused.
    public static let grants: [Grant] = [
        Grant(role: .inspector, kinds: Set(OperationKind.allCases), areas: [.content, .submission]),
        Grant(role: .secretary, kinds: [.set, .act], areas: [.councilDecision]),
        Grant(role: .reviewer, kinds: [.set, .act], areas: [.countyDecision]),
    ]

    /// What a role may do through the API besides writing operations.
    public enum Access: String, CaseIterable, Sendable {
        /// `POST /v1/push`.
        case push
        /// `GET /v1/pull` and reading plans, their history and findings.
        case read
    }

    /// Roles that may use each kind of access (always within their scope).
    public static let access: [Access: Set<Role>] = [
        .push: [.inspector, .secretary, .reviewer],
        .read: [.inspector, .secretary, .reviewer, .auditor],
    ]

    /// Whether `account` may use `access` at all.
    public static func allows(_ account: Account, _ access: Access) -> Bool {
        Self.access[access]?.contains(account.role) ?? false
    }

    /// Whether a plan of `siruta` is within what `account` works on: its own UAT, or every UAT of
    /// the county for an account scoped to the county.
    public static func covers(_ account: Account, siruta: Siruta) -> Bool {
        account.siruta == nil || account.siruta == siruta
    }

    /// Checks that `account` may make `change` on a plan of the UAT `siruta`.
    ///
    /// - Throws: `out-of-scope` for a plan the account does not work on, `role-forbidden` for a
    ///   change its role does not make; the message says who does make it.
    public static func check(_ change: Change, by account: Account, onPlanOf siruta: Siruta) throws(Rejection) {
        guard covers(account, siruta: siruta) else {
            throw Rejection(code: "out-of-scope", message: "Planul este al UAT cu SIRUTA \(siruta); contul \(account.name) lucrează pentru SIRUTA \(account.siruta.map(String.init(describing:)) ?? "-") (the plan belongs to another UAT).")
        }
        try checkRole(change, by: account)
    }

    /// Checks only that `account`'s role makes `change` (its scope aside).
    ///
    /// - Throws: `role-forbidden`, saying who does make it; `recorded-by-act` for a decision record
    ///   set as a field (see ``DecisionFields``).
    public static func checkRole(_ change: Change, by account: Account) throws(Rejection) {
        let area = PlanArea.of(change)
        let granted = grants.contains { $0.role == account.role && $0.kinds.contains(change.kind) && $0.areas.contains(area) }
        guard granted else { throw Rejection(code: "role-forbidden", message: refusal(for: account.role, area: area)) }
        // The workflow's records are acts with an author and a role, never fields anyone overwrites.
        if case .setField(let path, _, _) = change, let command = DecisionFields.command(recording: path) {
            throw Rejection(code: "recorded-by-act", message: "\(quoted(path)) nu se scrie ca un câmp: se consemnează ca act, cu `\(command)` (recorded by an act).")
        }
    }

    /// The words of a refusal to read plans (pull, the plan routes).
    public static func readRefusal(for role: Role) -> String {
        "Un cont de \(role.label) nu citește planurile: gestionează UAT-uri, conturi și dispozitive (an \(role.rawValue) account does not read plans)."
    }

    /// The words of a refusal: what the role does, and who records this part of the plan.
    public static func refusal(for role: Role, area: PlanArea) -> String {
        let who: String
        switch area {
        case .content, .submission: who = "Conținutul planului și adresa de transmitere le redactează inspectorul UAT (plan content is written by the UAT inspector)."
        case .councilDecision: who = "HCL-ul, comunicarea către Prefect și publicarea le consemnează secretarul UAT (recorded by the UAT secretary)."
        case .countyDecision: who = "Înregistrarea, raportul de specialitate și avizul le consemnează consiliul județean (recorded by the county reviewer)."
        }
        switch role {
        case .auditor: return "Un cont de auditor doar citește; nu modifică planuri (an auditor account reads only)."
        case .administrator: return "Un cont de administrator gestionează UAT-uri, conturi și dispozitive, nu conținutul planurilor (an administrator does not edit plans)."
        case .reviewer where area == .content || area == .submission:
            return "Consiliul județean nu modifică planul UAT: îl înregistrează, face observații și emite avizul (the county never edits the UAT's content). " + who
        default: return who
        }
    }
}
