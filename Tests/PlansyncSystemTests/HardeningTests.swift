import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif
import GRDB
import Hummingbird
import NIOCore
@testable import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
@testable import PlansyncServerKit
import Testing

/// The protections against hostile or broken input, connections and files: each test fails on a
/// build without the protection it names. Real SQLite files, a real server on a loopback port,
/// real HTTP (raw sockets where a well-behaved client could not send the request), the real
/// binaries for the command lines. One test at a time: some measure how fast the server closes.
@Suite("Hardening", .serialized)
struct HardeningTests {}

// MARK: - Sizes

extension HardeningTests {
    @Suite("Sizes")
    struct Sizes {
        static let limits = OperationLimits.standard

        @Test("a value over 32 KiB: refused offline, and rejected too-large by the server with nothing applied; 32 KiB exactly passes")
        func oversizedValue() async throws {
            try await HTTPTests.Setup.withSyncedPlan { county, url, ana, plan in
                // Given a text one byte over the limit, and one exactly at it
                let tooBig = String(repeating: "a", count: Self.limits.valueBytes + 1)
                let atLimit = String(repeating: "b", count: Self.limits.valueBytes)

                // When the clerk types it, then Then the replica refuses it before recording
                let refused = #expect(throws: Rejection.self) { try ana.replica.set(plan.id, path: "notes", to: tooBig) }
                #expect(refused?.code == "too-large")
                #expect(try ana.replica.pendingCount() == 0)

                // When a device that skips that check pushes it anyway, followed by a value at the limit
                let device = try ana.replica.settings().device
                let operations = [
                    PlanOperation(id: OpID(device: device, counter: 2), hlc: hlcNow(), author: "ana", plan: plan.id,
                                  change: .setField(path: "notes", value: .text(tooBig), supersedes: [])),
                    PlanOperation(id: OpID(device: device, counter: 3), hlc: hlcNow(1), author: "ana", plan: plan.id,
                                  change: .setField(path: "notes", value: .text(atLimit), supersedes: [])),
                ]
                let before = try await county.store.counts()
                let answer = try await rawRequest("POST", url.appendingPathComponent("v1/push"), headers: ana.headers(),
                                                  body: WireJSON.encode(PushRequest(operations: operations)))

                // Then the first is set aside as too-large, the second accepted, and the plan holds only the second
                #expect(answer.status == 200)
                let outcomes = try PushResponse.read(answer.body).outcomes
                #expect(outcomes.map { $0.rejection?.code } == ["too-large", nil])
                #expect(outcomes.last?.seq != nil)
                let after = try await county.store.counts()
                #expect(after.accepted == before.accepted + 1 && after.rejected == before.rejected + 1)
                #expect(try await county.store.plan(plan.id)?.fields["notes"]?.value == .text(atLimit))
            }
        }

