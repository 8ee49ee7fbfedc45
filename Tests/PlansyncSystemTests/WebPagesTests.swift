import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
@testable import PlansyncServerKit
import Synchronization
import Testing

/// The county's web pages over real HTTP: sign-in, sessions, CSRF, lock-out, who sees what, and
/// that nothing a clerk wrote becomes markup.
@Suite("Web pages")
struct WebPagesTests {
    static let password = "parola-de-test-1"

    @Test("sign in, see the county's plans and a plan with its findings and history, sign out: the old session opens nothing")
    func signInAndOut() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let (_, plan) = try await Self.uatWithPlan(county, url: url, title: "Planul anual 2025 <script>alert(1)</script>")
            let reviewer = try await Self.account(county, role: .reviewer)
            let browser = Browser(url)
            // Not signed in: every page sends to the sign-in page.
            #expect(try await browser.get("/plans").location == "/signin")
            let page = try await browser.signIn(reviewer, county: 18)
            #expect(page.status == 303 && page.location == "/")
            #expect(try await browser.get("/").location == "/plans", "a reviewer starts at the plans")
            let cookie = try #require(page.setCookies.first { $0.hasPrefix(WebPages.sessionCookie + "=") })
            for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] { #expect(cookie.contains(attribute), "\(attribute) in \(cookie)") }

            let plans = try await browser.get("/plans")
            #expect(plans.status == 200 && plans.body.contains("NEGOMIR") && plans.body.contains("/plans/\(plan.id)"))
            #expect(!plans.body.contains("class=\"awaiting\""), "a draft awaits nothing of the county")
            #expect(plans.headers["Content-Security-Policy"]?.contains("default-src 'none'") == true)
            let shown = try await browser.get("/plans/\(plan.id)")
            #expect(shown.status == 200)
            // The title a clerk typed is text, not a script.
            #expect(shown.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !shown.body.contains("<script>alert(1)"))
            #expect(shown.body.contains("Constatări") && shown.body.contains("Istoricul modificărilor"))

            let signOut = try await browser.post("/signout", ["formToken": try #require(browser.formToken(in: plans.body))])
            #expect(signOut.status == 303 && signOut.location == "/signin")
            #expect(try await browser.get("/plans").location == "/signin", "the session ended on the server, not only in the cookie")
        }
    }

    @Test("forms without their token are refused: sign-in without its cookie, sign-out from another session")
    func csrf() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let reviewer = try await Self.account(county, role: .reviewer)
            let browser = Browser(url)
            // A form posted from elsewhere carries no sign-in cookie.
            let forged = try await browser.post("/signin", ["formToken": "x", "county": "18", "account": reviewer, "password": Self.password])
            #expect(forged.status == 403 && forged.setCookies.allSatisfy { !$0.hasPrefix(WebPages.sessionCookie) })
            _ = try await browser.signIn(reviewer, county: 18)
            // Another session of the same person: its real form token does not sign this one out.
            let other = Browser(url)
            _ = try await other.signIn(reviewer, county: 18)
            let othersToken = try #require(other.formToken(in: try await other.get("/plans").body))
            let refused = try await browser.post("/signout", ["formToken": othersToken])
            #expect(refused.status == 403)
            #expect(try await browser.get("/plans").status == 200, "still signed in")
            // The API's version check is not skipped by writing its path another way.
            let doubled = try await rawRequest("POST", URL(string: "\(url)//v1/push")!, body: Data(#"{"operations":[]}"#.utf8))
            #expect(doubled.status == 400 && String(decoding: doubled.body, as: UTF8.self).contains("unsupported-protocol"))
        }
    }

    @Test("disabling an account ends its web sessions; enabling it again does not bring them back")
    func disabledAccount() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let reviewer = try await Self.account(county, role: .reviewer)
            let browser = Browser(url)
            _ = try await browser.signIn(reviewer, county: 18)
            #expect(try await browser.get("/plans").status == 200)
            try await county.store.disableAccount(AccountID(reviewer))
            #expect(try await browser.get("/plans").location == "/signin")
            #expect(try await browser.signIn(reviewer, county: 18).status == 401)
            try await county.store.enableAccount(AccountID(reviewer))
            #expect(try await browser.get("/plans").location == "/signin", "the old session stays ended")
            #expect(try await browser.signIn(reviewer, county: 18).status == 303)
        }
    }

    @Test("five wrong passwords lock the id for a quarter of an hour — sent at once or not, against the right one too, and an unknown id alike")
    func lockOut() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let reviewer = try await Self.account(county, role: .reviewer)
            let browser = Browser(url)
            // Attempts sent all at once each take one of the five: none slips past the lock.
            let answers = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<(CountyStore.signInAttempts + 3) {
                    group.addTask { try await Browser(url).signIn(reviewer, county: 18, password: "not-the-password").status }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(answers.count == CountyStore.signInAttempts + 3 && answers.allSatisfy { $0 == 401 || $0 == 503 })
            let locked = try await browser.signIn(reviewer, county: 18)
            #expect(locked.status == 401 && locked.body.contains("blocat"), "the right password is refused while locked")
            // An id that does not exist is treated the same way: its lock says nothing about which ids are real.
            var unknownAnswers: [String?] = []
            for _ in 0...CountyStore.signInAttempts {
                unknownAnswers.append(Browser.message(try await browser.signIn("no-such-user", county: 18, password: "whatever-12345").body))
            }
            #expect(unknownAnswers.last??.contains("blocat") == true)
            // The administrator's new password unlocks it.
            try await county.store.setPassword(Self.password, for: AccountID(reviewer))
            #expect(try await browser.signIn(reviewer, county: 18).status == 303)
        }
    }

    @Test("each role sees what it may: a UAT's inspector its own plans only, the county's reviewer and auditor all of them")
    func whoSeesWhat() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let (_, plan) = try await Self.uatWithPlan(county, url: url, title: "Negomir 2025")
            let balestiInspector = try await Self.account(county, role: .inspector, siruta: balesti)
            let negomirInspector = try await Self.account(county, role: .inspector, siruta: negomir)
            for (account, seesNegomir) in [(try await Self.account(county, role: .reviewer), true), (try await Self.account(county, role: .auditor), true),
                                           (negomirInspector, true), (balestiInspector, false)] {
                let browser = Browser(url)
                _ = try await browser.signIn(account, county: 18)
                let list = try await browser.get("/plans")
                #expect(list.status == 200)
                #expect(list.body.contains("/plans/\(plan.id)") == seesNegomir, "\(account) in the list")
                #expect(try await browser.get("/plans/\(plan.id)").status == (seesNegomir ? 200 : 404), "\(account) on the plan's page")
                #expect(try await browser.get("/totals").status == 200)
            }
        }
    }

    @Test("totals: a chart drawn on the server, the table, and an RFC 4180 CSV that opens no formula")
    func totals() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            _ = try await Self.uatWithPlan(county, url: url, title: "Negomir 2025")
            let browser = Browser(url)
            _ = try await browser.signIn(try await Self.account(county, role: .reviewer), county: 18)
            for grouping in CountyTotals.Grouping.allCases {
                let page = try await browser.get("/totals?by=\(grouping.rawValue)")
                #expect(page.status == 200 && page.body.contains("<svg") && page.body.contains("role=\"img\""))
                let csv = try await browser.get("/totals.csv?by=\(grouping.rawValue)")
                #expect(csv.status == 200 && csv.headers["Content-Type"]?.hasPrefix("text/csv") == true)
                #expect(csv.body.hasSuffix("\r\n") && csv.body.contains("total"))
            }
        }
    }

    @Test("every word a template asks for is there in Romanian and in English")
    func everyWordInBothLanguages() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Server/PlansyncServerKit/Web/Templates").standardized
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".mustache") }
        #expect(names.count >= 6)
        var keys: Set<String> = []
        for name in names {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            for match in text.matches(of: /\{\{w\.([A-Za-z]+)\}\}/) { keys.insert(String(match.1)) }
        }
        #expect(keys.count > 20)
        for key in keys.sorted() {
            #expect(countyWords.all(in: .ro)[key] != nil && countyWords.all(in: .en)[key] != nil, "\(key)")
        }
    }

    // MARK: Setup

    /// Negomir's inspector, enrolled over HTTP, with a plan of 2025 synced.
    static func uatWithPlan(_ county: TestCounty, url: URL, title: String) async throws -> (HTTPTests.Setup, PlanDocument) {
        let clerk = try await HTTPTests.Setup(county: county, url: url)
        let plan = try clerk.replica.createPlan(year: 2025)
        try clerk.replica.set(plan.id, path: "title", to: title)
        _ = try await clerk.sync()
        return (clerk, try #require(try await county.store.plan(plan.id)))
    }

    /// A new account with the test password; its id.
    static func account(_ county: TestCounty, role: Role, siruta: Siruta? = nil) async throws -> String {
        let account = try await county.store.addAccount(name: "\(role.rawValue) \(UUID().uuidString.prefix(4))", role: role, siruta: siruta).account
        try await county.store.setPassword(password, for: AccountID(account.id))
        return account.id
    }
}

