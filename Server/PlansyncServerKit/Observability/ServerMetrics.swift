import CoreMetrics
import Foundation
import Prometheus

/// What an operator watches, in Prometheus's text format at `GET /metrics`.
///
/// The server records through the swift-metrics API into a registry of its own (one per data
/// directory, not the process-wide `MetricsSystem`, so two servers in one test process do not
/// mix their figures); `plansync-server serve` also makes that registry the process's metrics
/// backend, so any library that reports through swift-metrics lands on the same page.
///
/// Labels are few and bounded — a route's template, never its path; a county's code; a rejection's
/// code — so an attacker cannot grow the page by sending odd paths. Nothing personal and no plan
/// content is ever a label.
public final class ServerMetrics: Sendable {
    /// The swift-metrics backend writing into ``registry``.
    public let factory: PrometheusMetricsFactory
    let registry: PrometheusCollectorRegistry

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // From a health check (well under a millisecond) to a slow pull on a busy county.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(10),
        ]
        // Pushes sharing one commit: 1 is a quiet county, hundreds a busy one.
        factory.valueHistogramBuckets[Name.pushesPerCommit] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
        self.factory = factory
    }

    /// The metric names, in one place: README's table lists the same.
    enum Name {
        static let requests = "plansync_http_requests_total"
        static let requestDuration = "plansync_http_request_duration_seconds"
        static let openConnections = "plansync_http_open_connections"
        static let operations = "plansync_operations_total"
        static let pullBytes = "plansync_pull_bytes_total"
        static let groupCommitDuration = "plansync_group_commit_duration_seconds"
        static let pushesPerCommit = "plansync_pushes_per_commit"
        static let pushesWaiting = "plansync_pushes_waiting"
        static let plans = "plansync_plans"
        static let devices = "plansync_devices"
        static let uats = "plansync_uats"
    }

    /// One answered request: its route's template (`other` for a path outside the API), method
    /// and status.
    func request(method: String, route: String, status: Int, duration: Duration) {
        Counter(label: Name.requests, dimensions: [("method", method), ("route", route), ("status", String(status))], factory: factory)
            .increment()
        CoreMetrics.Timer(label: Name.requestDuration, dimensions: [("method", method), ("route", route)], factory: factory)
            .recordNanoseconds(duration.nanoseconds)
    }

    /// Connections open now, kept by ``OpenConnections``.
    var openConnections: Meter { Meter(label: Name.openConnections, factory: factory) }

    /// Operations a county decided: `accepted`, `rejected` (set aside, with the rule's code), or
    /// `refused` (the whole push refused, with the problem's code).
    func operations(county: Int, outcome: String, reason: String, count: Int) {
        guard count > 0 else { return }
        Counter(label: Name.operations, dimensions: [("county", String(county)), ("outcome", outcome), ("reason", reason)], factory: factory)
            .increment(by: Int64(count))
    }

    func pulled(county: Int, bytes: Int) {
        Counter(label: Name.pullBytes, dimensions: [("county", String(county))], factory: factory).increment(by: Int64(bytes))
    }

    /// One group commit on a county's writer: how long its transaction held the writer (the
    /// pushes' checks, the audit log's entries and signature, the SQLite writes and the fsync),
    /// and how many pushes shared it.
    func committed(county: Int, pushes: Int, duration: Duration) {
        let dimensions = [("county", String(county))]
        CoreMetrics.Timer(label: Name.groupCommitDuration, dimensions: dimensions, factory: factory).recordNanoseconds(duration.nanoseconds)
        Recorder(label: Name.pushesPerCommit, dimensions: dimensions, factory: factory).record(pushes)
    }

    /// The page, with each open county's plans, devices, UATs and waiting pushes counted now.
    func exposition(of counties: [CountyStore]) async -> [UInt8] {
        for store in counties {
            // One county that cannot answer does not take the others' figures with it.
            guard let census = try? await store.census() else { continue }
            let dimensions = [("county", String(store.county.code))]
            Gauge(label: Name.plans, dimensions: dimensions, factory: factory).record(census.plans)
            Gauge(label: Name.devices, dimensions: dimensions, factory: factory).record(census.devices)
            Gauge(label: Name.uats, dimensions: dimensions, factory: factory).record(census.uats)
            Gauge(label: Name.pushesWaiting, dimensions: dimensions, factory: factory).record(store.pushes.waitingCount)
        }
        return registry.emitToBuffer()
    }
}

extension Duration {
    /// The whole duration in nanoseconds (saturating; a request does not last 292 years).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue + attoseconds / 1_000_000_000
    }
}

/// A `GET /metrics` page read back: each series (name and labels, as written) with its value.
/// For the load generator, which prints what the server says next to what it measured, and the
/// tests.
public struct MetricsPage: Sendable {
    public let values: [String: Double]

    public init(_ text: String) {
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            values[String(line[..<space])] = value
        }
        self.values = values
    }

    private init(values: [String: Double]) { self.values = values }

    /// One series, e.g. `plansync_plans{county="18"}`.
    public subscript(series: String) -> Double? { values[series] }

    /// The sum of a metric's series whose labels contain every one of `labels` (`key="value"`).
    public func total(_ name: String, _ labels: String...) -> Double {
        values.reduce(0) { sum, entry in
            let (series, value) = entry
            guard series == name || series.hasPrefix(name + "{"), labels.allSatisfy(series.contains) else { return sum }
            return sum + value
        }
    }

    /// What happened between `earlier` and this page (counters and histograms; gauges are taken as now).
    public func since(_ earlier: MetricsPage) -> MetricsPage {
        typealias Name = ServerMetrics.Name
        let gauges = [Name.openConnections, Name.plans, Name.devices, Name.uats, Name.pushesWaiting]
        return MetricsPage(values: Dictionary(uniqueKeysWithValues: values.map { series, value in
            let isGauge = gauges.contains { series == $0 || series.hasPrefix($0 + "{") }
            return (series, isGauge ? value : value - (earlier.values[series] ?? 0))
        }))
    }

    /// The upper bound of the bucket holding the `fraction` quantile of a histogram's series with
    /// these labels (`+Inf` past the last bucket), as Prometheus's `histogram_quantile` bounds it.
    public func quantileBound(_ histogram: String, _ fraction: Double, _ labels: String...) -> Double? {
        var buckets: [(bound: Double, count: Double)] = []
        for (series, count) in values where series.hasPrefix(histogram + "_bucket{") && labels.allSatisfy(series.contains) {
            guard let range = series.range(of: #"le="[^"]*""#, options: .regularExpression) else { continue }
            let bound = series[range].dropFirst(4).dropLast()
            buckets.append((bound == "+Inf" ? .infinity : Double(bound) ?? .infinity, count))
        }
        buckets.sort { $0.bound < $1.bound }
        guard let total = buckets.last?.count, total > 0 else { return nil }
        return buckets.first { $0.count >= fraction * total }?.bound
    }
}
