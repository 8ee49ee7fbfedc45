import PlansyncCore
import PlansyncProtocol

/// A device in a pure, in-memory scenario: makes operations the way a replica does.
struct Author {
    let device: DeviceID
    let name: String
    var counter: Int64 = 0
    var hlc = HLCTimestamp.zero
    var now: Int64

    init(_ device: String, name: String? = nil, now: Int64 = 1_700_000_000_000) {
        self.device = DeviceID(device)
        self.name = name ?? device
        self.now = now
    }

    mutating func operation(on plan: PlanID?, _ change: Change) -> PlanOperation {
        counter += 1
        now += 1
        hlc = hlc.tick(now: now)
        let id = OpID(device: device, counter: counter)
        return PlanOperation(id: id, hlc: hlc, author: name, plan: plan ?? PlanID(creatingOperation: id), change: change)
    }

    /// Records that this device received `operation` (advances its hybrid clock).
    mutating func receive(_ operation: PlanOperation) {
        hlc = hlc.receive(operation.hlc, now: now)
    }
}

extension PlanDocument {
    /// Applies operations after checking each with the shared rules; fails the test on a rejection.
    /// `history` holds earlier operations the rules may need to find (writes superseded since).
    func applying(_ operations: PlanOperation..., history: [OpID: PlanOperation] = [:]) throws -> PlanDocument {
        var document = self
        var known = history
        let rules = OperationRules()
        for operation in operations {
            var lookups: [OpID: PlanOperation] = [:]
            for id in rules.referencesToLookUp(operation, in: document) { lookups[id] = known[id] }
            try rules.check(operation, against: document, history: lookups)
            document.apply(operation)
            known[operation.id] = operation
        }
        return document
    }
}

/// A plan created by `author`, plus the create operation (to hand to other devices).
func newPlan(by author: inout Author, year: Int = 2025) throws -> (PlanDocument, PlanOperation) {
    let create = author.operation(on: nil, .createPlan(siruta: Siruta(80980), year: year))
    return (try PlanDocument.created(by: create), create)
}
