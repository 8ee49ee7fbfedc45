import Foundation
import GRDB
@testable import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol
import Synchronization
@testable import PlansyncServerKit
import Testing

/// The county's audit log: tamper detection by the county's own check, a rewritten history
/// detected by the clients, replay as of any moment, evidence checked offline.
@Suite("Audit log")
struct AuditTests {
    /// A county with a history of every kind of entry: accounts, devices (one revoked), edits,
    /// rows, a signed submission, a registration and an aviz signed by the county.
    static func history() async throws -> (county: TestCounty, plan: PlanID, replicas: [Replica]) {
        let county = try await TestCounty()
        let (clerk, clerkSession) = try await county.enrolledReplica(author: "ana")
        let (reviewer, reviewerSession) = try await county.enrolledReplica(nil, author: "maria", role: .reviewer)
        let (_, lost) = try await county.enrolledReplica(author: "laptop pierdut")
        try await county.store.revokeDevice(lost.deviceID)
        let clerkLink = InProcessTransport(store: county.store, session: clerkSession, seed: 1)
        let reviewerLink = InProcessTransport(store: county.store, session: reviewerSession, seed: 2)
        let plan = try clerk.createPlan(year: 2024, template: .unversioned).id
        for index in 0..<24 {
            try clerk.record(on: plan) { PlanEditor(plan: $0!).insertRow(into: "actions", values: ["activity": .text("Activitatea \(index)")]) }
            try clerk.record(on: plan) { PlanEditor(plan: $0!).setField("title", to: .text("Planul 2024, ediția \(index)")) }
        }
        _ = try await Synchronizer(replica: clerk, transport: clerkLink).sync()
        try clerk.submit(plan, letter: "Nr. 1143/12.03.2024")
        _ = try await Synchronizer(replica: clerk, transport: clerkLink).sync()
        _ = try await Synchronizer(replica: reviewer, transport: reviewerLink).sync()
        try reviewer.act(on: plan, .register) { _ in .register(number: "5552", date: "2024-03-20") }
        try reviewer.act(on: plan, .aviz) { _ in .aviz(AvizRecord(form: .hcj, reference: "HCJ nr. 39/21.03.2024", outcome: .favourable, remarks: nil)) }
        let report = try await Synchronizer(replica: reviewer, transport: reviewerLink).sync()
        #expect(report.rejected.isEmpty, "\(report.rejected)")
        _ = try await Synchronizer(replica: clerk, transport: clerkLink).sync()
        #expect(try await county.store.plan(plan)?.workflow.latest.state == .avizat)
        return (county, plan, [clerk, reviewer])
    }

    @Test("an intact county log verifies: every root, checkpoint signature, operation and plan re-derived")
    func intact() async throws {
        let (county, _, _) = try await Self.history()
        let result = try await county.store.verifyLog()
        #expect(result.problems.isEmpty, "\(result.problems)")
        #expect(result.entries == 60 && result.operations == 52 && result.plans == 1 && result.checkpoints > 5)
    }

    // MARK: Tampering

    /// One change made behind the log's back, and the entry `audit verify` must name first
    /// (`nil`: any entry may be named, the change must only be found).
    struct Mutation: CustomStringConvertible {
        let description: String
        let sql: [String]
        let arguments: [StatementArguments]
        let firstBad: Int64?
    }

    static let triggers = ["operation_no_update", "operation_no_delete", "audit_entry_no_update", "audit_entry_no_delete",
                           "audit_node_no_update", "audit_node_no_delete", "checkpoint_no_update", "checkpoint_no_delete"]

