import Foundation
import PlansyncProtocol

/// One line of a plan's history, as an auditor reads it: who (person, role, device), when on both
/// time axes (the device's clock when the edit was made, the county's when it received it),
/// where (the field or cell, with the template's Romanian label) and what (old → new).
public struct HistoryLine: Codable, Sendable, Equatable {
    /// The county's sequence number.
    public var seq: Int64
    /// When the county received it (its clock), if this computer knows.
    public var countyTime: String?
    /// When the device made it (its clock, from the operation's stamp).
    public var deviceTime: String
    public var operation: String
    public var device: String
    public var person: String?
    public var role: String?
    /// `edit` or `act`.
    public var kind: String
    /// The field or cell, as `plan set` takes it (a row by its place when the change was made).
    public var path: String?
    /// The template's label for it.
    public var label: String?
    public var old: String?
    public var new: String?
}

/// A plan's history from its accepted operations in the county's order.
public enum ChangeHistory {
    /// An operation with where the county put it.
    public struct Sequenced: Sendable {
        public let seq: Int64
        public let countyTime: String?
        public let operation: PlanOperation
        public init(seq: Int64, countyTime: String?, operation: PlanOperation) {
            self.seq = seq
            self.countyTime = countyTime
            self.operation = operation
        }
    }

    /// Every change, with the value each replaced, by replaying the plan as it goes.
    ///
    /// - Parameter plan: the plan as it stood before the first of `operations` (`nil` when they
    ///   start at its creation): what the first lines' old values and row places are read from.
    public static func lines(_ operations: [Sequenced], people: [DeviceID: Account], after plan: PlanDocument? = nil) -> [HistoryLine] {
        var plan = plan
        var lines: [HistoryLine] = []
        lines.reserveCapacity(operations.count)
        for item in operations {
            let operation = item.operation
            let person = people[operation.id.device]
            var line = HistoryLine(seq: item.seq, countyTime: item.countyTime, deviceTime: Self.time(of: operation.hlc),
                                   operation: operation.id.description, device: operation.id.device.rawValue, person: person?.name,
                                   role: person?.role.rawValue, kind: operation.change.kind == .act ? "act" : "edit")
            describe(operation.change, on: plan, into: &line)
            lines.append(line)
            PlanDocument.apply(operation, to: &plan)
        }
        return lines
    }

    private static func describe(_ change: Change, on plan: PlanDocument?, into line: inout HistoryLine) {
        let schema = PlanSchema.version(plan?.template) ?? .current
        func place(_ row: RowID, in table: String) -> String {
            plan?.visibleRows(of: table).firstIndex { $0.id == row }.map { String($0 + 1) } ?? row.description
        }
        func columnLabel(_ table: String, _ column: String) -> String? {
            guard let schema = schema.table(table) else { return nil }
            return "\(schema.title) › \(schema.column(column)?.label ?? column)"
        }
        switch change {
        case .createPlan(let siruta, let year, let template):
            line.label = "Planul anual de acțiune"
            line.new = "plan \(year), SIRUTA \(siruta), șablon \(template ?? PlanSchema.unversioned.template)"
        case .setField(let path, let value, _):
            line.path = path
            line.label = schema.field(path)?.label
            line.old = shown(plan?.fields[path]?.value)
            line.new = shown(value)
        case .insertRow(let table, _, let fields):
            line.path = table
            line.label = schema.table(table).map { "\($0.title) › rând nou" }
            line.new = fields.keys.sorted().map { "\($0): \(fields[$0]!)" }.joined(separator: "; ")
        case .setRowField(let table, let row, let field, let value, _):
            line.path = "\(table)[\(place(row, in: table))].\(field)"
            line.label = columnLabel(table, field)
            line.old = shown(plan?.row(row, in: table)?.fields[field]?.value)
            line.new = shown(value)
        case .removeRow(let table, let row, _):
            line.path = "\(table)[\(place(row, in: table))]"
            line.label = schema.table(table).map { "\($0.title) › rând șters" }
            line.old = plan?.row(row, in: table).map { row in row.fields.keys.sorted().map { "\($0): \(row.fields[$0]!.value)" }.joined(separator: "; ") }
        case .moveRow(let table, let row, _, _):
            line.path = "\(table)[\(place(row, in: table))]"
            line.label = schema.table(table).map { "\($0.title) › rând mutat" }
        case .act(let version, let act):
            line.label = "Act: \(romanian(act.name)), versiunea \(version)"
            line.new = act.summary
        }
    }

    /// An act's name as the history and the pages write it.
    public static func romanian(_ act: ActName) -> String {
        switch act {
        case .submit: "transmitere spre avizare"
        case .register: "înregistrare la consiliul județean"
        case .remark: "observație a consiliului județean"
        case .aviz: "aviz"
        case .hcl: "HCL"
        case .prefect: "comunicare la prefect"
        case .publish: "publicare"
        case .modify: "modificare"
        case .answer: "răspuns la observație"
        }
    }

    private static func shown(_ value: Value?) -> String? {
        guard let value, value != .null else { return nil }
        return value.description
    }

    /// The device's wall clock of a stamp, ISO 8601 in UTC.
    public static func time(of stamp: HLCTimestamp) -> String {
        Date(timeIntervalSince1970: Double(stamp.rawValue >> 16) / 1000).formatted(.iso8601)
    }
}

extension PlanDocument {
    /// Applies an accepted operation in the county's order to a plan (a snapshot, or nothing
    /// before the plan's creation), in place. The county checked it when it accepted it, so it is
    /// applied as the county applied it.
    public static func apply(_ operation: PlanOperation, to plan: inout PlanDocument?) {
        if plan == nil {
            plan = try? PlanDocument.created(by: operation)
        } else {
            plan!.apply(operation)
        }
    }
}
