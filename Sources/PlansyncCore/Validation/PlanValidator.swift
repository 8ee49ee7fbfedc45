/// What the checks need besides the plan: the reference lists and, when known, the county the
/// plan is filed with.
public struct ValidationContext: Sendable {
    public var registry: SirutaRegistry
    public var nomenclator: ServiceNomenclator
    /// The county whose server or replica holds the plan; `nil` checks only what the plan states.
    public var county: County?

    public init(registry: SirutaRegistry = .shipped, nomenclator: ServiceNomenclator = .shipped, county: County? = nil) {
        (self.registry, self.nomenclator, self.county) = (registry, nomenclator, county)
    }
}

/// One check a county reviewer makes, as a small named rule with a stable code.
public struct PlanRule: Sendable {
    public let code: String
    public let severity: Severity
    /// What the rule checks, in Romanian and in English (README and `plansync plan rules`).
    public let summary: String
    public let summaryEN: String
    /// The act and article the rule enforces, as a reviewer would cite it when sending a plan
    /// back (`plansync plan check --explain CODE`).
    public let source: String
    let check: @Sendable (PlanContent, ValidationContext, PlanRule) -> [Finding]

    init(_ code: String, _ severity: Severity, _ summary: String, _ summaryEN: String, source: String,
         check: @escaping @Sendable (PlanContent, ValidationContext, PlanRule) -> [Finding]) {
        (self.code, self.severity, self.summary, self.summaryEN, self.source, self.check) = (code, severity, summary, summaryEN, source, check)
    }

    /// What `plansync plan check --explain CODE` prints: purpose, severity and legal source.
    public var explanation: String {
        """
        \(code) (\(severity.romanian) / \(severity.rawValue))
        \(summary)
        \(summaryEN)
        Temei: \(source)
        \(severity == .error ? "O eroare oprește trimiterea planului la consiliul județean (an error blocks sending the plan)." : "Un avertisment însoțește planul și este arătat consiliului județean (a warning travels with the plan).")
        """
    }

    /// A finding of this rule.
    func finding(_ path: String, _ message: String, _ messageEN: String) -> Finding {
        Finding(code: code, severity: severity, path: path, message: message, messageEN: messageEN)
    }
}

/// Runs every reviewer check on a plan. The commune runs it before sending (`plansync plan
/// check`); the county server runs the same rules on what it receives.
public struct PlanValidator: Sendable {
    public let context: ValidationContext

    public init(context: ValidationContext = ValidationContext()) { self.context = context }

    /// Every rule, in the order of DOMAIN.md's reviewer checks.
    public static let rules: [PlanRule] = IdentityRules.all + ChapterRules.all + ServiceRules.all + DecisionRules.all

    /// The rule with this code, for `--explain`.
    public static func rule(_ code: String) -> PlanRule? { rules.first { $0.code == code } }

    public func check(_ plan: PlanDocument) -> ValidationReport {
        let content = PlanContent(plan)
        return ValidationReport(findings: Self.rules.flatMap { $0.check(content, context, $0) })
    }
}
