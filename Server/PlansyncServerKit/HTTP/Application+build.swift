import Foundation
import Hummingbird
import Logging
import PlansyncCore
import PlansyncProtocol

/// How to run the county server.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var directory: CountyDirectory

    public init(host: String = "127.0.0.1", port: Int = 8080, directory: CountyDirectory) {
        self.host = host
        self.port = port
        self.directory = directory
    }
}

/// Builds the county server. Tests call this same function with port 0 and read the bound port
/// from `onServerRunning`.
public func buildApplication(
    _ configuration: ServerConfiguration,
    logger: Logger = Logger(label: "plansync.server"),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router()
    router.add(middleware: ProblemMiddleware(logger: logger))
    router.add(middleware: ProtocolVersionMiddleware())
    SyncRoutes(directory: configuration.directory, logger: logger).register(on: router)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "plansync"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}

/// Every error leaves as `application/problem+json`: domain errors with their own status and type,
/// anything unexpected as a logged 500 that says nothing was lost.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ServerError {
            return Self.response(error.problem)
        } catch let error as HTTPError where error.status == .notFound {
            if let route = APIRoute.matching(path: request.uri.path), request.method.rawValue != route.method {
                var response = Self.response(Problem(
                    type: "https://plansync.ro/problems/method-not-allowed", title: "Method not allowed", status: 405,
                    detail: "\(request.uri.path) answers \(route.method) only."))
                response.headers[.allow] = route.method
                return response
            }
            return Self.response(Problem(
                type: "https://plansync.ro/problems/not-found", title: "Not found", status: 404,
                detail: "\(request.method) \(request.uri.path) is not part of the plansync API (see Protocol/openapi.yaml)."))
        } catch let error as HTTPError {
            return Self.response(Problem(
                type: "about:blank", title: error.status.reasonPhrase, status: error.status.code,
                detail: error.body ?? error.status.reasonPhrase))
        } catch {
            logger.error("request failed", metadata: ["http.path": "\(request.uri.path)", "error": "\(error)"])
            return Self.response(Problem(
                type: "https://plansync.ro/problems/internal", title: "Internal server error", status: 500,
                detail: "The server failed while handling this request; nothing from it was acknowledged, so it is safe to retry."))
        }
    }

    static func response(_ problem: Problem) -> Response {
        let body = (try? WireJSON.encode(problem)) ?? Data()
        return Response(
            status: .init(code: problem.status),
            headers: [.contentType: Problem.mediaType],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

/// Refuses requests that do not name a protocol version this server speaks, before any work.
struct ProtocolVersionMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path == APIRoute.health.rawValue { return try await next(request, context) }
        let wanted = ProtocolVersion.header.lowercased()
        let sent = request.headers.first { $0.name.canonicalName == wanted }?.value
        guard let sent, let version = Int(sent), ProtocolVersion.supported.contains(version) else {
            throw ServerError.unsupportedProtocol(sent)
        }
        return try await next(request, context)
    }
}
