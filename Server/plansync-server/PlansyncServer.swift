import ArgumentParser
import Foundation
import Logging
import PlansyncCore
import PlansyncProtocol
import PlansyncServerKit

/// `plansync-server`: the county server and its administration commands.
@main
struct PlansyncServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plansync-server",
        abstract: "The county server of plansync: receives the communes' plans, merges them, keeps their history.",
        subcommands: [Serve.self, UATCommand.self, DeviceCommand.self, Plans.self, ShowPlan.self, CountyCommand.self])
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

    func directory() throws -> CountyDirectory {
        let path = data ?? ProcessInfo.processInfo.environment["PLANSYNC_SERVER_DATA"] ?? "plansync-server-data"
        let registry = try sirutaList.map { try SirutaRegistry(contentsOf: URL(fileURLWithPath: $0)) } ?? .shipped
        let services = try nomenclator.map { try ServiceNomenclator(contentsOf: URL(fileURLWithPath: $0)) } ?? .shipped
        return try CountyDirectory(url: URL(fileURLWithPath: path), registry: registry, nomenclator: services)
    }

    func emit<T: Encodable>(_ value: T, text: () -> String) throws {
        print(json ? try WireJSON.pretty(value) : text())
    }

    /// The county store of a UAT (created with its credential on first use).
    func store(forSiruta siruta: Int, in directory: CountyDirectory) async throws -> CountyStore {
        let county = try directory.county(of: siruta)
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

    func run() async throws {
        let directory = try options.directory()
        for name in county {
            guard let county = directory.registry.county(named: name) else {
                throw ValidationError("'\(name)' is not a county code or name of the SIRUTA list.")
            }
            if try await directory.open(county).newCredential != nil { options.announceCredential(for: county, in: directory) }
        }
        for county in directory.existingCounties() { _ = try await directory.open(county) }
        var logger = Logger(label: "plansync.server")
        logger.logLevel = .info
        let counties = directory.existingCounties().map(\.name).joined(separator: ", ")
        let app = buildApplication(ServerConfiguration(host: host, port: port, directory: directory), logger: logger) { port in
            // One line on stdout that scripts and tests wait for.
            FileHandle.standardOutput.write(Data(
                "plansync-server listening on http://\(host):\(port) (counties: \(counties.isEmpty ? "none yet" : counties))\n".utf8))
        }
        try await app.runService()
    }
}

struct UATCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uat", abstract: "Register the county's UATs.", subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a UAT and print its first one-time enrollment token.")
        @OptionGroup var options: ServerOptions
        @Option(help: "The UAT's SIRUTA code.") var siruta: Int
        @Option(help: "The UAT's name, checked against the SIRUTA list.") var name: String?

        func run() async throws {
            let directory = try options.directory()
            let store = try await options.store(forSiruta: siruta, in: directory)
            let (uat, token) = try await store.registerUAT(Siruta(siruta))
            if let name, !uat.name.folded.contains(name.folded) {
                FileHandle.standardError.write(Data("warning: SIRUTA \(siruta) is \(uat.name) in the SIRUTA list, not '\(name)'; registered by code.\n".utf8))
            }
            struct Answer: Encodable { let siruta: Int; let name: String; let county: String; let enrollmentToken: String }
            try options.emit(Answer(siruta: siruta, name: uat.name, county: uat.county.name, enrollmentToken: token)) {
                "Registered \(uat.name) (SIRUTA \(siruta), \(uat.county.name)).\nEnrollment token (one device, one use):\n\(token)"
            }
        }
    }
}

struct DeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "device", abstract: "Enroll, list and revoke devices.", subcommands: [Add.self, List.self, Revoke.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A one-time enrollment token for one more device of a registered UAT.")
        @OptionGroup var options: ServerOptions
        @Option(help: "The UAT's SIRUTA code.") var siruta: Int

        func run() async throws {
            let store = try await options.store(forSiruta: siruta, in: try options.directory())
            let token = try await store.issueEnrollment(for: Siruta(siruta))
            try options.emit(["enrollmentToken": token]) { "Enrollment token (one device, one use):\n\(token)" }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enrolled devices of every county here.")
        @OptionGroup var options: ServerOptions

        func run() async throws {
            let directory = try options.directory()
            var all: [DeviceRecord] = []
            for county in directory.existingCounties() { all += try await directory.open(county).store.devices() }
            try options.emit(all) {
                all.isEmpty ? "No devices enrolled yet."
                    : all.map { "\($0.id)\tSIRUTA \($0.siruta)\t\($0.label)\tenrolled \($0.enrolledAt)\t\($0.revokedAt.map { "REVOKED \($0)" } ?? "last push \($0.lastPushAt ?? "never")")" }
                    .joined(separator: "\n")
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
                if try await store.devices().contains(where: { $0.id.rawValue == device && $0.revokedAt == nil }) {
                    try await store.revokeDevice(DeviceID(device))
                    try options.emit(["revoked": device]) { "Revoked device \(device)." }
                    return
                }
            }
            throw CommandFailure("No active device \(device) in this data directory.")
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
                : all.map { "\($0.id)\t\($0.uatName) (\($0.siruta))\t\($0.year)\tversion \($0.version)\tlast sync \($0.lastSyncAt)\t\($0.openConflicts) conflict(s)" }
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
