/// Every route of the sync API, once. The server registers these, the client calls these, and a
/// test checks they are exactly the paths of `Protocol/openapi.yaml`, so the contract cannot drift.
public enum APIRoute: String, CaseIterable, Sendable {
    case health = "/v1/health"
    case enroll = "/v1/enroll"
    case push = "/v1/push"
    case pull = "/v1/pull"
    case plans = "/v1/plans"
    case plan = "/v1/plans/{id}"
    case planOperations = "/v1/plans/{id}/operations"

    /// The router's spelling of a path parameter (`:id`).
    public var routerPath: String { rawValue.replacingOccurrences(of: "{id}", with: ":id") }
}
