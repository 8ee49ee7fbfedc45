import Foundation
@testable import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
@testable import PlansyncServerKit
import Testing

/// The county's acts, a plan's versions and history, the auditors' and the administrator's pages,
/// over real HTTP against a real server, with every role.
@Suite("Web pages: acts, versions, audit, administration")
struct WebActsTests {
    /// Negomir's clerk with a plan submitted to the county and synced.
    static func submittedPlan(_ county: TestCounty, url: URL) async throws -> (HTTPTests.Setup, PlanID) {
        let clerk = try await HTTPTests.Setup(county: county, url: url)
        let plan = try clerk.replica.createPlan(year: 2024, template: .unversioned)
        try clerk.replica.set(plan.id, path: "title", to: "Planul anual 2024 <img src=x onerror=alert(1)>")
        try addService(clerk.replica, plan.id, ["code": "8810 ID-IV", "name": "Asistenți personali", "capacity": "12", "budget.local": "450.000"])
        try clerk.replica.submit(plan.id, letter: "Nr. 1143/12.03.2024")
        let report = try await clerk.sync()
        #expect(report.rejected.isEmpty, "\(report.rejected)")
        return (clerk, plan.id)
    }

    /// A row of services from the text a clerk types, as `plansync row add` reads it.
    static func addService(_ replica: Replica, _ plan: PlanID, _ cells: [String: String]) throws {
        try replica.record(on: plan) { current in
            let table = try #require(current!.schema.table("services"))
            var values: [String: Value] = [:]
            for (column, text) in cells { values[column] = try #require(table.kind(of: column)).parse(text) }
            return PlanEditor(plan: current!).insertRow(into: "services", values: values)
        }
    }

    /// Signs in a new account of `role`; its browser and id.
    static func signedIn(_ county: TestCounty, _ url: URL, _ role: Role, siruta: Siruta? = nil) async throws -> (Browser, String) {
        let id = try await WebPagesTests.account(county, role: role, siruta: siruta)
        let browser = Browser(url)
        #expect(try await browser.signIn(id, county: 18).status == 303)
        return (browser, id)
    }

    @Test("the reviewer registers, remarks and gives an unfavourable aviz from the plan's page: the same rules and words as the CLI, signed by the county, and the commune gets them at its next sync")
    func reviewerActs() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let (clerk, plan) = try await Self.submittedPlan(county, url: url)
            let (browser, _) = try await Self.signedIn(county, url, .reviewer)
            let page = try await browser.get("/plans/\(plan)")
            #expect(page.body.contains("id=\"register\"") && page.body.contains("id=\"remark\"") && !page.body.contains("id=\"aviz\""),
                    "a submitted version waits for its registration and may get remarks; the aviz comes after the registration")
            let token = try #require(browser.formToken(in: page.body))

            // A date before the UAT's letter is refused with the rules' words; what was typed stays in the form.
            let early = try await browser.post("/plans/\(plan)/register", ["formToken": token, "number": "5552", "date": "01.03.2024"])
            #expect(early.status == 422 && Browser.message(early.body)?.contains("dates out of order") == true, "\(Browser.message(early.body) ?? "")")
            #expect(early.body.contains("value=\"5552\""))

