/// People and what they may do, as the wire names them.

/// A person's role. Each account has exactly one, fixed when it is created: a person who changes
/// jobs gets a new account, so the history always says in which capacity an edit was made.
public enum Role: String, CaseIterable, Codable, Sendable {
    /// The UAT's social assistance inspector: drafts the plan, answers remarks, submits it.
    case inspector
    /// The UAT's secretary: records the HCL, the communication to the prefect, the publication.
    case secretary
    /// The county council's compartment: registers the plan, remarks on it, records the aviz.
    case reviewer
    /// Curtea de Conturi, internal audit, the social inspection: reads everything in scope.
    case auditor
    /// The county's administrator: UATs, accounts, devices, reference lists; no plan content.
    case administrator

    /// Whether the role works for a UAT (scoped to one) rather than for the county.
    public var isUATRole: Bool { self == .inspector || self == .secretary }

    /// The Romanian name of the role, as shown to people.
    public var label: String {
        switch self {
        case .inspector: "inspector UAT"
        case .secretary: "secretar UAT"
        case .reviewer: "referent al consiliului județean"
        case .auditor: "auditor"
        case .administrator: "administrator"
        }
    }
}

/// An account as others see it: who, in which role, for which UAT (none: the whole county).
public struct Account: Codable, Sendable, Hashable {
    public var id: AccountID
    public var name: String
    public var role: Role
    /// The UAT the account works for or audits; `nil` for the whole county.
    public var siruta: Siruta?

    public init(id: AccountID, name: String, role: Role, siruta: Siruta?) {
        self.id = id
        self.name = name
        self.role = role
        self.siruta = siruta
    }
}

/// Who is behind a device: sent with pulled operations so a replica names each edit's author
/// from the account, never from text the device wrote.
public struct Person: Codable, Sendable, Hashable {
    public var device: DeviceID
    public var account: Account

    public init(device: DeviceID, account: Account) {
        self.device = device
        self.account = account
    }
}
