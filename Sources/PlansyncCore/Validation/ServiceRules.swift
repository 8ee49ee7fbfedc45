/// Chapter I's services: codes, categories, benefits, capacity, beds, budgets.
enum ServiceRules {
    static let all = [codePresent, codeFormat, codeKnown, category, notBenefit, occupancy, figures, beds, serviceFunding, proposedFunding]

    static let codedTables = ["services", "proposedServices", "contracting", "subsidies"]

    static func codes(_ content: PlanContent) -> [(row: PlanContent.Row, raw: String, code: ServiceCode?)] {
        codedTables.flatMap { table in
            content.rows(table).compactMap { row in
                guard let raw = row.text("code"), CellKind.nonNumeric(raw) == nil else { return nil }
                return (row, raw, ServiceCode(raw))
            }
        }
    }

    static let codePresent = PlanRule(
        "service-code-present", .error,
        "Fiecare serviciu existent (Capitolul I A) are codul din Nomenclatorul serviciilor sociale.",
        "Every existing service (Chapter I A) has its nomenclator code.",
        source: Law.nomenclator + "; " + Law.template + ", Capitolul I A (coloana „Cod serviciu social”)"
    ) { content, _, rule in
        // A service that exists is licensed under its code; one only proposed (I B) may not have
        // its type settled yet.
        ["services"].flatMap { table in
            content.rows(table).compactMap { row -> Finding? in
                // A benefit has no code: `service-not-benefit` says where it belongs.
                guard !content.notApplicable(row), benefit(in: row) == nil else { return nil }
                let written = row.text("code")
                guard written.map({ [.dash, .empty, .placeholder].contains(CellKind.nonNumeric($0)) }) ?? true else { return nil }
                let name = row.text("name") ?? "serviciul de pe rândul \(row.place)"
                return rule.finding(row.path("code"), "„\(name)” nu are codul serviciului social: scrieți codul din nomenclator (ex. 8810 ID-I).",
                                    "\"\(name)\" has no service code: write its nomenclator code (e.g. 8810 ID-I).")
            }
        }
    }

    static let codeFormat = PlanRule(
        "service-code-format", .error,
        "Codurile serviciilor au forma din Nomenclatorul serviciilor sociale (ex. 8810 ID-IV, 8899 CZ-PN-V).",
        "Service codes have the nomenclator's form (e.g. 8810 ID-IV, 8899 CZ-PN-V).",
        source: Law.nomenclator
    ) { content, _, rule in
        codes(content).compactMap { row, raw, code in
            guard code == nil else { return nil }
            return rule.finding(row.path("code"), "Codul „\(raw)” nu are forma din nomenclator: clasă CAEN (87xx/88xx), tip (CR, CZ, ID…), categorie (nu la ID), cifră romană — ex. 8899 CZ-PN-V.",
                                "The code \"\(raw)\" is not of the nomenclator's form: CAEN class (87xx/88xx), type (CR, CZ, ID…), category (none for ID), Roman numeral — e.g. 8899 CZ-PN-V.")
        }
    }

    static let codeKnown = PlanRule(
        "service-code-known", .warning,
        "Codurile serviciilor există în nomenclator: tipul de serviciu și clasa CAEN a tipului și categoriei; față de nomenclatorul complet, codul însuși.",
        "Service codes exist in the nomenclator: the service type and the CAEN class of the type and category; against the whole nomenclator, the code itself.",
        source: Law.nomenclator
    ) { content, context, rule in
        let nomenclator = context.nomenclator
        return codes(content).compactMap { row, raw, code in
            guard let code, !nomenclator.contains(code) else { return nil }
            let path = row.path("code")
            if !nomenclator.types.contains(code.type) {
                return rule.finding(path, "Tipul de serviciu „\(code.type)” din codul \(code) nu există în nomenclator (tipuri: \(nomenclator.types.sorted().joined(separator: ", "))).",
                                    "The service type \"\(code.type)\" of code \(code) is not in the nomenclator (types: \(nomenclator.types.sorted().joined(separator: ", "))).")
            }
            let classes = nomenclator.classes(ofKind: code)
            if !classes.isEmpty, !classes.contains(code.caen) {
                let kind = code.type + (code.category.map { "-\($0)" } ?? "")
                return rule.finding(path, "Codul \(code) are clasa CAEN \(code.caen), dar serviciile \(kind) sunt în nomenclator la clasa \(classes.sorted().joined(separator: " / ")).",
                                    "Code \(code) has CAEN class \(code.caen), but \(kind) services are class \(classes.sorted().joined(separator: " / ")) in the nomenclator.")
            }
            guard nomenclator.isComplete else { return nil }
            return rule.finding(path, "Codul \(code) nu figurează în nomenclatorul serviciilor sociale; verificați-l în HG 867/2015.",
                                "Code \(code) is not in the service nomenclator; check it against HG 867/2015.")
        }
    }

