import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import PlansyncCore
import PlansyncProtocol

/// How to run the county server.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var directory: CountyDirectory
    /// A connection that sends nothing this long is closed (idle between requests, or a request
    /// that never arrives): a few thousand forgotten sockets must not use up the server's files.
    public var idleTimeout: TimeAmount
    /// A request head (line and headers) must arrive whole within this, or the connection is closed.
    public var headTimeout: TimeAmount
    /// Connections served at once; the next ones wait in the kernel's backlog.
    public var maximumConnections: Int

    public init(host: String = "127.0.0.1", port: Int = 8080, directory: CountyDirectory,
                idleTimeout: TimeAmount = .seconds(30), headTimeout: TimeAmount = .seconds(10), maximumConnections: Int = 512) {
        self.host = host
        self.port = port
        self.directory = directory
        self.idleTimeout = idleTimeout
        self.headTimeout = headTimeout
        self.maximumConnections = maximumConnections
    }
}

/// Builds the county server. Tests call this same function with port 0 and read the bound port
/// from `onServerRunning`.
public func buildApplication(
    _ configuration: ServerConfiguration,
    logger: Logger = Logger(label: "plansync.server"),
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let router = Router()
    router.add(middleware: RequestObservationMiddleware(logger: logger, metrics: configuration.directory.metrics))
    router.add(middleware: ProblemMiddleware(logger: logger))
    router.add(middleware: ProtocolVersionMiddleware())
    SyncRoutes(directory: configuration.directory, logger: logger).register(on: router)
    try WebPages(directory: configuration.directory, logger: logger).register(on: router)
    let headTimeout = configuration.headTimeout
    let http1 = HTTP1Channel.Configuration(
        additionalChannelHandlers: [ParseErrorProblemHandler(), RequestHeadTimeoutHandler(timeout: headTimeout)],
        idleTimeout: configuration.idleTimeout,
        // A request line and headers beyond 16 KiB are not a plansync client's: 431, as a problem.
        httpDecoderConfiguration: .init(maxHeaderFieldSize: 16 << 10, maxHeaderListSize: 32 << 10, maxHeaderFieldCount: 100))
    return Application(
        router: router,
        server: .http1(configuration: http1),
        configuration: .init(
            address: .hostname(configuration.host, port: configuration.port), serverName: "plansync",
            availableConnectionsDelegate: OpenConnections(maximum: configuration.maximumConnections, metrics: configuration.directory.metrics)),
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
        } catch let error as HTTPParserError {
            // Broken framing: Hummingbird answers and closes; ParseErrorProblemHandler words it.
            throw error
        } catch is NIOTooManyBytesError {
            return Self.response(ServerError.tooLarge("The request body is larger than the server accepts; plansync splits larger syncs itself.").problem)
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
        // Health and capabilities answer every version: they are how a client learns it must
        // update. Metrics are read by Prometheus, and the web pages by browsers: neither speaks a
        // plansync version.
        // By segments, as the router matches them: `//v1/push` is the API too.
        let segments = request.uri.path.split(separator: "/")
        let path = "/" + segments.joined(separator: "/")
        if segments.first != "v1" || [APIRoute.health, .capabilities].contains(where: { $0.rawValue == path }) {
            return try await next(request, context)
        }
        let wanted = ProtocolVersion.header.lowercased()
        let sent = request.headers.filter { $0.name.canonicalName == wanted }.map(\.value)
        // One version, named once: two would leave the server to guess which one the client speaks.
        guard sent.count == 1, let version = Int(sent[0]), ProtocolVersion.supported.contains(version) else {
            throw ServerError.unsupportedProtocol(sent.isEmpty ? nil : sent.joined(separator: ", "))
        }
        return try await next(request, context)
    }
}
