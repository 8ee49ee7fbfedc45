import ArgumentParser
import Foundation
import Logging
import Metrics
import NIOCore
import PlansyncCore
import PlansyncProtocol
import PlansyncServerKit

/// `plansync-server`: the county server and its administration commands.
@main
struct PlansyncServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plansync-server",
        abstract: "The county server of plansync: receives the communes' plans, merges them, keeps their history.",
        subcommands: [Serve.self, UATCommand.self, UserCommand.self, DeviceCommand.self, Plans.self, ShowPlan.self, CountyCommand.self, AuditCommand.self])
}

struct ServerOptions: ParsableArguments {
    @Option(help: "Data directory: one SQLite database per county (default: $PLANSYNC_SERVER_DATA or ./plansync-server-data).")
    var data: String?

    @Option(help: "A newer SIRUTA list of UATs (siruta;name;county_code;county;uat_type;insse_tip) instead of the shipped one.")
    var sirutaList: String?

    @Option(help: "A fuller list of social service codes (code;name;source lines) for the reviewer's checks (default: the list shipped with plansync).")
    var nomenclator: String?

    @Flag(help: "Print machine-readable JSON instead of text.")
    var json = false

    /// The data directory. Administration commands log only warnings (their output is the
    /// answer); the server logs what it does at `logLevel`.
    func directory(logLevel: Logger.Level = .warning) throws -> CountyDirectory {
        let path = data ?? ProcessInfo.processInfo.environment["PLANSYNC_SERVER_DATA"] ?? "plansync-server-data"
        let registry = try sirutaList.map { try SirutaRegistry(contentsOf: URL(fileURLWithPath: $0)) } ?? .shipped
        let services = try nomenclator.map { try ServiceNomenclator(contentsOf: URL(fileURLWithPath: $0)) } ?? .shipped
        var logger = Logger(label: "plansync.county")
        logger.logLevel = logLevel
        return try CountyDirectory(url: URL(fileURLWithPath: path), registry: registry, nomenclator: services, logger: logger)
    }

    /// Prints the answer: JSON, or text with other people's control characters made visible.
    func emit<T: Encodable>(_ value: T, text: () -> String) throws {
        print(json ? try WireJSON.pretty(value) : text().forTerminal)
    }

    /// The county store of a UAT (created with its credential on first use).
    func store(forSiruta siruta: Int, in directory: CountyDirectory) async throws -> CountyStore {
        try await store(for: try directory.county(of: siruta), in: directory)
    }

    /// The store of a county named by code or name (created with its credential on first use).
    func store(forCounty name: String, in directory: CountyDirectory) async throws -> CountyStore {
        guard let county = directory.registry.county(named: name) else {
            throw ValidationError("'\(name)' is not a county code or name of the SIRUTA list.")
        }
        return try await store(for: county, in: directory)
    }

    private func store(for county: County, in directory: CountyDirectory) async throws -> CountyStore {
        let (store, credential) = try await directory.open(county)
        if credential != nil { announceCredential(for: county, in: directory) }
        return store
    }

    func announceCredential(for county: County, in directory: CountyDirectory) {
        FileHandle.standardError.write(Data("""
            Created the database of \(county.name). Its county credential (for GET /v1/plans) is in \
            \(directory.credentialFile(for: county).path), readable only by you.\n
            """.utf8))
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the HTTP server for every county in the data directory.")
    @OptionGroup var options: ServerOptions
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
    @Option(help: "Create this county's database if missing (code or name, e.g. 18 or Gorj); repeatable.")
    var county: [String] = []
    @Option(help: "What to log on standard error: info (one line per request, the default), notice, warning or error.")
    var logLevel = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel), [.info, .notice, .warning, .error].contains(level) else {
            throw ValidationError("--log-level is one of info, notice, warning, error; not '\(logLevel)'.")
        }
        let directory = try options.directory(logLevel: level)
        // Whatever reports through swift-metrics in this process lands on GET /metrics too.
        MetricsSystem.bootstrap(directory.metrics.factory)
        try directory.lockForServing()
        Self.raiseOpenFileLimit()
        for name in county {
            guard let county = directory.registry.county(named: name) else {
                throw ValidationError("'\(name)' is not a county code or name of the SIRUTA list.")
            }
            if try await directory.open(county).newCredential != nil { options.announceCredential(for: county, in: directory) }
        }
        for county in directory.existingCounties() { _ = try await directory.open(county) }
        var logger = Logger(label: "plansync.server")
        logger.logLevel = level
        let counties = directory.existingCounties().map(\.name).joined(separator: ", ")
        let app = try buildApplication(ServerConfiguration(host: host, port: port, directory: directory), logger: logger) { port in
            // One line on stdout that scripts and tests wait for.
            FileHandle.standardOutput.write(Data(
                "plansync-server listening on http://\(host):\(port) (counties: \(counties.isEmpty ? "none yet" : counties))\n".utf8))
        }
        do {
            try await app.runService()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw CommandFailure("Port \(port) on \(host) is already in use by another program. Choose another with --port.")
        }
    }

    /// Every connection is a file descriptor: take the most the system allows this process (the
    /// soft limit is often 1,024), so many idle communes cannot starve new connections.
    static func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(RLIMIT_NOFILE_VALUE, &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(RLIMIT_NOFILE_VALUE, &limit)
    }
}

