import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
@testable import PlansyncClientKit
@testable import PlansyncClientUI
import PlansyncCore
import PlansyncProtocol
@testable import PlansyncServerKit
import Testing

/// The commune's page (`plansync ui`) over real HTTP, with a real county server and a real
/// replica on loopback: edits through the forms are the CLI's operations, they sync, refusals
/// keep what was typed, and the page defends itself even on localhost.
@Suite("Commune UI")
struct CommuneUITests {
    @Test("a field and a table row edited through the page are pending operations that the page's sync brings to the county")
    func editAndSync() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            // Given Negomir's inspector with a 2025 plan synced, and the page on a loopback port
            let clerk = try await HTTPTests.Setup(county: county, url: url)
            let plan = try clerk.replica.createPlan(year: 2025)
            _ = try await clerk.sync()
            try await withCommuneUI(clerk.replica) { ui in
                let browser = Browser(ui)
                let home = try await browser.get("/")
                #expect(home.status == 200 && home.body.contains("/plans/\(plan.id)") && home.body.contains("id=\"sync-result\""))
                let form = try await browser.get("/plans/\(plan.id)")
                #expect(form.status == 200 && form.body.contains("id=\"findings\"") && form.body.contains("aria-live=\"polite\""))
                #expect(Self.unlabelled(form.body).isEmpty, "inputs without a label: \(Self.unlabelled(form.body))")
                let token = try #require(browser.formToken(in: form.body))

                // When the clerk saves a field, adds a row and changes one of its cells
                let saved = try await browser.post("/plans/\(plan.id)/fields", ["formToken": token, "path": "title", "value": "Planul anual 2025"])
                #expect(saved.status == 303 && saved.location?.hasPrefix("/plans/\(plan.id)?done=saved") == true)
                let added = try await browser.post("/plans/\(plan.id)/rows/services", ["formToken": token, "name": "Cantină socială", "capacity": "40"])
                #expect(added.status == 303)
                let row = try #require(try clerk.replica.plan(plan.id)?.visibleRows(of: "services").first)
                let changed = try await browser.post("/plans/\(plan.id)/rows/services/\(row.id)",
                                                     ["formToken": token, "name": "Cantină socială", "capacity": "45"])
                #expect(changed.status == 303)

                // Then each is an operation of the change log, waiting for the sync, and the page says it was saved
                #expect(try clerk.replica.pendingCount() == 3, "title, the row, its capacity; the unchanged name is no edit")
                let after = try await browser.get(try #require(saved.location))
                #expect(after.body.contains("<p class=\"notice\" role=\"status\">") && after.body.contains("Planul anual 2025"))
                #expect(after.body.contains("value=\"45\""))

                // When the clerk presses the sync button, then the county holds them, and the page tells the steps
                let synced = try await browser.post("/sync", ["formToken": token])
                #expect(synced.status == 200 && synced.body.contains("id=\"sync-result\"") && synced.body.contains("Trimise 3 modificări (3 acceptate)"))
                #expect(try clerk.replica.pendingCount() == 0)
                let server = try #require(try await county.store.plan(plan.id))
                #expect(server.fields["title"]?.value == .text("Planul anual 2025"))
                #expect(server.visibleRows(of: "services").map { $0.fields["capacity"]?.value } == [.text("45")])
                // And the last sync's result stays on the plans page
                #expect(try await browser.get("/").body.contains("Trimise 3 modificări"))

                // Rows move and go through the page as the CLI's `row move` and `row remove` do
                _ = try await browser.post("/plans/\(plan.id)/rows/services", ["formToken": token, "name": "Îngrijire la domiciliu"])
                let second = try #require(try clerk.replica.plan(plan.id)?.visibleRows(of: "services").last)
                #expect(try await browser.post("/plans/\(plan.id)/rows/services/\(second.id)/move", ["formToken": token, "direction": "up"]).status == 303)
                #expect(try clerk.replica.plan(plan.id)?.visibleRows(of: "services").first?.id == second.id)
                #expect(try await browser.post("/plans/\(plan.id)/rows/services/\(second.id)/remove", ["formToken": token]).status == 303)
                #expect(try clerk.replica.plan(plan.id)?.visibleRows(of: "services").map(\.id) == [row.id])
            }
        }
    }

    @Test("a refused edit shows the CLI's words with 422, keeps what was typed and records nothing")
    func refusals() async throws {
        try await HTTPTests.Setup.withSyncedPlan { _, _, clerk, plan in
            try await withCommuneUI(clerk.replica) { ui in
                let browser = Browser(ui)
                let token = try #require(browser.formToken(in: try await browser.get("/plans/\(plan.id)").body))
                // A decision record is the secretary's act, not the inspector's field: the permission table's words
                let hcl = try await browser.post("/plans/\(plan.id)/fields", ["formToken": token, "path": "decisions.hcl.reference", "value": "HCL 17/27.03.2025"])
                #expect(hcl.status == 422)
                let expected = Rejection(code: "role-forbidden", message: Permissions.refusal(for: .inspector, area: .councilDecision))
                #expect(hcl.body.contains("<p class=\"problem\" role=\"alert\">\(HTMLText.escape(expected.description))</p>"))
                // A date that is no date, in a new row: the row's other cells stay as typed
                let row = try await browser.post("/plans/\(plan.id)/rows/protocols",
                                                 ["formToken": token, "partner": "Asociația Sf. Maria", "validUntil": "31.02.2025"])
                #expect(row.status == 422)
                #expect(row.body.contains("&#39;31.02.2025&#39; is not a date") || row.body.contains("'31.02.2025' is not a date"))
                #expect(row.body.contains("value=\"Asociația Sf. Maria\"") && row.body.contains("value=\"31.02.2025\""))
                // A submission the checks refuse (a new plan has errors): refused offline, the letter kept
                let submit = try await browser.post("/plans/\(plan.id)/acts/submit", ["formToken": token, "letter": "Nr. 1143/12.03.2025"])
                #expect(submit.status == 422 && submit.body.contains("role=\"alert\"") && submit.body.contains("value=\"Nr. 1143/12.03.2025\""))
                #expect(try clerk.replica.pendingCount() == 0, "nothing recorded")
            }
        }
    }

    @Test("every POST needs the page's form token (403 without it); a request for another host name is refused (421)")
    func tokenAndHost() async throws {
        try await HTTPTests.Setup.withSyncedPlan { _, _, clerk, plan in
            try await withCommuneUI(clerk.replica) { ui in
                let browser = Browser(ui)
                for form in [[:], ["formToken": "0000"], ["formToken": String(repeating: "a", count: 64)]] {
                    let refused = try await browser.post("/plans/\(plan.id)/fields", form.merging(["path": "title", "value": "forged"]) { $1 })
                    #expect(refused.status == 403 && refused.body.contains("role=\"alert\""))
                    #expect(try await browser.post("/sync", form).status == 403)
                }
                #expect(try clerk.replica.pendingCount() == 0)
                // DNS rebinding: a name of another site that resolves to 127.0.0.1
                let port = try #require(ui.port)
                for (host, status) in [("evil.example:\(port)", 421), ("127.0.0.1", 421), ("127.0.0.1:\(port)", 200), ("localhost:\(port)", 200)] {
                    let connection = try RawConnection(port: port)
                    let head = "GET / HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n"
                    let (bytes, _) = try await offPool { connection.sendReading(Data(head.utf8), timeout: 10) }
                    #expect(RawResponse(bytes)?.status == status, "Host: \(host)")
                }
                // The page's own headers: only its own script, styles and forms
                let page = try await browser.get("/")
                let policy = try #require(page.headers["Content-Security-Policy"])
                for part in ["default-src 'none'", "style-src 'self'", "script-src 'self'", "form-action 'self'", "frame-ancestors 'none'"] {
                    #expect(policy.contains(part))
                }
            }
        }
    }

    @Test("a <script> typed in a field or a cell comes back as text")
    func scriptIsInert() async throws {
        try await HTTPTests.Setup.withSyncedPlan { _, _, clerk, plan in
            try await withCommuneUI(clerk.replica) { ui in
                let browser = Browser(ui)
                let token = try #require(browser.formToken(in: try await browser.get("/plans/\(plan.id)").body))
                let script = "<script>alert(1)</script>\"><img src=x>"
                _ = try await browser.post("/plans/\(plan.id)/fields", ["formToken": token, "path": "title", "value": script])
                _ = try await browser.post("/plans/\(plan.id)/rows/services", ["formToken": token, "name": script])
                let page = try await browser.get("/plans/\(plan.id)")
                #expect(page.status == 200 && !page.body.contains("<script>alert(1)") && !page.body.contains("<img src=x>"))
                #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
                #expect(page.body.components(separatedBy: "<script").count == 2, "only the page's own script file")
                #expect(try clerk.replica.plan(plan.id)?.fields["title"]?.value == .text(script), "kept exactly as typed")
            }
        }
    }

    @Test("conflicts shown side by side; keeping one records an edit that settles it on the county too")
    func conflicts() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            // Given two inspectors of Negomir who changed the title without seeing each other's change
            let ana = try await HTTPTests.Setup(county: county, url: url, author: "ana")
            let ion = try await HTTPTests.Setup(county: county, url: url, author: "ion")
            let plan = try ana.replica.createPlan(year: 2025)
            _ = try await ana.sync()
            _ = try await ion.sync()
            try ana.replica.set(plan.id, path: "title", to: "Planul anual 2025")
            try ion.replica.set(plan.id, path: "title", to: "Plan de acțiune 2025")
            _ = try await ana.sync()
            _ = try await ion.sync()
            _ = try await ana.sync()
            let conflict = try #require(try ana.replica.conflicts().first?.conflict)
            let ions = try #require((conflict.current + conflict.others).first { $0.value == .text("Plan de acțiune 2025") })
            try await withCommuneUI(ana.replica) { ui in
                let browser = Browser(ui)
                let page = try await browser.get("/conflicts")
                #expect(page.status == 200 && page.body.contains("Planul anual 2025") && page.body.contains("Plan de acțiune 2025"))
                #expect(page.body.contains("value=\"\(ions.id)\"") && page.body.contains("Titlul planului"))
                let token = try #require(browser.formToken(in: page.body))
                // When Ana keeps Ion's title
                let kept = try await browser.post("/conflicts/resolve", ["formToken": token, "plan": plan.id.rawValue, "path": "title", "keep": ions.id.description])
                #expect(kept.status == 303)
                #expect(try await browser.get("/conflicts").body.contains("Nu există conflicte deschise."))
                #expect(try ana.replica.pendingCount() == 1, "the resolution is an edit")
                // Then after the page's sync the county has it, settled
                #expect(try await browser.post("/sync", ["formToken": token]).status == 200)
                let server = try #require(try await county.store.plan(plan.id))
                #expect(server.conflicts.isEmpty && server.fields["title"]?.value == .text("Plan de acțiune 2025"))
            }
        }
    }

    @Test("with the county's server down the page works, the sync says so and keeps everything; the edits go when it is back")
    func offline() async throws {
        let county = try await TestCounty()
        // Given a clerk enrolled and synced while the county's server ran, which then stops
        let (replica, plan, port) = try await withServer(county.directory) { url in
            let clerk = try await HTTPTests.Setup(county: county, url: url)
            let plan = try clerk.replica.createPlan(year: 2025)
            _ = try await clerk.sync()
            return (clerk.replica, plan.id, url.port!)
        }
        try await withCommuneUI(replica) { ui in
            let browser = Browser(ui)
            // The pages still open, and an edit is still recorded
            #expect(try await browser.get("/").status == 200)
            let form = try await browser.get("/plans/\(plan)")
            #expect(form.status == 200)
            let token = try #require(browser.formToken(in: form.body))
            #expect(try await browser.post("/plans/\(plan)/fields", ["formToken": token, "path": "title", "value": "Scris fără rețea"]).status == 303)
            // The sync cannot reach the county: it says so, and the edit waits
            let offline = try await browser.post("/sync", ["formToken": token])
            #expect(offline.status == 502 && offline.body.contains("id=\"sync-result\""))
            #expect(offline.body.contains("cannot be reached") && offline.body.contains("Modificări încă netrimise pe acest calculator: 1"))
            #expect(try replica.pendingCount() == 1)
            // When the county's server is back where the computer knows it, the same button sends it
            try await withServer(county.directory, port: port) { _ in
                let online = try await browser.post("/sync", ["formToken": token])
                #expect(online.status == 200 && online.body.contains("Trimise 1 modificări (1 acceptate)"))
                #expect(try await county.store.plan(plan)?.fields["title"]?.value == .text("Scris fără rețea"))
            }
        }
    }

    @Test("findings while typing without recording, English on request, the page's own files")
    func checkLanguageAndFiles() async throws {
        try await HTTPTests.Setup.withSyncedPlan { _, _, clerk, plan in
            try await withCommuneUI(clerk.replica) { ui in
                let browser = Browser(ui)
                let page = try await browser.get("/plans/\(plan.id)")
                let token = try #require(browser.formToken(in: page.body))
                let check = try await browser.post("/plans/\(plan.id)/check", ["formToken": token, "path": "services.note", "value": "nu este cazul"])
                #expect(check.status == 200 && check.body.contains("findings-heading") && !check.body.contains("<html"))
                #expect(try clerk.replica.pendingCount() == 0, "a check records nothing")
                #expect(try await browser.post("/plans/\(plan.id)/check", ["path": "title", "value": "x"]).status == 403)

                let english = try await browser.get("/plans/\(plan.id)?lang=en")
                #expect(english.body.contains("<html lang=\"en\">") && english.body.contains("Skip to content") && english.body.contains("Save"))
                #expect(try await browser.get("/").body.contains("Skip to content"), "the language chosen stays")
                let style = try await browser.get("/static/style.css")
                #expect(style.status == 200 && style.headers["Content-Type"]?.hasPrefix("text/css") == true && style.body.contains("@media print"))
                let script = try await browser.get("/static/findings.js")
                #expect(script.status == 200 && script.headers["Content-Type"]?.hasPrefix("text/javascript") == true)
                #expect(try await browser.get("/static/other.js").status == 404)
            }
        }
    }

    @Test("every word a template of the page asks for is there, in Romanian and in English")
    func everyWordInBothLanguages() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Client/PlansyncClientUI/Templates").standardized
        var keys: Set<String> = []
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasSuffix(".mustache") {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            for match in text.matches(of: /\{\{w\.([A-Za-z]+)\}\}/) { keys.insert(String(match.1)) }
        }
        #expect(keys.count > 40)
        for key in keys.sorted() {
            #expect(communeWords.all(in: .ro)[key] != nil && communeWords.all(in: .en)[key] != nil, "\(key)")
        }
    }

    // MARK: Helpers

    /// Inputs and text areas (not hidden) that no `<label for>` names.
    static func unlabelled(_ html: String) -> [String] {
        html.matches(of: /<(?:input|textarea|select)\b([^>]*)>/).compactMap { match -> String? in
            let attributes = String(match.1)
            if attributes.contains("type=\"hidden\"") { return nil }
            guard let id = attributes.firstMatch(of: /id="([^"]*)"/).map({ String($0.1) }) else { return attributes }
            return html.contains("for=\"\(id)\"") ? nil : id
        }
    }
}

/// Runs the commune's page for `replica` on a loopback port for the duration of `body`.
func withCommuneUI<T: Sendable>(_ replica: Replica, _ body: @Sendable (URL) async throws -> T) async throws -> T {
    try await withLoopback({ onPort in try CommuneUI.application(replica: replica, port: 0, onServerRunning: onPort) }, body)
}
