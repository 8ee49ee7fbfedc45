import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import PlansyncCore
import PlansyncProtocol
import PlansyncServerKit

/// How fast the county's web pages answer for a county of 100 UATs, each with a plan of 120
/// operations, from the real `plansync-server` over HTTP (`plansync-bench DIR pages`).
enum PagesBench {
    static let uatCount = 100

    static func run(root: URL) async throws {
        let registry = SirutaRegistry.shipped
        // The county with the most UATs, so that 100 of them are its own.
        let (county, all) = Dictionary(grouping: registry.uats.values, by: \.county).max { $0.value.count < $1.value.count }!
        let directory = try CountyDirectory(url: root.appendingPathComponent("pages-server"), logger: Bench.quietLogger)
        let store = try await directory.open(county).store
        let uats = all.sorted { $0.siruta.rawValue < $1.siruta.rawValue }.prefix(uatCount)
        for uat in uats {
            let token = try await store.addAccount(name: "Inspector \(uat.siruta)", role: .inspector, siruta: uat.siruta).enrollmentToken
            let session = try await store.session(credential: try await store.enroll(token: token, label: "bench").credential)
            var writer = AuditBench.Writer(device: session.deviceID, siruta: uat.siruta)
            let outcomes = try await store.push(writer.next(120), from: session).outcomes
            precondition(outcomes.allSatisfy { $0.seq != nil })
        }
        let reviewer = try await store.addAccount(name: "Revizor", role: .reviewer, siruta: nil).account
        try await store.setPassword("parola-de-bench-1", for: AccountID(reviewer.id))
        // The session the sign-in page would open, taken here: the server reads it from the same file.
        let session = try await store.signIn(account: reviewer.id, password: "parola-de-bench-1")
        let plan = try await store.planSummaries().first!.id
        let server = try ServerProcess(data: directory.url)
        defer { server.stop() }
        let cookie = "__Host-plansync_session=\(county.code).\(session.token)"
        print("pages: \(county.name), \(uats.count) UATs with a plan of 120 operations each, real server over HTTP")
        for (label, path) in [("plans", "/plans"), ("plans by errors", "/plans?sort=-errors"), ("a plan", "/plans/\(plan)"),
                              ("a plan's timeline", "/plans/\(plan)/history"), ("a plan as of op 60", "/plans/\(plan)/asof?seq=60"),
                              ("versions diff", "/plans/\(plan)/diff?from=1&to=1"), ("evidence bundle", "/plans/\(plan)/bundle"),
                              ("totals by UAT", "/totals?by=uat"), ("totals CSV", "/totals.csv?by=uat")] {
            var request = URLRequest(url: URL(string: server.url + path)!)
            request.setValue(cookie, forHTTPHeaderField: "Cookie")
            var times: [Double] = []
            for _ in 0..<21 {
                let started = ContinuousClock.now
                let (_, response) = try await URLSession.shared.data(for: request)
                times.append(Bench.milliseconds(since: started))
                guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw BenchError("\(path) answered \(String(describing: response))") }
            }
            let first = times.removeFirst()
            Bench.report("pages: \(label) (median of 20)", String(format: "%.1f ms", Bench.median(times)),
                         String(format: "first %.1f ms, slowest %.1f ms", first, times.max()!), target: "< 50 ms")
        }
    }
}
