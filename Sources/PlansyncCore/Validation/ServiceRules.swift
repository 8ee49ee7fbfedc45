/// Chapter I's services: codes, categories, benefits, capacity, beds, budgets.
enum ServiceRules {
    static let all = [codeFormat, codeKnown, category, notBenefit, occupancy, beds, proposedFunding]

    static let codedTables = ["services", "proposedServices", "contracting", "subsidies"]

    static func codes(_ content: PlanContent) -> [(row: PlanContent.Row, raw: String, code: ServiceCode?)] {
        codedTables.flatMap { table in
            content.rows(table).compactMap { row in
                guard let raw = row.text("code"), CellKind.nonNumeric(raw) == nil else { return nil }
                return (row, raw, ServiceCode(raw))
            }
        }
    }

    static let codeFormat = PlanRule(
        "service-code-format", .error,
        "Codurile serviciilor au forma din Nomenclatorul serviciilor sociale (ex. 8810 ID-IV, 8899 CZ-PN-V).",
        "Service codes have the nomenclator's form (e.g. 8810 ID-IV, 8899 CZ-PN-V)."
    ) { content, _, rule in
        codes(content).compactMap { row, raw, code in
            guard code == nil else { return nil }
            return rule.finding(row.path("code"), "Codul „\(raw)” nu are forma din nomenclator: clasă CAEN (87xx/88xx), tip (CR, CZ, ID…), categorie (nu la ID), cifră romană — ex. 8899 CZ-PN-V.",
                                "The code \"\(raw)\" is not of the nomenclator's form: CAEN class (87xx/88xx), type (CR, CZ, ID…), category (none for ID), Roman numeral — e.g. 8899 CZ-PN-V.")
        }
    }

    static let codeKnown = PlanRule(
        "service-code-known", .warning,
        "Codurile serviciilor figurează în nomenclatorul încărcat.",
        "Service codes are in the loaded nomenclator."
    ) { content, context, rule in
        codes(content).compactMap { row, raw, code in
            guard let code, !context.nomenclator.contains(code) else { return nil }
            return rule.finding(row.path("code"), "Codul \(code) nu figurează în nomenclatorul încărcat; verificați-l în HG 867/2015.",
                                "Code \(code) is not in the loaded nomenclator; check it against HG 867/2015.")
        }
    }

    /// Words that name each beneficiary category of the nomenclator, without diacritics.
    static let categoryWords: [String: [String]] = [
        "C": ["copi"], "F": ["famili"], "D": ["dizabilit", "handicap"], "V": ["varstnic"],
        "VD": ["violent"], "PFA": ["adapost"], "T": ["trafic"], "A": ["dependent", "adictii"],
    ]

    static let category = PlanRule(
        "service-category", .warning,
        "Categoria de beneficiari corespunde categoriei din codul serviciului.",
        "The beneficiary category matches the category in the service code."
    ) { content, _, rule in
        content.rows("proposedServices").compactMap { row in
            guard let stated = row.text("category"), let code = row.text("code").flatMap(ServiceCode.init),
                  let letters = code.category, let words = categoryWords[letters],
                  !words.contains(where: CellKind.folded(stated).contains)
            else { return nil }
            return rule.finding(row.path("category"), "Categoria „\(stated)” nu corespunde codului \(code) (categoria \(letters)).",
                                "The category \"\(stated)\" does not match code \(code) (category \(letters)).")
        }
    }

    /// Cash benefits and aids: they belong to the action table, not to Chapter I A.
    static let benefitWords = ["ajutor pentru incalzire", "ajutorul pentru incalzire", "ajutor social", "ajutoare", "alocati", "indemnizati",
                               "tichet", "voucher", "venit minim", "stimulent", "prestati"]

    static let notBenefit = PlanRule(
        "service-not-benefit", .error,
        "Capitolul I A cuprinde servicii sociale, nu beneficii (ajutoare, alocații, indemnizații, tichete).",
        "Chapter I A lists social services, not cash benefits (aids, allowances, vouchers)."
    ) { content, _, rule in
        content.rows("services").compactMap { row in
            guard let name = row.text("name"), let word = benefitWords.first(where: CellKind.folded(name).contains) else { return nil }
            return rule.finding(row.path("name"), "„\(name)” este un beneficiu de asistență socială („\(word)”), nu un serviciu social: mutați-l în planul de acțiune.",
                                "\"\(name)\" is a social benefit (\"\(word)\"), not a social service: move it to the action table.")
        }
    }

    static let occupancy = PlanRule(
        "occupancy-capacity", .error,
        "Gradul de ocupare nu depășește capacitatea.",
        "Occupancy does not exceed capacity."
    ) { content, _, rule in
        content.rows("services").compactMap { row in
            guard let capacity = content.count(row, "capacity")?.number, let occupied = content.count(row, "occupancy")?.number,
                  occupied > capacity else { return nil }
            return rule.finding(row.path("occupancy"), "Gradul de ocupare (\(occupied)) depășește capacitatea (\(capacity)).",
                                "Occupancy (\(occupied)) exceeds capacity (\(capacity)).")
        }
    }

    static let beds = PlanRule(
        "beds-residential", .error,
        "Locuri în paturi au numai serviciile rezidențiale (cod CR).",
        "Only residential services (CR codes) have beds."
    ) { content, _, rule in
        content.rows("proposedServices").compactMap { row in
            guard let beds = content.count(row, "beds")?.number, beds > 0,
                  let code = row.text("code").flatMap(ServiceCode.init), !code.isResidential else { return nil }
            return rule.finding(row.path("beds"), "\(beds) locuri în paturi la \(code), care nu este un serviciu rezidențial (CR).",
                                "\(beds) beds for \(code), which is not a residential (CR) service.")
        }
    }

    static let budgetColumns = ["budget.local", "budget.county", "budget.state", "budget.contributions", "budget.other"]

    static let proposedFunding = PlanRule(
        "proposed-funding", .warning,
        "Un serviciu propus are buget estimat sau justificare.",
        "A proposed service has an estimated budget or a justification."
    ) { content, _, rule in
        content.rows("proposedServices").compactMap { row in
            let funded = budgetColumns.contains { (content.money(row, $0)?.bani ?? 0) > 0 }
            let justified = row.text("justification").map { CellKind.nonNumeric($0) == nil } ?? false
            guard !funded && !justified else { return nil }
            return rule.finding(row.path("justification"), "Serviciul propus „\(row.text("name") ?? "")” nu are nici buget estimat, nici justificare.",
                                "The proposed service \"\(row.text("name") ?? "")\" has neither an estimated budget nor a justification.")
        }
    }
}
