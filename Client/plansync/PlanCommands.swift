import ArgumentParser
import Foundation
import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Create, list, show and edit plans.",
        subcommands: [New.self, List.self, Show.self, Set.self, Fields.self, Check.self, Rules.self, Render.self, Import.self, Export.self,
                      Submit.self, HCL.self, Prefect.self, Publish.self, Modify.self, State.self, Answer.self, Diff.self])

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
                    : plans.map { plan in
                        let latest = plan.workflow.latest
                        return "\(plan.id)\t\(plan.year)\tversion \(latest.number) (\(latest.state.rawValue))\t\(plan.version) edits\t\(plan.conflicts.count) conflict(s)"
                    }.joined(separator: "\n")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A plan as it stands on this computer, with totals and conflicts.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Plan id, a unique start of it, or the year.") var plan: String
        @Option(help: "A version of the plan as the county holds it (default: the plan as it stands here).") var version: Int?

        func run() throws {
            let view = PlanView(try options.document(plan, version: version))
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
            try options.emit(PlanView(document)) { "Set \(path) on version \(document.workflow.latest.number) (edit \(document.version) of the plan)." }
        }
    }

    struct Fields: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every field and table column a plan has.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "The template version (default: the current one, \(PlanSchema.current.template)).") var template: String?
        @Flag(help: "Print the JSON Schema of plan files instead (Protocol/plan.schema.json).") var jsonSchema = false

        func run() throws {
            if jsonSchema {
                try options.write(String(decoding: PlanFile.jsonSchema, as: UTF8.self), to: nil)
                return
            }
            guard let schema = PlanSchema.version(template ?? PlanSchema.current.template) else {
                throw ValidationError("Unknown template '\(template ?? "")'; known: \(PlanSchema.versions.map(\.template).joined(separator: ", ")).")
            }
            struct Listing: Encodable { let template: String; let fields: [String: String]; let tables: [String: [String: String]] }
            let listing = Listing(
                template: schema.template,
                fields: Dictionary(uniqueKeysWithValues: schema.fields.map { ($0.path, $0.kind.rawValue) }),
                tables: Dictionary(uniqueKeysWithValues: schema.tables.map { table in
                    (table.name, Dictionary(uniqueKeysWithValues: table.columns.map { ($0.name, $0.kind.rawValue) }))
                }))
            try options.emit(listing) {
                (["Fields (template \(schema.template)):"] + schema.fields.map { "  \($0.path)\t\($0.kind.rawValue)\t\($0.label)" }
                    + schema.tables.flatMap { table in
                        ["Table \(table.name) — \(table.title):"] + table.columns.map { "  \(table.name)[ROW].\($0.name)\t\($0.kind.rawValue)\t\($0.label)" }
                    }).joined(separator: "\n")
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the county reviewer's checks on a plan, or explain one check.",
            discussion: "Exits with status 1 when there are errors (they block sending the plan to the county); warnings travel with the plan. `--explain CODE` prints a check's purpose, severity and legal source (`plan rules` lists the codes).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Plan id, a unique start of it, or the year.") var plan: String?
        @Option(help: "A fuller service nomenclator to check codes against (code;type;category;name;regulation;source lines).") var nomenclator: String?
        @Option(help: "Explain the check with this code instead of checking a plan.") var explain: String?

        func validate() throws {
            if plan == nil && explain == nil { throw ValidationError("Name the plan to check (its id, a unique start of it, or the year), or a check to explain with --explain CODE.") }
            if plan != nil && explain != nil { throw ValidationError("Either check a plan or explain a check (--explain CODE), not both.") }
        }

        func run() throws {
            if let explain {
                guard let rule = PlanValidator.rule(explain.trimmingCharacters(in: .whitespaces).lowercased()) else {
                    throw ClientError("There is no check '\(explain)'. Checks: \(PlanValidator.rules.map(\.code).joined(separator: ", ")).")
                }
                struct Explained: Encodable { let code: String; let severity: Severity; let summary: String; let summaryEN: String; let source: String }
                try options.emit(Explained(code: rule.code, severity: rule.severity, summary: rule.summary, summaryEN: rule.summaryEN, source: rule.source)) { rule.explanation }
                return
            }
            guard let plan else { return }
            let replica = try options.replica()
            // With the decision records the latest version's acts made: their dates and votes are checked too.
            let report = try options.validator(of: replica, nomenclator: nomenclator).check(try options.document(plan, version: nil))
            try options.emit(report) { report.text }
            if !report.canSubmit { throw ExitCode(1) }
        }
    }

    struct Rules: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every check `plan check` runs, with its code and severity.")
        @OptionGroup var options: GlobalOptions

        func run() throws {
            struct Rule: Encodable { let code: String; let severity: Severity; let summary: String; let summaryEN: String; let source: String }
            let rules = PlanValidator.rules.map { Rule(code: $0.code, severity: $0.severity, summary: $0.summary, summaryEN: $0.summaryEN, source: $0.source) }
            try options.emit(rules) { rules.map { "\($0.code)\t\($0.severity.rawValue)\t\($0.summaryEN)" }.joined(separator: "\n") }
        }
    }

    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The plan as a document in the template's layout: HTML (print it from a browser) or Markdown.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Plan id, a unique start of it, or the year.") var plan: String
        @Option(help: "html or md.") var format: String = "html"
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?
        @Flag(help: "Leave out the checks' findings.") var noFindings = false
        @Option(help: "A version of the plan as the county holds it, with the decision records of its acts (default: the latest).") var version: Int?

        func run() throws {
            guard let format = PlanRenderer.Format(rawValue: format) else { throw ValidationError("--format is html or md.") }
            let replica = try options.replica()
            let document = try options.document(plan, version: version)
            let findings = noFindings ? [] : try options.validator(of: replica, nomenclator: nil).check(document).findings
            try options.write(PlanRenderer(document, findings: findings).render(format), to: output)
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a plan file (the format of `plan export`, documented by Protocol/plan.schema.json) as a new plan.",
            discussion: "The plan is recorded as edits in the change log and reaches the county at the next `plansync sync`.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The JSON file.") var file: String
        @Flag(help: "Leave out the decision records this account's role does not write (the county's registration and aviz, the council's HCL), instead of refusing the file.")
        var withoutDecisions = false

        func run() throws {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
                throw ValidationError("Cannot read \(file): \(error.localizedDescription)")
            }
            let planFile: PlanFile
            do { planFile = try PlanFile.read(data) } catch {
                throw ValidationError("\(file) is not a plan file: \(error)")
            }
            let (document, leftOut) = try options.replica().importPlan(planFile, withoutDecisions: withoutDecisions)
            try options.emit(PlanView(document)) {
                "Imported plan \(document.id) (\(document.year), template \(document.template)) with \(document.version - 1) edits."
                    + (leftOut.isEmpty ? "" : "\nLeft out, for the person who records them: \(leftOut.joined(separator: ", ")).")
            }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a plan's content as a plan file (JSON, Protocol/plan.schema.json).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Plan id, a unique start of it, or the year.") var plan: String
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

        func run() throws {
            let document = try options.replica().findPlan(plan)
            try options.write(String(decoding: PlanFile(document).json, as: UTF8.self), to: output)
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
            var texts: [String: String] = [:]
            for pair in values {
                guard let equals = pair.firstIndex(of: "=") else { throw ValidationError("'\(pair)' is not COLUMN=VALUE.") }
                texts[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            let after = try self.after.map { try plan.findRow($0, in: table) }
            let row = try replica.addRow(to: plan.id, table: table, values: texts, after: after, first: first).row
            try options.emit(["row": row.description]) { "Added row \(row) to \(table)." }
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
