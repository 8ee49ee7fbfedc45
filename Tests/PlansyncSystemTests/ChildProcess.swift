import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`.
///
/// Not Foundation's `Process`: on Linux with Swift 6.3.1, `Process.run()` intermittently crashes
/// while it lists `/proc/self/fd` (swift-corelibs-foundation #5472), and this test process, with
/// its many SQLite files open, hit it in CI.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    private var status: Int32?

    /// Starts `executable` with `arguments`; standard output and error go to the given files
    /// (created or truncated) or to /dev/null.
    init(_ executable: URL, _ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
         output: URL? = nil, errors: URL? = nil) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output?.path ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errors?.path ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable.path, &actions, nil, argv, envp)
        guard result == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "cannot start \(executable.path): \(String(cString: strerror(result)))"])
        }
        pid = child
    }

    var isRunning: Bool {
        guard status == nil else { return false }
        var raw: Int32 = 0
        if waitpid(pid, &raw, WNOHANG) == pid { status = raw }
        return status == nil
    }

    /// Waits for the child; its exit code, or 128 + the signal that ended it.
    @discardableResult
    func wait() -> Int32 {
        if status == nil {
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
            status = raw
        }
        let raw = status!
        return raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
    }

    func signal(_ number: Int32) {
        kill(pid, number)
    }
}
