import Foundation
import Hummingbird
import PlansyncCore
import PlansyncProtocol

/// The administrator's page (UATs, accounts, devices, enrollment tokens) and the auditors' check
/// of the county's log: the same operations as `plansync-server uat|user|device` and
/// `audit verify`, for people who do not work in a terminal on the server.
extension WebPages {
    func registerAdminRoutes(on router: Router<some RequestContext>) {
        router.get("/admin") { [self] request, _ in
            try await page(request) { store, session, language in try await admin(store, session, language) }
        }
        let actions: [(path: String, act: AdminAction)] = [
            ("/admin/uats", .addUAT), ("/admin/accounts", .addAccount), ("/admin/accounts/:id/token", .issueToken),
            ("/admin/accounts/:id/disable", .disable), ("/admin/accounts/:id/enable", .enable), ("/admin/devices/:id/revoke", .revoke),
        ]
        for (path, act) in actions {
            router.post(RouterPath(path)) { [self] request, context in
                let form = try await Self.form(request, context: context)
                let id = context.parameters.get("id") ?? ""
                return try await page(request, form: form) { store, session, language in
                    try await administer(act, id: id, form: form, store, session, language)
                }
            }
        }
        router.get("/audit") { [self] request, _ in
            try await page(request) { store, session, language in
                try await audit(verify: request.uri.queryParameters["verify"] != nil, store, session, language)
            }
        }
        router.get("/audit/bundle") { [self] request, _ in
            try await page(request) { store, session, _ in
                guard Permissions.allows(session.account, .read), session.account.siruta == nil else {
                    throw ServerError.forbidden(Permissions.readRefusal(for: session.account.role))
                }
                return Self.download(try WireJSON.encode(try await store.bundle(.county)), type: "application/json",
                                     name: "dovezi-judet-\(store.county.code).json")
            }
        }
    }

    /// The county's log checked once for any number of people asking at once, and kept until the
    /// log grows: a check replays every plan, and a refreshed page must not start another.
    private func verification(of store: CountyStore) async throws -> LogVerification {
        let size = try await store.logSize()
        let task = verifications.withLock { running in
            if let kept = running[store.county.code], kept.size == size { return kept.task }
            let task = Task { try await store.verifyLog() }
            running[store.county.code] = (size, task)
            return task
        }
        do {
            return try await task.value
        } catch {
            verifications.withLock { running in
                if running[store.county.code]?.size == size { running[store.county.code] = nil }
            }
            throw error
        }
    }

    /// What the administrator's forms do.
    enum AdminAction {
        case addUAT, addAccount, issueToken, disable, enable, revoke
    }

    private func requireAdministrator(_ session: WebSession) throws {
        guard session.account.role == .administrator else {
            throw ServerError.forbidden("Pagina de administrare este a administratorului județului (the administrator's page).")
        }
    }

    private func admin(_ store: CountyStore, _ session: WebSession, _ language: PageLanguage, notice: String? = nil, token: String? = nil,
                       problem: String? = nil, status: HTTPResponse.Status = .ok) async throws -> Response {
        try requireAdministrator(session)
        let accounts = try await store.accounts()
        let names = Dictionary(uniqueKeysWithValues: accounts.map { ($0.id, $0.name) })
        let uats = try await store.registeredUATs()
        let uatNames = Dictionary(uniqueKeysWithValues: uats.map { ($0.siruta.rawValue, $0.name) })
        return render("admin", status: status, language: language, title: countyWords["admin", in: language] + " — " + store.county.name, store: store, session: session, [
            "notice": notice as Any, "token": token as Any, "problem": problem as Any,
            "uats": uats.map { ["siruta": String($0.siruta.rawValue), "name": $0.name] },
            "roles": Role.allCases.map { ["value": $0.rawValue] },
            "accounts": accounts.map { account in
                ["id": account.id, "name": account.name, "role": account.role,
                 "scope": account.siruta.map { code in uatNames[code].map { "\($0) (\(code))" } ?? String(code) } ?? store.county.name,
                 "created": account.createdAt, "disabled": account.disabledAt != nil]
            },
            "devices": try await store.devices().map { device, account in
                ["id": device.id, "label": device.label, "account": names[account.id] ?? account.id, "enrolled": device.enrolledAt,
                 "lastPush": device.lastPushAt ?? "—", "revoked": device.revokedAt as Any]
            },
        ])
    }

