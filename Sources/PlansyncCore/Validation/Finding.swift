/// How much a finding weighs.
public enum Severity: String, Codable, Sendable, Comparable {
    /// Blocks sending the plan to the county: the county would send it back.
    case error
    /// Travels with the plan and is shown to the county reviewer.
    case warning

    public static func < (a: Severity, b: Severity) -> Bool { a == .error && b == .warning }

    /// The Romanian word, for documents and messages.
    public var romanian: String { self == .error ? "eroare" : "avertisment" }
}

/// One problem a reviewer would point out, where it is and what to do about it.
public struct Finding: Codable, Hashable, Sendable {
    /// The rule's stable code (`hg797-annex`), for filters, scripts and the county's statistics.
    public let code: String
    public let severity: Severity
    /// The offending field or cell, in the syntax of `plansync plan set`: `services[2].occupancy`;
    /// empty for the plan as a whole.
    public let path: String
    /// The message in Romanian, as shown to clerks and reviewers.
    public let message: String
    /// The same in English.
    public let messageEN: String

    public init(code: String, severity: Severity, path: String, message: String, messageEN: String) {
        (self.code, self.severity, self.path, self.message, self.messageEN) = (code, severity, path, message, messageEN)
    }

    /// One tab-separated line for a terminal or a script: severity, code, path (`-` for the whole
    /// plan), message.
    public var line: String {
        "\(severity.rawValue)\t\(code)\t\(path.isEmpty ? "-" : path)\t\(message)"
    }
}

/// What a plan check found: errors first, each severity in the order of the checks (which follow
/// the template), so a clerk reads them from the top of the plan down.
public struct ValidationReport: Codable, Hashable, Sendable {
    public let findings: [Finding]

    public init(findings: [Finding]) {
        self.findings = findings.enumerated()
            .sorted { ($0.element.severity, $0.offset) < ($1.element.severity, $1.offset) }
            .map(\.element)
    }

    public var errors: [Finding] { findings.filter { $0.severity == .error } }
    public var warnings: [Finding] { findings.filter { $0.severity == .warning } }
    /// Whether the plan may be sent to the county: no errors.
    public var canSubmit: Bool { errors.isEmpty }

    /// The findings a line each, then the count; what `plan check` prints.
    public var text: String {
        guard !findings.isEmpty else { return "No findings: the plan passes every check." }
        return (findings.map(\.line) + ["\(errors.count) error(s), \(warnings.count) warning(s)."]).joined(separator: "\n")
    }
}
