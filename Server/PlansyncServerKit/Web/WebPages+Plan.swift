import Foundation
import Hummingbird
import PlansyncCore
import PlansyncProtocol

/// A plan's pages: the plan as the template lays it out, the county's acts as forms, the
/// difference between two versions, its history as a timeline, the plan as of a moment, and its
/// evidence bundle.
extension WebPages {
    /// The county's acts that the pages record, in the order a plan meets them.
    static let countyActs: [ActName] = [.register, .remark, .aviz]

    func registerPlanRoutes(on router: Router<some RequestContext>) {
        router.get("/plans/:id") { [self] request, context in
            let id = PlanID(context.parameters.get("id") ?? "")
            return try await page(request) { store, session, language in
                let done = request.uri.queryParameters["done"].flatMap { ActName(rawValue: String($0)) }
                return try await plan(id, store, session, language, notice: done.map { Self.doneNotice($0, language) })
            }
        }
        for act in Self.countyActs {
            router.post("/plans/:id/\(act.rawValue)") { [self] request, context in
                let id = PlanID(context.parameters.get("id") ?? "")
                let form = try await Self.form(request, context: context)
                return try await page(request, form: form) { store, session, language in
                    try await record(act, on: id, form: form, store, session, language)
                }
            }
        }
        router.get("/plans/:id/diff") { [self] request, context in
            let id = PlanID(context.parameters.get("id") ?? "")
            return try await page(request) { store, session, language in try await diff(id, request, store, session, language) }
        }
        router.get("/plans/:id/history") { [self] request, context in
            let id = PlanID(context.parameters.get("id") ?? "")
            return try await page(request) { store, session, language in try await history(id, request, store, session, language) }
        }
        router.get("/plans/:id/asof") { [self] request, context in
            let id = PlanID(context.parameters.get("id") ?? "")
            return try await page(request) { store, session, language in try await asOf(id, request, store, session, language) }
        }
        router.get("/plans/:id/bundle") { [self] request, context in
            let id = PlanID(context.parameters.get("id") ?? "")
            return try await page(request) { store, session, _ in
                let document = try await readablePlan(id, store, session)
                let bundle = try await store.bundle(.plan(document.id))
                return Self.download(try WireJSON.encode(bundle), type: "application/json", name: "dovezi-\(document.siruta)-\(document.year)-\(document.id).json")
            }
        }
    }

    /// A plan the signed-in account reads, or "not found" (a plan of another UAT is not even named).
    func readablePlan(_ id: PlanID, _ store: CountyStore, _ session: WebSession) async throws -> PlanDocument {
        guard Permissions.allows(session.account, .read), let document = try await store.plan(id),
              Permissions.covers(session.account, siruta: document.siruta)
        else { throw ServerError.notFound("There is no plan \(id) among the plans this account reads.") }
        return document
    }