/// A browser as far as these pages need one: its own cookies, redirects not followed.
final class Browser: Sendable {
    struct Page {
        let status: Int
        let headers: [String: String]
        let setCookies: [String]
        let body: String
        var location: String? { headers["Location"] }
    }

    let url: URL
    private let cookies = Mutex<[String: String]>([:])

    init(_ url: URL) {
        self.url = url
    }

    func get(_ path: String) async throws -> Page { try await send("GET", path, body: nil) }

    /// Puts a cookie in this browser's jar, as a page of another site or a person at the
    /// keyboard could.
    func plant(_ name: String, _ value: String) { cookies.withLock { $0[name] = value } }

    func post(_ path: String, _ form: [String: String]) async throws -> Page {
        let body = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await send("POST", path, body: Data(body.utf8))
    }

    /// Opens the sign-in page (its cookie and form token) and posts it.
    func signIn(_ account: String, county: Int, password: String = WebPagesTests.password) async throws -> Page {
        let form = try await get("/signin")
        return try await post("/signin", ["formToken": formToken(in: form.body) ?? "", "county": String(county), "account": account, "password": password])
    }

    func formToken(in html: String) -> String? {
        guard let range = html.range(of: #"name="formToken" value="([^"]+)""#, options: .regularExpression) else { return nil }
        return String(html[range].dropFirst(#"name="formToken" value=""#.count).dropLast())
    }

    /// The alert a page shows.
    static func message(_ html: String) -> String? {
        guard let range = html.range(of: #"role="alert">[^<]*"#, options: .regularExpression) else { return nil }
        return String(html[range])
    }

    private func send(_ method: String, _ path: String, body: Data?) async throws -> Page {
        var request = URLRequest(url: URL(string: path, relativeTo: url)!)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type") }
        // A connection of its own per request, in a session of its own: libcurl behind
        // FoundationNetworking reuses a pooled connection the server has just closed and, for a
        // POST, sends the head again on a new one without the body — the server then waits for
        // a body that never comes (found as 30-second hangs ending in "Empty reply").
        request.setValue("close", forHTTPHeaderField: "Connection")
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        let session = URLSession(configuration: configuration, delegate: NoRedirects(), delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let jar = cookies.withLock { $0 }
        if !jar.isEmpty { request.setValue(jar.map { "\($0.key)=\($0.value)" }.joined(separator: "; "), forHTTPHeaderField: "Cookie") }
        let (data, response) = try await session.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields { headers["\(name)"] = "\(value)" }
        let setCookies = (headers["Set-Cookie"] ?? "").components(separatedBy: ", ").filter { $0.contains("=") && !$0.hasPrefix(" ") }
        cookies.withLock { jar in
            for line in setCookies {
                let pair = line.split(separator: ";").first.map(String.init) ?? ""
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2 else { continue }
                if parts[1].isEmpty || line.contains("Max-Age=0") { jar[parts[0]] = nil } else { jar[parts[0]] = parts[1] }
            }
        }
        return Page(status: http.statusCode, headers: headers, setCookies: setCookies, body: String(decoding: data, as: UTF8.self))
    }
}

/// Lets the test see a 303 and where it points.
private final class NoRedirects: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