        @Test("a gzip body inflating past 16 MiB gets 413 too-large and writes nothing; one just under the limit is read")
        func gzipBomb() async throws {
            try await HTTPTests.Setup.withSyncedPlan { county, url, ana, _ in
                let push = url.appendingPathComponent("v1/push")
                // Given a valid push padded with whitespace to 17 MiB, compressed to a few KiB
                let bomb = Gzip.compress(Data(#"{"operations":["#.utf8) + Data(repeating: 0x20, count: 17 << 20) + Data("]}".utf8))
                #expect(bomb.count < 256 << 10, "the compressed body is small: only inflating makes it large")

                // When it is pushed, Then 413 too-large, nothing written
                try await expectProblem(413, "too-large", county: county) {
                    try await rawRequest("POST", push, headers: ana.headers(["Content-Encoding": "gzip"]), body: bomb)
                }

                // And the same padding under the limit is an ordinary (empty) push: the limit is on size, not on gzip
                let fine = Gzip.compress(Data(#"{"operations":["#.utf8) + Data(repeating: 0x20, count: 15 << 20) + Data("]}".utf8))
                let answer = try await rawRequest("POST", push, headers: ana.headers(["Content-Encoding": "gzip"]), body: fine)
                #expect(answer.status == 200)
                #expect(try PushResponse.read(answer.body).outcomes.isEmpty)
            }
        }

        @Test("one hostile device writing a field 17 times with an empty `over`: the 17th is rejected too-many-values; over-long `over` is too-large")
        func hostileConcurrentValues() async throws {
            try await HTTPTests.Setup.withSyncedPlan { county, url, ana, plan in
                // Given 17 writes of the title, each claiming to have seen nothing
                let device = try ana.replica.settings().device
                let writes = (0..<17).map { index in
                    PlanOperation(id: OpID(device: device, counter: Int64(2 + index)), hlc: hlcNow(Int64(index)), author: "ana", plan: plan.id,
                                  change: .setField(path: "title", value: .text("titlu \(index)"), supersedes: []))
                }

                // When they are pushed
                let answer = try await rawRequest("POST", url.appendingPathComponent("v1/push"), headers: ana.headers(),
                                                  body: WireJSON.encode(PushRequest(operations: writes)))

                // Then 16 are kept side by side and the 17th is set aside
                #expect(answer.status == 200)
                let outcomes = try PushResponse.read(answer.body).outcomes
                #expect(outcomes.prefix(16).allSatisfy { $0.seq != nil })
                #expect(outcomes.last?.rejection?.code == "too-many-values")
                let heads = try #require(try await county.store.plan(plan.id)?.fields["title"]).heads
                #expect(heads.count == Self.limits.openValues)

                // And an `over` list longer than 64 ids is too-large; one naming the 16 values resolves them
                let manyOver = PlanOperation(id: OpID(device: device, counter: 19), hlc: hlcNow(20), author: "ana", plan: plan.id,
                                             change: .setField(path: "title", value: .text("x"),
                                                               supersedes: (1...65).map { OpID(device: device, counter: Int64(1000 + $0)) }))
                let resolving = PlanOperation(id: OpID(device: device, counter: 20), hlc: hlcNow(21), author: "ana", plan: plan.id,
                                              change: .setField(path: "title", value: .text("Planul 2025"), supersedes: heads.map(\.id)))
                let second = try await rawRequest("POST", url.appendingPathComponent("v1/push"), headers: ana.headers(),
                                                  body: WireJSON.encode(PushRequest(operations: [manyOver, resolving])))
                #expect(try PushResponse.read(second.body).outcomes.map { $0.rejection?.code } == ["too-large", nil])
                let title = try #require(try await county.store.plan(plan.id)?.fields["title"])
                #expect(title.heads.count == 1 && title.value == .text("Planul 2025"))
            }
        }

        @Test("20 devices write the same field offline and sync at once: 16 values kept, 4 rejected too-many-values, all converge")
        func twentyDevices() async throws {
            let county = try await TestCounty()
            try await withServer(county.directory) { url in
                // Given a plan every device has, and 20 devices each with an offline edit of its title
                let clerk = try await HTTPTests.Setup(county: county, url: url, author: "ana")
                let plan = try clerk.replica.createPlan(year: 2025)
                _ = try await clerk.sync()
                var devices: [HTTPTests.Setup] = []
                for index in 0..<20 {
                    let device = try await HTTPTests.Setup(county: county, url: url, author: "inspector \(index)")
                    _ = try await device.sync()
                    try device.replica.set(plan.id, path: "title", to: "Titlul scris de dispozitivul \(index)")
                    devices.append(device)
                }

                // When all 20 sync concurrently
                let reports = try await withThrowingTaskGroup(of: SyncReport.self) { group in
                    for device in devices { group.addTask { try await device.sync() } }
                    var all: [SyncReport] = []
                    for try await report in group { all.append(report) }
                    return all
                }

                // Then 16 values are accepted, the 4 later ones rejected too-many-values
                #expect(reports.map(\.accepted).reduce(0, +) == Sizes.limits.openValues)
                let rejected = reports.flatMap(\.rejected)
                #expect(rejected.count == 20 - Sizes.limits.openValues)
                #expect(rejected.allSatisfy { $0.rejection?.code == "too-many-values" })
                let server = try #require(try await county.store.plan(plan.id))
                #expect(server.fields["title"]?.heads.count == Sizes.limits.openValues)

                // And after one more round every replica shows the county's plan
                for device in devices + [clerk] { _ = try await device.sync() }
                for device in devices + [clerk] {
                    #expect(try device.replica.plan(plan.id) == server)
                }
            }
        }

        @Test("a pull over many ~30 KB operations: pages stay within 1 MiB plus one operation, and paging gets each exactly once")
        func boundedPullPages() async throws {
            try await HTTPTests.Setup.withSyncedPlan { county, url, ana, plan in
                // Given 80 edits of ~30 KB each (2.4 MB of history on a small plan)
                for index in 0..<80 {
                    try ana.replica.set(plan.id, path: "notes", to: String(repeating: "x", count: 29_994) + String(format: "%06d", index))
                }
                _ = try await ana.sync()
                let ion = try await HTTPTests.Setup(county: county, url: url, author: "ion")
                let largest = 31_000

                // When another device pages through, asking for up to 5,000 operations a page
                var cursor: Int64 = 0
                var received: [OpID] = []
                var pages: [(bytes: Int, operations: Int, more: Bool)] = []
                while true {
                    let answer = try await rawRequest("GET", URL(string: "\(url)/v1/pull?after=\(cursor)&limit=5000")!, headers: ion.headers())
                    #expect(answer.status == 200)
                    let data = answer.body.starts(with: [0x1f, 0x8b]) ? try Gzip.decompress(answer.body) : answer.body
                    let page = try PullResponse.read(data)
                    let operationBytes = page.operations.map(\.operation.canonicalJSON.count).reduce(0, +)
                    // Then each page is bounded by bytes, not by the 5,000 asked for
                    #expect(page.operations.count == 1 || operationBytes <= Sizes.limits.pageBytes)
                    #expect(data.count <= Sizes.limits.pageBytes + largest + 8_192, "page of \(data.count) bytes")
                    pages.append((data.count, page.operations.count, page.more))
                    received += page.operations.map(\.operation.id)
                    cursor = page.next
                    if !page.more { break }
                    guard pages.count < 20 else { Issue.record("paging does not end"); break }
                }

                // And every operation comes exactly once
                #expect(pages.count >= 3, "\(pages)")
                #expect(pages.first?.more == true)
                #expect(Set(received).count == received.count)
                #expect(received.count == (try await county.store.counts().accepted))
                _ = try await ion.sync()
                #expect(try ion.replica.plan(plan.id) == (try await county.store.plan(plan.id)))
            }
        }

        @Test("a device label or account name over 200 bytes (101 × 'ă') is refused 400; 200 bytes pass")
        func nameAndLabelLength() async throws {
            let county = try await TestCounty()
            try await withServer(county.directory) { url in
                let long = String(repeating: "ă", count: 101)
                let fits = String(repeating: "ă", count: 100)
                // Given a token
                let token = try await county.store.addAccount(name: "ana", role: .inspector, siruta: negomir).enrollmentToken
                let enroll = url.appendingPathComponent("v1/enroll")

                // When a device enrolls with a label over 200 bytes, Then 400 bad-input and the token is still unused
                try await expectProblem(400, "bad-input", county: county) {
                    try await rawRequest("POST", enroll, headers: [ProtocolVersion.header: "1"],
                                         body: WireJSON.encode(EnrollRequest(token: token, label: long)))
                }
                let enrolled = try await rawRequest("POST", enroll, headers: [ProtocolVersion.header: "1"],
                                                    body: WireJSON.encode(EnrollRequest(token: token, label: fits)))
                #expect(enrolled.status == 200)
                let credential = try WireJSON.decode(EnrollResponse.self, from: enrolled.body).credential

                // And forking to such a label is refused the same way
                try await expectProblem(400, "bad-input", county: county) {
                    try await rawRequest("POST", url.appendingPathComponent("v1/fork"),
                                         headers: ["Authorization": "Bearer \(credential)", ProtocolVersion.header: "2"],
                                         body: WireJSON.encode(ForkRequest(label: long)))
                }

                // And such an account name is refused by the store and by the command line
                let error = await #expect(throws: ServerError.self) {
                    _ = try await county.store.addAccount(name: long, role: .inspector, siruta: negomir)
                }
                #expect(error?.problem.status == 400)
                #expect(try await county.store.accounts().count == 1)
                let data = try temporaryDirectory("names")
                let cli = try await runOffPool("plansync-server", ["user", "add", "--data", data.path, "--name", long, "--role", "inspector",
                                                                 "--siruta", "80980"])
                #expect(cli.status != 0 && cli.errors.contains("200"), "\(cli.errors)")
                let cliFits = try await runOffPool("plansync-server", ["user", "add", "--data", data.path, "--name", fits, "--role", "inspector",
                                                                     "--siruta", "80980"])
                #expect(cliFits.status == 0, "\(cliFits.errors)")
            }
        }

        @Test("a 1 MB Authorization header gets 431 application/problem+json of type header-too-large")
        func hugeHeader() async throws {
            let county = try await TestCounty()
            try await withServer(county.directory) { url in
                // Given a request whose Authorization header is 1 MB
                let head = "GET /v1/pull HTTP/1.1\r\nHost: 127.0.0.1\r\n\(ProtocolVersion.header): 2\r\n"
                    + "Authorization: Bearer \(String(repeating: "A", count: 1 << 20))\r\n\r\n"

                // When it is sent over a raw socket, reading whatever the server answers meanwhile
                let connection = try RawConnection(port: url.port!)
                let (bytes, _) = try await offPool { connection.sendReading(Data(head.utf8), timeout: 10) }

                // Then the answer is a 431 problem document
                let response = try #require(RawResponse(bytes), "no HTTP answer: \(bytes.count) bytes")
                #expect(response.status == 431)
                #expect(response.headers["content-type"] == Problem.mediaType)
                let problem = try WireJSON.decode(Problem.self, from: response.body)
                #expect(problem.type == "https://plansync.ro/problems/header-too-large")
                #expect(problem.status == 431 && !problem.detail.isEmpty)
                // And the server still answers
                #expect(try await rawRequest("GET", url.appendingPathComponent("v1/health")).status == 200)
            }
        }

        @Test("a push whose body is cut short (Content-Length larger than the bytes sent) gets 400, not 413, and writes nothing")
        func cutBody() async throws {
            try await HTTPTests.Setup.withSyncedPlan { county, url, ana, plan in
                // Given a real push body, and a head announcing more bytes than will come
                try ana.replica.set(plan.id, path: "title", to: "Planul anual 2025")
                let body = try ana.replica.pendingBatch(limit: 10).body
                let head = "POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(ana.credential)\r\n"
                    + "\(ProtocolVersion.header): 2\r\nContent-Type: application/json\r\nContent-Length: \(body.count + 50_000)\r\n\r\n"
                let before = try await county.store.counts()

                // When the transfer stops after the body (the client half-closes: its side of the connection is done)
                let connection = try RawConnection(port: url.port!)
                let (bytes, _) = try await offPool { () -> (Data, Bool) in
                    _ = connection.send(Data(head.utf8) + body)
                    connection.shutdownWrite()
                    return connection.readUntilClosed(timeout: 10)
                }

                // Then the answer is 400 (the body is unreadable, not too large), as a problem, and nothing is written
                let response = try #require(RawResponse(bytes), "no HTTP answer to a cut body")
                #expect(response.status == 400)
                #expect(response.headers["content-type"] == Problem.mediaType)
                let problem = try WireJSON.decode(Problem.self, from: response.body)
                #expect(["unreadable-body", "malformed-http"].contains(String(problem.slug)), "\(problem.type)")
                #expect(try await county.store.counts() == before)
                #expect(try ana.replica.pendingCount() == 1)
            }
        }
    }
}

// MARK: - Connections

extension HardeningTests {
    @Suite("Connections")
    struct Connections {
        @Test("an idle connection is closed by the server within ~3 s (idle and head timeouts of 1 s; the head timeout alone)")
        func idleConnection() async throws {
            for (idle, head) in [(1, 1), (30, 1)] {
                let county = try await TestCounty()
                try await withServer(county.directory, idleTimeout: .seconds(Int64(idle)), headTimeout: .seconds(Int64(head))) { url in
                    // Given a connection that sends nothing
                    let connection = try RawConnection(port: url.port!)
                    // When we wait, Then the server closes it
                    let (_, closed) = try await offPool { connection.readUntilClosed(timeout: 10) }
                    let elapsed = Date().timeIntervalSince(connection.opened)
                    #expect(closed && elapsed <= 3, "idle \(idle) s, head \(head) s: closed: \(closed) after \(elapsed) s")
                }
            }
        }

        @Test("a connection that goes quiet after a response is closed (idle timeout of 1 s alone)")
        func quietAfterResponse() async throws {
            let county = try await TestCounty()
            try await withServer(county.directory, idleTimeout: .seconds(1), headTimeout: .seconds(30)) { url in
                // Given a connection that got one answer and then sends nothing
                let connection = try RawConnection(port: url.port!)
                let (response, closed, quietFor) = try await offPool { () -> (RawResponse?, Bool, TimeInterval) in
                    _ = connection.send(Data("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
                    let response = connection.readResponse(timeout: 5)
                    let answered = Date()
                    let (_, closed) = connection.readUntilClosed(timeout: 10)
                    return (response, closed, Date().timeIntervalSince(answered))
                }
                // Then it was answered, and closed within ~3 s of going quiet
                #expect(response?.status == 200)
                #expect(closed && quietFor <= 3, "closed: \(closed) after \(quietFor) s")
            }
        }

        @Test("a client trickling header bytes slower than the head timeout is closed, on a new connection and after a first answer")
        func slowloris() async throws {
            // The idle timeout counts whole request parts, not bytes: with 30 s, only the head timeout can close the trickle
            for (idle, head, afterAnswer) in [(1, 1, false), (30, 1, false), (30, 1, true)] {
                let county = try await TestCounty()
                try await withServer(county.directory, idleTimeout: .seconds(Int64(idle)), headTimeout: .seconds(Int64(head))) { url in
                    // Given a request head that never ends: one byte every 250 ms
                    let connection = try RawConnection(port: url.port!)
                    let (first, started, closed, received) = try await offPool { () -> (Int?, Date, Bool, Data) in
                        var first: Int?
                        if afterAnswer {
                            connection.send(Data("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
                            first = connection.readResponse(timeout: 5)?.status
                        }
                        let started = Date()
                        connection.send(Data("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".utf8))
                        let (closed, received) = connection.trickle(every: 0.25, for: 10)
                        return (first, started, closed, received)
                    }
                    // Then the server closes it within ~3 s, without answering the trickled request
                    let elapsed = Date().timeIntervalSince(started)
                    #expect(!afterAnswer || first == 200)
                    #expect(closed && elapsed <= 3, "idle \(idle) s, head \(head) s, after an answer: \(afterAnswer): closed: \(closed) after \(elapsed) s")
                    #expect(String(decoding: received, as: UTF8.self).components(separatedBy: "HTTP/1.1 200").count <= (afterAnswer ? 2 : 1))
                }
            }
        }

        @Test("keep-alive: several requests on one connection with pauses, a slow body upload, and a sync after the server dropped a pooled connection")
        func keepAliveStillWorks() async throws {
            let county = try await TestCounty()
            try await withServer(county.directory, idleTimeout: .seconds(1), headTimeout: .seconds(1)) { url in
                // Given one connection
                let connection = try RawConnection(port: url.port!)
                // When five requests follow each other, 0.5 s apart (under both timeouts)
                let statuses = try await offPool { () -> [Int?] in
                    var statuses: [Int?] = []
                    for _ in 0..<5 {
                        _ = connection.send(Data("GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
                        statuses.append(connection.readResponse(timeout: 5)?.status)
                        Thread.sleep(forTimeInterval: 0.5)
                    }
                    return statuses
                }
                // Then all are answered on that same connection
                #expect(statuses == [200, 200, 200, 200, 200])

                // And a push whose body arrives slowly (2 s, longer than the head timeout) is read whole
                let ana = try await HTTPTests.Setup(county: county, url: url)
                let body = Data(#"{"operations":[]}"#.utf8)
                let head = "POST /v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(ana.credential)\r\n"
                    + "\(ProtocolVersion.header): 2\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
                let slow = try RawConnection(port: url.port!)
                let answer = try await offPool { () -> RawResponse? in
                    _ = slow.send(Data(head.utf8))
                    for chunk in stride(from: 0, to: body.count, by: 3) {
                        Thread.sleep(forTimeInterval: 0.3)
                        _ = slow.send(body[chunk..<min(chunk + 3, body.count)])
                    }
                    return slow.readResponse(timeout: 5)
                }
                #expect(answer?.status == 200, "\(String(decoding: answer?.body ?? Data(), as: UTF8.self))")

                // And a client whose pooled connection the server closed meanwhile syncs again
                let plan = try ana.replica.createPlan(year: 2025)
                _ = try await ana.sync()
                try await Task.sleep(for: .milliseconds(2_500))
                try ana.replica.set(plan.id, path: "title", to: "după o pauză")
                let report = try await ana.sync()
                #expect(report.accepted == 1)
            }
        }
    }
}

// MARK: - Enrollment tokens

extension HardeningTests {
    @Suite("Enrollment tokens")
    struct EnrollmentTokens {
        @Test("a token valid for 1 second is refused 401 enrollment-expired after 2 s")
        func expiredToken() async throws {
            let county = try await TestCounty()
            try await withServer(county.directory) { url in
                // Given a token issued for 1 second, and another for a device of the same account
                let (account, token) = try await county.store.addAccount(name: "ana", role: .inspector, siruta: negomir, validity: 1)
                let later = try await county.store.issueEnrollment(for: AccountID(account.id), validity: 1)
                // When it is used 2 s later
                try await Task.sleep(for: .seconds(2))
                // Then 401 enrollment-expired, and no device is created
                for expired in [token, later] {
                    try await expectProblem(401, "enrollment-expired", county: county) {
                        try await rawRequest("POST", url.appendingPathComponent("v1/enroll"), headers: [ProtocolVersion.header: "2"],
                                             body: WireJSON.encode(EnrollRequest(token: expired, label: "laptop")))
                    }
                }
                #expect(try await county.store.devices().isEmpty)
                // And a token issued with the default validity still enrolls
                let fresh = try await county.store.issueEnrollment(for: AccountID(account.id))
                #expect(try await Transport(server: url, credential: nil).enroll(EnrollRequest(token: fresh, label: "laptop")).account.name == "ana")
            }
        }

        @Test("tokens last 7 days by default (store, UAT registration, another device, command line); --valid-days sets it")
        func defaultValidity() async throws {
            // Given tokens issued every way, without saying for how long
            let county = try await TestCounty()
            let (account, first) = try await county.store.addAccount(name: "ana", role: .inspector, siruta: negomir)
            let registered = try await county.store.registerUAT(balesti).enrollmentToken
            let another = try await county.store.issueEnrollment(for: AccountID(account.id))
            // Then each expires 7 days from now (±1 min), as stored in the enrollment table
            for token in [first, registered, another] {
                let expires = try await county.store.pool.read { db in
                    try String.fetchOne(db, sql: "SELECT expires_at FROM enrollment WHERE token_hash = ?", arguments: [Credential(token)!.hash])
                }
                expectExpiry(expires, days: 7)
            }

            // And so do tokens from the command line; --valid-days 30 gives 30 days
            let data = try temporaryDirectory("validity")
            let byDefault = try await runOffPool("plansync-server", ["user", "add", "--data", data.path, "--name", "Ion", "--role", "inspector",
                                                                   "--siruta", "80980", "--json"])
            let month = try await runOffPool("plansync-server", ["user", "add", "--data", data.path, "--name", "Vasile", "--role", "inspector",
                                                               "--siruta", "80980", "--valid-days", "30", "--json"])
            let history = try DatabaseQueue(path: data.appendingPathComponent("county-18.sqlite").path)
            for (answer, days) in [(byDefault, 7), (month, 30)] {
                let token = try #require(try answer.json([String: AnyCodable].self)["enrollmentToken"]?.text, "\(answer.errors)")
                let expires = try await history.read { db in
                    try String.fetchOne(db, sql: "SELECT expires_at FROM enrollment WHERE token_hash = ?", arguments: [Credential(token)!.hash])
                }
                expectExpiry(expires, days: days)
            }
        }

        @Test("`user add --valid-days 0` exits non-zero with a message, and creates no account")
        func zeroDays() async throws {
            let data = try temporaryDirectory("zero-days")
            for days in ["0", "-3", "366"] {
                // When the administrator asks for a token that never works (or works for over a year)
                let answer = try await runOffPool("plansync-server", ["user", "add", "--data", data.path, "--name", "Ion", "--role", "inspector",
                                                                    "--siruta", "80980", "--valid-days", days])
                // Then the command refuses and says why
                #expect(answer.status != 0 && answer.errors.contains("--valid-days"), "\(days): \(answer.errors)")
            }
            let list = try await runOffPool("plansync-server", ["user", "list", "--data", data.path, "--json"])
            #expect(try list.status == 0 && list.json([AnyCodable].self).isEmpty, "\(list.output)")
            // And the store refuses a validity of 0 too
            let county = try await TestCounty()
            let error = await #expect(throws: ServerError.self) {
                _ = try await county.store.addAccount(name: "Ion", role: .inspector, siruta: negomir, validity: 0)
            }
            #expect(error?.problem.status == 400)
        }

        @Test("`plansync init --token-file FILE` and `--token -` (standard input) enroll; an empty standard input is refused")
        func tokenFromFileAndStandardInput() throws {
            let root = try temporaryDirectory("token-input")
            let data = root.appendingPathComponent("server")
            let server = try startServer(data)
            defer { server.stop() }
            let fromFile = try newToken(data, name: "Ana Popescu")
            let fromStdin = try newToken(data, name: "Ion Ionescu")

            // Given the first token in a file (with the blank lines an editor leaves)
            let tokenFile = root.appendingPathComponent("token.txt")
            try Data("\n  \(fromFile)  \n\n".utf8).write(to: tokenFile)
            // When init reads it from the file, Then the computer is enrolled for that account
            let desk = root.appendingPathComponent("desk").path
            let first = try run("plansync", ["init", "--server", server.url, "--token-file", tokenFile.path, "--label", "desk", "--data", desk])
            #expect(first.status == 0, "\(first.errors)")
            #expect(try run("plansync", ["status", "--json", "--data", desk]).json(ReplicaStatus.self).account.name == "Ana Popescu")

            // Given the second token on standard input, When init reads `--token -`, Then enrolled too
            let laptop = root.appendingPathComponent("laptop").path
            let second = try spawn(try Binaries.url("plansync").path,
                                   ["init", "--server", server.url, "--token", "-", "--label", "laptop", "--data", laptop],
                                   input: "\(fromStdin)\n", in: root)
            #expect(second.status == 0, "\(second.errors)")
            #expect(!second.output.contains(fromStdin), "the token is not echoed")
            #expect(try run("plansync", ["status", "--json", "--data", laptop]).json(ReplicaStatus.self).account.name == "Ion Ionescu")

            // And nothing on standard input is refused before any request
            let empty = try spawn(try Binaries.url("plansync").path,
                                  ["init", "--server", server.url, "--token", "-", "--data", root.appendingPathComponent("none").path],
                                  input: "", in: root)
            #expect(empty.status != 0 && empty.errors.contains("empty"), "\(empty.errors)")
        }

        @Test("`plansync init` on an enrolled folder exits non-zero without using the token, which then enrolls another folder")
        func initTwice() throws {
            let root = try temporaryDirectory("init-twice")
            let data = root.appendingPathComponent("server")
            let server = try startServer(data)
            defer { server.stop() }
            // Given an enrolled folder, and a second token
            let folder = root.appendingPathComponent("desk").path
            #expect(try run("plansync", ["init", "--server", server.url, "--token", try newToken(data, name: "Ana"), "--data", folder]).status == 0)
            let second = try newToken(data, name: "Ion")
            // When init runs again on that folder
            let again = try run("plansync", ["init", "--server", server.url, "--token", second, "--data", folder])
            // Then it refuses, says the token was not used, and the folder keeps its enrollment
            #expect(again.status != 0 && again.errors.contains("already enrolled"), "\(again.errors)")
            #expect(try run("plansync", ["status", "--json", "--data", folder]).json(ReplicaStatus.self).account.name == "Ana")
            // And the token enrolls another folder
            let other = try run("plansync", ["init", "--server", server.url, "--token", second, "--data", root.appendingPathComponent("laptop").path])
            #expect(other.status == 0, "the token must still be unused: \(other.errors)")
        }

        @Test("`plansync init` on a folder whose recorded enrollment is damaged exits non-zero without using the token")
        func initOnDamagedEnrollment() throws {
            let root = try temporaryDirectory("init-damaged")
            let data = root.appendingPathComponent("server")
            let server = try startServer(data)
            defer { server.stop() }
            // Given an enrolled folder whose settings JSON was damaged, and a new token
            let folder = root.appendingPathComponent("desk")
            #expect(try run("plansync", ["init", "--server", server.url, "--token", try newToken(data, name: "Ana"), "--data", folder.path]).status == 0)
            let replica = folder.appendingPathComponent("replica.sqlite")
            try damageSettings(of: replica)
            let token = try newToken(data, name: "Ion")
            // When init runs on that folder
            let again = try run("plansync", ["init", "--server", server.url, "--token", token, "--data", folder.path])
            // Then it refuses, naming the file, and the county enrolled no device for it
            #expect(again.status != 0 && again.errors.contains(replica.path), "\(again.errors)")
            let devices = try run("plansync-server", ["device", "list", "--data", data.path, "--json"]).json([AnyCodable].self)
            #expect(devices.count == 1, "a device nobody holds the credential of was enrolled")
            // And the token was not spent: it enrolls another folder
            let other = try run("plansync", ["init", "--server", server.url, "--token", token, "--data", root.appendingPathComponent("laptop").path])
            #expect(other.status == 0, "the token must still be unused: \(other.errors)")
        }
    }
}

// MARK: - Files

extension HardeningTests {
    @Suite("Files")
    struct Files {
        @Test("the replica is created 0600 in a data folder created 0700; the server's folder, credential and lock are private too")
        func permissions() throws {
            let root = try temporaryDirectory("modes")
            let data = root.appendingPathComponent("server")
            let server = try startServer(data)
            defer { server.stop() }
            // Given a data folder that does not exist yet (nor does its parent)
            let folder = root.appendingPathComponent("home/ana/.plansync")
            // When the computer is enrolled, and used again
            let enrolled = try run("plansync", ["init", "--server", server.url, "--token", try newToken(data, name: "Ana"), "--data", folder.path])
            #expect(enrolled.status == 0, "\(enrolled.errors)")
            #expect(try run("plansync", ["status", "--data", folder.path]).status == 0)
            // Then the folder is 0700 and the replica (and any journal beside it) 0600
            #expect(try mode(folder) == 0o700)
            for name in ["replica.sqlite", "replica.sqlite-wal", "replica.sqlite-shm"] {
                let file = folder.appendingPathComponent(name)
                if name == "replica.sqlite" || FileManager.default.fileExists(atPath: file.path) {
                    #expect(try mode(file) == 0o600, "\(name)")
                }
            }
            // And the server keeps its data folder, county credential and lock file to its owner
            #expect(try mode(data) == 0o700)
            #expect(try mode(data.appendingPathComponent("county-18.credential")) == 0o600)
            #expect(try mode(data.appendingPathComponent("plansync-server.lock")) == 0o600)
        }

        @Test("a 0-byte replica.sqlite: `plansync status` exits non-zero naming the file, and the file stays 0 bytes")
        func emptyReplica() throws {
            // Given a replica file emptied by a full disk
            let folder = try temporaryDirectory("empty-replica")
            let replica = folder.appendingPathComponent("replica.sqlite")
            #expect(FileManager.default.createFile(atPath: replica.path, contents: Data()))
            for command in [["status"], ["plan", "list"], ["sync"]] {
                // When a command opens it
                let answer = try run("plansync", command + ["--data", folder.path])
                // Then it refuses, naming the file, and starts nothing over
                #expect(answer.status != 0 && answer.errors.contains(replica.path), "\(command): \(answer.errors)")
                #expect(try size(replica) == 0)
                #expect(try !FileManager.default.fileExists(atPath: replica.path + "-wal") || size(URL(fileURLWithPath: replica.path + "-wal")) == 0)
            }
        }

        @Test("a replica file this user may not write: `init` says so, naming the file, before it spends the token")
        func readOnlyReplicaFile() async throws {
            guard let user = UnprivilegedUser() else { return }
            let root = try temporaryDirectory("readonly-file")
            let data = root.appendingPathComponent("server")
            let server = try startServer(data)
            defer { server.stop() }
            let token = try newToken(data, name: "Ana")
            // Given a folder the user owns, with a replica file the user may only read
            let folder = root.appendingPathComponent("clerk")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
            let replica = folder.appendingPathComponent("replica.sqlite")
            _ = try Replica(path: replica.path)
            try user.own(folder)
            #expect(chmod(replica.path, 0o400) == 0)
            // When `plansync init` runs as that user
            let command = [try Binaries.url("plansync").path, "init", "--server", server.url, "--token", token, "--data", folder.path]
            let answer = try await offPool { try user.run(command) }
            // Then it refuses naming the file, and the token still enrolls another folder
            #expect(answer.status != 0 && answer.errors.contains(replica.path), "\(answer.errors)")
            let elsewhere = try run("plansync", ["init", "--server", server.url, "--token", token, "--data", root.appendingPathComponent("other").path])
            #expect(elsewhere.status == 0, "the token was not spent: \(elsewhere.errors)")
        }

        @Test("a plan document damaged inside a readable replica: commands say the file is damaged and name it")
        func damagedDocument() async throws {
            let county = try await TestCounty()
            let folder = try temporaryDirectory("damaged-document")
            try await enrolledReplica(in: folder, county: county)
            let file = folder.appendingPathComponent("replica.sqlite")
            let replica = try Replica(path: file.path)
            let plan = try replica.createPlan(year: 2025)
            try await replica.queue.write { db in
                try db.execute(sql: "UPDATE plan SET document = ? WHERE id = ?", arguments: [Data(#"{"id":"#.utf8), plan.id.rawValue])
            }
            let answer = try run("plansync", ["plan", "show", plan.id.rawValue, "--data", folder.path])
            #expect(answer.status != 0 && answer.errors.contains(file.path) && answer.errors.contains("damaged"), "\(answer.errors)")
        }

        @Test("a replica.sqlite of random bytes (or zeros): non-zero exit naming the file, file unchanged")
        func garbageReplica() throws {
            var random = SystemRandomNumberGenerator()
            let contents: [(String, Data)] = [
                ("random", Data((0..<8192).map { _ in UInt8.random(in: 0...255, using: &random) })),
                ("zeros", Data(count: 4096)),
                ("short", Data((0..<50).map { _ in UInt8.random(in: 0...255, using: &random) })),
            ]
            for (name, bytes) in contents {
                // Given a replica file overwritten with garbage
                let folder = try temporaryDirectory("garbage-\(name)")
                let replica = folder.appendingPathComponent("replica.sqlite")
                try bytes.write(to: replica)
                // When `plansync status` opens it
                let answer = try run("plansync", ["status", "--data", folder.path])
                // Then it refuses, naming the file, and leaves it as it was
                #expect(answer.status != 0 && answer.errors.contains(replica.path), "\(name): \(answer.errors)")
                #expect(try Data(contentsOf: replica) == bytes, "\(name)")
            }
        }

        @Test("a read-only data folder (0500): the message names the folder (run as an unprivileged user when the tests run as root)")
        func readOnlyFolder() async throws {
            guard let user = UnprivilegedUser() else { return }
            let county = try await TestCounty()
            // Given an empty folder, and a folder holding an enrolled replica, both made read-only for their owner
            let empty = try temporaryDirectory("readonly-empty").appendingPathComponent("data")
            let enrolled = try temporaryDirectory("readonly-enrolled").appendingPathComponent("data")
            for folder in [empty, enrolled] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false) }
            try await enrolledReplica(in: enrolled, county: county)
            for folder in [empty, enrolled] {
                try user.own(folder)
                #expect(chmod(folder.path, 0o500) == 0)
            }
            defer { for folder in [empty, enrolled] { _ = chmod(folder.path, 0o700) } }

            for folder in [empty, enrolled] {
                // When `plansync status` runs as the folder's owner
                let command = [try Binaries.url("plansync").path, "status", "--data", folder.path]
                let answer = try await offPool { try user.run(command) }
                // Then it fails and names the folder as what to check (not merely as part of the file's path)
                let replica = folder.appendingPathComponent("replica.sqlite").path
                #expect(answer.status != 0, "\(folder.lastPathComponent): \(answer.output)")
                #expect(answer.errors.replacingOccurrences(of: replica, with: "").contains(folder.path), "\(answer.errors)")
            }
        }

        @Test("corrupted settings JSON in the replica's setting table: commands exit non-zero naming the file, which stays as it was")
        func damagedSettings() async throws {
            let county = try await TestCounty()
            // Given an enrolled replica whose settings row was damaged
            let folder = try temporaryDirectory("damaged-settings")
            try await enrolledReplica(in: folder, county: county)
            let replica = folder.appendingPathComponent("replica.sqlite")
            try damageSettings(of: replica)
            // (Reading the local plans needs no enrollment, and still works.)
            for command in [["status"], ["sync"], ["plan", "new", "--year", "2025"]] {
                // When a command needs the enrollment
                let answer = try await runOffPool("plansync", command + ["--data", folder.path])
                // Then it refuses, naming the file
                #expect(answer.status != 0 && answer.errors.contains(replica.path), "\(command): \(answer.errors)")
            }
            // And nothing was changed in it
            let (settings, operations) = try await DatabaseQueue(path: replica.path).read { db in
                (try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = 'settings'"),
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM operation"))
            }
            #expect(settings == damagedSettingsJSON && operations == 0)
        }
    }
}

// MARK: - Two servers

extension HardeningTests {
    @Suite("Two servers")
    struct TwoServers {
        @Test("a second `serve` on the same data folder exits non-zero saying another server serves it; the first keeps serving")
        func secondServerRefused() async throws {
            let root = try temporaryDirectory("two-servers")
            let data = root.appendingPathComponent("server")
            // Given a server serving a folder
            let first = try startServer(data)
            defer { first.stop() }
            // When a second one is started on the same folder
            let second = try await offPool {
                try spawn(try Binaries.url("plansync-server").path, ["serve", "--data", data.path, "--port", "0", "--county", "Gorj"], timeout: 20)
            }
            // Then it exits non-zero (rather than serving), saying another server is serving the folder
            #expect(!second.timedOut, "the second server kept running")
            #expect(second.status != 0 && second.errors.contains("Another plansync-server"), "\(second.errors)")
            #expect(second.errors.contains(String(first.child.pid)), "names the process holding the folder: \(second.errors)")
            #expect(!second.output.contains("listening"))
            // And the first keeps serving
            let health = try await rawRequest("GET", URL(string: "\(first.url)/v1/health")!)
            #expect(health.status == 200 && String(decoding: health.body, as: UTF8.self).contains("ok"))
            let enrolled = try await runOffPool("plansync", ["init", "--server", first.url, "--token", try newToken(data, name: "Ana"),
                                                            "--data", root.appendingPathComponent("desk").path])
            #expect(enrolled.status == 0, "\(enrolled.errors)")
        }

        @Test("after the serving process dies (kill -9) its lock goes with it: a new server starts on the folder")
        func lockDiesWithItsServer() throws {
            let root = try temporaryDirectory("lock-crash")
            let data = root.appendingPathComponent("server")
            // Given a server killed without a chance to clean up
            try startServer(data).kill9()
            #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("plansync-server.lock").path))
            // When another is started on the folder, Then it serves
            let next = try startServer(data)
            defer { next.stop() }
            let enrolled = try run("plansync", ["init", "--server", next.url, "--token", try newToken(data, name: "Ana"),
                                                "--data", root.appendingPathComponent("desk").path])
            #expect(enrolled.status == 0, "\(enrolled.errors)")
        }
    }
}

// MARK: - Disabled account

extension HardeningTests {
    @Suite("Disabled account")
    struct DisabledAccount {
        @Test("after disableAccount the device's push gets 401 account-disabled and its edits stay pending; its unused token no longer enrolls")
        func disabledAccount() async throws {
            try await HTTPTests.Setup.withSyncedPlan { county, url, ana, plan in
                // Given an offline edit, and a token issued for a second device of the same account
                try ana.replica.set(plan.id, path: "title", to: "Planul anual 2025")
                let account = try ana.replica.settings().account.id
                let token = try await county.store.issueEnrollment(for: account)

                // When the county disables the account
                try await county.store.disableAccount(account)

                // Then a push, a pull and a sync are refused with account-disabled, and nothing is written
                try await expectProblem(401, "account-disabled", county: county) {
                    try await rawRequest("POST", url.appendingPathComponent("v1/push"), headers: ana.headers(),
                                         body: try ana.replica.pendingBatch(limit: 10).body)
                }
                try await expectProblem(401, "account-disabled", county: county) {
                    try await rawRequest("GET", URL(string: "\(url)/v1/pull?after=0")!, headers: ana.headers())
                }
                do {
                    _ = try await ana.sync()
                    Issue.record("the sync of a disabled account went through")
                } catch SyncFailure.problem(let problem) {
                    #expect(problem.slug == "account-disabled")
                }
                // And the edit stays pending on this computer
                #expect(try ana.replica.pendingCount() == 1)
                #expect(try ana.replica.status().pending == 1 && ana.replica.status().rejected == 0)
                #expect(try ana.replica.plan(plan.id)?.fields["title"]?.value == .text("Planul anual 2025"))
                #expect(try await county.store.plan(plan.id)?.fields["title"] == nil)
                // And the token issued before does not enroll a device for it
                try await expectProblem(401, "account-disabled", county: county) {
                    try await rawRequest("POST", url.appendingPathComponent("v1/enroll"), headers: [ProtocolVersion.header: "2"],
                                         body: WireJSON.encode(EnrollRequest(token: token, label: "laptop")))
                }
                #expect(try await county.store.devices().count == 1)
            }
        }
    }
}

// MARK: - Helpers

/// A hybrid clock stamp of now (the county refuses stamps far from its clock).
private func hlcNow(_ logical: Int64 = 0) -> HLCTimestamp {
    HLCTimestamp(wallMillis: Int64(Date().timeIntervalSince1970 * 1000), logical: logical)
}

/// Checks an `expires_at` of the enrollment table is `days` from now, within a minute.
private func expectExpiry(_ stored: String?, days: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    guard let stored, let date = ISO8601DateFormatter().date(from: stored) else {
        Issue.record("expires_at is not an ISO 8601 time: \(stored ?? "nil")", sourceLocation: sourceLocation)
        return
    }
    let expected = Date().addingTimeInterval(TimeInterval(days) * 86_400)
    #expect(abs(date.timeIntervalSince(expected)) <= 60, "expires \(stored), expected about \(expected)", sourceLocation: sourceLocation)
}

/// Runs blocking work (sockets, child processes) on a thread of its own, off Swift's cooperative
/// pool, which the in-process server's handlers need.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

/// `run` (a built executable to completion) without holding a cooperative thread.
private func runOffPool(_ name: String, _ arguments: [String]) async throws -> CommandResult {
    try await offPool { try run(name, arguments) }
}


/// A `plansync-server serve` process for Gorj on `data`.
private func startServer(_ data: URL) throws -> ServerProcess {
    try FileManager.default.createDirectory(at: data.deletingLastPathComponent(), withIntermediateDirectories: true)
    return try ServerProcess(data: data)
}

/// A new inspector of Negomir and their one-time token, from the command line.
private func newToken(_ data: URL, name: String) throws -> String {
    let answer = try run("plansync-server", ["user", "add", "--data", data.path, "--name", name, "--role", "inspector", "--siruta", "80980", "--json"])
    return try #require(try answer.json([String: AnyCodable].self)["enrollmentToken"]?.text, "\(answer.errors)")
}

/// An enrolled replica at `folder/replica.sqlite`, closed again when this returns.
private func enrolledReplica(in folder: URL, county: TestCounty) async throws {
    let token = try await county.store.addAccount(name: "ana", role: .inspector, siruta: negomir).enrollmentToken
    let answer = try await county.store.enroll(token: Credential(token)!, label: "desk")
    let replica = try Replica(path: folder.appendingPathComponent("replica.sqlite").path)
    try replica.configure(ReplicaSettings(server: "http://127.0.0.1:1", enrollment: answer, label: "desk"))
}

private let damagedSettingsJSON = #"{"server":"http://127.0.0.1:8080","device":"#

/// Cuts the recorded enrollment short, as a bad sector or a hand edit would.
private func damageSettings(of replica: URL) throws {
    let queue = try DatabaseQueue(path: replica.path)
    try queue.write { db in
        try db.execute(sql: "UPDATE setting SET value = ? WHERE key = 'settings'", arguments: [damagedSettingsJSON])
        #expect(db.changesCount == 1)
    }
    try queue.close()
}

private func mode(_ url: URL) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as! NSNumber).intValue & 0o777
}

private func size(_ url: URL) throws -> Int {
    (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! NSNumber).intValue
}

/// The user a permission test runs its command as: the tests' own user, or — when they run as root,
/// who may write anything — `nobody` (65534) through `setpriv`.
private struct UnprivilegedUser {
    static let setpriv = "/usr/bin/setpriv"
    static let nobody: uid_t = 65534
    let asRoot = getuid() == 0

    /// `nil`, with an issue recorded, when running as root without `setpriv`: the check cannot be observed.
    init?() {
        guard !asRoot || FileManager.default.isExecutableFile(atPath: Self.setpriv) else {
            Issue.record("running as root without setpriv: the permission check cannot be observed")
            return nil
        }
    }

    /// Makes `folder` and what it holds this user's.
    func own(_ folder: URL) throws {
        guard asRoot else { return }
        let paths = [folder.path] + (try FileManager.default.contentsOfDirectory(atPath: folder.path)).map { folder.appendingPathComponent($0).path }
        for path in paths { #expect(chown(path, Self.nobody, gid_t(Self.nobody)) == 0, "chown \(path)") }
    }

    /// Runs `command` (an executable's path, then its arguments) as this user.
    func run(_ command: [String]) throws -> Spawned {
        asRoot
            ? try spawn(Self.setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups"] + command, environment: ["HOME": "/tmp", "PATH": "/usr/bin:/bin"])
            : try spawn(command[0], Array(command.dropFirst()))
    }
}

/// A finished child process, or one killed because it outlived its time.
private struct Spawned {
    let status: Int32
    let output: String
    let errors: String
    let timedOut: Bool
}

/// Runs an executable to completion with standard input from `input` (ChildProcess reads
/// /dev/null), killing it after `timeout`.
private func spawn(_ executable: String, _ arguments: [String], input: String? = nil, in scratch: URL? = nil,
                   environment: [String: String] = ProcessInfo.processInfo.environment, timeout: TimeInterval = 60) throws -> Spawned {
    let folder = try scratch ?? temporaryDirectory("spawn")
    let id = UUID().uuidString
    let inFile = folder.appendingPathComponent("\(id).in"), outFile = folder.appendingPathComponent("\(id).out")
    let errFile = folder.appendingPathComponent("\(id).err")
    try Data((input ?? "").utf8).write(to: inFile)
    defer { for file in [inFile, outFile, errFile] { try? FileManager.default.removeItem(at: file) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, inFile.path, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, errFile.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        argv.forEach { free($0) }
        envp.forEach { free($0) }
    }
    var pid: pid_t = 0
    let started = posix_spawn(&pid, executable, &actions, nil, argv, envp)
    guard started == 0 else { throw ClientError("cannot start \(executable): \(String(cString: strerror(started)))") }
    let deadline = Date().addingTimeInterval(timeout)
    var raw: Int32 = 0
    var timedOut = false
    while waitpid(pid, &raw, WNOHANG) == 0 {
        if Date() > deadline {
            timedOut = true
            kill(pid, SIGKILL)
            while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
            break
        }
        Thread.sleep(forTimeInterval: 0.02)
    }
    let status = raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
    return Spawned(status: status, output: (try? String(contentsOf: outFile, encoding: .utf8)) ?? "",
                   errors: (try? String(contentsOf: errFile, encoding: .utf8)) ?? "", timedOut: timedOut)
}

/// An HTTP/1.1 response read off a raw socket.
struct RawResponse {
    let status: Int
    /// Names in lower case.
    let headers: [String: String]
    let body: Data

    /// The first response in `bytes`, or `nil` while its head or body is incomplete.
    init?(_ bytes: Data) {
        guard let end = bytes.range(of: Data("\r\n\r\n".utf8)) else { return nil }
        let lines = String(decoding: bytes[bytes.startIndex..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusLine = lines[0].split(separator: " ")
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let rest = bytes[end.upperBound...]
        let length = headers["content-length"].flatMap { Int($0) } ?? 0
        guard rest.count >= length else { return nil }
        self.status = status
        self.headers = headers
        body = Data(rest.prefix(length))
    }
}

/// A TCP connection to the loopback server through POSIX sockets, to send what a well-behaved
/// client never would and to see when the server closes.
final class RawConnection: @unchecked Sendable {
    let descriptor: Int32
    let opened = Date()

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ClientError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw ClientError("connect to port \(port): \(reason)")
        }
    }

    deinit { close(descriptor) }

    /// Sends every byte; `false` when the server has closed.
    @discardableResult
    func send(_ data: Data) -> Bool {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> Bool in
            var offset = 0
            while offset < raw.count {
                let sent = Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if sent < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += sent
            }
            return true
        }
    }

    func shutdownWrite() { shutdown(descriptor, Int32(SHUT_WR)) }

    private enum Read { case bytes(Data), closed, nothing }

    /// Waits up to `timeout` for bytes or the server's close (FIN or reset).
    private func read(timeout: TimeInterval) -> Read {
        var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let polled = poll(&ready, 1, Int32(max(0, timeout) * 1000))
        if polled == 0 || (polled < 0 && errno == EINTR) { return .nothing }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
        if count > 0 { return .bytes(Data(buffer[0..<count])) }
        if count < 0 && (errno == EAGAIN || errno == EINTR) { return .nothing }
        return .closed
    }

    /// Everything the server sends until it closes the connection, or until `timeout`.
    func readUntilClosed(timeout: TimeInterval) -> (data: Data, closed: Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        var data = Data()
        while Date() < deadline {
            switch read(timeout: deadline.timeIntervalSinceNow) {
            case .bytes(let bytes): data += bytes
            case .closed: return (data, true)
            case .nothing: continue
            }
        }
        return (data, false)
    }

    /// One whole response, or `nil` if none arrives within `timeout`.
    func readResponse(timeout: TimeInterval) -> RawResponse? {
        let deadline = Date().addingTimeInterval(timeout)
        var data = Data()
        while Date() < deadline {
            if let response = RawResponse(data) { return response }
            switch read(timeout: deadline.timeIntervalSinceNow) {
            case .bytes(let bytes): data += bytes
            case .closed: return RawResponse(data)
            case .nothing: continue
            }
        }
        return RawResponse(data)
    }

    /// Sends `data` while reading what the server answers meanwhile: a server may answer and close
    /// before a large request is whole. Returns what arrived and whether the server closed.
    func sendReading(_ data: Data, timeout: TimeInterval) -> (data: Data, closed: Bool) {
        let deadline = Date().addingTimeInterval(timeout)
        var received = Data()
        var offset = 0
        var sending = true
        while Date() < deadline {
            var ready = pollfd(fd: descriptor, events: Int16(POLLIN) | (sending ? Int16(POLLOUT) : 0), revents: 0)
            guard poll(&ready, 1, 100) >= 0 || errno == EINTR else { break }
            if ready.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                switch read(timeout: 0) {
                case .bytes(let bytes): received += bytes
                case .closed: return (received, true)
                case .nothing: break
                }
            }
            if sending, ready.revents & Int16(POLLOUT) != 0 {
                let sent = data.withUnsafeBytes { raw in
                    Glibc.send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                }
                if sent > 0 {
                    offset += sent
                    sending = offset < data.count
                } else if errno != EAGAIN && errno != EINTR {
                    sending = false  // the server closed its side: read what it said
                }
            }
            if !sending, offset == data.count, RawResponse(received) != nil { return (received, false) }
        }
        return (received, false)
    }

    /// Sends one byte every `interval` until the server closes the connection or `duration` passes.
    func trickle(every interval: TimeInterval, for duration: TimeInterval) -> (closed: Bool, received: Data) {
        let deadline = Date().addingTimeInterval(duration)
        var received = Data()
        while Date() < deadline {
            guard send(Data("a".utf8)) else { return (true, received) }
            let next = Date().addingTimeInterval(interval)
            while Date() < next {
                switch read(timeout: next.timeIntervalSinceNow) {
                case .bytes(let bytes): received += bytes
                case .closed: return (true, received)
                case .nothing: continue
                }
            }
        }
        return (false, received)
    }
}