    /// Words that name each beneficiary category of the nomenclator, without diacritics.
    static let categoryWords: [String: [String]] = [
        "C": ["copi", "minor", "elev", "prescolar", "scolar", "adolescent"], "F": ["famili", "parint", "mame"], "D": ["dizabilit", "handicap", "deficien"],
        "V": ["varst", "batran", "pensionar", "senior"],
        "VD": ["violent", "agresor"], "PFA": ["adapost", "strazii"], "T": ["trafic"], "A": ["dependent", "adictii", "droguri", "alcool"],
    ]

    static let category = PlanRule(
        "service-category", .warning,
        "Beneficiarii unui serviciu (categoria scrisă sau denumirea) corespund categoriei din codul lui.",
        "A service's beneficiaries (the stated category, or its name) match the category in its code.",
        source: Law.nomenclator
    ) { content, _, rule in
        ["services", "proposedServices"].flatMap { table in
            content.rows(table).compactMap { row -> Finding? in
                guard let code = row.text("code").flatMap(ServiceCode.init), let letters = code.category, let words = categoryWords[letters] else { return nil }
                let (column, stated): (String, String)
                if let category = row.text("category") {
                    (column, stated) = ("category", category)
                } else if let name = row.text("name") {
                    // A name speaks of its beneficiaries only sometimes: it disagrees only when it
                    // names another category and not the code's own.
                    let folded = CellKind.folded(name)
                    guard categoryWords.contains(where: { $0.key != letters && $0.value.contains(where: folded.contains) }) else { return nil }
                    (column, stated) = ("name", name)
                } else {
                    return nil
                }
                guard !words.contains(where: CellKind.folded(stated).contains) else { return nil }
                return rule.finding(row.path(column), "„\(stated)” nu corespunde codului \(code) (categoria \(letters)).",
                                    "\"\(stated)\" does not match code \(code) (category \(letters)).")
            }
        }
    }

    /// Cash and in-kind benefits of Legea 292/2011, Legea 416/2001 and the laws on allowances:
    /// they belong to the action table, not to Chapter I. Words without diacritics.
    static let benefitWords = ["ajutor pentru incalzire", "ajutorul pentru incalzire", "ajutoare pentru incalzire", "ajutor social", "ajutorul social",
                               "ajutoare", "ajutor de urgenta", "ajutorul de urgenta", "ajutor de inmormantare", "ajutorul de inmormantare",
                               "alocati", "indemnizati", "norma de hrana", "normei de hrana", "norme de hrana", "normele de hrana",
                               "tichet", "voucher", "venit minim", "venitul minim", "stimulent", "prestati", "sprijin financiar",
                               "bursa", "burse", "trusou", "lapte praf", "beneficii de asistenta", "beneficiu de asistenta"]

    /// Words that make a name a service even where it names a benefit: "Cantina de ajutor
    /// social", "Consiliere privind prestațiile sociale", "Servicii … pentru beneficiarii de venit
    /// minim".
    static let serviceWords = ["cantin", "consilier", "informare", "centru", "centrul", "centre", "ingrijir", "asistenta comunitara",
                               "asistent personal", "asistenti personali", "locuinte protejate", "locuinta protejata", "adapost", "club", "masa pe roti", "echipa mobila",
                               "servicii", "serviciul", "serviciu "]

    /// The benefit word a row's name uses, if it lists a benefit (and no service). Words are
    /// matched where a word starts ("bursa" is not in "nerambursabile").
    static func benefit(in row: PlanContent.Row) -> String? {
        guard let name = row.text("name") else { return nil }
        let words = " " + String(CellKind.folded(name).map { $0.isLetter || $0.isNumber ? $0 : " " })
        guard !serviceWords.contains(where: { words.contains(" " + $0) }) else { return nil }
        return benefitWords.first { words.contains(" " + $0) }
    }

    static let notBenefit = PlanRule(
        "service-not-benefit", .error,
        "Capitolul I A cuprinde servicii sociale, nu beneficii (ajutoare, alocații, normă de hrană, indemnizații, tichete).",
        "Chapter I A lists social services, not benefits (aids, allowances, food allowance, vouchers).",
        source: Law.benefits
    ) { content, _, rule in
        content.rows("services").compactMap { row in
            guard let name = row.text("name"), let word = benefit(in: row) else { return nil }
            return rule.finding(row.path("name"), "„\(name)” este un beneficiu de asistență socială („\(word)”), nu un serviciu social: mutați-l în planul de acțiune.",
                                "\"\(name)\" is a social benefit (\"\(word)\"), not a social service: move it to the action table.")
        }
    }

    static let occupancy = PlanRule(
        "occupancy-capacity", .error,
        "Gradul de ocupare nu depășește capacitatea.",
        "Occupancy does not exceed capacity.",
        source: Law.template + ", Capitolul I A (capacitate, grad de ocupare)"
    ) { content, _, rule in
        content.rows("services").compactMap { row in
            // "100" under a "grad de ocupare (%)" heading is a rate: full, not a hundred people.
            guard let capacity = content.count(row, "capacity")?.number, let occupied = content.count(row, "occupancy")?.number,
                  occupied > capacity, occupied != 100 else { return nil }
            return rule.finding(row.path("occupancy"), "Gradul de ocupare (\(occupied)) depășește capacitatea (\(capacity)).",
                                "Occupancy (\(occupied)) exceeds capacity (\(capacity)).")
        }
    }

