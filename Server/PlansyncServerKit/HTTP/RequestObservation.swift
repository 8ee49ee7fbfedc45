import CoreMetrics
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import PlansyncProtocol

/// One structured log line and the request metrics for every request, once its answer is known.
///
/// It sits outside ``ProblemMiddleware``, so it sees the status the client gets. The line holds
/// the method, the route's template and the path only for the API's own routes, the status,
/// the time taken and the sizes — never a header (credentials travel in `Authorization`), a
/// query string or a body (plan content).
struct RequestObservationMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let route = APIRoute.matching(path: request.uri.path)?.rawValue ?? "other"
        do {
            let response = try await next(request, context)
            observe(request, route: route, status: response.status.code, bytes: response.body.contentLength, since: started)
            return response
        } catch {
            // Only framing errors get past ProblemMiddleware; Hummingbird answers them.
            observe(request, route: route, status: (error as? any HTTPResponseError)?.status.code ?? 500, bytes: nil, since: started)
            throw error
        }
    }

    private func observe(_ request: Request, route: String, status: Int, bytes: Int?, since started: ContinuousClock.Instant) {
        let duration = ContinuousClock.now - started
        // A method is any token a client sends: one outside HTTP's own is not a label of its own.
        let method = httpMethods.contains(request.method.rawValue) ? request.method.rawValue : "other"
        metrics.request(method: method, route: route, status: status, duration: duration)
        logger.info("request", metadata: [
            "http.method": "\(method)",
            "http.route": "\(route)",
            "http.status": "\(status)",
            "http.duration_ms": "\(String(format: "%.2f", Double(duration.nanoseconds) / 1e6))",
            "http.request_bytes": "\(request.headers[.contentLength].flatMap { Int($0) } ?? 0)",
            "http.response_bytes": "\(bytes.map(String.init) ?? "-")",
        ])
    }
}

/// HTTP's own methods: any other token a client sends is counted and logged as `other`.
private let httpMethods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]

/// Counts open connections for `GET /metrics` and refuses new ones beyond the maximum (they wait
/// in the kernel's backlog), as Hummingbird's `MaximumAvailableConnections` does.
struct OpenConnections: AvailableConnectionsDelegate {
    let maximum: Int
    let gauge: Meter
    private var count = 0

    init(maximum: Int, metrics: ServerMetrics) {
        self.maximum = maximum
        gauge = metrics.openConnections
    }

    mutating func connectionOpened() {
        count += 1
        gauge.increment()
    }

    mutating func connectionClosed() {
        count -= 1
        gauge.decrement()
    }

    func isAcceptingNewConnections() -> Bool { count < maximum }
}
