import Foundation

/// The bench's figures as numbers, written as JSON (`plansync-bench DIR --json FILE`) so that
/// `scripts/bench-compare` can hold a new run against the committed baseline
/// (`Benchmarks/baseline.json`).
///
/// Absolute times on a shared machine move by ×2 from run to run, so what is compared is mostly
/// ratios to figures measured in the same run: the durable push and the pull against raw SQLite
/// writing the same rows on the same disk, the syncs against a bare `GET /v1/health` through the
/// same client. A slow machine slows both sides of a ratio; a regression in plansync moves it.
struct Figures {
    enum Better: String, Encodable {
        case higher, lower
    }

    struct Figure: Encodable {
        let value: Double
        let unit: String
        let better: Better
    }

    private(set) var figures: [String: Figure] = [:]

    mutating func record(_ key: String, _ value: Double, _ unit: String, better: Better) {
        figures[key] = Figure(value: value, unit: unit, better: better)
    }

    /// Each compared figure: a ratio to the same run's reference, or one that does not depend on
    /// the machine's speed (bytes on the wire).
    var compared: [String: Figure] {
        var ratios: [String: Figure] = [:]
        func ratio(_ name: String, _ top: String, _ bottom: String, better: Better) {
            guard let top = figures[top]?.value, let bottom = figures[bottom]?.value, bottom > 0 else { return }
            ratios[name] = Figure(value: top / bottom, unit: "ratio", better: better)
        }
        ratio("push_vs_raw_sqlite", "push_ops_per_s", "raw_sqlite_rows_per_s", better: .higher)
        ratio("pull_vs_raw_sqlite", "pull_ops_per_s", "raw_sqlite_rows_per_s", better: .higher)
        ratio("sync_pull_100_vs_health", "sync_pull_100_ms", "health_ms", better: .lower)
        ratio("sync_empty_vs_health", "sync_empty_ms", "health_ms", better: .lower)
        ratio("sync_one_edit_vs_health", "sync_one_edit_ms", "health_ms", better: .lower)
        if let bytes = figures["http_bytes_per_op"] { ratios["http_bytes_per_op"] = bytes }
        return ratios
    }

    /// The JSON document: where it ran, every figure, and the compared ones.
    func json(filesystem: Filesystem) throws -> Data {
        struct Document: Encodable {
            let format = "plansync-bench/1"
            let date: String
            let cores: Int
            let filesystem: String
            let tmpfs: Bool
            let figures: [String: Figure]
            let compared: [String: Figure]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(Document(date: ISO8601DateFormatter().string(from: Date()), cores: ProcessInfo.processInfo.activeProcessorCount,
                                           filesystem: filesystem.type, tmpfs: filesystem.isTmpfs, figures: figures, compared: compared))
    }
}

/// The filesystem a folder is on, from `/proc/mounts`: fsync is free on tmpfs, so a durable
/// figure measured there does not count.
struct Filesystem {
    let type: String
    var isTmpfs: Bool { type == "tmpfs" || type == "ramfs" }

    init(of folder: URL) {
        let path = folder.resolvingSymlinksInPath().path
        let mounts = (try? String(contentsOfFile: "/proc/mounts", encoding: .utf8)) ?? ""
        let candidates = mounts.split(separator: "\n").compactMap { line -> (point: String, type: String)? in
            let fields = line.split(separator: " ")
            guard fields.count > 2 else { return nil }
            let point = fields[1].replacingOccurrences(of: "\\040", with: " ")
            return path == point || path.hasPrefix(point == "/" ? "/" : point + "/") ? (point, String(fields[2])) : nil
        }
        type = candidates.max { $0.point.count < $1.point.count }?.type ?? "unknown"
    }
}
