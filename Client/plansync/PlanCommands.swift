import ArgumentParser
import Foundation
import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Create, list, show and edit plans.",
        subcommands: [New.self, List.self, Show.self, Set.self, Fields.self])

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create this commune's plan for a budget year.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "The budget year the plan is for.") var year: Int

        func run() throws {
            let plan = try options.replica().createPlan(year: year)
            try options.emit(PlanView(plan)) { "Created plan \(plan.id) for \(plan.year)." }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The plans on this computer.")
        @OptionGroup var options: GlobalOptions

        func run() throws {
            let plans = try options.replica().plans()
            try options.emit(plans.map { PlanView($0) }) {
                plans.isEmpty ? "No plans yet: `plansync plan new --year YEAR`."
                    : plans.map { "\($0.id)\t\($0.year)\tversion \($0.version)\t\($0.conflicts.count) conflict(s)" }.joined(separator: "\n")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A plan as it stands on this computer, with totals and conflicts.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Plan id, a unique start of it, or the year.") var plan: String

        func run() throws {
            let view = PlanView(try options.replica().findPlan(plan))
            try options.emit(view) { view.text }
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a field or a table cell.",
            discussion: """
                PATH is a field (title, context.consultation) or a cell TABLE[ROW].FIELD, where ROW is \
                the row's place (services[2].capacity) or its id. Numbers may be written 15.000; an \
                empty VALUE clears the field. `plansync plan fields` lists every path.
                """)
        @OptionGroup var options: GlobalOptions
        @Argument var plan: String
        @Argument var path: String
        @Argument var value: String

        func run() throws {
            let replica = try options.replica()
            let document = try replica.set(try replica.findPlan(plan).id, path: path, to: value)
            try options.emit(PlanView(document)) { "Set \(path) (plan version \(document.version))." }
        }
    }

    struct Fields: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every field and table column a plan has.")
        @OptionGroup var options: GlobalOptions

        func run() throws {
            let schema = PlanSchema.current
            struct Listing: Encodable { let fields: [String: String]; let tables: [String: [String: String]] }
            let listing = Listing(
                fields: Dictionary(uniqueKeysWithValues: schema.fields.map { ($0.path, $0.kind.rawValue) }),
                tables: Dictionary(uniqueKeysWithValues: schema.tables.map { name, table in
                    (name, Dictionary(uniqueKeysWithValues: table.columns.map { ($0.name, $0.kind.rawValue) }))
                }))
            try options.emit(listing) {
                (["Fields (template \(schema.template)):"] + schema.fields.map { "  \($0.path)\t\($0.kind.rawValue)" }
                    + schema.tables.flatMap { name, table in
                        ["Table \(name) — \(table.title):"] + table.columns.map { "  \(name)[ROW].\($0.name)\t\($0.kind.rawValue)" }
                    }).joined(separator: "\n")
            }
        }
    }
}

struct RowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "row", abstract: "Add, change, remove and move table rows.",
        subcommands: [Add.self, Set.self, Remove.self, Move.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a row: plansync row add PLAN TABLE name=... capacity=...")
        @OptionGroup var options: GlobalOptions
        @Argument var plan: String
        @Argument var table: String
        @Argument(help: "COLUMN=VALUE pairs.") var values: [String] = []
        @Option(help: "Insert after this row (place or id); default: at the end.") var after: String?
        @Flag(help: "Insert as the first row.") var first = false

        func run() throws {
            let replica = try options.replica()
            let plan = try replica.findPlan(self.plan)
            guard let schema = PlanSchema.current.table(table) else {
                throw ValidationError("There is no table '\(table)'. Tables: \(PlanSchema.current.tables.map(\.name).joined(separator: ", ")).")
            }
            var parsed: [String: Value] = [:]
            for pair in values {
                guard let equals = pair.firstIndex(of: "=") else { throw ValidationError("'\(pair)' is not COLUMN=VALUE.") }
                let column = String(pair[..<equals])
                guard let kind = schema.kind(of: column) else {
                    throw ValidationError("There is no column '\(column)' in \(table). Columns: \(schema.columns.map(\.name).joined(separator: ", ")).")
                }
                parsed[column] = try kind.parse(String(pair[pair.index(after: equals)...]))
            }
            let after = try self.after.map { try plan.findRow($0, in: table) }
            let document = try replica.record(on: plan.id) {
                PlanEditor(plan: $0!).insertRow(into: table, after: after, atStart: first, values: parsed)
            }
            let row = document.tables[table]!.values.max { $0.id < $1.id }!
            try options.emit(["row": row.id.description]) { "Added row \(row.id) to \(table)." }
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set one cell: plansync row set PLAN TABLE ROW COLUMN VALUE")
        @OptionGroup var options: GlobalOptions
        @Argument var plan: String
        @Argument var table: String
        @Argument var row: String
        @Argument var column: String
        @Argument var value: String

        func run() throws {
            let replica = try options.replica()
            let document = try replica.set(try replica.findPlan(plan).id, path: "\(table)[\(row)].\(column)", to: value)
            try options.emit(["version": document.version]) { "Set \(table)[\(row)].\(column)." }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a row: plansync row remove PLAN TABLE ROW")
        @OptionGroup var options: GlobalOptions
        @Argument var plan: String
        @Argument var table: String
        @Argument var row: String

        func run() throws {
            let replica = try options.replica()
            let plan = try replica.findPlan(self.plan)
            let id = try plan.findRow(row, in: table)
            try replica.record(on: plan.id) { PlanEditor(plan: $0!).removeRow(table, row: id) }
            try options.emit(["removed": id.description]) { "Removed row \(id) from \(table)." }
        }
    }

    struct Move: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Move a row: plansync row move PLAN TABLE ROW (--after ROW | --first)")
        @OptionGroup var options: GlobalOptions
        @Argument var plan: String
        @Argument var table: String
        @Argument var row: String
        @Option(help: "Place it after this row (place or id).") var after: String?
        @Flag(help: "Make it the first row.") var first = false

        func validate() throws {
            guard (after == nil) != !first else { throw ValidationError("Give exactly one of --after ROW or --first.") }
        }

        func run() throws {
            let replica = try options.replica()
            let plan = try replica.findPlan(self.plan)
            let id = try plan.findRow(row, in: table)
            let target = try after.map { try plan.findRow($0, in: table) }
            try replica.record(on: plan.id) { PlanEditor(plan: $0!).moveRow(table, row: id, after: target, atStart: first) }
            try options.emit(["moved": id.description]) { "Moved row \(id) in \(table)." }
        }
    }
}