    /// The plan page; `problem` and `values` when an act was refused (its form keeps what was typed).
    func plan(_ id: PlanID, _ store: CountyStore, _ session: WebSession, _ language: PageLanguage, notice: String? = nil,
              problem: String? = nil, values: [String: String] = [:], status: HTTPResponse.Status = .ok) async throws -> Response {
        let document = try await readablePlan(id, store, session)
        let findings = store.validator.check(document).findings
        let history = try await store.latestOperations(of: id, count: 200)
        let workflow = document.workflow
        // Who acted is the account behind the device, never the name a device wrote in its operation.
        let actors = workflow.versions.flatMap { $0.acts.map(\.operation.id.device) }
            + workflow.remarks.flatMap { [$0.id.device] + ($0.answer.map { [$0.id.device] } ?? []) }
        let people = try await store.people(of: Set(history.map(\.operation.id.device) + actors))
        func person(_ id: OpID, wrote name: String) -> String { people[id.device]?.name ?? name }
        let lines = ChangeHistory.lines(history, people: people)
        let uat = directory.registry[document.siruta]?.name ?? "SIRUTA \(document.siruta)"
        let mayAct = Permissions.grants.contains { $0.role == session.account.role && $0.kinds.contains(.act) && $0.areas.contains(.countyDecision) }
        var acts: [String: Any] = [:]
        if mayAct {
            for act in Self.countyActs {
                guard let version = workflow.target(for: act) else { continue }
                acts[act.rawValue] = ["version": String(version.number)]
            }
        }
        let versions = workflow.versions.map { version -> [String: Any] in
            ["number": String(version.number), "state": version.state.romanian,
             "previous": version.number > 1 ? String(version.number - 1) : String?.none as Any,
             "acts": version.acts.map { ["what": ChangeHistory.romanian($0.act.name) + ": " + $0.act.summary,
                                          "who": person($0.operation.id, wrote: $0.operation.author),
                                          "when": Self.time($0.operation.hlc)] }]
        }
        return render("plan", status: status, language: language, title: "\(uat) — \(document.year)", store: store, session: session, [
            "plan": id.rawValue, "uat": uat, "version": String(workflow.latest.number), "state": workflow.latest.state.romanian,
            "lastSync": Self.time(document.lastChange),
            "document": PlanRenderer(document, findings: findings, registry: directory.registry).htmlBody(),
            "notice": notice as Any, "problem": problem as Any, "values": values,
            "acts": acts.isEmpty ? String?.none as Any : acts,
            "formsAndOutcomes": AvizRecord.Form.allCases.map { ["value": $0.rawValue, "label": countyWords["avizForm" + $0.rawValue.capitalized, in: language],
                                                                 "selected": values["form"] == $0.rawValue] },
            "outcomes": AvizRecord.Outcome.allCases.map { ["value": $0.rawValue, "label": $0.romanian, "selected": values["outcome"] == $0.rawValue] },
            "versions": versions, "latest": String(workflow.latest.number),
            "hasRemarks": !workflow.remarks.isEmpty,
            "remarks": workflow.remarks.map { remark in
                ["version": String(remark.version), "path": remark.path as Any, "text": remark.text, "author": person(remark.id, wrote: remark.author),
                 "answer": remark.answer.map { ["text": $0.text, "version": String($0.version), "author": person($0.id, wrote: $0.author)] } as Any]
            },
            "history": lines.reversed().map(Self.historyContext),
        ])
    }

    /// Records a county act from its form: the same operation, rules and words as
    /// `plansync county register|remark|aviz`.
    private func record(_ act: ActName, on id: PlanID, form: [String: String], _ store: CountyStore, _ session: WebSession,
                        _ language: PageLanguage) async throws -> Response {
        func field(_ name: String) -> String { form[name, default: ""].trimmingCharacters(in: .whitespacesAndNewlines) }
        let made: WorkflowAct
        switch act {
        case .register:
            // Typed as 20.03.2024 or 2024-03-20, stored as the CLI stores it; anything else goes
            // to the rules as typed, which say it is not a date.
            let typed = field("date")
            let date = if case .text(let iso)? = try? ValueKind.date.parse(typed) { iso } else { typed }
            made = .register(number: field("number"), date: date)
        case .remark:
            made = .remark(path: field("path").isEmpty ? nil : field("path"), text: field("text"))
        default:
            guard let kind = AvizRecord.Form(rawValue: field("form")), let outcome = AvizRecord.Outcome(rawValue: field("outcome")) else {
                return try await plan(id, store, session, language, problem: countyWords["avizChoices", in: language], values: form, status: .unprocessableContent)
            }
            made = .aviz(AvizRecord(form: kind, reference: field("reference"), outcome: outcome, remarks: field("remarks").isEmpty ? nil : field("remarks")))
        }
        do {
            let (version, _) = try await store.recordFromWeb(act, on: id, by: session, expecting: Int(field("version"))) { _ in made }
            return Self.redirect("/plans/\(id)?done=\(act.rawValue)&version=\(version.number)")
        } catch let refusal as Rejection {
            return try await plan(id, store, session, language, problem: refusal.message, values: form, status: .unprocessableContent)
        }
    }

