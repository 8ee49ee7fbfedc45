import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore
import PlansyncCore
import PlansyncProtocol
import Synchronization

/// The county's web pages, on the server's own port: sign-in, the county's plans, a plan as the
/// template lays it out with the reviewer's findings and its history, and the county's totals
/// with a chart and a CSV download.
///
/// Every page works without JavaScript; templates are escaped by the engine (`{{…}}`), and the
/// only unescaped parts (`{{{…}}}`) are the plan and the chart, which their renderers escape
/// themselves. A session is a random token in an HttpOnly, SameSite=Strict, Secure cookie; every
/// form carries the session's own form token (CSRF); the sign-in form a token of its own cookie.
final class WebPages: Sendable {
    let directory: CountyDirectory
    let library: MustacheLibrary
    let stylesheet: ByteBuffer
    let logger: Logger
    /// Errors and warnings of each plan at its version, counted once (the checks take
    /// milliseconds): one entry per plan, replaced when the plan moves on.
    private let findingCounts = Mutex<[String: (version: Int, errors: Int, warnings: Int)]>([:])
    /// The county's log checks running or done, by county, with the log's size they checked.
    let verifications = Mutex<[Int: (size: Int64, task: Task<LogVerification, any Error>)]>([:])
    /// The county's totals as last computed (``countyTotals(_:_:by:)``).
    let keptTotals = Mutex<[TotalsKey: CountyTotals]>([:])

    /// `__Host-`: only this host, path `/`, Secure — no sibling domain can plant one.
    static let sessionCookie = "__Host-plansync_session"
    static let signInCookie = "__Host-plansync_signin"
    static let languageCookie = "plansync_lang"

