import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol

/// The commune's pages: its plans, a plan as a form, the conflicts, the sync. Every edit goes
/// through the replica's own methods — the ones the CLI calls — so it is checked, logged, synced
/// and merged exactly as a `plansync plan set` would be; a refusal comes back with the CLI's words.
///
/// Every page works without JavaScript: each field and row is a small form, a save reloads the
/// page with the findings refreshed. Templates are escaped by the engine (`{{…}}`); no page has
/// unescaped parts. Every POST carries the process's form token.
final class CommunePages: Sendable {
    let replica: Replica
    let library: MustacheLibrary
    /// The stylesheet and the script, by file name.
    let assets: [String: (contentType: String, body: ByteBuffer)]
    let token = FormToken()
    let syncs = SyncDesk()

    static let languageCookie = "plansync_ui_lang"
    static let templates = ["layout", "plans", "plan", "findings", "syncresult", "sync", "conflicts", "message"]

    init(replica: Replica) throws {
        guard let folder = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw ClientError("The web page's templates are missing from this build of plansync; reinstall it.")
        }
        var templates: [String: MustacheTemplate] = [:]
        for name in Self.templates {
            templates[name] = try MustacheTemplate(string: String(contentsOf: folder.appendingPathComponent("\(name).mustache"), encoding: .utf8))
        }
        library = MustacheLibrary(templates: templates)
        var assets: [String: (String, ByteBuffer)] = [:]
        for (file, type) in [("style.css", "text/css; charset=utf-8"), ("findings.js", "text/javascript; charset=utf-8")] {
            assets[file] = (type, ByteBuffer(data: try Data(contentsOf: folder.appendingPathComponent(file))))
        }
        self.assets = assets
        self.replica = replica
    }

    func register(on router: Router<some RequestContext>) {
        router.get("/static/:file") { [self] _, context in
            guard let asset = assets[context.parameters.get("file") ?? ""] else { throw HTTPError(.notFound) }
            return Response(status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"], body: .init(byteBuffer: asset.body))
        }
        router.get("/") { [self] request, _ in try await plansPage(Self.language(of: request)).remembering(request) }
        router.post("/plans") { [self] request, _ in
            try await posted(request) { form, language in
                guard let year = Int(form.trimmed("year")) else { throw ClientError("\(communeWords["required", in: language]): \(communeWords["year", in: language]).") }
                let plan = try await replica.detached { try $0.createPlan(year: year) }
                return Self.redirect("/plans/\(plan.id)?done=created")
            } refused: { message, language, _ in try await self.plansPage(language, status: .unprocessableContent, problem: message) }
        }
        router.get("/plans/:id") { [self] request, context in
            let done = request.uri.queryParameters["done"].map(String.init)
            return try await planPage(Self.plan(context), language: Self.language(of: request), notice: done.map { "done.\($0)" })
                .remembering(request)
        }
        router.post("/plans/:id/fields") { [self] request, context in
            try await edit(request, context, done: "saved", kept: { .field(path: $0["path"] ?? "", value: $0["value"] ?? "") }) { replica, plan, form in
                let path = form["path"] ?? ""
                try replica.set(plan.id, path: path, to: form["value"] ?? "")
                return path
            }
        }
        router.post("/plans/:id/check") { [self] request, context in try await check(request, plan: Self.plan(context)) }
        router.post("/plans/:id/rows/:table") { [self] request, context in
            let table = context.parameters.get("table") ?? ""
            return try await edit(request, context, done: "added", kept: { .row(table: table, row: nil, values: $0.fields) }) { replica, plan, form in
                let columns = plan.schema.table(table)?.columns.map(\.name) ?? []
                let typed = form.fields.filter { columns.contains($0.key) && !$0.value.isEmpty }
                return "row-" + (try replica.addRow(to: plan.id, table: table, values: typed).row.description)
            }
        }
        router.post("/plans/:id/rows/:table/:row") { [self] request, context in
            let (table, row) = (context.parameters.get("table") ?? "", context.parameters.get("row") ?? "")
            return try await edit(request, context, done: "saved", kept: { .row(table: table, row: RowID(row), values: $0.fields) }) { replica, plan, form in
                let id = try plan.findRow(row, in: table)
                let current = plan.row(id, in: table)
                // Only what the clerk changed from what the form showed: a cell another person
                // changed since (synced meanwhile) is not set back to the old value shown.
                let changed = (plan.schema.table(table)?.columns ?? []).compactMap { column -> (path: String, value: String)? in
                    let shown = form["shown." + column.name] ?? FormText.of(current?.fields[column.name]?.value ?? .null, kind: column.kind)
                    guard let typed = form[column.name], typed != shown else { return nil }
                    return ("\(table)[\(id)].\(column.name)", typed)
                }
                if !changed.isEmpty { try replica.set(plan.id, changed) }
                return "row-\(id)"
            }
        }
        router.post("/plans/:id/rows/:table/:row/remove") { [self] request, context in
            let (table, row) = (context.parameters.get("table") ?? "", context.parameters.get("row") ?? "")
            return try await edit(request, context, done: "removed", kept: { _ in .nothing }) { replica, plan, _ in
                let id = try plan.findRow(row, in: table)
                try replica.record(on: plan.id) { PlanEditor(plan: $0!).removeRow(table, row: id) }
                return table
            }
        }
        router.post("/plans/:id/rows/:table/:row/move") { [self] request, context in
            let (table, row) = (context.parameters.get("table") ?? "", context.parameters.get("row") ?? "")
            return try await edit(request, context, done: "moved", kept: { _ in .nothing }) { replica, plan, form in
                let id = try plan.findRow(row, in: table)
                if let place = RowPlace(moving: id, in: plan.visibleRows(of: table), direction: form["direction"] ?? "") {
                    try replica.record(on: plan.id) { PlanEditor(plan: $0!).moveRow(table, row: id, after: place.after, atStart: place.first) }
                }
                return "row-\(id)"
            }
        }
        router.post("/plans/:id/acts/:act") { [self] request, context in
            let act = ActName(rawValue: context.parameters.get("act") ?? "").flatMap { ActForm.recordable.contains($0) ? $0 : nil }
            guard let act else { throw HTTPError(.notFound) }
            let language = Self.language(of: request)
            return try await edit(request, context, done: "act", kept: { .act(act, values: $0.fields) }) { replica, plan, form in
                _ = try ActForm.record(act, on: plan, from: form, in: replica, language: language)
                return "workflow"
            }
        }
        router.get("/conflicts") { [self] request, _ in
            let done = request.uri.queryParameters["done"].map { "done.\($0)" }
            let language = Self.language(of: request)
            return try await conflictsPage(language, notice: done.map { communeWords[$0, in: language] }).remembering(request)
        }
        router.post("/conflicts/resolve") { [self] request, _ in
            try await posted(request) { form, language in
                let plan = PlanID(form.trimmed("plan"))
                guard let kept = OpID(form.trimmed("keep")) else { throw ClientError("The choice names no value to keep; reload the page and choose again.") }
                try await replica.detached { _ = try $0.resolveConflict(on: plan, keeping: kept) }
                return Self.redirect("/conflicts?done=resolved")
            } refused: { message, language, _ in try await self.conflictsPage(language, status: .unprocessableContent, problem: message) }
        }
        router.get("/sync") { [self] request, _ in try await syncPage(Self.language(of: request), outcome: syncs.last).remembering(request) }
        router.post("/sync") { [self] request, _ in
            try await posted(request) { _, language in
                guard let outcome = await syncs.sync(replica) else {
                    return try await syncPage(language, outcome: syncs.last, status: .conflict, problem: language == .ro
                        ? "O sincronizare pornită din altă filă este încă în curs; rezultatul ei apare aici când se termină."
                        : "A sync started from another tab is still running; its result shows here when it ends.")
                }
                // The county unreachable is no fault of the page: the answer says so, and keeps everything.
                return try await syncPage(language, outcome: outcome, status: outcome.failure == nil ? .ok : .badGateway)
            } refused: { message, language, _ in try await self.syncPage(language, outcome: self.syncs.last, status: .unprocessableContent, problem: message) }
        }
    }

    // MARK: Posting

    /// A POST: refused with 403 without the page's form token, else `body`; a refusal of the
    /// replica's (the CLI's words) is shown by `refused` with the form's values kept.
    private func posted(_ request: Request, _ body: (FormBody, PageLanguage) async throws -> Response,
                        refused: (String, PageLanguage, FormBody) async throws -> Response) async throws -> Response {
        let language = Self.language(of: request)
        let form = try await FormBody(request)
        guard token.accepts(form["formToken"]) else {
            return try await render("message", status: .forbidden, language: language, title: "403", values: ["problem": communeWords["formExpired", in: language]])
        }
        do {
            return try await body(form, language)
        } catch let error where Self.isRefusal(error) {
            return try await refused("\(error)", language, form)
        }
    }

    /// An edit of a plan: `change` records it through the replica (off Swift's cooperative
    /// threads) and names the place to come back to; the answer is the plan again (303), or
    /// the plan with the refusal and the typed values (422).
    private func edit(_ request: Request, _ context: some RequestContext, done: String, kept: @escaping @Sendable (FormBody) -> KeptInput,
                      _ change: @escaping @Sendable (Replica, PlanDocument, FormBody) throws -> String) async throws -> Response {
        let id = Self.plan(context)
        return try await posted(request) { form, _ in
            let anchor = try await replica.detached { replica in try change(replica, try replica.findPlan(id.rawValue), form) }
            return Self.redirect("/plans/\(id)?done=\(done)#\(anchor.addingPercentEncoding(withAllowedCharacters: .urlFragmentAllowed) ?? "")")
        } refused: { message, language, form in
            try await planPage(id, language: language, status: .unprocessableContent, problem: message, kept: kept(form))
        }
    }

    /// The findings as they would be with the field typed so far, recorded nowhere: what the
    /// page's script shows while the clerk types.
    private func check(_ request: Request, plan id: PlanID) async throws -> Response {
        try await posted(request) { form, language in
            let (path, value) = (form["path"] ?? "", form["value"] ?? "")
            let findings = try await replica.detached { replica in try replica.validator().check(Self.shown(try replica.preview(id, path: path, to: value))).findings }
            return try await render(fragment: "findings", PlanFormPage.findingsContext(findings, language: language), language: language)
        } refused: { message, language, _ in
            let findings = try await replica.detached { replica in try replica.validator().check(Self.shown(try replica.findPlan(id.rawValue))).findings }
            return try await render(fragment: "findings", PlanFormPage.findingsContext(findings, language: language, problem: message),
                                    language: language, status: .unprocessableContent)
        }
    }

    // MARK: Pages

    private func plansPage(_ language: PageLanguage, status: HTTPResponse.Status = .ok, problem: String? = nil) async throws -> Response {
        let plans = try await replica.detached { try $0.plans() }
        return try await render("plans", status: status, language: language, title: communeWords["plans", in: language], values: [
            "nextYear": String(Calendar(identifier: .gregorian).component(.year, from: Date()) + 1),
            "plans": plans.map { plan in
                ["id": plan.id.rawValue, "year": String(plan.year), "version": String(plan.workflow.latest.number),
                 "state": PlanFormPage.word(plan.workflow.latest.state, language), "edits": String(plan.version),
                 "conflicts": String(plan.conflicts.count)]
            },
            "hasPlans": !plans.isEmpty,
        ].merging(try await syncContext(syncs.last, language: language)) { $1 }.merging(Self.said(problem: problem)) { $1 })
    }

    private func planPage(_ id: PlanID, language: PageLanguage, status: HTTPResponse.Status = .ok, problem: String? = nil,
                          notice: String? = nil, kept: KeptInput = .nothing) async throws -> Response {
        let page: PlanFormPage
        do {
            page = try await replica.detached { replica in
                let shown = Self.shown(try replica.findPlan(id.rawValue))
                return PlanFormPage(plan: shown, account: try replica.settings().account, findings: try replica.validator().check(shown).findings,
                                    kept: kept, language: language)
            }
        } catch let error where Self.isRefusal(error) {
            return try await render("message", status: .notFound, language: language, title: communeWords["notFound", in: language], values: ["problem": "\(error)"])
        }
        return try await render("plan", status: status, language: language, title: "\(communeWords["plan", in: language]) \(page.plan.year)", values: page.context.merging(Self.said(problem: problem, notice: notice.map { communeWords[$0, in: language] })) { $1 })
    }

    private func conflictsPage(_ language: PageLanguage, status: HTTPResponse.Status = .ok, problem: String? = nil,
                               notice: String? = nil) async throws -> Response {
        let choices = try await replica.detached { replica in
            ConflictChoices(conflicts: try replica.conflicts(), plans: Dictionary(uniqueKeysWithValues: try replica.plans().map { ($0.id, $0) }),
                            people: try replica.people(), language: language)
        }
        return try await render("conflicts", status: status, language: language, title: communeWords["conflicts", in: language],
                                values: choices.context.merging(Self.said(problem: problem, notice: notice)) { $1 })
    }

    private func syncPage(_ language: PageLanguage, outcome: SyncOutcome?, status: HTTPResponse.Status = .ok, problem: String? = nil) async throws -> Response {
        try await render("sync", status: status, language: language, title: communeWords["sync", in: language],
                         values: try await syncContext(outcome, language: language).merging(Self.said(problem: problem)) { $1 })
    }

    /// The last sync's result (`syncresult.mustache`): its steps, or the time of the last sync
    /// this computer made (from `plansync status`) when none ran since the page started.
    private func syncContext(_ outcome: SyncOutcome?, language: PageLanguage) async throws -> [String: Any] {
        let lastSyncAt = try await replica.detached { try $0.status().lastSyncAt }
        var context: [String: Any] = ["lastSyncAt": lastSyncAt ?? communeWords["never", in: language]]
        if let outcome {
            context["sync"] = ["finishedAt": outcome.finishedAt.formatted(.iso8601), "lines": outcome.lines(language), "failed": outcome.failure != nil,
                               "verdict": communeWords[outcome.failure == nil ? "syncDone" : "syncFailed", in: language]] as [String: Any]
        }
        return context
    }

    // MARK: Rendering

    /// A whole page in the layout, with what every page shows: who works here, what waits to be sent.
    private func render(_ template: String, status: HTTPResponse.Status = .ok, language: PageLanguage, title: String,
                        values: [String: Any]) async throws -> Response {
        let header = try await replica.detached { replica in
            (settings: try replica.settings(), pending: try replica.pendingCount(), conflicts: try replica.conflicts().count)
        }
        var context: [String: Any] = [
            "lang": language.rawValue, "w": communeWords.all(in: language), "title": title, "formToken": token.value,
            "otherLanguage": language.other.rawValue, "otherLanguageLink": "?lang=\(language.other.rawValue)",
            "place": header.settings.uatName ?? header.settings.county,
            "person": "\(header.settings.account.name) (\(header.settings.account.role.label))",
            "pending": String(header.pending), "openConflicts": String(header.conflicts), "hasConflicts": header.conflicts > 0,
        ]
        context.merge(values) { $1 }
        return Self.html(library.render(context, withTemplate: template) ?? "", status: status)
    }

    /// A part of a page (the findings region), for the page's script to put in place.
    private func render(fragment template: String, _ values: [String: Any], language: PageLanguage,
                        status: HTTPResponse.Status = .ok) async throws -> Response {
        Self.html(library.render(values.merging(["w": communeWords.all(in: language)]) { $1 }, withTemplate: template) ?? "", status: status)
    }

    /// The refusal and the notice a page shows, when there are any: a key is left out rather
    /// than given no value, which the template engine would show as a value.
    private static func said(problem: String? = nil, notice: String? = nil) -> [String: Any] {
        ["problem": problem, "notice": notice].compactMapValues { $0 }
    }

    private static func html(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    private static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    // MARK: Reading requests

    /// Refusals the clerk can act on, in the CLI's words; anything else is the server's fault (500).
    private static func isRefusal(_ error: any Error) -> Bool {
        error is Rejection || error is ClientError || error is PlanPath.SyntaxError || error is SyncFailure
    }

    /// The plan as the CLI's `plan show` and `plan check` see it: with the decision records of its
    /// latest version's acts.
    private static func shown(_ plan: PlanDocument) -> PlanDocument { plan.presenting(plan.workflow.latest) }

    private static func plan(_ context: some RequestContext) -> PlanID { PlanID(context.parameters.get("id") ?? "") }

    static func language(of request: Request) -> PageLanguage {
        request.uri.queryParameters["lang"].flatMap { PageLanguage(rawValue: String($0)) }
            ?? request.cookies[languageCookie].flatMap { PageLanguage(rawValue: $0.value) } ?? .ro
    }
}

/// Where a row moved one place up or down goes: after the row that will precede it, or first.
struct RowPlace {
    let after: RowID?
    let first: Bool

    /// `nil` when the row is already at that end of the table.
    init?(moving row: RowID, in rows: [PlanRow], direction: String) {
        guard let index = rows.firstIndex(where: { $0.id == row }) else { return nil }
        switch direction {
        case "up" where index > 0:
            (after, first) = index > 1 ? (rows[index - 2].id, false) : (nil, true)
        case "down" where index < rows.count - 1:
            (after, first) = (rows[index + 1].id, false)
        default:
            return nil
        }
    }
}

extension Response {
    /// The language asked once (`?lang=en`) stays for the next pages.
    func remembering(_ request: Request) -> Response {
        guard let asked = request.uri.queryParameters["lang"].flatMap({ PageLanguage(rawValue: String($0)) }) else { return self }
        var response = self
        response.setCookie(Cookie(name: CommunePages.languageCookie, value: asked.rawValue, maxAge: 365 * 86_400, path: "/",
                                  httpOnly: true, sameSite: .strict))
        return response
    }
}