    private static func doneNotice(_ act: ActName, _ language: PageLanguage) -> String {
        countyWords["done" + act.rawValue.capitalized, in: language]
    }

    /// What changed between two versions (`from`, `to`; by default the latest and the one before).
    private func diff(_ id: PlanID, _ request: Request, _ store: CountyStore, _ session: WebSession, _ language: PageLanguage) async throws -> Response {
        let document = try await readablePlan(id, store, session)
        let count = document.workflow.versions.count
        let query = request.uri.queryParameters
        let to = query["to"].flatMap { Int(String($0)) } ?? count
        let from = query["from"].flatMap { Int(String($0)) } ?? max(1, to - 1)
        guard let before = try await store.document(of: document, version: from), let after = try await store.document(of: document, version: to) else {
            throw ServerError.notFound(language == .ro ? "Planul are \(count) versiuni; nu există versiunea \(max(from, to))."
                                                       : "The plan has \(count) versions; there is no version \(max(from, to)).")
        }
        let difference = VersionDiff(from: from, before, to: to, after)
        func shown(_ value: Value?) -> String { value.map { "\($0)" } ?? "—" }
        let uat = directory.registry[document.siruta]?.name ?? "SIRUTA \(document.siruta)"
        return render("diff", language: language, title: "\(uat) — \(document.year): \(countyWords["diff", in: language]) \(from) → \(to)", store: store, session: session, [
            "plan": id.rawValue, "from": String(from), "to": String(to), "isEmpty": difference.isEmpty,
            "chapterOne": difference.touchesChapterOne, "hasFields": !difference.fields.isEmpty, "hasRows": !difference.rows.isEmpty,
            "hasTotals": !difference.totals.isEmpty,
            "choices": (1...count).map { ["value": String($0), "isFrom": $0 == from, "isTo": $0 == to] },
            "fields": difference.fields.map { ["path": $0.path, "before": shown($0.before), "after": shown($0.after)] },
            "rows": difference.rows.map { row in
                // A row as people find it: its table's title, its place and its first cell.
                let side = row.kind == .removed ? before : after
                let place = side.visibleRows(of: row.table).firstIndex { $0.id == row.row }.map { String($0 + 1) } ?? "?"
                let schema = side.schema.table(row.table)
                let first = schema?.columns.first.flatMap { side.row(row.row, in: row.table)?.fields[$0.name]?.value }
                return ["table": schema?.title ?? row.table, "row": countyWords["row", in: language] + " " + place + (first.map { " — \($0)" } ?? ""),
                        "kind": row.kind.rawValue, "kindLabel": countyWords["diff" + row.kind.rawValue.capitalized, in: language],
                 "cells": row.cells.map { ["path": $0.path, "before": shown($0.before), "after": shown($0.after)] }]
            },
            "totals": difference.totals.map { total in
                // Budgets in lei as the plans write them (bani after the comma), counts as they are.
                func amount(_ value: Int64) -> String { total.column.hasPrefix("budget") ? Lei.format(bani: value) : String(value) }
                // Saturating: amounts are whatever a commune typed, and must not trap the server.
                let (raw, overflow) = total.after.subtractingReportingOverflow(total.before)
                let change = overflow ? (total.after > total.before ? Int64.max : Int64.min) : raw
                return ["label": "\(total.table).\(total.column)", "before": amount(total.before), "after": amount(total.after),
                        "change": (change >= 0 ? "+" : "") + amount(change)]
            },
        ])
    }

