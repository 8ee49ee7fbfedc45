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
    let check: @Sendable (PlanContent, ValidationContext, PlanRule) -> [Finding]

    init(_ code: String, _ severity: Severity, _ summary: String, _ summaryEN: String,
         check: @escaping @Sendable (PlanContent, ValidationContext, PlanRule) -> [Finding]) {
        (self.code, self.severity, self.summary, self.summaryEN, self.check) = (code, severity, summary, summaryEN, check)
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

    public func check(_ plan: PlanDocument) -> ValidationReport {
        let content = PlanContent(plan)
        return ValidationReport(findings: Self.rules.flatMap { $0.check(content, context, $0) })
    }
}
