import Hummingbird
import Logging
import PlansyncClientKit

/// `plansync ui`: the commune's web page, served from the local replica to this computer's
/// browser only, working with no network at all.
///
/// It is a shell like the CLI: every edit goes through ``Replica``'s own methods, so what is typed
/// in the page is checked, recorded in the change log, synced and merged exactly as the same edit
/// typed as a command.
public enum CommuneUI {
    /// The port `plansync ui` listens on unless told otherwise.
    public static let defaultPort = 8090

    /// Warnings and errors only: standard output carries the one line scripts read the address from.
    public static var quietLogger: Logger {
        var logger = Logger(label: "plansync.ui")
        logger.logLevel = .warning
        return logger
    }

    /// Builds the page's server on 127.0.0.1 — never another interface: the page holds no
    /// sign-in, the computer's own user is its user. Port 0 lets the system choose one;
    /// `onServerRunning` is told the port actually bound.
    public static func application(
        replica: Replica, port: Int = defaultPort, logger: Logger = quietLogger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let bound = BoundPort()
        let router = Router()
        router.add(middleware: LocalPageGuard(port: bound))
        try CommunePages(replica: replica).register(on: router)
        return Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "plansync-ui"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? port
                bound.set(port)
                await onServerRunning(port)
            },
            logger: logger)
    }
}
