/// Every route of the sync API, once. The server registers these, the client calls these, and a
/// test checks they are exactly the paths of `Protocol/openapi.yaml`, so the contract cannot drift.
public enum APIRoute: String, CaseIterable, Sendable {
    case health = "/v1/health"
    case capabilities = "/v1/capabilities"
    case enroll = "/v1/enroll"
    case me = "/v1/me"
    case fork = "/v1/fork"
    case push = "/v1/push"
    case pull = "/v1/pull"
    case plans = "/v1/plans"
    case plan = "/v1/plans/{id}"
    case planOperations = "/v1/plans/{id}/operations"
    case planFindings = "/v1/plans/{id}/findings"
    case auditProof = "/v1/audit/proof"
    case auditBundle = "/v1/audit/bundle"
    /// Prometheus's text format, for the operator's monitoring (not versioned: Prometheus
    /// scrapes `/metrics` by convention).
    case metrics = "/metrics"

    /// The router's spelling of a path parameter (`:id`).
    public var routerPath: String { rawValue.replacingOccurrences(of: "{id}", with: ":id") }

    /// The one HTTP method each route answers.
    public var method: String {
        switch self {
        case .enroll, .fork, .push, .auditProof: "POST"
        case .health, .capabilities, .metrics, .me, .pull, .plans, .plan, .planOperations, .planFindings, .auditBundle: "GET"
        }
    }

    /// The route a request path names, whatever its method (`{id}` matches any one segment).
    public static func matching(path: String) -> APIRoute? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        return allCases.first { route in
            let pattern = route.rawValue.split(separator: "/", omittingEmptySubsequences: false)
            return pattern.count == segments.count
                && zip(pattern, segments).allSatisfy { $0 == "{id}" ? !$1.isEmpty : $0 == $1 }
        }
    }
}