    /// One administrator's form: the county's own operation, then the page again with what it did
    /// (an enrollment token is shown this once and never stored in clear).
    private func administer(_ act: AdminAction, id: String, form: [String: String], _ store: CountyStore, _ session: WebSession,
                            _ language: PageLanguage) async throws -> Response {
        try requireAdministrator(session)
        // Who did it, in the server's log (the audit log records what was done).
        logger.notice("administration from the web pages", metadata: ["by.account": "\(session.account.id)", "action": "\(act)", "target": "\(id)"])
        func field(_ name: String) -> String { form[name, default: ""].trimmingCharacters(in: .whitespacesAndNewlines) }
        func siruta() throws -> Siruta? {
            let text = field("siruta")
            if text.isEmpty { return nil }
            guard let code = Int(text) else { throw ServerError.badInput("Codul SIRUTA are numai cifre (the SIRUTA code is a number).") }
            return Siruta(code)
        }
        do {
            switch act {
            case .addUAT:
                guard let code = try siruta() else { throw ServerError.badInput("Scrieți codul SIRUTA al UAT-ului (the UAT's SIRUTA code).") }
                let inspector = field("inspector")
                let added = try await store.registerUAT(code, inspector: inspector.isEmpty ? nil : inspector)
                return try await admin(store, session, language, notice: countyWords["doneUat", in: language] + " " + added.uat.name + " — " + added.account.name,
                                       token: added.enrollmentToken)
            case .addAccount:
                guard let role = Role(rawValue: field("role")) else { throw ServerError.badInput("Alegeți rolul (choose the role).") }
                let added = try await store.addAccount(name: field("name"), role: role, siruta: try siruta())
                return try await admin(store, session, language, notice: countyWords["doneAccount", in: language] + " " + added.account.name + " (\(added.account.id))",
                                       token: added.enrollmentToken)
            case .issueToken:
                let token = try await store.issueEnrollment(for: AccountID(id))
                return try await admin(store, session, language, notice: countyWords["doneToken", in: language] + " " + id, token: token)
            case .disable:
                guard id != session.account.id.rawValue else {
                    throw ServerError.badInput("Nu vă puteți dezactiva propriul cont de aici (you cannot disable your own account here).")
                }
                try await store.disableAccount(AccountID(id))
                return try await admin(store, session, language, notice: countyWords["doneDisable", in: language] + " " + id)
            case .enable:
                try await store.enableAccount(AccountID(id))
                return try await admin(store, session, language, notice: countyWords["doneEnable", in: language] + " " + id)
            case .revoke:
                let revoked = try await store.revokeDevice(DeviceID(id))
                return try await admin(store, session, language, notice: countyWords["doneRevoke", in: language] + " " + revoked.map(\.rawValue).joined(separator: ", "))
            }
        } catch let error as ServerError where error.problem.status != 403 {
            return try await admin(store, session, language, problem: error.problem.detail, status: .init(code: error.problem.status))
        }
    }

    /// The county's log checked from its stored rows (on request: it replays every plan).
    private func audit(verify: Bool, _ store: CountyStore, _ session: WebSession, _ language: PageLanguage) async throws -> Response {
        // The whole county's log: for the county's own people and its auditors, not a UAT's.
        guard [.auditor, .administrator, .reviewer].contains(session.account.role), session.account.siruta == nil else {
            throw ServerError.forbidden("Verificarea jurnalului întregului județ este pentru auditorii și personalul județului (the county's log is checked by county-wide accounts).")
        }
        var values: [String: Any] = ["verified": verify, "countyBundle": Permissions.allows(session.account, .read)]
        if verify {
            let result = try await verification(of: store)
            let problems = result.problems.sorted { ($0.entry ?? .max) < ($1.entry ?? .max) }
            values["intact"] = problems.isEmpty
            values["summary"] = [
                language.count(Int(result.entries), ro: ("intrare", "intrări"), en: ("entry", "entries")),
                language.count(result.checkpoints, ro: ("punct de control semnat", "puncte de control semnate"), en: ("signed checkpoint", "signed checkpoints")),
                language.count(result.operations, ro: ("operație", "operații"), en: ("operation", "operations")),
                language.count(result.plans, ro: ("plan", "planuri"), en: ("plan", "plans")),
            ].joined(separator: ", ") + "."
            values["firstBad"] = result.firstProblem?.entry.map(String.init) as Any
            values["problems"] = problems.prefix(50).map(\.description)
        }
        return render("audit", language: language, title: countyWords["audit", in: language] + " — " + store.county.name, store: store, session: session, values)
    }
}