    /// Every change and act of a plan in the county's order, a page of 200 at a time, each
    /// with a link to the plan as it was right after it.
    private func history(_ id: PlanID, _ request: Request, _ store: CountyStore, _ session: WebSession, _ language: PageLanguage) async throws -> Response {
        let document = try await readablePlan(id, store, session)
        let after = request.uri.queryParameters["after"].flatMap { Int64(String($0)) } ?? 0
        let page = try await store.operations(of: id, after: after, count: Self.historyPage + 1)
        let people = try await store.people(of: Set(page.map(\.operation.id.device)))
        let before = after > 0 ? try await store.document(id, throughSeq: after) : nil
        let lines = ChangeHistory.lines(Array(page.prefix(Self.historyPage)), people: people, after: before)
        let uat = directory.registry[document.siruta]?.name ?? "SIRUTA \(document.siruta)"
        return render("history", language: language, title: "\(uat) — \(document.year): \(countyWords["timeline", in: language])", store: store, session: session, [
            "plan": id.rawValue, "lines": lines.map(Self.historyContext),
            "next": page.count > Self.historyPage ? String(lines.last!.seq) as Any : String?.none as Any,
            "first": after > 0,
        ])
    }

    static let historyPage = 200

    /// The plan exactly as the county held it at a moment: after its operation `seq`, or at a
    /// time of the county's clock (`at`, ISO 8601 or `YYYY-MM-DDTHH:MM`, UTC).
    private func asOf(_ id: PlanID, _ request: Request, _ store: CountyStore, _ session: WebSession, _ language: PageLanguage) async throws -> Response {
        let current = try await readablePlan(id, store, session)
        let query = request.uri.queryParameters
        let uat = directory.registry[current.siruta]?.name ?? "SIRUTA \(current.siruta)"
        let seq: Int64?
        var point: String
        if let typed = query["at"].map(String.init), !typed.isEmpty {
            guard let time = Self.countyTime(typed) else {
                throw ServerError.badParameter(language == .ro ? "Momentul se scrie AAAA-LL-ZZTHH:MM (UTC), de exemplu 2024-03-21T10:00." :
                                                                  "Write the moment as YYYY-MM-DDTHH:MM (UTC), e.g. 2024-03-21T10:00.")
            }
            seq = try await store.lastSeq(of: id, receivedBy: time)
            point = (language == .ro ? "la ora județului " : "at the county's time ") + time
        } else if let typed = query["seq"].flatMap({ Int64(String($0)) }) {
            seq = typed
            point = (language == .ro ? "după operația nr. " : "after operation no. ") + String(typed)
        } else {
            seq = nil
            point = ""
        }
        var values: [String: Any] = ["plan": id.rawValue, "asked": seq != nil || !point.isEmpty, "point": point,
                                     "seq": query["seq"].map(String.init) ?? "", "at": query["at"].map(String.init) ?? ""]
        if let seq, let then = try await store.document(id, throughSeq: seq) {
            values["document"] = PlanRenderer(then, findings: store.validator.check(then).findings, registry: directory.registry).htmlBody()
            values["state"] = "v\(then.workflow.latest.number) · \(then.workflow.latest.state.romanian)"
        }
        return render("asof", language: language, title: "\(uat) — \(current.year): \(countyWords["asOf", in: language])", store: store, session: session, values)
    }

    /// `2024-03-21T10:00` or a whole ISO 8601 time, as the county's stamps are written.
    private static func countyTime(_ text: String) -> String? {
        let whole = text.count == 16 ? text + ":00Z" : text
        return (try? Date(whole, strategy: .iso8601)).map { $0.formatted(.iso8601) }
    }

    static func historyContext(_ line: HistoryLine) -> [String: Any] {
        ["seq": String(line.seq), "time": line.countyTime ?? line.deviceTime, "deviceTime": line.deviceTime,
         "who": line.person ?? line.device, "role": line.role ?? "", "what": line.label ?? line.kind,
         "path": line.path.flatMap { $0.isEmpty ? nil : $0 } as Any, "old": line.old as Any, "new": line.new as Any]
    }
}