#if canImport(Glibc)
import Glibc
/// Glibc spells the resource as an enum case; Darwin as an integer.
private let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
#else
private let RLIMIT_NOFILE_VALUE = RLIMIT_NOFILE
#endif

struct UATCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uat", abstract: "Register the county's UATs.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a UAT and print its first one-time enrollment token.")
        @OptionGroup var options: ServerOptions
        @Option(help: "The UAT's SIRUTA code.") var siruta: Int
        @Option(help: "The UAT's name, checked against the SIRUTA list.") var name: String?
        @Option(help: "The name of the UAT's first inspector, whose account is created if the UAT has none (default: \"Inspector <UAT>\").")
        var inspector: String?
        @OptionGroup var validity: TokenValidity

        func run() async throws {
            let directory = try options.directory()
            let store = try await options.store(forSiruta: siruta, in: directory)
            let (uat, account, token) = try await store.registerUAT(Siruta(siruta), inspector: inspector, validity: validity.seconds)
            if let name, !uat.name.folded.contains(name.folded) {
                FileHandle.standardError.write(Data("warning: SIRUTA \(siruta) is \(uat.name) in the SIRUTA list, not '\(name)'; registered by code.\n".utf8))
            }
            struct Answer: Encodable { let siruta: Int; let name: String; let county: String; let user: AccountRecord; let enrollmentToken: String }
            try options.emit(Answer(siruta: siruta, name: uat.name, county: uat.county.name, user: account, enrollmentToken: token)) {
                "Registered \(uat.name) (SIRUTA \(siruta), \(uat.county.name)); its inspector is \(account.name) (user \(account.id)).\n"
                    + "Enrollment token for \(account.name)'s device (one device, one use, valid \(validity.days) days):\n\(token)"
            }
        }
    }
}

struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device", abstract: "Enroll, list and revoke devices.", subcommands: [Add.self, List.self, Revoke.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A one-time enrollment token for one more device of a person (--user), or of a UAT's first inspector (--siruta).")
        @OptionGroup var options: ServerOptions
        @Option(help: "The account the device will work for (`plansync-server user list`).") var user: String?
        @Option(help: "A registered UAT's SIRUTA code: the device works for its first inspector.") var siruta: Int?
        @OptionGroup var validity: TokenValidity

        func validate() throws {
            guard (user == nil) != (siruta == nil) else { throw ValidationError("Give either --user ID or --siruta CODE.") }
        }

        func run() async throws {
            let directory = try options.directory()
            let (store, account) = try await options.account(user: user, siruta: siruta, in: directory)
            let token = try await store.issueEnrollment(for: AccountID(account.id), validity: validity.seconds)
            try options.emit(["enrollmentToken": token, "user": account.id]) {
                "Enrollment token for a device of \(account.name) (user \(account.id), \(account.role); one device, one use, valid \(validity.days) days):\n\(token)"
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enrolled devices of every county here.")
        @OptionGroup var options: ServerOptions

        func run() async throws {
            let directory = try options.directory()
            struct Line: Encodable { let device: String; let label: String; let user: AccountRecord; let enrolledAt: String; let revokedAt: String?; let lastPushAt: String?; let forkedFrom: String? }
            var all: [Line] = []
            for county in directory.existingCounties() {
                all += try await directory.open(county).store.devices().map {
                    Line(device: $0.device.id, label: $0.device.label, user: $0.account, enrolledAt: $0.device.enrolledAt,
                         revokedAt: $0.device.revokedAt, lastPushAt: $0.device.lastPushAt, forkedFrom: $0.device.forkedFrom)
                }
            }
            try options.emit(all) {
                all.isEmpty ? "No devices enrolled yet."
                    : all.map { line in
                        let scope = line.user.siruta.map { "SIRUTA \($0)" } ?? "county"
                        let state = line.revokedAt.map { "REVOKED \($0)" } ?? "last push \(line.lastPushAt ?? "never")"
                        return "\(line.device)\t\(line.user.name) (\(line.user.role), \(scope))\t\(line.label)\tenrolled \(line.enrolledAt)\t\(state)"
                            + (line.forkedFrom.map { "\tfollows \($0)" } ?? "")
                    }.joined(separator: "\n")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a device (lost or stolen laptop): its credential stops working at once.")
        @OptionGroup var options: ServerOptions
        @Argument(help: "The device id.") var device: String

        func run() async throws {
            let directory = try options.directory()
            for county in directory.existingCounties() {
                let store = try await directory.open(county).store
                if try await store.devices().contains(where: { $0.device.id == device && $0.device.revokedAt == nil }) {
                    let revoked = try await store.revokeDevice(DeviceID(device))
                    try options.emit(["revoked": revoked.map(\.rawValue)]) {
                        "Revoked device \(device)" + (revoked.count > 1 ? " and the identities it forked: \(revoked.dropFirst().map(\.rawValue).joined(separator: ", "))." : ".")
                    }
                    return
                }
            }
            throw CommandFailure("No active device \(device) in this data directory.")
        }
    }
}

/// How long a new enrollment token works.
struct TokenValidity: ParsableArguments {
    @Option(name: .customLong("valid-days"), help: "Days the enrollment token works (default 7).")
    var days = 7

    func validate() throws {
        guard (1...365).contains(days) else { throw ValidationError("--valid-days must be between 1 and 365.") }
    }

    var seconds: TimeInterval { TimeInterval(days) * 86_400 }
}

extension ServerOptions {
    /// An account given by id (searched in every county here), or a UAT's first inspector.
    func account(user: String?, siruta: Int?, in directory: CountyDirectory) async throws -> (CountyStore, AccountRecord) {
        if let siruta {
            let store = try await store(forSiruta: siruta, in: directory)
            guard let account = try await store.firstInspector(of: Siruta(siruta)) else {
                throw CommandFailure("SIRUTA \(siruta) has no active inspector account. Register the UAT with `plansync-server uat add --siruta \(siruta)` or create one with `plansync-server user add`.")
            }
            return (store, account)
        }
        for county in directory.existingCounties() {
            let store = try await directory.open(county).store
            if let account = try await store.accounts().first(where: { $0.id == user }) { return (store, account) }
        }
        throw CommandFailure("No user \(user ?? "") in this data directory. `plansync-server user list` shows them.")
    }

    /// Changes an account given by id with `change`, then says so (`--json`: `{"disabled": ID}`).
    func change(user: String, _ done: String, _ change: (CountyStore, AccountID) async throws -> Void) async throws {
        let (store, account) = try await account(user: user, siruta: nil, in: try directory())
        try await change(store, AccountID(account.id))
        try emit([done: account.id]) { "\(done.prefix(1).uppercased() + done.dropFirst()) user \(account.id) (\(account.name))." }
    }
}

struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user", abstract: "People's accounts: one role and one scope each.", subcommands: [Add.self, List.self, Disable.self, Enable.self, Password.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a person's account and print the one-time token that enrolls their first device.",
            discussion: """
                Roles: inspector and secretary work for one UAT (--siruta); reviewer and administrator for the \
                county (--county); an auditor for either.
                """)
        @OptionGroup var options: ServerOptions
        @Option(help: "The person's name, shown on every edit they make.") var name: String
        @Option(help: "inspector, secretary, reviewer, auditor or administrator.") var role: String
        @Option(help: "The UAT the account works for (inspector, secretary, or an auditor of one UAT).") var siruta: Int?
        @Option(help: "The county the account works for, by code or name (reviewer, administrator, auditor).") var county: String?
        @OptionGroup var validity: TokenValidity

        func validate() throws {
            guard Role(rawValue: role) != nil else {
                throw ValidationError("--role must be one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")).")
            }
            guard (siruta == nil) != (county == nil) else { throw ValidationError("Give either --siruta CODE or --county NAME.") }
        }

        func run() async throws {
            let directory = try options.directory()
            let store = if let siruta { try await options.store(forSiruta: siruta, in: directory) }
                else { try await options.store(forCounty: county!, in: directory) }
            let (account, token) = try await store.addAccount(name: name, role: Role(rawValue: role)!, siruta: siruta.map { Siruta($0) },
                                                             validity: validity.seconds)
            struct Answer: Encodable { let user: AccountRecord; let enrollmentToken: String }
            try options.emit(Answer(user: account, enrollmentToken: token)) {
                "Created user \(account.id): \(account.name), \(account.role) of \(account.siruta.map { "SIRUTA \($0)" } ?? store.county.name).\n"
                    + "Enrollment token for their first device (one device, one use, valid \(validity.days) days):\n\(token)"
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every account of every county here.")
        @OptionGroup var options: ServerOptions

        func run() async throws {
            let directory = try options.directory()
            var all: [AccountRecord] = []
            for county in directory.existingCounties() { all += try await directory.open(county).store.accounts() }
            try options.emit(all) {
                all.isEmpty ? "No users yet: `plansync-server user add`."
                    : all.map { "\($0.id)\t\($0.name)\t\($0.role)\t\($0.siruta.map { "SIRUTA \($0)" } ?? "county")\t\($0.disabledAt.map { "DISABLED \($0)" } ?? "active")" }
                    .joined(separator: "\n")
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account: its devices stop working at once; its history stays its own.")
        @OptionGroup var options: ServerOptions
        @Argument(help: "The user id (`plansync-server user list`).") var user: String

        func run() async throws {
            try await options.change(user: user, "disabled") { try await $0.disableAccount($1) }
        }
    }

    struct Password: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set the password a person signs in with to the county's web pages.",
            discussion: "Reads it from standard input (one line; 10 to 72 bytes). Unlocks the account and ends its open web sessions.")
        @OptionGroup var options: ServerOptions
        @Argument(help: "The user id (`plansync-server user list`).") var user: String

        func run() async throws {
            // Typed at a terminal, it is not echoed; piped in, it is read as one line.
            let typed = isatty(STDIN_FILENO) != 0 ? getpass("Password for \(user): ").map { String(cString: $0) } : readLine(strippingNewline: true)
            guard let password = typed, !password.isEmpty else {
                throw CommandFailure("No password on standard input: type it, or pipe it in (`printf '%s\\n' \"$PASSWORD\" | plansync-server user password \(user)`).")
            }
            try await options.change(user: user, "set the password of") { try await $0.setPassword(password, for: $1) }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account again: its devices that were not revoked work again.")
        @OptionGroup var options: ServerOptions
        @Argument(help: "The user id (`plansync-server user list`).") var user: String

        func run() async throws {
            try await options.change(user: user, "enabled") { try await $0.enableAccount($1) }
        }
    }
}

struct Plans: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The latest version of every plan of every county here.")
    @OptionGroup var options: ServerOptions

    func run() async throws {
        let directory = try options.directory()
        var all: [PlanSummary] = []
        for county in directory.existingCounties() { all += try await directory.open(county).store.planSummaries() }
        try options.emit(all) {
            all.isEmpty ? "No plans yet."
                : all.map { "\($0.id)\t\($0.uatName) (\($0.siruta))\t\($0.year)\tversion \($0.latestVersion) \($0.state.rawValue)\t\($0.version) edits"
                    + "\tlast sync \($0.lastSyncAt)\t\($0.openConflicts) conflict(s)" + ($0.awaiting.map { "\tawaits: \($0.rawValue)" } ?? "") }
                .joined(separator: "\n")
        }
    }
}

