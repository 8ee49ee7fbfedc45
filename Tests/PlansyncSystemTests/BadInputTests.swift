import Foundation
@testable import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
@testable import PlansyncServerKit
import Testing

/// Every kind of bad request gets a 4xx `application/problem+json` and writes nothing.
@Suite("Bad input")
struct BadInputTests {
    @Test("malformed JSON, wrong types, bad gzip, unknown protocol version, unknown route")
    func malformed() async throws {
        try await HTTPTests.Setup.withSyncedPlan { county, url, ana, plan in
            let push = url.appendingPathComponent("v1/push")
            let device = try ana.replica.settings().device
            try await expectProblem(400, "malformed-body", county: county) {
                try await rawRequest("POST", push, headers: ana.headers(), body: Data("{\"operations\": [".utf8))
            }
            try await expectProblem(400, "malformed-body", county: county) {
                let body = #"{"operations":[{"id":"\#(device).2","hlc":"yesterday","by":"ana","plan":"\#(plan.id)","op":"set","path":"title","value":"x"}]}"#
                return try await rawRequest("POST", push, headers: ana.headers(), body: Data(body.utf8))
            }
            try await expectProblem(400, "malformed-body", county: county) {
                let body = #"{"operations":[{"id":"\#(device).2","hlc":1,"by":"ana","plan":"\#(plan.id)","op":"set","path":"title","value":1.5}]}"#
                return try await rawRequest("POST", push, headers: ana.headers(), body: Data(body.utf8))
            }
            try await expectProblem(400, "malformed-body", county: county) {
                let body = #"{"operations":[{"id":"\#(device).2","hlc":1,"by":"ana","plan":"\#(plan.id)","op":"paint"}]}"#
                return try await rawRequest("POST", push, headers: ana.headers(), body: Data(body.utf8))
            }
            // Acts: an unknown act, a member of another act, a vote that is not a number, a bad outcome.
            for act in [#""act":"veto""#, #""act":"modify","number":"5""#, #""act":"hcl","number":"1","date":"2024-03-27","for":"all","against":0,"abstain":0,"present":9,"inOffice":9"#,
                        #""act":"aviz","form":"hcj","reference":"r","outcome":"maybe""#] {
                try await expectProblem(400, "malformed-body", county: county) {
                    let body = #"{"operations":[{"id":"\#(device).2","hlc":1,"by":"ana","plan":"\#(plan.id)","op":"act","version":1,\#(act)}]}"#
                    return try await rawRequest("POST", push, headers: ana.headers(), body: Data(body.utf8))
                }
            }
            try await expectProblem(400, "malformed-body", county: county) {
                try await rawRequest("POST", push, headers: ana.headers(["Content-Encoding": "gzip"]), body: Data("not gzip".utf8))
            }
            try await expectProblem(400, "unsupported-protocol", county: county) {
                try await rawRequest("POST", push, headers: ana.headers([ProtocolVersion.header: "99"]), body: Data(#"{"operations":[]}"#.utf8))
            }
            try await expectProblem(400, "unsupported-protocol", county: county) {
                try await rawRequest("GET", url.appendingPathComponent("v1/plans"), headers: ["Authorization": "Bearer \(ana.credential)"])
            }
            try await expectProblem(400, "bad-parameter", county: county) {
                try await rawRequest("GET", URL(string: "\(url)/v1/pull?after=soon")!, headers: ana.headers())
            }
            try await expectProblem(404, "not-found", county: county) {
                try await rawRequest("GET", url.appendingPathComponent("v1/nowhere"), headers: ana.headers())
            }
            try await expectProblem(405, "method-not-allowed", county: county) {
                try await rawRequest("DELETE", url.appendingPathComponent("v1/plans/\(plan.id)"), headers: ana.headers())
            }
        }
    }

    @Test("another UAT's plan, another device's operations, unknown and revoked credentials, a reused enrollment token")
    func unauthorized() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let negomirClerk = try await HTTPTests.Setup(county: county, url: url, author: "ana")
            let balestiClerk = try await HTTPTests.Setup(county: county, url: url, author: "vasile", siruta: balesti)
            let plan = try negomirClerk.replica.createPlan(year: 2025)
            _ = try await negomirClerk.sync()
            let push = url.appendingPathComponent("v1/push")

            // Bălești reads or changes Negomir's plan.
            try await expectProblem(403, "forbidden", county: county) {
                try await rawRequest("GET", url.appendingPathComponent("v1/plans/\(plan.id)"), headers: balestiClerk.headers())
            }
            let balestiDevice = try balestiClerk.replica.settings().device
            try await expectProblem(403, "forbidden", county: county) {
                let operation = PlanOperation(id: OpID(device: balestiDevice, counter: 1), hlc: HLCTimestamp(rawValue: 1), author: "vasile",
                                              plan: plan.id, change: .setField(path: "title", value: .text("x"), supersedes: []))
                return try await rawRequest("POST", push, headers: balestiClerk.headers(), body: WireJSON.encode(PushRequest(operations: [operation])))
            }
            try await expectProblem(403, "forbidden", county: county) {
                let operation = PlanOperation(id: OpID(device: balestiDevice, counter: 1), hlc: HLCTimestamp(rawValue: 1), author: "vasile",
                                              plan: PlanID("\(balestiDevice).1"), change: .createPlan(siruta: negomir, year: 2025))
                return try await rawRequest("POST", push, headers: balestiClerk.headers(), body: WireJSON.encode(PushRequest(operations: [operation])))
            }
            // Pushing operations that claim another device.
            try await expectProblem(403, "forbidden", county: county) {
                let operation = PlanOperation(id: OpID(device: DeviceID("zzzzzzzz"), counter: 1), hlc: HLCTimestamp(rawValue: 1), author: "x",
                                              plan: plan.id, change: .setField(path: "title", value: .text("x"), supersedes: []))
                return try await rawRequest("POST", push, headers: negomirClerk.headers(), body: WireJSON.encode(PushRequest(operations: [operation])))
            }
            // No, malformed, unknown, and the county's credential where a device's is needed.
            try await expectProblem(401, "unauthenticated", county: county) {
                try await rawRequest("GET", url.appendingPathComponent("v1/pull"), headers: [ProtocolVersion.header: "1"])
            }
            try await expectProblem(401, "unauthenticated", county: county) {
                try await rawRequest("GET", url.appendingPathComponent("v1/pull"), headers: negomirClerk.headers(["Authorization": "Bearer nonsense"]))
            }
            try await expectProblem(401, "unauthenticated", county: county) {
                let forged = "psd_18_" + String(repeating: "A", count: 43)
                return try await rawRequest("GET", url.appendingPathComponent("v1/pull"), headers: negomirClerk.headers(["Authorization": "Bearer \(forged)"]))
            }
            let countyCredential = try String(contentsOf: county.directory.credentialFile(for: county.store.county), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            try await expectProblem(403, "forbidden", county: county) {
                try await rawRequest("POST", push, headers: negomirClerk.headers(["Authorization": "Bearer \(countyCredential)"]), body: Data(#"{"operations":[]}"#.utf8))
            }
            // A revoked device is refused at once.
            try await county.store.revokeDevice(try negomirClerk.replica.settings().device)
            try negomirClerk.replica.set(plan.id, path: "title", to: "after revocation")
            try await expectProblem(401, "device-revoked", county: county) {
                try await rawRequest("POST", push, headers: negomirClerk.headers(), body: try negomirClerk.replica.pendingBatch(limit: 10).body)
            }
            await #expect(throws: SyncFailure.self) { try await negomirClerk.sync() }
            #expect(try negomirClerk.replica.pendingCount() == 1, "the edit stays on the computer")
            // An enrollment token works once.
            let token = try await county.store.issueEnrollment(for: AccountID(try #require(try await county.store.firstInspector(of: negomir)).id))
            _ = try await Transport(server: url, credential: nil).enroll(EnrollRequest(token: token, label: "desk"))
            try await expectProblem(409, "enrollment-used", county: county) {
                try await rawRequest("POST", url.appendingPathComponent("v1/enroll"), headers: [ProtocolVersion.header: "1"],
                                     body: WireJSON.encode(EnrollRequest(token: token, label: "again")))
            }
        }
    }
}

@Suite("Clock skew")
struct ClockSkewTests {
    static let sixHours: Int64 = 6 * 3_600_000

    @Test("a device 6 hours behind: its edit made after pulling an edit is stamped later and wins")
    func behind() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let ana = try await HTTPTests.Setup(county: county, url: url, author: "ana", clock: SystemClock())
            let ion = try await HTTPTests.Setup(county: county, url: url, author: "ion", clock: SystemClock(offsetMillis: -Self.sixHours))
            let plan = try ana.replica.createPlan(year: 2025)
            _ = try await ana.sync()
            _ = try await ion.sync()
            try ana.replica.set(plan.id, path: "title", to: "A")
            _ = try await ana.sync()
            _ = try await ion.sync()  // ion has seen A
            try ion.replica.set(plan.id, path: "title", to: "B, after reading A")
            _ = try await ion.sync()
            _ = try await ana.sync()
            let server = try #require(try await county.store.plan(plan.id))
            #expect(server.fields["title"]?.value == .text("B, after reading A"))
            #expect(server.conflicts.isEmpty)
            let log = try ion.replica.log(plan: plan.id)
            let a = try #require(log.first { $0.person?.name == "ana" && $0.operation.change.kind == .set })
            let b = try #require(log.first { $0.person?.name == "ion" && $0.operation.change.kind == .set })
            #expect(b.operation.hlc > a.operation.hlc, "ion's clock moved past what it received")
            #expect(try ana.replica.plan(plan.id) == server && ion.replica.plan(plan.id) == server)
        }
    }

    @Test("a device 6 hours ahead cannot overwrite an edit made after its own was seen")
    func ahead() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let fast = try await HTTPTests.Setup(county: county, url: url, author: "fast", clock: SystemClock(offsetMillis: Self.sixHours))
            let ana = try await HTTPTests.Setup(county: county, url: url, author: "ana", clock: SystemClock())
            let plan = try fast.replica.createPlan(year: 2025)
            try fast.replica.set(plan.id, path: "notes", to: "from the fast clock")
            _ = try await fast.sync()
            _ = try await ana.sync()
            try ana.replica.set(plan.id, path: "notes", to: "corrected by ana")
            _ = try await ana.sync()
            _ = try await fast.sync()
            let server = try #require(try await county.store.plan(plan.id))
            #expect(server.fields["notes"]?.value == .text("corrected by ana"))
            #expect(server.conflicts.isEmpty)
            #expect(try fast.replica.plan(plan.id) == server)
        }
    }
}
