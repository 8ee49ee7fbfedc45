import Foundation

/// Who the plan is for and what it cites: SIRUTA, county, HG 797 annex, plan year, strategies,
/// protocols, consultation.
enum IdentityRules {
    static let all = [sirutaValid, sirutaCounty, title, legalBasis, hg797Year, hg797Annex, yearConsistent, strategyApproval, strategySocial, strategyPeriod, strategyDraft,
                      protocolValid, consultation]

    static let sirutaValid = PlanRule(
        "siruta-valid", .error,
        "Codul SIRUTA este valid (cifra de control) și figurează în lista UAT-urilor.",
        "The SIRUTA code is valid (check digit) and in the list of UATs.",
        source: Law.siruta
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
        "The UAT belongs to the county the plan is filed with and to the county the plan names.",
        source: Law.planContent
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

    static let title = PlanRule(
        "plan-title", .warning,
        "Titlul este cel al modelului-cadru: „Planul anual de acțiune privind serviciile sociale administrate și finanțate din bugetul consiliului local…”.",
        "The title is the template's: \"Planul anual de acțiune privind serviciile sociale administrate și finanțate din bugetul consiliului local…\".",
        source: Law.template
    ) { content, _, rule in
        guard let title = content.text("title") else { return [] }
        let folded = CellKind.folded(title)
        let missing = [("anual", "„anual”"), ("administrate", "„administrate”"), ("finantate", "„finanțate din bugetul…”")].filter { !folded.contains($0.0) }.map(\.1)
        guard !missing.isEmpty else { return [] }
        return [rule.finding("title", "Titlul nu este cel din modelul-cadru (lipsește \(missing.joined(separator: ", "))): „Planul anual de acțiune privind serviciile sociale administrate și finanțate din bugetul consiliului local al …”.",
                             "The title is not the template's (it lacks \(missing.joined(separator: ", "))): \"Planul anual de acțiune privind serviciile sociale administrate și finanțate din bugetul consiliului local al …\".")]
    }

    /// The acts a plan rests on, each with how its citation is recognised: the act's number, then
    /// within a few words its year, however written ("292/2011", "nr. 292 din 20 decembrie 2011",
    /// "797/08.11.2017", "nr. 1.086/2018").
    nonisolated(unsafe) static let requiredActs: [(name: String, number: String, pattern: Regex<Substring>)] = [
        ("Legea 292/2011 a asistenței sociale", "292", /\b292\b[^;\n]{0,30}?\b2011\b/.wordBoundaryKind(.simple)),
        ("HG 797/2017 (regulamentul-cadru al serviciului public de asistență socială)", "797", /\b797\b[^;\n]{0,30}?\b20[0-9]{2}\b/.wordBoundaryKind(.simple)),
        ("Ordinul MMJS 1086/2018 (modelul-cadru al planului)", "086", /\b1\.?086\b[^;\n]{0,30}?\b2018\b/.wordBoundaryKind(.simple)),
    ]

    static let legalBasis = PlanRule(
        "legal-basis", .warning,
        "Planul își citează temeiul: Legea 292/2011, HG 797/2017 și Ordinul MMJS 1086/2018.",
        "The plan cites its legal basis: Legea 292/2011, HG 797/2017 and Ordinul MMJS 1086/2018.",
        source: Law.planContent + "; " + Law.template
    ) { content, _, rule in
        guard content.has("introduction") else { return [] }
        // The plan's own words: not the transcriber's notes about the document.
        let cited = content.texts.filter { $0.path != "notes" }.map(\.text)
        // The act's number first, plainly: the pattern runs only where it stands.
        let missing = requiredActs.filter { act in !cited.contains { $0.contains(act.number) && $0.contains(act.pattern) } }.map(\.name)
        guard !missing.isEmpty else { return [] }
        return [rule.finding("legalBasis", "Planul nu citează: \(missing.joined(separator: "; ")).",
                             "The plan does not cite: \(missing.joined(separator: "; ")).")]
    }

    /// "HG 797/2017", "Hotărârea Guvernului nr.797/2019", "H.G. 797/2017".
    /// A citation of the Government's decision 797 (on folded text): "HG nr. 797/2017", "H.G.
    /// 797/2019", "Hotărârea Guvernului nr.797/2017" — not any "nr. 797/2024" of a registry.
    nonisolated(unsafe) static let hg797 = /(?:\bh\.?\s*g\.?|guvernului(?:\s+romaniei)?)\s*(?:nr\.?\s*)?797\s*\/\s*([0-9]{4})\b/
    nonisolated(unsafe) static let annex = /anexa\s*(?:nr\.?\s*)?([0-9])\b/

    /// The HG 797 citations of a text, each with the annexes named within a few words of it.
    static func citations797(_ text: String) -> [(year: Substring, annexes: [String])] {
        let folded = CellKind.folded(text)
        return folded.matches(of: hg797).map { match in
            // "Anexa nr. 3 la HG 797/2017" or "HG 797/2017, Anexa 3": a few words either side.
            let from = folded.index(match.range.lowerBound, offsetBy: -25, limitedBy: folded.startIndex) ?? folded.startIndex
            let to = folded.index(match.range.upperBound, offsetBy: 80, limitedBy: folded.endIndex) ?? folded.endIndex
            return (match.output.1, folded[from..<to].matches(of: annex).map { String($0.output.1) })
        }
    }

    static let hg797Year = PlanRule(
        "hg797-year", .error,
        "Regulamentul-cadru este citat ca HG 797/2017.",
        "The framework regulation is cited as HG 797/2017.",
        source: Law.hg797
    ) { content, _, rule in
        content.texts(mentioning: "797").compactMap { path, text in
            guard let year = citations797(text).map(\.year).first(where: { $0 != "2017" }) else { return nil }
            return rule.finding(path, "Se citează HG 797/\(year); regulamentele-cadru ale serviciilor publice de asistență socială sunt aprobate prin HG 797/2017.",
                                "HG 797/\(year) is cited; the framework regulations of public social assistance services are HG 797/2017.")
        }
    }

    static let hg797Annex = PlanRule(
        "hg797-annex", .error,
        "Anexa citată din HG 797/2017 corespunde tipului UAT (Anexa 3 pentru comune, Anexa 2 pentru orașe și municipii).",
        "The cited annex of HG 797/2017 matches the UAT type (Annex 3 for communes, Annex 2 for towns and municipalities).",
        source: Law.hg797
    ) { content, context, rule in
        guard let uat = context.registry[content.plan.siruta] else { return [] }
        let expected = uat.kind == .comuna ? "3" : "2"
        let kind = uat.kind == .comuna ? "comună" : uat.kind == .oras ? "oraș" : "municipiu"
        return content.texts(mentioning: "797").compactMap { path, text in
            guard let wrong = citations797(text).flatMap(\.annexes).first(where: { $0 != expected }) else { return nil }
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
        "The plan year is the same throughout the text.",
        source: Law.planContent
    ) { content, _, rule in
        let year = content.plan.year
        return content.texts(mentioning: "anul", excluding: otherYears).compactMap { path, text in
            // "în anul 2024 au beneficiat…": figures of an earlier year, not the plan's year.
            guard let match = text.matches(of: yearMention).first(where: { mention in
                guard let said = Int(mention.output.1), said != year else { return false }
                let before = CellKind.folded(String(text[..<mention.range.lowerBound].suffix(12)))
                return !(said < year && (before.hasSuffix("in ") || before.hasSuffix("cursul ")))
            }) else { return nil }
            return rule.finding(path, "Planul este pentru anul \(year), dar textul spune „anul \(match.output.1)”.",
                                "The plan is for \(year), but the text says \"anul \(match.output.1)\" (year \(match.output.1)).")
        }
    }

    static let strategyApproval = PlanRule(
        "strategy-approval", .warning,
        "Strategia locală și cea județeană sunt citate, fiecare cu hotărârea care a aprobat-o.",
        "The local and the county strategy are cited, each with the decision that approved it.",
        source: Law.strategies
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

    nonisolated(unsafe) static let years = /\b(19|20)[0-9]{2}\b/
    nonisolated(unsafe) static let yearRange = /\b(?:19|20)[0-9]{2}\s*[-–—]\s*(?:19|20)[0-9]{2}\b/

    /// The first and last year a period text names: "2018 – 2024", "2022-2031".
    static func span(_ text: String) -> ClosedRange<Int>? {
        let found = text.matches(of: years).compactMap { Int($0.output.0) }
        guard let first = found.min(), let last = found.max() else { return nil }
        return first...last
    }

    static let strategies = [("localStrategy", "locală", "local"), ("countyStrategy", "județeană", "county")]

    static let strategyPeriod = PlanRule(
        "strategy-period", .warning,
        "Fiecare strategie citată are perioada scrisă, iar perioada acoperă anul planului.",
        "Each strategy cited states its period, and the period covers the plan year.",
        source: Law.strategies
    ) { content, _, rule in
        let year = content.plan.year
        return strategies.compactMap { key, ro, en in
            let path = "context.\(key).period"
            let title = content.text("context.\(key).title")
            // A title naming its years ("Strategia … 2021–2027") states the period too; a lone year
            // in it ("HCL nr. 12/2019") does not.
            guard let period = content.text(path) ?? title.flatMap({ $0.firstMatch(of: yearRange).map { String($0.output) } }) else {
                guard content.has(path), title != nil || content.text("context.\(key).approval") != nil else { return nil }
                return rule.finding(path, "Strategia \(ro) este citată fără perioada pe care o acoperă: scrieți perioada (ex. 2021–2027).",
                                    "The \(en) strategy is cited without the period it covers: state it (e.g. 2021–2027).")
            }
            guard let span = span(period), !span.contains(year) else { return nil }
            return rule.finding(path, "Strategia \(ro) acoperă \(period), nu și anul planului \(year).",
                                "The \(en) strategy covers \(period), not the plan year \(year).")
        }
    }

    /// Words of a strategy about social services (assistance, inclusion, the groups it serves).
    static let socialWords = ["social", "incluziun", "asistent", "copil", "copii", "varstnic", "dizabilit", "handicap", "famili", "saraci"]

    static let strategySocial = PlanRule(
        "strategy-social", .warning,
        "Strategia locală citată este strategia de dezvoltare a serviciilor sociale, nu strategia generală de dezvoltare a UAT-ului.",
        "The local strategy cited is the social services strategy, not the UAT's general development strategy.",
        source: Law.strategies
    ) { content, _, rule in
        let path = "context.localStrategy.title"
        guard let title = content.text(path) else { return [] }
        let folded = CellKind.folded(title)
        guard folded.contains("strategi"), !socialWords.contains(where: folded.contains) else { return [] }
        return [rule.finding(path, "„\(title)” este strategia generală de dezvoltare a UAT-ului; planul se sprijină pe strategia de dezvoltare a serviciilor sociale.",
                             "\"\(title)\" is the UAT's general development strategy; the plan follows the social services strategy.")]
    }

    /// Words that say a strategy is not adopted yet.
    static let draftWords = ["in curs de elaborare", "in curs de aprobare", "in curs de actualizare", "in curs de revizuire",
                             "proiectul strategiei", "proiect de strategie", "proiectul de strategie", "draft",
                             "urmeaza sa fie aprobat", "urmeaza a fi aprobat", "va fi aprobat", "neaprobat", "nu a fost aprobat", "in dezbatere"]
    /// An activity that makes or updates the strategy is the remedy, not reliance on it.
    static let remedyWords = ["elaborar", "actualizar", "revizuir", "aprobar"]

    static func isDraft(_ text: String) -> Bool {
        let folded = CellKind.folded(text)
        return draftWords.contains(where: folded.contains)
    }

    static let strategyDraft = PlanRule(
        "strategy-draft", .warning,
        "Activitățile planului (Capitolul II, planul de acțiune) nu se sprijină pe o strategie încă neaprobată.",
        "The plan's activities (Chapter II, the action table) do not rest on a strategy not yet approved.",
        source: Law.strategies
    ) { content, _, rule in
        // The local strategy says it is a draft; one whose approval is merely not written is
        // `strategy-approval`'s finding.
        let localDraft = content.reference("context.localStrategy.approval")?.kind != .reference
            && ["context.localStrategy.title", "context.localStrategy.approval", "context.localStrategy.period"].compactMap(content.text).contains(where: isDraft)
        return ["information", "actions"].flatMap { table in
            content.rows(table).compactMap { row -> Finding? in
                // Cell by cell, in the template's column order: the same answer on every computer.
                let cells = (content.schema.table(table)?.columns ?? []).compactMap { row.values[$0.name]?.text }
                let relying = cells.filter { cell in
                    guard cell.contains("trateg") || cell.contains("TRATEG") else { return false }
                    let folded = CellKind.folded(cell)
                    return folded.contains("strategi") && !remedyWords.contains { folded.contains($0 + "ea strategi") || folded.contains($0 + "ii strategi") }
                }
                guard !relying.isEmpty, localDraft || relying.contains(where: isDraft) else { return nil }
                return rule.finding(row.path("activity"), "Activitatea se sprijină pe o strategie care este încă în lucru, neaprobată; planul anual urmează strategia aprobată (HCL nr./data).",
                                    "The activity rests on a strategy still in the making, not approved; the annual plan follows the approved strategy (HCL number/date).")
            }
        }
    }

    nonisolated(unsafe) static let durationPattern = /([0-9]{1,6}|un|o|doi|doua|trei|patru|cinci)\s*(ani|an|luni|luna)\b/

    /// How long a protocol runs, in months, from its duration as written ("pe o perioadă de 2
    /// ani", "12 luni", "un an"); `nil` when not stated or undetermined ("nedeterminată").
    static func months(_ duration: String) -> Int? {
        let folded = CellKind.folded(duration)
        // Undetermined, or renewed by itself: no end to compute.
        guard !["nedeterminat", "prelungire", "prelungeste", "reinnoire", "reinnoieste", "tacit"].contains(where: folded.contains),
              let match = folded.firstMatch(of: durationPattern) else { return nil }
        let words = ["un": 1, "o": 1, "doi": 2, "doua": 2, "trei": 3, "patru": 4, "cinci": 5]
        // A term beyond a century is no term a protocol states: read as none (and no overflow).
        guard let count = Int(match.output.1) ?? words[String(match.output.1)], count <= 1200 else { return nil }
        return match.output.2.hasPrefix("an") ? min(count * 12, 1200) : count
    }

    /// The last day a protocol holds: its stated end, or the day before conclusion + duration.
    static func expiry(_ row: PlanContent.Row) -> CalendarDate? {
        if let until = row.text("validUntil").flatMap(CalendarDate.init) { return until }
        guard let duration = row.text("duration").flatMap(months),
              let concluded = row.text("concluded").flatMap(RegistrationReference.firstDate(in:))
                ?? row.text("reference").flatMap({ RegistrationReference($0).date })
        else { return nil }
        return concluded.adding(months: duration).dayBefore
    }

    static let protocolValid = PlanRule(
        "protocol-valid", .warning,
        "Protocoalele de parteneriat sunt valabile tot anul planului (data de sfârșit, sau data încheierii plus durata).",
        "Partnership protocols hold for the whole plan year (their end date, or conclusion date plus duration).",
        source: Law.template + ", „Având în vedere” pct. 6 (acorduri de cooperare și parteneriate)"
    ) { content, _, rule in
        content.rows("protocols").compactMap { row in
            guard let until = expiry(row), until.year <= content.plan.year else { return nil }
            let partner = row.text("partner")
            let path = row.text("validUntil") != nil ? row.path("validUntil") : row.path("duration")
            if until.year < content.plan.year {
                return rule.finding(path, "Protocolul cu \(partner ?? "partenerul") a expirat la \(until), înainte de anul planului.",
                                    "The protocol with \(partner ?? "the partner") expired on \(until), before the plan year.")
            }
            guard until.month < 12 || until.day < 31 else { return nil }
            return rule.finding(path, "Protocolul cu \(partner ?? "partenerul") expiră la \(until), în anul planului: reînnoiți-l sau arătați cum continuă colaborarea.",
                                "The protocol with \(partner ?? "the partner") expires on \(until), within the plan year: renew it or say how the cooperation goes on.")
        }
    }

    static let consultation = PlanRule(
        "consultation", .warning,
        "Procesul-verbal al consultării este citat sau se menționează „nu este cazul”.",
        "The consultation minutes are cited, or the plan says \"nu este cazul\".",
        source: Law.consultation
    ) { content, _, rule in
        guard content.has("context.consultation"), content.text("context.consultation") == nil else { return [] }
        return [rule.finding("context.consultation", "Lipsește procesul-verbal/minuta consultării cu furnizorii și beneficiarii (sau mențiunea „nu este cazul”).",
                             "The consultation minutes are missing (or the note \"nu este cazul\").")]
    }
}