struct ShowPlan: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plan", abstract: "One plan's latest state, as the county has it.")
    @OptionGroup var options: ServerOptions
    @Argument(help: "The plan id.") var plan: String

    func run() async throws {
        let directory = try options.directory()
        for county in directory.existingCounties() {
            let store = try await directory.open(county).store
            if let document = try await store.plan(PlanID(plan)) {
                struct Answer: Encodable { let plan: PlanView; let check: ValidationReport }
                let answer = Answer(plan: PlanView(document), check: store.validator.check(document))
                try options.emit(answer) { answer.plan.text + "\nReviewer checks:\n" + answer.check.text }
                return
            }
        }
        throw CommandFailure("No plan \(plan) in this data directory. `plansync-server plans` lists them.")
    }
}

struct CountyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "county", abstract: "The county's own credential.", subcommands: [RotateCredential.self])

    struct RotateCredential: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-credential",
            abstract: "Replace the county credential (lost or leaked): the old one stops working at once.")
        @OptionGroup var options: ServerOptions
        @Option(help: "The county, by code or name (18 or Gorj).") var county: String

        func run() async throws {
            let directory = try options.directory()
            guard let county = directory.registry.county(named: county),
                  directory.existingCounties().contains(county)
            else { throw CommandFailure("There is no database of county '\(self.county)' in this data directory.") }
            let credential = try await directory.open(county).store.rotateCountyCredential()
            try directory.writeCredential(credential, for: county)
            try options.emit(["credentialFile": directory.credentialFile(for: county).path]) {
                "New county credential written to \(directory.credentialFile(for: county).path) (readable only by you)."
            }
        }
    }
}

/// A command that could not do what was asked: the message, and a non-zero exit, without the usage text.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension String {
    var folded: String {
        folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil)
    }
}