    /// A random mutation of one stored row of the log, the history or the plans.
    static func mutation(in db: Database, random: inout SeededGenerator) throws -> Mutation {
        let size = try Int64.fetchOne(db, sql: "SELECT count(*) FROM audit_entry")!
        func flip(_ data: Data) -> Data {
            var bytes = [UInt8](data)
            let at = Int.random(in: 0..<bytes.count, using: &random)
            bytes[at] ^= UInt8.random(in: 1...255, using: &random)
            return Data(bytes)
        }
        func retype(_ text: String) -> String {
            var characters = Array(text)
            let at = Int.random(in: 0..<characters.count, using: &random)
            characters[at] = characters[at] == "x" ? "y" : "x"
            return String(characters)
        }
        switch Int.random(in: 0..<10, using: &random) {
        case 0, 1:
            let index = Int64.random(in: 1..<size, using: &random)
            let column = ["body", "leaf"].randomElement(using: &random)!
            let value = try Data.fetchOne(db, sql: "SELECT \(column) FROM audit_entry WHERE idx = ?", arguments: [index])!
            return Mutation(description: "a byte of audit_entry \(index).\(column)", sql: ["UPDATE audit_entry SET \(column) = ? WHERE idx = ?"],
                            arguments: [[flip(value), index]], firstBad: index)
        case 2:
            let index = Int64.random(in: 1..<size, using: &random)
            return Mutation(description: "delete audit_entry \(index)", sql: ["DELETE FROM audit_entry WHERE idx = ?"], arguments: [[index]], firstBad: index)
        case 3:
            let a = Int64.random(in: 1..<(size - 1), using: &random), b = Int64.random(in: (a + 1)..<size, using: &random)
            return Mutation(description: "swap audit_entry \(a) and \(b)", sql: [
                "UPDATE audit_entry SET idx = -1 WHERE idx = ?", "UPDATE audit_entry SET idx = ? WHERE idx = ?", "UPDATE audit_entry SET idx = ? WHERE idx = -1",
            ], arguments: [[a], [a, b], [b]], firstBad: a)
        case 4, 5:
            let row = try Row.fetchOne(db, sql: "SELECT seq, entry, body, device, plan, author, received_at FROM operation ORDER BY seq LIMIT 1 OFFSET ?",
                                      arguments: [Int.random(in: 0..<(try Int.fetchOne(db, sql: "SELECT count(*) FROM operation")!), using: &random)])!
            let entry: Int64 = row["entry"], seq: Int64 = row["seq"]
            switch Int.random(in: 0..<5, using: &random) {
            case 0: return Mutation(description: "a byte of operation \(seq).body", sql: ["UPDATE operation SET body = ? WHERE seq = ?"],
                                    arguments: [[flip(row["body"]), seq]], firstBad: entry)
            case 1: return Mutation(description: "operation \(seq).received_at", sql: ["UPDATE operation SET received_at = ? WHERE seq = ?"],
                                    arguments: [[retype(row["received_at"]), seq]], firstBad: entry)
            case 2: return Mutation(description: "operation \(seq).author", sql: ["UPDATE operation SET author = ? WHERE seq = ?"],
                                    arguments: [[retype(row["author"]), seq]], firstBad: entry)
            case 3: return Mutation(description: "operation \(seq).hlc", sql: ["UPDATE operation SET hlc = hlc + 1 WHERE seq = ?"], arguments: [[seq]], firstBad: entry)
            default: return Mutation(description: "delete operation \(seq)", sql: ["DELETE FROM operation WHERE seq = ?"], arguments: [[seq]], firstBad: entry)
            }
        case 6:
            let row = try Row.fetchOne(db, sql: "SELECT level, idx, hash FROM audit_node ORDER BY level, idx LIMIT 1 OFFSET ?",
                                      arguments: [Int.random(in: 0..<(try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_node")!), using: &random)])!
            let level: Int = row["level"], index: Int64 = row["idx"]
            return Mutation(description: "a byte of audit_node \(level)/\(index)", sql: ["UPDATE audit_node SET hash = ? WHERE level = ? AND idx = ?"],
                            arguments: [[flip(row["hash"]), level, index]], firstBad: index << level)
        case 7:
            let row = try Row.fetchOne(db, sql: "SELECT size, root, signature, time FROM checkpoint ORDER BY size LIMIT 1 OFFSET ?",
                                      arguments: [Int.random(in: 0..<(try Int.fetchOne(db, sql: "SELECT count(*) FROM checkpoint")!), using: &random)])!
            let size: Int64 = row["size"]
            let column = ["root", "signature", "time"].randomElement(using: &random)!
            return Mutation(description: "checkpoint \(size).\(column)", sql: ["UPDATE checkpoint SET \(column) = ? WHERE size = ?"],
                            arguments: [[retype(row[column]), size]], firstBad: nil)
        default:
            let row = try Row.fetchOne(db, sql: "SELECT id, base_document FROM plan")!
            let last = try Int64.fetchOne(db, sql: "SELECT entry FROM operation WHERE plan = ? ORDER BY seq DESC LIMIT 1", arguments: [row["id"] as String])
            return Mutation(description: "a byte of the plan row", sql: ["UPDATE plan SET base_document = ? WHERE id = ?"],
                            arguments: [[flip(row["base_document"]), row["id"] as String]], firstBad: last)
        }
    }

    /// Applies one random mutation to a copy of a county database, as someone with the file would.
    static func tamper(_ path: String, seed: UInt64) throws -> Mutation {
        var random = SeededGenerator(seed: seed)
        return try DatabaseQueue(path: path).inDatabase { db in
            for trigger in Self.triggers { try db.execute(sql: "DROP TRIGGER \(trigger)") }
            let mutation = try Self.mutation(in: db, random: &random)
            for (sql, arguments) in zip(mutation.sql, mutation.arguments) { try db.execute(sql: sql, arguments: arguments) }
            return mutation
        }
    }

    @Test("any one byte changed, a row deleted, two rows swapped, a plan changed behind the log's back: audit verify names the first bad entry",
          arguments: 0..<4)
    func tamper(batch: UInt64) async throws {
        let (county, _, _) = try await Self.history()
        try await county.store.pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        let source = county.root.appendingPathComponent("server")
        for seed in (batch * 25)..<((batch + 1) * 25) {
            let copy = try temporaryDirectory("tampered")
            for name in ["county-18.sqlite", "county-18.signing-key"] {
                try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: copy.appendingPathComponent(name))
            }
            let mutation = try Self.tamper(copy.appendingPathComponent("county-18.sqlite").path, seed: seed)
            let result = try await CountyDirectory(url: copy).open(County(code: 18, name: "GORJ")).store.verifyLog()
            let first = result.firstProblem
            #expect(first != nil, "seed \(seed): \(mutation) was not found")
            if let expected = mutation.firstBad {
                #expect(first?.entry == expected, "seed \(seed): \(mutation) should name entry \(expected), named \(first?.description ?? "nothing")")
            }
        }
    }

    @Test("the server's own check from the command line: intact, then one changed byte makes it exit 1 and name the entry")
    func serverCommand() async throws {
        let (county, _, _) = try await Self.history()
        try await county.store.pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        let data = county.root.appendingPathComponent("server").path
        let intact = try run("plansync-server", ["audit", "verify", "--data", data])
        #expect(intact.status == 0 && intact.output.contains("intact"), "\(intact)")
        try await county.store.pool.write { db in
            try db.execute(sql: "DROP TRIGGER audit_entry_no_update")
            try db.execute(sql: "UPDATE audit_entry SET body = CAST(replace(CAST(body AS TEXT), 'inspector', 'reviewer') AS BLOB) WHERE idx = 10")
        }
        try await county.store.pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        let tampered = try run("plansync-server", ["audit", "verify", "--data", data])
        #expect(tampered.status == 1 && tampered.output.contains("TAMPERED. First bad entry: 10.") && tampered.output.contains("entry 10: its stored hash does not match its content"),
                "\(tampered)")
    }

    @Test("an account slipped in behind the log's back and a device moved to it: the county's check and the evidence both say so")
    func peopleBehindTheLog() async throws {
        let (county, plan, replicas) = try await Self.history()
        let device = try replicas[0].settings().device.rawValue
        try await county.store.pool.write { db in
            try db.execute(sql: "INSERT INTO account (id, name, role, siruta, created_at) VALUES ('gh0st001', 'Ghost', 'inspector', 80980, '2026-01-01T00:00:00Z')")
            try db.execute(sql: "UPDATE device SET account = 'gh0st001' WHERE id = ?", arguments: [device])
        }
        // The moved device's next edit is logged as the ghost's.
        guard case .device(let session) = try await county.store.authenticate(Credential(try replicas[0].settings().credential)!) else { throw ClientError("no session") }
        var ghost = HandMadeOperations(device: session.deviceID, author: "x", counter: 1_000)
        let edit = ghost.next(plan, .setField(path: "notes", value: .text("ghost edit"), supersedes: []))
        #expect(try await county.store.push([edit], from: session).outcomes.first?.seq != nil)
        let result = try await county.store.verifyLog()
        #expect(result.problems.contains { $0.message.contains("account gh0st001 (Ghost) is not in the log") }, "\(result.problems)")
        #expect(result.problems.contains { $0.message.contains("device \(device) is not as the log recorded it") })
        #expect(result.problems.contains { $0.message.contains("who made it") })
        let evidence = AuditVerifier.verify(try await county.store.bundle(.county))
        #expect(evidence.problems.contains { $0.contains("but device \(device) was enrolled for") }, "\(evidence.problems)")
    }

    // MARK: A county that rewrites its history

    /// What a county would do to rewrite an entry and hide it: re-hash the tree and sign again
    /// with its own key.
    static func rewrite(_ store: CountyStore, entry index: Int64, _ change: @escaping @Sendable (String) -> String) async throws {
        try await store.pool.write { db in
            for trigger in triggers { try db.execute(sql: "DROP TRIGGER \(trigger)") }
            let body = try Data.fetchOne(db, sql: "SELECT body FROM audit_entry WHERE idx = ?", arguments: [index])!
            let rewritten = Data(change(String(decoding: body, as: UTF8.self)).utf8)
            #expect(rewritten != body)
            try db.execute(sql: "UPDATE audit_entry SET body = ?, leaf = ? WHERE idx = ?", arguments: [rewritten, Merkle.leafHash(rewritten), index])
            try db.execute(sql: "DELETE FROM audit_node")
            try db.execute(sql: "DELETE FROM checkpoint")
            var frontier = MerkleFrontier()
            for leaf in try Data.fetchAll(db, sql: "SELECT leaf FROM audit_entry ORDER BY idx") {
                try frontier.append(leaf) { level, index, hash in
                    if level >= CountyLog.storedLevel { try db.execute(sql: "INSERT INTO audit_node VALUES (?, ?, ?)", arguments: [level, index, hash]) }
                }
            }
            var checkpoint = Checkpoint(county: 18, size: frontier.size, root: frontier.root.hex, time: CountyStore.timestamp(), signature: "")
            checkpoint.signature = try store.log.sign(checkpoint.statement).base64EncodedString()
            try db.execute(sql: "INSERT INTO checkpoint VALUES (?, ?, ?, ?)", arguments: [checkpoint.size, checkpoint.root, checkpoint.time, checkpoint.signature])
        }
    }

    @Test("a county that rewrites an entry and signs again: the client's next sync stops, says so, and changes nothing here")
    func rewrittenHistory() async throws {
        let county = try await TestCounty()
        try await withServer(county.directory) { url in
            let clerk = try await HTTPTests.Setup(county: county, url: url)
            let plan = try clerk.replica.createPlan(year: 2025)
            try clerk.replica.record(on: plan.id) { PlanEditor(plan: $0!).setField("title", to: .text("Planul 2025")) }
            _ = try await clerk.sync()
            let checked = try clerk.replica.auditState()
            #expect(checked.checkpoint != nil && checked.countyKey != nil && checked.provenCounter == 2)
            // A later honest sync still checks out.
            try clerk.replica.record(on: plan.id) { PlanEditor(plan: $0!).setField("title", to: .text("Planul 2025 (a)")) }
            _ = try await clerk.sync()
            #expect(try clerk.replica.auditState().provenCounter == 3)

            // The county rewrites who made the first edit, re-hashes, re-signs; someone else's edit arrives meanwhile.
            let entry = try await county.store.pool.read { db in try Int64.fetchOne(db, sql: "SELECT entry FROM operation ORDER BY seq LIMIT 1 OFFSET 1")! }
            try await Self.rewrite(county.store, entry: entry) { $0.replacingOccurrences(of: "\"role\":\"inspector\"", with: "\"role\":\"reviewer\"") }
            let before = try clerk.replica.auditState()
            let planBefore = try clerk.replica.plan(plan.id)
            let cursorBefore = try clerk.replica.log(limit: 100).count
            await #expect {
                _ = try await clerk.sync()
            } throws: { error in
                "\(error)".contains("does not begin with the") && "\(error)".contains("nothing on this computer was changed")
            }
            #expect(try clerk.replica.auditState().checkpoint == before.checkpoint, "the checkpoint checked stays the honest one")
            #expect(try clerk.replica.plan(plan.id) == planBefore && (try clerk.replica.log(limit: 100).count) == cursorBefore)
        }
    }

    @Test("a server signing with another key than the county's first one is refused")
    func otherKey() async throws {
        let (county, plan, replicas) = try await Self.history()
        _ = plan
        let state = try replicas[0].auditState()
        let impostor = try await TestCounty()
        let answer = try await impostor.store.pool.read { db in try CountyLog.latestCheckpoint(county: impostor.store.county, in: db)! }
        let response = AuditProofResponse(checkpoint: answer, countyKey: impostor.store.log.publicKey, consistency: [], own: [], ranges: [], more: false)
        #expect(throws: CountyLogRewritten.self) { try replicas[0].accept(response, asked: AuditProofRequest(from: state.checkpoint!.size, after: state.provenCounter)) }
        #expect(try replicas[0].auditState().checkpoint == state.checkpoint)
    }

    // MARK: Replay

    /// Records what the county held after each push: the live state at every sequence number.
    final class Recorder: SyncTransport, @unchecked Sendable {
        let inner: InProcessTransport
        let plan: PlanID
        let states = Mutex<[Int64: (document: PlanDocument, at: String)]>([:])
        init(_ inner: InProcessTransport, plan: PlanID) {
            self.inner = inner
            self.plan = plan
        }
        var bytesSent: Int { 0 }
        var bytesReceived: Int { 0 }
        func push(body: Data) async throws -> PushResponse {
            let answer = try await inner.push(body: body)
            if let last = answer.outcomes.last(where: { $0.seq != nil }), let seq = last.seq, let document = try await inner.store.plan(plan) {
                states.withLock { $0[seq] = (document, last.receivedAt ?? "") }
            }
            return answer
        }
        func pull(after cursor: Int64, limit: Int) async throws -> PullResponse { try await inner.pull(after: cursor, limit: limit) }
        func me() async throws -> Enrollment { try await inner.me() }
        func fork(label: String, publicKey: String?) async throws -> EnrollResponse { try await inner.fork(label: label, publicKey: publicKey) }
        func capabilities() async throws -> Capabilities { try await inner.capabilities() }
        func use(credential: String) async throws { try await inner.use(credential: credential) }
        func auditProof(_ request: AuditProofRequest) async throws -> AuditProofResponse { try await inner.auditProof(request) }
    }

    @Test("replay as of every sequence number of a random history equals what the county held then; by county time too", arguments: 0..<12)
    func replay(seed: UInt64) async throws {
        var random = SeededGenerator(seed: seed)
        let county = try await TestCounty()
        let (first, firstSession) = try await county.enrolledReplica(author: "ana")
        let (second, secondSession) = try await county.enrolledReplica(author: "ion")
        let (auditor, auditorSession) = try await county.enrolledReplica(nil, author: "curtea de conturi", role: .auditor)
        let plan = try first.createPlan(year: 2025).id
        let links = [Recorder(InProcessTransport(store: county.store, session: firstSession, seed: seed), plan: plan),
                     Recorder(InProcessTransport(store: county.store, session: secondSession, seed: seed + 1), plan: plan)]
        let replicas = [first, second]
        // One operation per push, so the county's state after each sequence number is seen.
        _ = try await Synchronizer(replica: first, transport: links[0], batchSize: 1).sync()
        _ = try await Synchronizer(replica: second, transport: links[1], batchSize: 1).sync()
        for step in 0..<Int.random(in: 40...90, using: &random) {
            let who = Int.random(in: 0..<2, using: &random)
            let replica = replicas[who]
            let current = try replica.plan(plan)!
            let editor = PlanEditor(plan: current)
            let rows = current.visibleRows(of: "actions")
            switch Int.random(in: 0..<5, using: &random) {
            case 0: try replica.record(on: plan) { _ in editor.setField("title", to: .text("titlu \(seed).\(step)")) }
            case 1: try replica.record(on: plan) { _ in editor.insertRow(into: "actions", values: ["activity": .text("activitatea \(step)")]) }
            case 2 where !rows.isEmpty:
                let row = rows[Int.random(in: 0..<rows.count, using: &random)].id
                try replica.record(on: plan) { _ in editor.setRowField("actions", row: row, field: "indicator", to: .text("indicator \(step)")) }
            case 3 where !rows.isEmpty:
                try replica.record(on: plan) { _ in editor.removeRow("actions", row: rows[Int.random(in: 0..<rows.count, using: &random)].id) }
            default:
                _ = try await Synchronizer(replica: replica, transport: links[who], batchSize: 1).sync()
            }
        }
        for (replica, link) in zip(replicas, links) { _ = try await Synchronizer(replica: replica, transport: link, batchSize: 1).sync() }
        _ = try await Synchronizer(replica: auditor, transport: InProcessTransport(store: county.store, session: auditorSession, seed: seed + 2)).sync()

        let states = links.reduce(into: [Int64: (document: PlanDocument, at: String)]()) { all, link in all.merge(link.states.withLock { $0 }) { $1 } }
        #expect(states.count > 20, "seed \(seed): \(states.count) states")
        // Random order, so snapshots are made and reused (every 1,000th operation in production; every 7th here).
        for seq in states.keys.shuffled(using: &random) {
            let replayed = try auditor.replay(plan, asOf: .sequence(seq), snapshotEvery: 7)
            #expect(replayed == states[seq]!.document, "seed \(seed): as of \(seq)")
        }
        // By the county's clock: the last state the county held at that second.
        let latestAt = states.values.map(\.at).max()!
        let atLatest = states.filter { $0.value.at == latestAt }.max { $0.key < $1.key }!.value.document
        #expect(try auditor.replay(plan, asOf: .countyTime(latestAt), snapshotEvery: 7) == atLatest)
        #expect(try auditor.replay(plan, asOf: .countyTime("2020-01-01T00:00:00Z")) == nil)
        // The history has one line per operation, in the county's order.
        let history = try auditor.history(of: plan)
        let operations = try await county.store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM operation")! }
        let order = history.map(\.seq)
        #expect(order == order.sorted() && history.count == operations)
    }

    // MARK: Evidence

    @Test("an evidence bundle holds in an empty place with no server; a changed operation, entry or signature does not")
    func bundle() async throws {
        let (county, plan, _) = try await Self.history()
        let bundle = try await county.store.bundle(.plan(plan))
        let verdict = AuditVerifier.verify(bundle)
        #expect(verdict.intact, "\(verdict.problems)")
        let one = AuditVerdict.ClassCount(entries: 1, verified: 1)
        for act in ["act submit", "act register", "act aviz"] { #expect(verdict.classes[act] == one, "\(act)") }
        #expect(verdict.classes["edit"] == AuditVerdict.ClassCount(entries: 49, verified: 49))
        #expect(verdict.plans[plan.rawValue] == PlanSnapshot(try await county.store.plan(plan)!).hash)
        // Each class of forgery is named.
        var operation = bundle
        let some = operation.operations.keys.sorted()[3]
        let bytes = Data(base64Encoded: operation.operations[some]!)!
        operation.operations[some] = Data(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "Activitatea", with: "Activitatia").utf8).base64EncodedString()
        #expect(AuditVerifier.verify(operation).problems.contains { $0.contains("is not the one the log committed to") })
        var entry = bundle
        entry.entries[5].entry = Data(String(decoding: Data(base64Encoded: entry.entries[5].entry)!, as: UTF8.self).replacingOccurrences(of: "\"at\":\"2", with: "\"at\":\"1").utf8).base64EncodedString()
        #expect(AuditVerifier.verify(entry).problems.contains { $0.contains("not in the tree the checkpoint signed") })
        #expect(!verdict.complete, "a plan's bundle proves inclusion, not completeness")
        // A county bundle must hold every entry: one left out (its proofs rebuilt) is found, as are an empty one and a duplicate.
        let whole = try await county.store.bundle(.county)
        let everything = AuditVerifier.verify(whole)
        #expect(everything.intact && everything.complete, "\(everything.problems)")
        var trimmed = whole
        let dropped = trimmed.entries.remove(at: trimmed.entries.count - 2).index
        let kept = trimmed.entries.map(\.index)
        trimmed.ranges = try await county.store.pool.read { db in try CountyLog.rangeProofs(for: kept, size: whole.checkpoint.size, in: db) }
        #expect(AuditVerifier.verify(trimmed).problems.contains { $0.hasPrefix("entry \(dropped): is missing") }, "\(AuditVerifier.verify(trimmed).problems)")
        var empty = whole
        empty.entries = []
        empty.ranges = []
        #expect(!AuditVerifier.verify(empty).intact)
        var doubled = whole
        var forged = doubled.entries[30]
        forged.entry = Data(String(decoding: Data(base64Encoded: forged.entry)!, as: UTF8.self).replacingOccurrences(of: "\"role\":\"inspector\"", with: "\"role\":\"reviewer\"").utf8).base64EncodedString()
        doubled.entries.insert(forged, at: 30)
        #expect(AuditVerifier.verify(doubled).problems.contains { $0.contains("is in the bundle twice") })
        var checkpoint = bundle
        checkpoint.checkpoint.size += 1
        #expect(!AuditVerifier.verify(checkpoint).intact)
        #expect(!AuditVerifier.verify(bundle, pinnedCountyKey: try await TestCounty().store.log.publicKey).intact, "another county's key")
    }
}
