import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import PlansyncCore
import PlansyncProtocol

/// The sync API. Handlers stay thin: authenticate, decode, call the county store, encode.
struct SyncRoutes: Sendable {
    let directory: CountyDirectory
    let logger: Logger
    /// What this server accepts; every pull page carries its tag.
    let capabilities: ServerCapabilities

    init(directory: CountyDirectory, logger: Logger) {
        self.directory = directory
        self.logger = logger
        capabilities = ServerCapabilities(nomenclator: directory.nomenclator)
    }
    /// The most operations one pull page may ask for.
    static let maximumPageOperations = 5_000

    func register(on router: Router<some RequestContext>) {
        router.get(RouterPath(APIRoute.health.routerPath)) { _, _ in
            Self.json(Data(#"{"status":"ok"}"#.utf8), for: nil)
        }
        // Monitoring tools often ask HEAD.
        router.head(RouterPath(APIRoute.health.routerPath)) { _, _ in Response(status: .ok) }
        let metricsToken = try? directory.metricsToken()
        router.get(RouterPath(APIRoute.metrics.routerPath)) { request, _ in
            guard let metricsToken, let header = request.headers[.authorization], header.hasPrefix("Bearer "),
                  constantTimeEqual(String(header.dropFirst("Bearer ".count)), metricsToken)
            else {
                throw ServerError("unauthenticated", status: 401, title: "Credential required",
                                  detail: "Send the token of \(directory.metricsTokenFile.path) as 'Authorization: Bearer …' (Prometheus: authorization.credentials_file).")
            }
            let page = await directory.metrics.exposition(of: directory.openStores())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: page)))
        }
        router.get(RouterPath(APIRoute.capabilities.routerPath)) { request, _ in
            try Self.json(WireJSON.encode(capabilities.now()), for: request)
        }
        router.post(RouterPath(APIRoute.enroll.routerPath)) { request, _ in
            let body = try await Self.decode(EnrollRequest.self, from: request)
            guard let token = Credential(body.token), token.kind == .enrollment,
                  let store = try await directory.existingStore(code: token.countyCode)
            else { throw ServerError.unknownEnrollment() }
            return try Self.json(WireJSON.encode(try await store.enroll(token: token, label: body.label, replacing: body.replaces, publicKey: body.publicKey)), for: request)
        }
        router.get(RouterPath(APIRoute.me.routerPath)) { request, _ in
            let (store, session) = try await authenticateDevice(request)
            return try Self.json(WireJSON.encode(try await store.enrollment(of: session)), for: request)
        }
        router.post(RouterPath(APIRoute.fork.routerPath)) { request, _ in
            let (store, session) = try await authenticateDevice(request)
            let body = try await Self.decode(ForkRequest.self, from: request)
            return try Self.json(WireJSON.encode(try await store.fork(session, label: body.label, publicKey: body.publicKey)), for: request)
        }
        router.post(RouterPath(APIRoute.push.routerPath)) { request, _ in
            let (store, session) = try await authenticateDevice(request)
            let body: PushRequest
            do { body = try PushRequest.read(try await Self.body(of: request)) } catch let error as WireFormatError {
                throw ServerError.malformedBody("The body is not a valid push: \(error.description).")
            }
            let limit = OperationLimits.standard.pushOperations
            guard body.operations.count <= limit else {
                throw ServerError.tooLarge("Send at most \(limit) operations per push; plansync splits larger syncs itself.")
            }
            let answer = try await store.push(body.operations, from: session)
            return Self.json(answer.canonicalJSON, for: request)
        }
        router.get(RouterPath(APIRoute.pull.routerPath)) { request, _ in
            let (store, session) = try await authenticateDevice(request)
            let (after, limit) = try Self.window(of: request)
            let page = try await store.pull(for: session, after: after, limit: limit, capabilities: capabilities.tag)
            let response = Self.json(page, for: request)
            store.metrics.pulled(county: store.county.code, bytes: response.body.contentLength ?? page.count)
            return response
        }
        router.get(RouterPath(APIRoute.plans.routerPath)) { request, _ in
            let (store, principal) = try await authenticateReader(request)
            let summaries = try await store.planSummaries(siruta: principal.scope)
            return try Self.json(WireJSON.encode(summaries), for: request)
        }
        router.get(RouterPath(APIRoute.plan.routerPath)) { request, context in
            let (_, plan) = try await authorizedPlan(request, context: context)
            return try Self.json(WireJSON.encode(PlanView(plan)), for: request)
        }
        router.get(RouterPath(APIRoute.planOperations.routerPath)) { request, context in
            let (store, plan) = try await authorizedPlan(request, context: context)
            let (after, limit) = try Self.window(of: request)
            return Self.json(try await store.history(of: plan.id, after: after, limit: limit), for: request)
        }
        router.get(RouterPath(APIRoute.planFindings.routerPath)) { request, context in
            let (store, plan) = try await authorizedPlan(request, context: context)
            return try Self.json(WireJSON.encode(store.validator.check(plan)), for: request)
        }
        router.post(RouterPath(APIRoute.auditProof.routerPath)) { request, _ in
            let (store, session) = try await authenticateDevice(request)
            let body = try await Self.decode(AuditProofRequest.self, from: request)
            return try Self.json(WireJSON.encode(try await store.auditProof(for: session, body)), for: request)
        }
        router.get(RouterPath(APIRoute.auditBundle.routerPath)) { request, _ in
            let (store, principal) = try await authenticateReader(request)
            let scope = try Self.auditScope(of: request)
            var plan: PlanDocument?
            if case .plan(let id) = scope {
                plan = try await store.plan(id)
                if plan == nil { throw ServerError.notFound("There is no plan \(id) in \(store.county.name).") }
            }
            if let confined = principal.scope {
                // A UAT's accounts export their UAT's evidence; the county and its auditors any.
                let asked: Siruta? = switch scope {
                case .county: nil
                case .uat(let siruta): siruta
                case .plan: plan?.siruta
                }
                guard asked == confined else { throw ServerError.forbidden("This account reads SIRUTA \(confined) only; export --uat \(confined) or one of its plans.") }
            }
            return try Self.json(WireJSON.encode(try await store.bundle(scope)), for: request)
        }
    }

    /// `?plan=ID`, `?siruta=N`, or nothing for the whole county.
    private static func auditScope(of request: Request) throws -> CountyStore.AuditScope {
        let query = request.uri.queryParameters
        if let plan = query["plan"] { return .plan(PlanID(String(plan))) }
        if let siruta = query["siruta"] {
            guard let code = Int(String(siruta)) else { throw ServerError.badParameter("siruta must be a SIRUTA code, not '\(siruta)'.") }
            return .uat(Siruta(code))
        }
        return .county
    }

    // MARK: Authentication

    private func authenticate(_ request: Request) async throws -> (CountyStore, Principal) {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            throw ServerError.missingCredential
        }
        guard let credential = Credential(String(header.dropFirst("Bearer ".count))),
              let store = try await directory.existingStore(code: credential.countyCode)
        else { throw ServerError.unknownCredential }
        return (store, try await store.authenticate(credential))
    }

    private func authenticateDevice(_ request: Request) async throws -> (CountyStore, Session) {
        let (store, principal) = try await authenticate(request)
        guard case .device(let session) = principal else {
            throw ServerError.forbidden("Only an enrolled device pushes and pulls; the county credential reads plans (GET /v1/plans).")
        }
        return (store, session)
    }

    /// The county, or a device whose account may read plans.
    private func authenticateReader(_ request: Request) async throws -> (CountyStore, Principal) {
        let (store, principal) = try await authenticate(request)
        if case .device(let session) = principal, !Permissions.allows(session.account, .read) {
            throw ServerError.forbidden(Permissions.readRefusal(for: session.account.role))
        }
        return (store, principal)
    }

    /// The plan named in the path, if the caller may read it: the county and county accounts read
    /// all its plans, a UAT's accounts only their UAT's. Another UAT's plan is reported as 403,
    /// not hidden.
    private func authorizedPlan(_ request: Request, context: some RequestContext) async throws -> (CountyStore, PlanDocument) {
        let (store, principal) = try await authenticateReader(request)
        let id = PlanID(try context.parameters.require("id"))
        guard let plan = try await store.plan(id) else {
            throw ServerError.notFound("There is no plan \(id) in \(store.county.name).")
        }
        if let scope = principal.scope, scope != plan.siruta {
            throw ServerError.forbidden("Plan \(id) belongs to another UAT (SIRUTA \(plan.siruta)).")
        }
        return (store, plan)
    }

    /// `after` and `limit` of a paged read.
    private static func window(of request: Request) throws -> (after: Int64, limit: Int) {
        let after = try integer("after", in: request, default: 0)
        let limit = try integer("limit", in: request, default: 1000)
        guard after >= 0, (1...Int64(maximumPageOperations)).contains(limit) else {
            throw ServerError.badParameter("after must be ≥ 0 and limit between 1 and \(maximumPageOperations).")
        }
        return (after, Int(limit))
    }

    // MARK: Bodies

    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let data = try await body(of: request)
        do {
            return try WireJSON.decode(type, from: data)
        } catch let error as DecodingError {
            throw ServerError.malformedBody("The body is not a valid \(T.self): \(Self.explain(error))")
        } catch {
            throw ServerError.malformedBody("The body is not JSON: \(error.localizedDescription)")
        }
    }

    /// The request body, inflated when it came gzip-compressed. Another encoding is refused
    /// before the body is read: read as plain JSON it would only give a confusing error.
    static func body(of request: Request) async throws -> Data {
        let limit = OperationLimits.standard.bodyBytes
        let encodings = request.headers[values: .contentEncoding].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { $0 != "identity" }
        guard encodings.isEmpty || encodings == ["gzip"] else {
            throw ServerError.unsupportedEncoding(encodings.joined(separator: ", "))
        }
        var body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw ServerError.tooLarge("A request body may hold at most \(limit >> 20) MiB; plansync splits larger syncs itself.")
        } catch let error as HTTPParserError {
            throw error  // broken framing: answered by the connection guards, and the connection closed
        } catch {
            throw ServerError.unreadableBody("\(error)")
        }
        var data = Data(body.readBytes(length: body.readableBytes) ?? [])
        if encodings == ["gzip"] {
            do { data = try Gzip.decompress(data, limit: limit) } catch {
                throw error.tooLarge ? ServerError.tooLarge("The body inflates past \(limit >> 20) MiB; plansync splits larger syncs itself.")
                    : ServerError.malformedBody(error.description)
            }
        }
        return data
    }

    private static func explain(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "the body" : String(keys.drop { $0 == "." })
        }
        switch error {
        case .typeMismatch(let type, let context): return "\(path(context)) should be \(type). \(context.debugDescription)"
        case .valueNotFound(let type, let context): return "\(path(context)) is missing a \(type)."
        case .keyNotFound(let key, let context): return "\(path(context)) lacks '\(key.stringValue)'."
        case .dataCorrupted(let context): return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    static func integer(_ name: String, in request: Request, default value: Int64) throws -> Int64 {
        guard let text = request.uri.queryParameters[Substring(name)] else { return value }
        guard let number = Int64(String(text)) else { throw ServerError.badParameter("\(name) must be a whole number, not '\(text)'.") }
        return number
    }

    /// A JSON response, gzip-compressed when the client accepts it and the body is large enough.
    static func json(_ data: Data, for request: Request?) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        var body = data
        if data.count >= Gzip.threshold, request?.headers[.acceptEncoding]?.contains("gzip") == true {
            body = Gzip.compress(data)
            headers[.contentEncoding] = "gzip"
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}

extension Principal {
    /// The UAT the caller is confined to; `nil` for the county and county accounts, which see every UAT.
    var scope: Siruta? {
        if case .device(let session) = self { return session.account.siruta }
        return nil
    }
}

/// What this server accepts (`GET /v1/capabilities`).
public struct ServerCapabilities: Sendable {
    public let tag: String
    /// The service codes the county's checks accept: a submission's findings are computed with them.
    private let serviceCodes: [String]

    public init(nomenclator: ServiceNomenclator = .shipped) {
        serviceCodes = nomenclator.entries.keys.map(\.description).sorted()
        tag = Self.capabilities(time: 0, serviceCodes: serviceCodes).tag
    }

    public func now() -> Capabilities { Self.capabilities(time: SystemClock().nowMillis(), serviceCodes: serviceCodes) }

    private static func capabilities(time: Int64, serviceCodes: [String]) -> Capabilities {
        Capabilities(protocols: Array(ProtocolVersion.supported), operations: OperationKind.allCases,
                     templates: PlanSchema.versions.map(\.template), limits: .standard, time: time, serviceCodes: serviceCodes)
    }
}