    /// Loads the templates shipped with the server.
    init(directory: CountyDirectory, logger: Logger) throws {
        guard let folder = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw CountyDirectory.Failure(description: "the web pages' templates are missing from this build of plansync-server")
        }
        var templates: [String: MustacheTemplate] = [:]
        for name in ["layout", "signin", "plans", "plan", "diff", "history", "asof", "totals", "admin", "audit", "error"] {
            let text = try String(contentsOf: folder.appendingPathComponent("\(name).mustache"), encoding: .utf8)
            templates[name] = try MustacheTemplate(string: text)
        }
        library = MustacheLibrary(templates: templates)
        stylesheet = ByteBuffer(data: try Data(contentsOf: folder.appendingPathComponent("style.css")))
        self.directory = directory
        self.logger = logger
    }

    func register(on router: Router<some RequestContext>) {
        router.get("/static/style.css") { [self] _, _ in
            Response(status: .ok, headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "max-age=3600"],
                     body: .init(byteBuffer: stylesheet))
        }
        router.get("/") { [self] request, _ in
            guard let (_, session) = try await signedIn(request) else { return Self.redirect("/signin") }
            // Each role's first page: the administrator reads no plans.
            return Self.redirect(Permissions.allows(session.account, .read) ? "/plans" : session.account.role == .administrator ? "/admin" : "/audit")
        }
        router.get("/signin") { [self] request, _ in signInPage(request, message: nil, account: "", status: .ok) }
        router.post("/signin") { [self] request, context in try await signIn(request, context: context) }
        router.post("/signout") { [self] request, context in try await signOut(request, context: context) }
        router.get("/plans") { [self] request, _ in try await page(request) { store, session, language in try await plans(request, store, session, language) } }
        router.get("/totals") { [self] request, _ in try await page(request) { store, session, language in try await totals(request, store, session, language) } }
        router.get("/totals.csv") { [self] request, _ in
            guard let (store, session) = try await signedIn(request) else { return Self.redirect("/signin") }
            let totals = try await countyTotals(store, session, by: Self.grouping(of: request))
            return Self.download(Data(totals.csv.utf8), type: "text/csv; charset=utf-8", name: "totaluri-\(store.county.code)-\(totals.grouping.rawValue).csv")
        }
        registerPlanRoutes(on: router)
        registerAdminRoutes(on: router)
    }

    // MARK: Sessions

    /// The county and session a request's cookie opens, if any.
    private func signedIn(_ request: Request) async throws -> (CountyStore, WebSession)? {
        guard let cookie = request.cookies[Self.sessionCookie]?.value, let dot = cookie.firstIndex(of: "."),
              let code = Int(cookie[..<dot]), let store = try await directory.existingStore(code: code),
              let session = try await store.webSession(token: String(cookie[cookie.index(after: dot)...]))
        else { return nil }
        return (store, session)
    }

    /// A page for a signed-in person, or the sign-in page; a failure is a page too, never a stack.
    /// With `form` (a POST), the form must carry the session's own form token: a form sent from
    /// another site (CSRF) or another session is refused before anything is done.
    func page(_ request: Request, form: [String: String]? = nil,
              _ body: (CountyStore, WebSession, PageLanguage) async throws -> Response) async throws -> Response {
        let language = Self.language(of: request)
        guard let (store, session) = try await signedIn(request) else { return Self.redirect("/signin") }
        if let form, !(form["formToken"].map { constantTimeEqual($0, session.formToken) } ?? false) {
            return render("error", status: .forbidden, language: language, title: "403", store: store, session: session,
                          ["message": countyWords["formRefused", in: language]])
        }
        do {
            var response = try await body(store, session, language)
            if let asked = request.uri.queryParameters["lang"].flatMap({ PageLanguage(rawValue: String($0)) }) {
                // The language asked once stays for the next pages.
                response.setCookie(Cookie(name: Self.languageCookie, value: asked.rawValue, maxAge: 365 * 86_400, path: "/", secure: true,
                                          httpOnly: true, sameSite: .lax))
            }
            return response
        } catch let error as ServerError {
            return render("error", status: .init(code: error.problem.status), language: language, title: error.problem.title,
                          store: store, session: session, ["message": error.problem.detail])
        } catch let refusal as Rejection {
            return render("error", status: .unprocessableContent, language: language, title: "422", store: store, session: session,
                          ["message": refusal.message])
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            // Something the county's server did not expect (its database, its log): said plainly
            // on the page, in full in the server's log.
            logger.error("page failed", metadata: ["error": "\(error)"])
            return render("error", status: .internalServerError, language: language, title: "500", store: store, session: session,
                          ["message": countyWords["pageFailed", in: language]])
        }
    }

    private func signInPage(_ request: Request, message: String?, account: String, status: HTTPResponse.Status) -> Response {
        let language = Self.language(of: request)
        let formToken = CountyStore.randomToken()
        let counties = directory.existingCounties()
        let chosen = request.cookies["plansync_county"]?.value
        var response = render("signin", status: status, language: language, title: countyWords["signIn", in: language], store: nil, session: nil, [
            "formToken": formToken, "message": message as Any, "account": account,
            "counties": counties.map { ["code": String($0.code), "name": $0.name, "selected": String($0.code) == chosen] },
        ])
        // Login CSRF: the form's token must come back with the cookie's.
        response.setCookie(Cookie(name: Self.signInCookie, value: formToken, maxAge: 3600, path: "/", secure: true,
                                  httpOnly: true, sameSite: .strict))
        return response
    }

    private func signIn(_ request: Request, context: some RequestContext) async throws -> Response {
        let language = Self.language(of: request)
        let form = try await Self.form(request, context: context)
        guard let sent = form["formToken"], let expected = request.cookies[Self.signInCookie]?.value, constantTimeEqual(sent, expected) else {
            return signInPage(request, message: language == .ro
                ? "Formularul a expirat sau nu vine de la această pagină; încercați din nou."
                : "The form expired or did not come from this page; try again.", account: "", status: .forbidden)
        }
        let account = form["account", default: ""].trimmingCharacters(in: .whitespaces)
        guard let code = Int(form["county", default: ""]), let store = try await directory.existingStore(code: code) else {
            return signInPage(request, message: language == .ro ? "Alegeți județul." : "Choose the county.", account: account, status: .badRequest)
        }
        do {
            // A new session at every sign-in: a token planted before it is never the one used after.
            let session = try await store.signIn(account: account, password: form["password", default: ""])
            var response = Self.redirect("/")
            response.setCookie(Cookie(name: Self.sessionCookie, value: "\(code).\(session.token)", path: "/", secure: true, httpOnly: true, sameSite: .strict))
            response.setCookie(Cookie(name: "plansync_county", value: String(code), maxAge: 365 * 86_400, path: "/", secure: true, httpOnly: true, sameSite: .strict))
            return response
        } catch let refusal as SignInRefusal {
            let message = switch (refusal, language) {
            case (.wrongPassword, .ro): "Utilizatorul sau parola nu se potrivesc. După 5 încercări greșite contul se blochează 15 minute."
            case (.wrongPassword, .en): "The user or the password does not match. After 5 wrong tries the account is locked for 15 minutes."
            case (.locked(let until), .ro): "Contul este blocat după prea multe încercări greșite, până la \(Self.clock(until)) (UTC)."
            case (.locked(let until), .en): "The account is locked after too many wrong tries, until \(Self.clock(until)) (UTC)."
            case (.disabled, .ro): "Contul este dezactivat; cereți administratorului județului să-l reactiveze."
            case (.disabled, .en): "The account is disabled; ask the county's administrator to enable it."
            case (.busy, .ro): "Prea multe autentificări în acest moment; încercați din nou peste câteva secunde."
            case (.busy, .en): "Too many sign-ins at this moment; try again in a few seconds."
            }
            return signInPage(request, message: message, account: account, status: refusal == .busy ? .serviceUnavailable : .unauthorized)
        }
    }

    private func signOut(_ request: Request, context: some RequestContext) async throws -> Response {
        let form = try await Self.form(request, context: context)
        guard let (store, session) = try await signedIn(request) else { return Self.redirect("/signin") }
        guard let sent = form["formToken"], constantTimeEqual(sent, session.formToken) else {
            return render("error", status: .forbidden, language: Self.language(of: request), title: "403", store: store, session: session,
                          ["message": countyWords["formRefused", in: Self.language(of: request)]])
        }
        try await store.signOut(token: session.token)
        var response = Self.redirect("/signin")
        response.setCookie(Cookie(name: Self.sessionCookie, value: "", maxAge: 0, path: "/", secure: true, httpOnly: true, sameSite: .strict))
        return response
    }

    // MARK: Pages

    private func plans(_ request: Request, _ store: CountyStore, _ session: WebSession, _ language: PageLanguage) async throws -> Response {
        guard Permissions.allows(session.account, .read) else { throw ServerError.forbidden(Permissions.readRefusal(for: session.account.role)) }
        let scope = session.account.siruta
        let summaries = try await store.planSummaries(siruta: scope)
        let query = request.uri.queryParameters
        let state = query["state"].map(String.init).flatMap(VersionState.init(rawValue:))
        let year = query["year"].flatMap { Int(String($0)) }
        let sort = query["sort"].map(String.init) ?? "uat"
        var rows: [PlanRow] = []
        for summary in summaries where (state == nil || summary.state == state) && (year == nil || summary.year == year) {
            let counts = try await findings(of: summary, in: store)
            rows.append(PlanRow(uat: summary.uatName, siruta: summary.siruta.rawValue, plan: summary.id.rawValue, year: summary.year,
                                state: "v\(summary.latestVersion) · \(summary.state.romanian)", awaiting: summary.awaiting.map { countyWords[$0.rawValue, in: language] } ?? "",
                                errors: counts.errors, warnings: counts.warnings, lastSync: summary.lastSyncAt))
        }
        if state == nil && year == nil {
            // A UAT that never synced shows too.
            let withPlans = Set(summaries.map(\.siruta))
            for uat in try await store.registeredUATs(siruta: scope) where !withPlans.contains(uat.siruta) {
                rows.append(PlanRow(uat: uat.name, siruta: uat.siruta.rawValue, plan: nil, year: nil, state: "", awaiting: "", errors: 0, warnings: 0, lastSync: ""))
            }
        }
        rows.sort(by: PlanRow.order(sort))
        let columns: [(key: String, label: String)] = [("uat", countyWords["uat", in: language]), ("year", countyWords["year", in: language]), ("state", countyWords["state", in: language]),
                                                       ("awaiting", countyWords["awaiting", in: language]), ("errors", countyWords["errors", in: language]),
                                                       ("warnings", countyWords["warnings", in: language]), ("lastSync", countyWords["lastSync", in: language])]
        let descending = sort.hasPrefix("-")
        let sortKey = descending ? String(sort.dropFirst()) : sort
        func link(_ key: String) -> String {
            var parts = ["sort=" + (key == sortKey && !descending ? "-" : "") + key]
            if let state { parts.append("state=\(state.rawValue)") }
            if let year { parts.append("year=\(year)") }
            return "/plans?" + parts.joined(separator: "&")
        }
        let years = Set(summaries.map(\.year)).sorted(by: >)
        return render("plans", language: language, title: countyWords["plans", in: language] + " — " + store.county.name, store: store, session: session, [
            "rows": rows.map(\.context),
            "summary": language.count(rows.count, ro: ("rând", "rânduri"), en: ("line", "lines"))
                + (language == .ro ? "; \(rows.filter { !$0.awaiting.isEmpty }.count) așteaptă județul." : "; \(rows.filter { !$0.awaiting.isEmpty }.count) await the county."),
            "columns": columns.map { ["label": $0.label, "link": link($0.key), "current": $0.key == sortKey,
                                      "direction": descending ? "descending" : "ascending"] },
            "states": VersionState.allCases.map { ["value": $0.rawValue, "label": $0.romanian, "selected": $0 == state] },
            "years": years.map { ["value": String($0), "selected": $0 == year] },
            "sort": sort,
        ])
    }

    /// Errors and warnings of a plan's latest state, computed once per version of it.
    func findings(of summary: PlanSummary, in store: CountyStore) async throws -> (errors: Int, warnings: Int) {
        let key = "\(store.county.code)/\(summary.id)"
        if let known = findingCounts.withLock({ $0[key] }), known.version == summary.version { return (known.errors, known.warnings) }
        guard let document = try await store.plan(summary.id) else { return (0, 0) }
        let report = store.validator.check(document).findings
        let counts = (report.count { $0.severity == .error }, report.count { $0.severity == .warning })
        findingCounts.withLock { $0[key] = (document.version, counts.0, counts.1) }
        return counts
    }

    // MARK: Rendering

    func render(_ template: String, status: HTTPResponse.Status = .ok, language: PageLanguage, title: String,
                        store: CountyStore?, session: WebSession?, _ values: [String: Any]) -> Response {
        var context: [String: Any] = [
            "lang": language.rawValue, "w": countyWords.all(in: language), "title": title, "county": store?.county.name as Any,
            "otherLanguage": language.other.rawValue, "otherLanguageLink": "?lang=\(language.other.rawValue)",
        ]
        if let session {
            let role = session.account.role
            context["user"] = ["name": session.account.name, "role": role.rawValue, "formToken": session.formToken,
                               "reads": Permissions.allows(session.account, .read), "audits": [.auditor, .administrator, .reviewer].contains(role) && session.account.siruta == nil,
                               "administers": role == .administrator]
        }
        context.merge(values) { $1 }
        let html = library.render(Self.withoutAbsentValues(context) ?? [:], withTemplate: template) ?? ""
        return Response(status: status, headers: [
            .contentType: "text/html; charset=utf-8",
            // No script runs on these pages, and none may be injected to run.
            .contentSecurityPolicy: "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            .cacheControl: "no-store", HTTPField.Name("X-Content-Type-Options")!: "nosniff", HTTPField.Name("Referrer-Policy")!: "same-origin",
        ], body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The context without its `nil`s: the engine would print an absent value wrapped in `Any`
    /// as "nil" and open its section; absent, it prints nothing and skips the section.
    private static func withoutAbsentValues(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .optional {
            guard let wrapped = mirror.children.first?.value else { return nil }
            return withoutAbsentValues(wrapped)
        }
        if let dictionary = value as? [String: Any] { return dictionary.compactMapValues(withoutAbsentValues) }
        if let array = value as? [Any] { return array.compactMap(withoutAbsentValues) }
        return value
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    static func language(of request: Request) -> PageLanguage {
        request.uri.queryParameters["lang"].flatMap { PageLanguage(rawValue: String($0)) }
            ?? request.cookies[languageCookie].flatMap { PageLanguage(rawValue: $0.value) } ?? .ro
    }

    static func grouping(of request: Request) -> CountyTotals.Grouping {
        request.uri.queryParameters["by"].flatMap { CountyTotals.Grouping(rawValue: String($0)) } ?? .source
    }

    /// A form body (`application/x-www-form-urlencoded`), at most 16 KiB.
    static func form(_ request: Request, context: some RequestContext) async throws -> [String: String] {
        var request = request
        let body = try await request.collectBody(upTo: 16 << 10)
        var fields: [String: String] = [:]
        for pair in String(buffer: body).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if let name = parts.first, fields[name] == nil { fields[name] = parts.count > 1 ? parts[1] : "" }
        }
        return fields
    }

    private static func clock(_ date: Date) -> String { date.formatted(.iso8601.time(includingFractionalSeconds: false)) }

    /// A file to save (a CSV, an evidence bundle), never shown inline.
    static func download(_ data: Data, type: String, name: String) -> Response {
        Response(status: .ok, headers: [
            .contentType: type, .cacheControl: "no-store", HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            .contentDisposition: "attachment; filename=\"\(name)\"",
        ], body: .init(byteBuffer: ByteBuffer(data: data)))
    }

    static func time(_ stamp: HLCTimestamp) -> String {
        Date(timeIntervalSince1970: Double(stamp.wallMillis) / 1000).formatted(.iso8601)
    }
}

/// One line of the plans page.
private struct PlanRow {
    let uat: String
    let siruta: Int
    let plan: String?
    let year: Int?
    let state: String
    let awaiting: String
    let errors: Int
    let warnings: Int
    let lastSync: String

    var context: [String: Any] {
        ["uat": uat, "siruta": String(siruta), "plan": plan as Any, "year": year.map(String.init) ?? "", "state": state,
         "awaiting": awaiting, "isAwaiting": !awaiting.isEmpty, "errors": String(errors), "warnings": String(warnings), "lastSync": lastSync]
    }

    /// The order a `sort` parameter asks for (`errors`, or `-errors` for the largest first).
    static func order(_ sort: String) -> (PlanRow, PlanRow) -> Bool {
        let descending = sort.hasPrefix("-")
        let key = descending ? String(sort.dropFirst()) : sort
        let ascending: (PlanRow, PlanRow) -> Bool = switch key {
        case "year": { ($0.year ?? 0, $0.uat) < ($1.year ?? 0, $1.uat) }
        case "state": { ($0.state, $0.uat) < ($1.state, $1.uat) }
        case "awaiting": { ($0.awaiting, $0.uat) < ($1.awaiting, $1.uat) }
        case "errors": { ($0.errors, $0.uat) < ($1.errors, $1.uat) }
        case "warnings": { ($0.warnings, $0.uat) < ($1.warnings, $1.uat) }
        case "lastSync": { ($0.lastSync, $0.uat) < ($1.lastSync, $1.uat) }
        default: { ($0.uat, $0.year ?? 0) < ($1.uat, $1.year ?? 0) }
        }
        return descending ? { ascending($1, $0) } : ascending
    }
}
