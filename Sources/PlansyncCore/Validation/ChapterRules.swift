/// The template's chapters, totals, money unit and training figures.
enum ChapterRules {
    static let all = [beneficiaryNumbers, chapterPresent, totalsMatch, moneyUnit, moneyUnitStated, trainingPersonsBudget]

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

    /// A count of people: "45 de persoane", "12 copii", "3 familii" (not "peste 65 de ani", not
    /// "Legea 416/2001").
    nonisolated(unsafe) static let headcount = /\b[0-9]+(?:\.[0-9]{3})*\s+(?:de\s+)?(?:persoane|beneficiari|copii|familii|cazuri|varstnici|adulti|tineri|elevi|dosare|locuitori|asistati|batrani|mame|victime)\b/

    static let beneficiaryNumbers = PlanRule(
        "beneficiary-numbers", .warning,
        "Planul dă numărul beneficiarilor: pe grupuri țintă, la capacitatea serviciilor sau la ținte.",
        "The plan gives the number of beneficiaries: per target group, in the services' capacity, or in targets.",
        source: Law.planContent + " („date detaliate privind numărul și categoriile de beneficiari”)"
    ) { content, _, rule in
        guard !content.rows("beneficiaryGroups").isEmpty else { return [] }
        let groupFigures = content.rows("beneficiaryGroups").contains { row in
            row.values.values.compactMap(\.text).contains { CellKind.folded($0).firstMatch(of: headcount) != nil }
        }
        let serviceFigures = ["services", "proposedServices"].contains { table in
            content.rows(table).contains { row in ["capacity", "occupancy"].contains { content.count(row, $0)?.number != nil } }
        }
        let targets = content.rows("actions").contains { content.count($0, "target")?.number != nil }
            || content.rows("contracting").contains { content.count($0, "beneficiaries")?.number != nil }
        guard !groupFigures && !serviceFigures && !targets else { return [] }
        return [rule.finding("beneficiaryGroups", "Grupurile țintă sunt doar enumerate: planul nu dă nicăieri numărul beneficiarilor (pe grupuri, la capacitatea serviciilor sau la ținte).",
                             "The target groups are only listed: the plan gives no number of beneficiaries anywhere (per group, in service capacity or in targets).")]
    }

    /// Whether a chapter's note says the chapter has nothing: "nu este cazul", "-", "Nu se
    /// propun servicii sociale noi", "Nu există asociații subvenționate".
    static func saysNone(_ note: String) -> Bool {
        if [.notApplicable, .dash].contains(CellKind.nonNumeric(note)) { return true }
        let folded = " " + CellKind.folded(note).trimmingCharacters(in: .whitespacesAndNewlines)
        return [" nu ", " nici", " niciun", " fara "].contains(where: folded.contains)
    }