            let registered = try await browser.post("/plans/\(plan)/register", ["formToken": token, "number": "5552", "date": "20.03.2024"])
            #expect(registered.status == 303 && registered.location?.hasPrefix("/plans/\(plan)?done=register") == true, "\(Browser.message(registered.body) ?? "")")
            let after = try await browser.get(try #require(registered.location))
            #expect(after.body.contains("role=\"status\"") && after.body.contains("id=\"aviz\""))
            // Registering twice: nothing waits for it any more.
            let again = try await browser.post("/plans/\(plan)/register", ["formToken": token, "number": "5553", "date": "20.03.2024"])
            #expect(again.status == 422 && Browser.message(again.body)?.contains("wrong state") == true)

            #expect(try await browser.post("/plans/\(plan)/remark", ["formToken": token, "path": "services[1].capacity",
                                                                    "text": "Precizați numărul de asistenți <b>personali</b>."]).status == 303)
            // An unfavourable aviz needs its remarks.
            let bare = try await browser.post("/plans/\(plan)/aviz", ["formToken": token, "form": "hcj", "reference": "HCJ nr. 39/21.03.2024",
                                                                      "outcome": "unfavourable", "remarks": ""])
            #expect(bare.status == 422 && Browser.message(bare.body)?.contains("remarks required") == true)
            let forged = try await browser.post("/plans/\(plan)/aviz", ["formToken": token, "form": "fax", "reference": "x", "outcome": "maybe"])
            #expect(forged.status == 422)
            let aviz = try await browser.post("/plans/\(plan)/aviz", ["formToken": token, "form": "hcj", "reference": "HCJ nr. 39/21.03.2024",
                                                                      "outcome": "unfavourable", "remarks": "Completați bugetul."])
            #expect(aviz.status == 303)

            let stored = try #require(try await county.store.plan(plan))
            #expect(stored.workflow.versions.map(\.state) == [.returned, .draft], "an unfavourable aviz opens a new draft")
            #expect(stored.workflow.remarks.map(\.text) == ["Precizați numărul de asistenți <b>personali</b>.", "Completați bugetul."])
            let shown = try await browser.get("/plans/\(plan)")
            #expect(shown.body.contains("&lt;b&gt;personali&lt;/b&gt;") && !shown.body.contains("<b>personali</b>"), "a remark is text")
            #expect(shown.body.contains("&lt;img src=x") && !shown.body.contains("<img src=x"), "a title is text")
            // The acts are the county's: signed with its key like an act from the reviewer's computer.
            #expect(try await county.store.verifyLog().problems.isEmpty)
            let bundle = try WireJSON.decode(AuditBundle.self, from: Data(try await browser.get("/plans/\(plan)/bundle").body.utf8))
            #expect(bundle.entries.count > 5 && AuditVerifier.verify(bundle).intact, "the plan's evidence verifies offline")
            // The commune sees the aviz and the remarks after its next sync.
            _ = try await clerk.sync()
            let local = try #require(try clerk.replica.plan(plan))
            #expect(local.workflow.openRemarks.count == 2 && local.workflow.latest.state == .draft)
        }
    }

    @Test("the difference between two versions: rows added, cells changed and the totals they move, with Chapter I flagged")
    func versionDiff() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let (clerk, plan) = try await Self.submittedPlan(county, url: url)
            let (browser, _) = try await Self.signedIn(county, url, .reviewer)
            let token = try #require(browser.formToken(in: try await browser.get("/plans/\(plan)").body))
            #expect(try await browser.post("/plans/\(plan)/register", ["formToken": token, "number": "1", "date": "20.03.2024"]).status == 303)
            #expect(try await browser.post("/plans/\(plan)/aviz", ["formToken": token, "form": "letter", "reference": "Nr. 7/21.03.2024",
                                                                   "outcome": "unfavourable", "remarks": "Adăugați îngrijirea la domiciliu."]).status == 303)
            _ = try await clerk.sync()
            try Self.addService(clerk.replica, plan, ["code": "8810 ID-I", "name": "Îngrijire la domiciliu", "capacity": "20", "budget.local": "15.000"])
            _ = try await clerk.sync()
            let diff = try await browser.get("/plans/\(plan)/diff?from=1&to=2")
            #expect(diff.status == 200 && diff.body.contains("class=\"added\"") && diff.body.contains("Îngrijire la domiciliu"))
            #expect(diff.body.contains("+15.000"), "the budget total grows by 15.000 lei: \(diff.body.components(separatedBy: "<h2>").last ?? "")")
            #expect(diff.body.contains("Capitolul I"))
            let same = try await browser.get("/plans/\(plan)/diff?from=1&to=1")
            #expect(same.status == 200 && same.body.contains("același conținut"))
            #expect(try await browser.get("/plans/\(plan)/diff?from=1&to=9").status == 404)
        }
    }

    @Test("an auditor reads a plan's whole history, the plan after any operation or at a county time, and the log's verification")
    func auditorPages() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let (_, plan) = try await Self.submittedPlan(county, url: url)
            let (auditor, _) = try await Self.signedIn(county, url, .auditor)
            let history = try await auditor.get("/plans/\(plan)/history")
            #expect(history.status == 200)
            let seqs = history.body.matches(of: /id="op-(\d+)"/).map { Int64($0.1)! }
            #expect(seqs.count == 4 && seqs == seqs.sorted(), "creation, title, row, submission in the county's order")
            // After the title (the second operation) the plan has no service yet.
            let early = try await auditor.get("/plans/\(plan)/asof?seq=\(seqs[1])")
            #expect(early.status == 200 && early.body.contains("Planul anual 2024") && !early.body.contains("Asistenți personali"))
            let late = try await auditor.get("/plans/\(plan)/asof?seq=\(seqs[3])")
            #expect(late.body.contains("Asistenți personali") && late.body.contains("transmis spre avizare"))
            let before = try await auditor.get("/plans/\(plan)/asof?at=2020-01-01T00:00")
            #expect(before.status == 200 && before.body.contains("nu exista încă"))
            #expect(try await auditor.get("/plans/\(plan)/asof?at=ieri").status == 400)
            let verified = try await auditor.get("/audit?verify=1")
            #expect(verified.status == 200 && verified.body.contains("id=\"verification\"") && verified.body.contains("intact"))
            let countyBundle = try WireJSON.decode(AuditBundle.self, from: Data(try await auditor.get("/audit/bundle").body.utf8))
            #expect(countyBundle.scope == "county" && AuditVerifier.verify(countyBundle).intact)
        }
    }

    @Test("the administrator adds a UAT and an account (the token shown once enrolls a device), revokes a device and disables an account")
    func administratorPages() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let (admin, adminID) = try await Self.signedIn(county, url, .administrator)
            #expect(try await admin.get("/").location == "/admin", "an administrator reads no plans: the first page is administration")
            let page = try await admin.get("/admin")
            #expect(page.status == 200)
            let token = try #require(admin.formToken(in: page.body))
            let added = try await admin.post("/admin/uats", ["formToken": token, "siruta": String(balesti.rawValue), "inspector": "Ion <i>Bălești</i>"])
            #expect(added.status == 200 && added.body.contains("id=\"enrollment-token\"") && added.body.contains("Ion &lt;i&gt;Bălești&lt;/i&gt;"))
            let wrong = try await admin.post("/admin/uats", ["formToken": token, "siruta": "999999"])
            #expect(wrong.status == 400 && Browser.message(wrong.body)?.contains("SIRUTA") == true)
            let account = try await admin.post("/admin/accounts", ["formToken": token, "name": "Elena Auditor", "role": "auditor", "siruta": ""])
            let enrollment = try #require(account.body.firstMatch(of: /id="enrollment-token">([^<]+)</).map { String($0.1) })
            let device = try await county.store.enroll(token: enrollment, label: "laptop audit")
            #expect(try await admin.post("/admin/devices/\(device.device)/revoke", ["formToken": token]).status == 200)
            #expect(try await county.store.devices().first { $0.device.id == device.device.rawValue }?.device.revokedAt != nil)
            #expect(try await admin.post("/admin/accounts/\(device.account.id)/disable", ["formToken": token]).status == 200)
            #expect(try await county.store.accounts().first { $0.id == device.account.id.rawValue }?.disabledAt != nil)
            let own = try await admin.post("/admin/accounts/\(adminID)/disable", ["formToken": token])
            #expect(own.status == 400, "the administrator does not lock themself out")
            // Without the form token nothing happens.
            let before = try await county.store.accounts().count
            #expect(try await admin.post("/admin/accounts", ["name": "Fără token", "role": "auditor"]).status == 403)
            #expect(try await county.store.accounts().count == before)
        }
    }

    @Test("every page and form for every role: each sees and does only what its role allows, and a refused form records nothing")
    func authorizationMatrix() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let (_, plan) = try await Self.submittedPlan(county, url: url)
            let pages = ["/plans", "/plans/\(plan)", "/plans/\(plan)/diff", "/plans/\(plan)/history", "/plans/\(plan)/asof?seq=1",
                         "/plans/\(plan)/bundle", "/totals", "/totals.csv", "/audit", "/audit/bundle", "/admin"]
            // Who gets each page (by index above): 200 for those listed, refused (403/404) for the others.
            let allowed: [(role: Role, siruta: Siruta?, pages: Set<Int>, acts: Bool)] = [
                (.reviewer, nil, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], true),
                (.auditor, nil, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], false),
                (.auditor, negomir, [0, 1, 2, 3, 4, 5, 6, 7], false),
                (.inspector, negomir, [0, 1, 2, 3, 4, 5, 6, 7], false),
                (.secretary, negomir, [0, 1, 2, 3, 4, 5, 6, 7], false),
                (.inspector, balesti, [0, 6, 7], false),
                (.administrator, nil, [8, 10], false),
            ]
            for (role, siruta, expected, acts) in allowed {
                let (browser, _) = try await Self.signedIn(county, url, role, siruta: siruta)
                for (index, path) in pages.enumerated() {
                    let status = try await browser.get(path).status
                    if expected.contains(index) {
                        #expect(status == 200, "\(role) \(siruta.map(String.init(describing:)) ?? "county") GET \(path)")
                    } else {
                        #expect(status == 403 || status == 404, "\(role) \(siruta.map(String.init(describing:)) ?? "county") GET \(path): \(status)")
                    }
                }
                let form = try await browser.get(expected.contains(10) ? "/admin" : "/totals")
                let token = try #require(browser.formToken(in: form.body))
                let operations = try await county.store.counts().accepted
                let remark = try await browser.post("/plans/\(plan)/remark", ["formToken": token, "text": "Observație de la \(role.rawValue)"])
                #expect((remark.status == 303) == acts, "\(role) remark: \(remark.status)")
                #expect(try await county.store.counts().accepted == operations + (acts ? 1 : 0))
                let accounts = try await county.store.accounts().count
                let created = try await browser.post("/admin/accounts", ["formToken": token, "name": "Nou", "role": "auditor"])
                #expect((created.status == 200) == (role == .administrator), "\(role) admin form: \(created.status)")
                #expect(try await county.store.accounts().count == accounts + (role == .administrator ? 1 : 0))
            }
        }
    }

    @Test("a session cookie planted before sign-in is never the one used after; every free text typed into a form comes back as text on every page")
    func fixationAndInjection() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let (_, plan) = try await Self.submittedPlan(county, url: url)
            let reviewer = try await WebPagesTests.account(county, role: .reviewer)
            let browser = Browser(url)
            browser.plant(WebPages.sessionCookie, "18.planted-by-someone-else")
            #expect(try await browser.get("/plans").location == "/signin", "a planted token opens nothing")
            let signed = try await browser.signIn(reviewer, county: 18)
            let cookie = try #require(signed.setCookies.first { $0.hasPrefix(WebPages.sessionCookie + "=") })
            #expect(!cookie.contains("planted"), "sign-in sets a session of its own")
            #expect(try await county.store.webSession(token: "planted-by-someone-else") == nil)

            let script = "<script>alert(1)</script>"
            let token = try #require(browser.formToken(in: try await browser.get("/plans/\(plan)").body))
            #expect(try await browser.post("/plans/\(plan)/register", ["formToken": token, "number": "5552 \(script)", "date": "20.03.2024"]).status == 303)
            #expect(try await browser.post("/plans/\(plan)/remark", ["formToken": token, "text": "Observație \(script)"]).status == 303)
            let refused = try await browser.post("/plans/\(plan)/remark", ["formToken": token, "path": script, "text": script])
            #expect(!refused.body.contains(script), "a refused form shows what was typed as text")
            #expect(try await browser.post("/plans/\(plan)/aviz", ["formToken": token, "form": "hcj", "reference": "HCJ nr. 39/21.03.2024 \(script)",
                                                                    "outcome": "favourable-with-remarks", "remarks": script]).status == 303)
            for path in ["/plans/\(plan)", "/plans/\(plan)/history", "/plans/\(plan)/asof?seq=99", "/plans", "/plans/\(plan)/diff"] {
                let page = try await browser.get(path)
                #expect(page.status == 200 && !page.body.contains(script), "\(path)")
            }
            #expect(try await browser.get("/plans/\(plan)").body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            let admin = Browser(url)
            _ = try await admin.signIn(try await WebPagesTests.account(county, role: .administrator), county: 18)
            let adminToken = try #require(admin.formToken(in: try await admin.get("/admin").body))
            let added = try await admin.post("/admin/accounts", ["formToken": adminToken, "name": "Ion \(script)", "role": "auditor"])
            let listed = try await admin.get("/admin")
            #expect(added.status == 200 && !added.body.contains(script) && !listed.body.contains(script) && listed.body.contains("Ion &lt;script&gt;"))
        }
    }

    @Test("from a hostile review: a form for a version that moved on is refused, absurd amounts do not trap the diff, acts name the account not what the device wrote")
    func hostileReview() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let (clerk, plan) = try await Self.submittedPlan(county, url: url)
            let (browser, _) = try await Self.signedIn(county, url, .reviewer)
            let page = try await browser.get("/plans/\(plan)")
            let token = try #require(browser.formToken(in: page.body))
            #expect(page.body.contains("name=\"version\" value=\"1\""), "each act's form carries the version it shows")
            let moved = try await browser.post("/plans/\(plan)/register", ["formToken": token, "version": "2", "number": "1", "date": "20.03.2024"])
            #expect(moved.status == 422 && Browser.message(moved.body)?.contains("version moved on") == true)
            #expect(try await browser.post("/plans/\(plan)/register", ["formToken": token, "version": "1", "number": "1", "date": "20.03.2024"]).status == 303)
            #expect(try await browser.post("/plans/\(plan)/aviz", ["formToken": token, "version": "1", "form": "letter", "reference": "Nr. 7/21.03.2024",
                                                                   "outcome": "unfavourable", "remarks": "Refaceți bugetul."]).status == 303)
            _ = try await clerk.sync()
            try Self.addService(clerk.replica, plan, ["code": "8810 ID-I", "name": "Sumă absurdă", "budget.local": "-100.000.000.000.000.000"])
            _ = try await clerk.sync()
            let diff = try await browser.get("/plans/\(plan)/diff?from=1&to=2")
            #expect(diff.status == 200 && diff.body.contains("Sumă absurdă"))
            #expect(try await browser.get("/totals?by=uat").status == 200)
            // The remark's author on the page is the reviewer's account, whatever name an operation carries.
            let shown = try await browser.get("/plans/\(plan)")
            #expect(shown.body.contains("— reviewer "), "the aviz's remarks are the reviewer's")
        }
    }
}
