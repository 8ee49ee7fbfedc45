import Foundation
import Logging
@testable import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
@testable import PlansyncServerKit
import Synchronization
import Testing

/// What an operator watches: `GET /metrics` and one log line per request, from the real server
/// over real HTTP.
@Suite("Metrics and request logs")
struct ObservabilityTests {
    @Test("GET /metrics counts the requests, the operations by outcome and reason, pull bytes, commits and each county's holdings")
    func metricsPage() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let ana = try await HTTPTests.Setup(county: county, url: url)
            let plan = try ana.replica.createPlan(year: 2025)
            // 21 operations accepted and one set aside, in one push.
            let body = try ana.twentyOneEditsAndOneUnknownField(on: plan.id)
            #expect(try await rawRequest("POST", url.appendingPathComponent("v1/push"), headers: ana.headers(), body: body).status == 200)
            // The same push again (a retry): the same answers, nothing counted twice.
            #expect(try await rawRequest("POST", url.appendingPathComponent("v1/push"), headers: ana.headers(), body: body).status == 200)
            // A push of another device's operation is refused whole: its one operation counts as refused.
            var stranger = HandMadeOperations(device: DeviceID("stranger"), author: "x")
            let foreign = PushRequest(operations: [stranger.next(plan.id, .setField(path: "notes", value: .text("y"), supersedes: []))])
            #expect(try await rawRequest("POST", url.appendingPathComponent("v1/push"), headers: ana.headers(), body: WireJSON.encode(foreign)).status == 403)
            let pulled = try await rawRequest("GET", URL(string: "\(url)/v1/pull?after=0")!, headers: ana.headers())
            #expect(pulled.status == 200)
            _ = try await rawRequest("GET", url.appendingPathComponent("no/such/path"), headers: [ProtocolVersion.header: "2"])
            _ = try await rawRequest("PROPFIND", url.appendingPathComponent("v1/health"))

            // Prometheus sends no protocol header; it sends the metrics token, and nothing else opens the page.
            #expect(try await rawRequest("GET", url.appendingPathComponent("metrics")).status == 401)
            #expect(try await rawRequest("GET", url.appendingPathComponent("metrics"), headers: ["Authorization": "Bearer \(ana.credential)"]).status == 401)
            let token = try county.directory.metricsToken()
            let scrape = ["Authorization": "Bearer \(token)"]
            let page = try await rawRequest("GET", url.appendingPathComponent("metrics"), headers: scrape)
            #expect(page.status == 200)
            #expect(page.contentType?.hasPrefix("text/plain") == true)
            let metrics = MetricsPage(String(decoding: page.body, as: UTF8.self))
            #expect(metrics[#"plansync_http_requests_total{method="POST",route="/v1/push",status="200"}"#] == 2)
            #expect(metrics[#"plansync_http_requests_total{method="POST",route="/v1/push",status="403"}"#] == 1)
            #expect(metrics[#"plansync_http_requests_total{method="GET",route="/v1/pull",status="200"}"#] == 1)
            #expect(metrics[#"plansync_http_requests_total{method="GET",route="other",status="404"}"#] == 1, "an unknown path is not a label of its own")
            #expect(metrics.total("plansync_http_requests_total", #"method="other""#) == 1, "a method outside HTTP's is not a label of its own")
            #expect(metrics[#"plansync_http_request_duration_seconds_count{method="POST",route="/v1/push"}"#] == 3)
            #expect(metrics[#"plansync_operations_total{county="18",outcome="accepted",reason=""}"#] == 21)
            #expect(metrics[#"plansync_operations_total{county="18",outcome="rejected",reason="unknown-field"}"#] == 1)
            #expect(metrics[#"plansync_operations_total{county="18",outcome="refused",reason="forbidden"}"#] == 1)
            #expect(metrics[#"plansync_pull_bytes_total{county="18"}"#] == Double(pulled.body.count))
            #expect(metrics[#"plansync_group_commit_duration_seconds_count{county="18"}"#].map { $0 >= 1 } == true)
            #expect(metrics[#"plansync_pushes_per_commit_sum{county="18"}"#] == 2, "the 403 was refused before the writer")
            #expect(metrics[#"plansync_plans{county="18"}"#] == 1)
            #expect(metrics[#"plansync_devices{county="18"}"#] == 1)
            #expect(metrics[#"plansync_uats{county="18"}"#] == 1)
            #expect(metrics[#"plansync_pushes_waiting{county="18"}"#] == 0)
            #expect(metrics["plansync_http_open_connections"].map { $0 >= 1 } == true, "this scrape's own connection is open")
            // Read back as the load generator reads it.
            #expect(metrics.total("plansync_http_requests_total", #"route="/v1/push""#) == 3)
            #expect(metrics.quantileBound("plansync_http_request_duration_seconds", 0.99, #"route="/v1/push""#).map { $0 > 0 } == true)
            let again = MetricsPage(String(decoding: try await rawRequest("GET", url.appendingPathComponent("metrics"), headers: scrape).body, as: UTF8.self))
            let between = again.since(metrics)
            #expect(between[#"plansync_http_requests_total{method="GET",route="/metrics",status="200"}"#] == 1, "the first scrape, counted by the second")
            #expect(again[#"plansync_http_requests_total{method="GET",route="/metrics",status="401"}"#] == 2)
            #expect(between[#"plansync_operations_total{county="18",outcome="accepted",reason=""}"#] == 0)
            #expect(between[#"plansync_plans{county="18"}"#] == 1, "a gauge is read as it stands")
        }
    }

    @Test("one structured line per request, with route and status and no credential, query or plan content")
    func requestLog() async throws {
        let county = try await TestCounty()
        let lines = LogLines()
        let logger = Logger(label: "plansync.server") { _ in lines }
        try await withServer(county.directory, logger: logger) { url in
            let ana = try await HTTPTests.Setup(county: county, url: url)
            let plan = try ana.replica.createPlan(year: 2025)
            try ana.replica.set(plan.id, path: "notes", to: "conținut confidențial")
            _ = try await ana.sync()
            _ = try await rawRequest("GET", URL(string: "\(url)/v1/plans/\(plan.id)?secret=1")!, headers: ana.headers(["Authorization": "Bearer psd_18_wrong"]))
            let requests = lines.all.filter { $0.message == "request" }
            // enroll, then the sync's exchanges, then the refused read.
            #expect(requests.count >= 4)
            #expect(requests.first?.metadata["http.route"] == "/v1/enroll")
            #expect(requests.last?.metadata["http.route"] == "/v1/plans/{id}" && requests.last?.metadata["http.status"] == "401")
            #expect(requests.contains { $0.metadata["http.route"] == "/v1/push" && $0.metadata["http.status"] == "200" })
            #expect(requests.allSatisfy { Double($0.metadata["http.duration_ms"] ?? "") != nil })
            let text = lines.all.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
            for secret in [ana.credential, "psd_18_wrong", "confidențial", "secret=1"] {
                #expect(!text.contains(secret), "the log holds \(secret)")
            }
        }
    }
}

/// A log handler that keeps what it is given.
private final class LogLines: LogHandler, Sendable {
    struct Line: Sendable {
        let message: String
        let metadata: [String: String]
    }

    private let lines = Mutex<[Line]>([])
    var all: [Line] { lines.withLock { $0 } }

    var logLevel: Logger.Level {
        get { .info }
        set {}
    }
    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        let line = Line(message: event.message.description, metadata: (event.metadata ?? [:]).mapValues { "\($0)" })
        lines.withLock { $0.append(line) }
    }
}