    nonisolated(unsafe) static let percentage = /^\s*[0-9]+(?:[.,][0-9]+)?\s*%\s*$/

    static let figures = PlanRule(
        "figure-number", .warning,
        "Capacitatea și gradul de ocupare ale serviciilor existente sunt cifre, nu text („în funcție de solicitări”).",
        "The capacity and occupancy of existing services are figures, not text (\"în funcție de solicitări\").",
        source: Law.planContent
    ) { content, _, rule in
        content.rows("services").flatMap { row in
            [("capacity", "Capacitatea", "capacity"), ("occupancy", "Gradul de ocupare", "occupancy")].compactMap { column, ro, en -> Finding? in
                // "85%" is an occupancy rate, a figure too.
                guard let cell = content.count(row, column), cell.kind == .text, cell.raw.firstMatch(of: percentage) == nil else { return nil }
                return rule.finding(row.path(column), "\(ro) este scris „\(cell.raw)”: nu este o cifră, deci nu se poate compara; scrieți numărul (estimat) de beneficiari.",
                                    "The \(en) is written \"\(cell.raw)\": not a figure, so it cannot be checked; write the (estimated) number of beneficiaries.")
            }
        }
    }

    static let beds = PlanRule(
        "beds-residential", .error,
        "Locuri în paturi au numai serviciile rezidențiale (cod CR).",
        "Only residential services (CR codes) have beds.",
        source: Law.nomenclator + " (serviciile cu cazare, cod CR)"
    ) { content, _, rule in
        content.rows("proposedServices").compactMap { row in
            guard let beds = content.count(row, "beds")?.number, beds > 0,
                  let code = row.text("code").flatMap(ServiceCode.init), !code.isResidential else { return nil }
            return rule.finding(row.path("beds"), "\(beds) locuri în paturi la \(code), care nu este un serviciu rezidențial (CR).",
                                "\(beds) beds for \(code), which is not a residential (CR) service.")
        }
    }

    static let budgetColumns = ["budget.local", "budget.county", "budget.state", "budget.contributions", "budget.other"]

    /// Whether a row states its funding: an amount in some source, a dash or "nu este cazul"
    /// (nothing from that source, said), or words ("din bugetul local").
    static func statesFunding(_ row: PlanContent.Row) -> Bool {
        budgetColumns.contains { column in
            guard let raw = row.values[column].map({ $0.text ?? $0.description }) else { return false }
            return ![.empty, .placeholder].contains(CellKind.nonNumeric(raw))
        }
    }

    static let serviceFunding = PlanRule(
        "service-funding", .error,
        "Un serviciu existent își arată finanțarea: suma pe surse de finanțare sau „nu este cazul”.",
        "An existing service states its funding: the amount per funding source, or \"nu este cazul\".",
        source: Law.planContent
    ) { content, _, rule in
        guard content.schema.table("services")?.column("budget.local")?.kind == .money else { return [] }
        let absent = !content.rows("services").contains { row in budgetColumns.contains { row.values[$0] != nil } }
        return content.rows("services").compactMap { row in
            guard !content.notApplicable(row), benefit(in: row) == nil, !statesFunding(row) else { return nil }
            let name = row.text("name") ?? "serviciul de pe rândul \(row.place)"
            return absent
                ? rule.finding(row.path("budget.local"), "Tabelul serviciilor existente nu are coloanele de buget: „\(name)” nu își arată finanțarea pe surse.",
                               "The existing services table has no budget columns: \"\(name)\" states no funding per source.")
                : rule.finding(row.path("budget.local"), "Bugetul serviciului „\(name)” este necompletat pe toate sursele: scrieți suma sau „nu este cazul”.",
                               "The budget of \"\(name)\" is empty for every source: write the amount or \"nu este cazul\".")
        }
    }

    static let proposedFunding = PlanRule(
        "proposed-funding", .error,
        "Un serviciu propus are buget estimat sau justificare: consiliul județean nu avizează un serviciu nou nefinanțat.",
        "A proposed service has an estimated budget or a justification: the county does not endorse an unfunded new service.",
        source: Law.planContent
    ) { content, _, rule in
        content.rows("proposedServices").compactMap { row in
            guard !content.notApplicable(row) else { return nil }
            // An amount, or a source named in words ("PNRR", "fonduri europene").
            let funded = budgetColumns.contains { column in
                guard let cell = content.money(row, column) else { return false }
                return (cell.bani ?? 0) > 0 || cell.kind == .text
            }
            let justified = row.text("justification").map { CellKind.nonNumeric($0) == nil } ?? false
            guard !funded && !justified else { return nil }
            return rule.finding(row.path("justification"), "Serviciul propus „\(row.text("name") ?? "")” nu are nici buget estimat, nici justificare.",
                                "The proposed service \"\(row.text("name") ?? "")\" has neither an estimated budget nor a justification.")
        }
    }
}
