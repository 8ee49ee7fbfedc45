/// The template's chapters, totals, money unit and training figures.
enum ChapterRules {
    static let all = [chapterPresent, totalsMatch, moneyUnit, trainingPersonsBudget]

    /// The chapters every plan has, each with its table and the field where the plan may say
    /// "nu este cazul".
    static let chapters: [(table: String, note: String, ro: String, en: String)] = [
        ("services", "services.note", "Capitolul I A (servicii sociale existente)", "Chapter I A (existing services)"),
        ("proposedServices", "proposedServices.note", "Capitolul I B (servicii sociale propuse)", "Chapter I B (proposed services)"),
        ("contracting", "contracting.note", "Capitolul I C (programul de contractare)", "Chapter I C (contracting programme)"),
        ("subsidies", "subsidies.note", "Capitolul I D (programul de subvenționare)", "Chapter I D (subsidy programme)"),
        ("information", "information.note", "Capitolul II (informarea publicului)", "Chapter II (public information)"),
        ("training", "training.note", "Capitolul III (formarea personalului)", "Chapter III (staff training)"),
    ]

    static let chapterPresent = PlanRule(
        "chapter-present", .error,
        "Fiecare capitol al modelului are conținut sau mențiunea explicită „nu este cazul”.",
        "Every chapter of the template has content or says explicitly \"nu este cazul\"."
    ) { content, _, rule in
        chapters.compactMap { chapter in
            guard content.has(chapter.note) else { return nil }
            let hasRows = !content.rows(chapter.table).isEmpty
            let notApplicable = content.text(chapter.note).map { CellKind.nonNumeric($0) == .notApplicable } ?? false
            // I D may state its programme in its own fields (eligible services, estimated budget).
            let statedOtherwise = chapter.table == "subsidies" && content.value("subsidies.budget") != nil
            guard !hasRows && !notApplicable && !statedOtherwise else { return nil }
            return rule.finding(chapter.table, "\(chapter.ro) lipsește: completați-l sau scrieți explicit „nu este cazul”.",
                                "\(chapter.en) is missing: fill it in or state \"nu este cazul\".")
        }
    }

    static let totalsMatch = PlanRule(
        "totals-match", .error,
        "Totalurile scrise în tabel sunt egale cu suma rândurilor.",
        "The totals written in a table equal the sum of its rows."
    ) { content, _, rule in
        content.schema.tables.filter(\.writtenTotals).flatMap { table in
            let rows = content.rows(table.name)
            return table.columns.filter { table.totalled.contains($0.name) }.compactMap { column -> Finding? in
                let path = "\(table.name).total.\(column.name)"
                guard let raw = content.value(path)?.text else { return nil }
                if column.kind == .money {
                    let written = MoneyCell(raw, planUnit: content.unit)
                    guard let stated = written.bani else { return nil }
                    let sum = rows.reduce(Int64(0)) { $0 + (content.money($1, column.name)?.countedBani ?? 0) }
                    guard sum != stated else { return nil }
                    return rule.finding(path, "Totalul „\(raw)” la \(column.label) nu este suma rândurilor (\(Lei.format(bani: sum))).",
                                        "The total \"\(raw)\" of \(column.label) is not the sum of the rows (\(Lei.format(bani: sum))).")
                }
                let written = CountCell(raw)
                guard let stated = written.number else { return nil }
                let sum = rows.reduce(Int64(0)) { $0 + (content.count($1, column.name)?.countedValue ?? 0) }
                guard sum != stated else { return nil }
                return rule.finding(path, "Totalul „\(raw)” la \(column.label) nu este suma rândurilor (\(sum)).",
                                    "The total \"\(raw)\" of \(column.label) is not the sum of the rows (\(sum)).")
            }
        }
    }

    static let moneyUnit = PlanRule(
        "money-unit", .warning,
        "Planul folosește o singură unitate monetară (lei sau mii lei).",
        "The plan uses one money unit (lei or mii lei)."
    ) { content, _, rule in
        if let stated = content.text("moneyUnit"), MoneyUnit(stated: stated) == nil {
            return [rule.finding("moneyUnit", "Unitatea monetară „\(stated)” nu se poate citi: scrieți „lei” sau „mii lei”.",
                                 "The money unit \"\(stated)\" cannot be read: write \"lei\" or \"mii lei\".")]
        }
        return content.schema.tables.flatMap { table in
            content.rows(table.name).flatMap { row in
                table.columns.filter { $0.kind == .money }.compactMap { column in
                    guard let cell = content.money(row, column.name), cell.unitWritten, let unit = cell.unit, unit != content.unit else { return nil }
                    return rule.finding(row.path(column.name), "Suma „\(cell.raw)” este în \(unit.rawValue), iar planul în \(content.unit.rawValue): folosiți o singură unitate.",
                                        "The amount \"\(cell.raw)\" is in \(unit.rawValue) while the plan is in \(content.unit.rawValue): use one unit.")
                }
            }
        }
    }

    static let trainingPersonsBudget = PlanRule(
        "training-persons-budget", .warning,
        "La formare, numărul de persoane este mai mare ca zero dacă și numai dacă bugetul este mai mare ca zero.",
        "In training, the number of persons is above zero exactly when the budget is."
    ) { content, _, rule in
        content.rows("training").compactMap { row in
            let persons = content.count(row, "persons")?.number ?? 0
            let bani = content.money(row, "budget")?.bani ?? 0
            guard (persons > 0) != (bani > 0) else { return nil }
            return persons > 0
                ? rule.finding(row.path("budget"), "\(persons) persoane la formare, dar fără buget estimat.",
                               "\(persons) persons in training, but no estimated budget.")
                : rule.finding(row.path("persons"), "Buget de \(Lei.format(bani: bani)) pentru formare, dar niciun participant.",
                               "A training budget of \(Lei.format(bani: bani)), but no participants.")
        }
    }
}
