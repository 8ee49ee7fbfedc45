import ArgumentParser
import Foundation
import PlansyncClientKit
import PlansyncClientUI

struct Ui: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui",
        abstract: "Serve the commune's web page on this computer (http://127.0.0.1:8090), working offline.",
        discussion: """
            The page edits the plans on this computer with the same operations as the commands: every \
            edit waits in the change log and goes to the county at the next sync (the page has a button \
            for it). It answers only this computer's browser; stop it with Ctrl-C.
            """)
    @OptionGroup var options: GlobalOptions
    @Option(help: "The port to listen on, on 127.0.0.1 only; 0 picks a free one.") var port = CommuneUI.defaultPort

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
    }

    func run() async throws {
        let replica = try options.replica()
        _ = try replica.settings()  // a computer not enrolled yet is told how to enroll, before a page opens
        let app = try CommuneUI.application(replica: replica, port: port) { port in
            // Scripts read the address from this line: written at once, not left in a buffer.
            FileHandle.standardOutput.write(Data("plansync ui listening on http://127.0.0.1:\(port)\n".utf8))
        }
        try await app.runService()
    }
}
