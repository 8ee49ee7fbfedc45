import Foundation

/// Who the plan is for and what it cites: SIRUTA, county, HG 797 annex, plan year, strategies,
/// protocols, consultation.
enum IdentityRules {
    static let all = [sirutaValid, sirutaCounty, hg797Year, hg797Annex, yearConsistent, strategyApproval, strategyPeriod, protocolValid, consultation]

    static let sirutaValid = PlanRule(
        "siruta-valid", .error,
        "Codul SIRUTA este valid (cifra de control) și figurează în lista UAT-urilor.",
        "The SIRUTA code is valid (check digit) and in the list of UATs."
    ) { content, context, rule in
        let siruta = content.plan.siruta
        if context.registry[siruta] != nil { return [] }
        if !siruta.hasValidCheckDigit {
            return [rule.finding("", "Codul SIRUTA \(siruta) nu este valid: cifra de control nu se potrivește. Verificați codul în nomenclatorul SIRUTA.",
                                 "SIRUTA code \(siruta) is not valid: its check digit does not match. Check the code in the SIRUTA list.")]
        }
        return [rule.finding("", "Codul SIRUTA \(siruta) nu figurează în lista UAT-urilor.",
                             "SIRUTA code \(siruta) is not in the list of UATs.")]
    }

    static let sirutaCounty = PlanRule(
        "siruta-county", .error,
        "UAT-ul aparține județului la care este depus planul și celui scris în plan.",
        "The UAT belongs to the county the plan is filed with and to the county the plan names."
    ) { content, context, rule in
        guard let uat = context.registry[content.plan.siruta] else { return [] }
        var findings: [Finding] = []
        if let county = context.county, county.code != uat.county.code {
            findings.append(rule.finding("", "UAT-ul \(uat.name) (SIRUTA \(uat.siruta)) aparține județului \(uat.county.name), nu județului \(county.name).",
                                         "UAT \(uat.name) (SIRUTA \(uat.siruta)) is in \(uat.county.name) county, not \(county.name)."))
        }
        if let stated = content.text("uat.county"), !CellKind.folded(stated).contains(CellKind.folded(uat.county.name)) {
            findings.append(rule.finding("uat.county", "Planul indică județul „\(stated)”, dar SIRUTA \(uat.siruta) (\(uat.name)) este în județul \(uat.county.name).",
                                         "The plan names county \"\(stated)\", but SIRUTA \(uat.siruta) (\(uat.name)) is in \(uat.county.name) county."))
        }
        return findings
    }

    /// "HG 797/2017", "Hotărârea Guvernului nr.797/2019", "H.G. 797/2017".
    nonisolated(unsafe) static let hg797 = /\b797\s*\/\s*(\d{4})\b/
    nonisolated(unsafe) static let annex = /anexa\s*(?:nr\.?\s*)?(\d)\b/

    static let hg797Year = PlanRule(
        "hg797-year", .error,
        "Regulamentul-cadru este citat ca HG 797/2017.",
        "The framework regulation is cited as HG 797/2017."
    ) { content, _, rule in
        content.texts(mentioning: "797").compactMap { path, text in
            guard let match = text.firstMatch(of: hg797), match.output.1 != "2017" else { return nil }
            return rule.finding(path, "Se citează HG 797/\(match.output.1); regulamentele-cadru ale serviciilor publice de asistență socială sunt aprobate prin HG 797/2017.",
                                "HG 797/\(match.output.1) is cited; the framework regulations of public social assistance services are HG 797/2017.")
        }
    }

    static let hg797Annex = PlanRule(
        "hg797-annex", .error,
        "Anexa citată din HG 797/2017 corespunde tipului UAT (Anexa 3 pentru comune, Anexa 2 pentru orașe și municipii).",
        "The cited annex of HG 797/2017 matches the UAT type (Annex 3 for communes, Annex 2 for towns and municipalities)."
    ) { content, context, rule in
        guard let uat = context.registry[content.plan.siruta] else { return [] }
        let expected = uat.kind == .comuna ? "3" : "2"
        let kind = uat.kind == .comuna ? "comună" : uat.kind == .oras ? "oraș" : "municipiu"
        return content.texts(mentioning: "797").compactMap { path, text in
            guard text.contains(hg797) else { return nil }
            let cited = CellKind.folded(text).matches(of: annex).map { String($0.output.1) }
            guard let wrong = cited.first(where: { $0 != expected }) else { return nil }
            return rule.finding(path, "Se citează Anexa \(wrong) a HG 797/2017, dar \(uat.name) este \(kind): se aplică Anexa \(expected).",
                                "Annex \(wrong) of HG 797/2017 is cited, but \(uat.name) is a \(uat.kind == .comuna ? "commune" : "town or municipality"): Annex \(expected) applies.")
        }
    }