    static let chapterPresent = PlanRule(
        "chapter-present", .error,
        "Fiecare capitol al modelului are conținut sau mențiunea explicită „nu este cazul”.",
        "Every chapter of the template has content or says explicitly \"nu este cazul\".",
        source: Law.planContent + "; " + Law.template + " (Capitolele I A–D, II, III)"
    ) { content, _, rule in
        chapters.compactMap { chapter in
            guard content.has(chapter.note) else { return nil }
            let hasRows = !content.rows(chapter.table).isEmpty
            // "nu este cazul", a dash, or a sentence that says there is none ("Nu se propun servicii noi").
            let notApplicable = content.text(chapter.note).map(saysNone) ?? false
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
        "The totals written in a table equal the sum of its rows.",
        source: Law.template + ", Capitolul I (rândul „Total”)"
    ) { content, _, rule in
        content.schema.tables.filter(\.writtenTotals).flatMap { table in
            let rows = content.rows(table.name)
            return table.columns.filter { table.totalled.contains($0.name) }.compactMap { column -> Finding? in
                let path = "\(table.name).total.\(column.name)"
                guard let raw = content.value(path)?.text else { return nil }
                // A row that writes this column in words ("15.000 lei/an") cannot be summed: the
                // written total is not checked against a sum that would leave it out.
                let unreadable = rows.contains { row in
                    column.kind == .money ? content.money(row, column.name)?.kind == .text : content.count(row, column.name)?.kind == .text
                }
                guard !unreadable else { return nil }
                if column.kind == .money {
                    let written = MoneyCell(raw, planUnit: content.unit)
                    guard let stated = written.bani else { return nil }
                    let sum = rows.reduce(Int64(0)) { $0.addingSaturating(content.money($1, column.name)?.countedBani ?? 0) }
                    // Where benefits were listed among the services, the document's total may
                    // count the services alone: that total is right too.
                    let services = rows.filter { ServiceRules.benefit(in: $0) == nil }.reduce(Int64(0)) { $0.addingSaturating(content.money($1, column.name)?.countedBani ?? 0) }
                    guard sum != stated && services != stated else { return nil }
                    return rule.finding(path, "Totalul „\(raw)” la \(column.label) nu este suma rândurilor (\(Lei.format(bani: sum))).",
                                        "The total \"\(raw)\" of \(column.label) is not the sum of the rows (\(Lei.format(bani: sum))).")
                }
                let written = CountCell(raw)
                guard let stated = written.number else { return nil }
                let sum = rows.reduce(Int64(0)) { $0.addingSaturating(content.count($1, column.name)?.countedValue ?? 0) }
                guard sum != stated else { return nil }
                return rule.finding(path, "Totalul „\(raw)” la \(column.label) nu este suma rândurilor (\(sum)).",
                                    "The total \"\(raw)\" of \(column.label) is not the sum of the rows (\(sum)).")
            }
        }
    }

    static let moneyUnit = PlanRule(
        "money-unit", .warning,
        "Planul folosește o singură unitate monetară (lei sau mii lei).",
        "The plan uses one money unit (lei or mii lei).",
        source: Law.planContent
    ) { content, _, rule in
        if let stated = content.text("moneyUnit"), MoneyUnit(stated: stated) == nil {
            return [rule.finding("moneyUnit", "Unitatea monetară „\(stated)” nu se poate citi: scrieți „lei” sau „mii lei”.",
                                 "The money unit \"\(stated)\" cannot be read: write \"lei\" or \"mii lei\".")]
        }
        // The plan's unit (stated, or the one all its amounts write, or lei) against the amounts
        // that write theirs; a plan that writes no unit anywhere is `money-unit-stated`'s.
        guard content.unitStated != nil || content.moneyCells.contains(where: \.cell.unitWritten) else { return [] }
        return content.moneyCells.compactMap { path, cell in
            guard cell.unitWritten, let written = cell.unit, written != content.unit else { return nil }
            return rule.finding(path, "Suma „\(cell.raw)” este în \(written.rawValue), iar planul în \(content.unit.rawValue): folosiți o singură unitate.",
                                "The amount \"\(cell.raw)\" is in \(written.rawValue) while the plan is in \(content.unit.rawValue): use one unit.")
        }
    }

    static let moneyUnitStated = PlanRule(
        "money-unit-stated", .warning,
        "Se știe în ce unitate sunt sumele: planul o spune (lei / mii lei) sau sumele o scriu.",
        "The amounts' unit is known: the plan states it (lei / mii lei) or the amounts write it.",
        source: Law.planContent
    ) { content, _, rule in
        guard content.has("moneyUnit"), content.unitStated == nil,
              !content.moneyCells.contains(where: \.cell.unitWritten),
              let bare = content.moneyCells.first(where: { $0.cell.kind == .value })
        else { return [] }
        return [rule.finding("moneyUnit", "Planul nu spune în ce unitate sunt bugetele: „\(bare.cell.raw)” poate fi în lei sau în mii lei. Scrieți unitatea („lei” sau „mii lei”).",
                             "The plan does not say what unit its budgets are in: \"\(bare.cell.raw)\" may be lei or thousands of lei. State the unit (\"lei\" or \"mii lei\").")]
    }

    static let trainingPersonsBudget = PlanRule(
        "training-persons-budget", .warning,
        "La formare, numărul de persoane este mai mare ca zero dacă și numai dacă bugetul este mai mare ca zero.",
        "In training, the number of persons is above zero exactly when the budget is.",
        source: Law.template + ", Capitolul III (nr. persoane, buget estimat)"
    ) { content, _, rule in
        content.rows("training").compactMap { row in
            guard !content.notApplicable(row) else { return nil }
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