    nonisolated(unsafe) static let yearMention = /\banul\s+(\d{4})\b/.ignoresCase()
    /// Parts that speak of other years by nature: the legal basis, strategies, protocols,
    /// decisions, notes about the document.
    static let otherYears = ["context.", "legalBasis", "nationalStrategies", "protocols", "decisions.", "modifications", "notes"]

    static let yearConsistent = PlanRule(
        "year-consistent", .warning,
        "Anul planului este același peste tot în text.",
        "The plan year is the same throughout the text."
    ) { content, _, rule in
        let year = content.plan.year
        return content.texts(mentioning: "anul", excluding: otherYears).compactMap { path, text in
            guard let match = text.matches(of: yearMention).first(where: { Int($0.output.1) != year }) else { return nil }
            return rule.finding(path, "Planul este pentru anul \(year), dar textul spune „anul \(match.output.1)”.",
                                "The plan is for \(year), but the text says \"anul \(match.output.1)\" (year \(match.output.1)).")
        }
    }

    static let strategyApproval = PlanRule(
        "strategy-approval", .warning,
        "Strategia locală și cea județeană sunt citate, fiecare cu hotărârea care a aprobat-o.",
        "The local and the county strategy are cited, each with the decision that approved it."
    ) { content, _, rule in
        guard content.has("context.localStrategy.approval") else { return [] }
        return [("localStrategy", "locală", "local", "HCL"), ("countyStrategy", "județeană", "county", "HCJ")].compactMap { key, ro, en, decision in
            let base = "context.\(key)"
            guard content.text("\(base).title") != nil || content.text("\(base).approval") != nil else {
                return rule.finding("\(base).title", "Planul nu citează strategia \(ro) de dezvoltare a serviciilor sociale pe care se sprijină.",
                                    "The plan does not cite the \(en) social services strategy it follows.")
            }
            guard let approval = content.reference("\(base).approval"), approval.kind == .reference else {
                return rule.finding("\(base).approval", "Strategia \(ro) nu are hotărârea de aprobare (\(decision) nr./data) completată.",
                                    "The \(en) strategy lacks its approving decision (\(decision) number/date).")
            }
            return nil
        }
    }

    nonisolated(unsafe) static let years = /\b(19|20)\d{2}\b/

    /// The first and last year a period text names: "2018 – 2024", "2022-2031".
    static func span(_ text: String) -> ClosedRange<Int>? {
        let found = text.matches(of: years).compactMap { Int($0.output.0) }
        guard let first = found.min(), let last = found.max() else { return nil }
        return first...last
    }

    static let strategyPeriod = PlanRule(
        "strategy-period", .warning,
        "Perioada strategiilor acoperă anul planului.",
        "The strategies' periods cover the plan year."
    ) { content, _, rule in
        let year = content.plan.year
        return [("localStrategy", "locală", "local"), ("countyStrategy", "județeană", "county")].compactMap { key, ro, en in
            let path = "context.\(key).period"
            guard let period = content.text(path), let span = span(period), !span.contains(year) else { return nil }
            return rule.finding(path, "Strategia \(ro) acoperă \(period), nu și anul planului \(year).",
                                "The \(en) strategy covers \(period), not the plan year \(year).")
        }
    }

    static let protocolValid = PlanRule(
        "protocol-valid", .warning,
        "Protocoalele de parteneriat sunt valabile în anul planului.",
        "Partnership protocols are still valid in the plan year."
    ) { content, _, rule in
        content.rows("protocols").compactMap { row in
            guard let until = row.text("validUntil").flatMap(CalendarDate.init), until.year < content.plan.year else { return nil }
            return rule.finding(row.path("validUntil"), "Protocolul cu \(row.text("partner") ?? "partenerul") a expirat la \(until), înainte de anul planului.",
                                "The protocol with \(row.text("partner") ?? "the partner") expired on \(until), before the plan year.")
        }
    }

    static let consultation = PlanRule(
        "consultation", .warning,
        "Procesul-verbal al consultării este citat sau se menționează „nu este cazul”.",
        "The consultation minutes are cited, or the plan says \"nu este cazul\"."
    ) { content, _, rule in
        guard content.has("context.consultation"), content.text("context.consultation") == nil else { return [] }
        return [rule.finding("context.consultation", "Lipsește procesul-verbal/minuta consultării cu furnizorii și beneficiarii (sau mențiunea „nu este cazul”).",
                             "The consultation minutes are missing (or the note \"nu este cazul\").")]
    }
}
