/// The decision records: dates in order, HCL votes, aviz, blanks left to fill.
enum DecisionRules {
    static let all = [datesInOrder, referencesDated, timely, votes, avizRecorded, avizComplete, uatDocuments, signed, placeholders]

    /// The steps of the workflow, in the order their dates must follow.
    static let steps: [(path: String, ro: String, en: String)] = [
        ("decisions.submission.reference", "adresa de transmitere", "the UAT's letter"),
        ("decisions.registration.reference", "înregistrarea la consiliul județean", "the county registration"),
        ("decisions.aviz.reference", "avizul", "the aviz"),
        ("decisions.hcl.reference", "HCL", "the HCL"),
        ("decisions.prefect.reference", "comunicarea către Prefect", "the communication to the Prefect"),
        ("decisions.publication.date", "publicarea", "the publication"),
    ]

    static func date(_ content: PlanContent, _ path: String) -> CalendarDate? {
        if path.hasSuffix(".date") { return content.text(path).flatMap(CalendarDate.init) }
        return content.reference(path)?.date
    }

    static let datesInOrder = PlanRule(
        "dates-order", .error,
        "Datele sunt în ordine: adresă ≤ înregistrare la CJ ≤ aviz ≤ HCL ≤ comunicare la Prefect ≤ publicare.",
        "Dates are in order: letter ≤ county registration ≤ aviz ≤ HCL ≤ Prefect communication ≤ publication.",
        source: Law.planContent + "; " + Law.councilDecision
    ) { content, _, rule in
        let dated = steps.compactMap { step in date(content, step.path).map { (step, $0) } }
        return zip(dated, dated.dropFirst()).compactMap { earlier, later in
            guard later.1 < earlier.1 else { return nil }
            return rule.finding(later.0.path, "Data pentru \(later.0.ro) (\(later.1)) este înaintea celei pentru \(earlier.0.ro) (\(earlier.1)).",
                                "The date of \(later.0.en) (\(later.1)) is before that of \(earlier.0.en) (\(earlier.1)).")
        }
    }

    /// The references of the decision records, with what they are called.
    static let references: [(path: String, ro: String, en: String)] = steps.filter { $0.path.hasSuffix(".reference") }.map { ($0.path, $0.ro, $0.en) } + [
        ("decisions.aviz.report.reference", "raportul de specialitate al consiliului județean", "the county's specialist report"),
        ("decisions.approvalReport.reference", "referatul de aprobare", "the referat de aprobare"),
        ("decisions.specialistReport.reference", "raportul compartimentului de specialitate", "the specialist report"),
        ("decisions.hclDraft.reference", "proiectul de hotărâre", "the draft decision"),
        ("context.localStrategy.approval", "hotărârea de aprobare a strategiei locale", "the local strategy's approving decision"),
        ("context.countyStrategy.approval", "hotărârea de aprobare a strategiei județene", "the county strategy's approving decision"),
    ]

    static let referencesDated = PlanRule(
        "reference-dated", .warning,
        "Fiecare document consemnat (adresă, înregistrare, aviz, referat, raport, proiect, HCL, hotărârile strategiilor) are număr și dată care se pot citi.",
        "Every document on record (letter, registration, aviz, referat, report, draft, HCL, the strategies' decisions) has a readable number and date.",
        source: Law.councilDecision
    ) { content, _, rule in
        references.compactMap { path, ro, en in
            guard content.has(path) else { return nil }
            guard let reference = content.reference(path) else {
                // Who issued one of the UAT's documents is written, but not its number and date.
                // (The letter, registration, aviz and HCL get theirs from their acts, later.)
                guard uatDocumentFields.contains(where: { $0.path == path }) || path == "decisions.hclDraft.reference" else { return nil }
                let base = path.dropLast(".reference".count)
                // Once the HCL is adopted, its draft's number no longer matters.
                if base == "decisions.hclDraft", content.reference("decisions.hcl.reference")?.kind == .reference { return nil }
                guard let issuer = content.text("\(base).issuer") ?? content.text("\(base).initiator") else { return nil }
                return rule.finding(path, "Pentru \(ro) este scris emitentul („\(issuer)”), dar nu numărul și data.",
                                    "For \(en) the issuer is written (\"\(issuer)\"), but not its number and date.")
            }
            switch reference.kind {
            case .reference where reference.date == nil:
                return rule.finding(path, "„\(reference.raw)” (\(ro)) nu are o dată care să se poată citi: scrieți data (zz.ll.aaaa).",
                                    "\"\(reference.raw)\" (\(en)) has no readable date: write it (dd.mm.yyyy).")
            // A strategy's decision written as text is `strategy-approval`'s finding.
            case .text where !path.hasPrefix("context."):
                return rule.finding(path, "„\(reference.raw)” (\(ro)) nu are număr și dată de înregistrare.",
                                    "\"\(reference.raw)\" (\(en)) has no registration number and date.")
            default:
                return nil
            }
        }
    }

    /// The last month of the plan year in which each document is still on time: the UAT's own
    /// documents are the plan's elaboration, due before the budget (February at the latest, when
    /// local budgets are founded); the HCL approves it once the county's aviz is in, within the
    /// first quarter.
    static let deadlines: [(path: String, month: Int, ro: String, en: String)] = [
        ("decisions.approvalReport.reference", 2, "referatul de aprobare", "the referat"),
        ("decisions.specialistReport.reference", 2, "raportul de specialitate", "the specialist report"),
        ("decisions.hcl.reference", 3, "HCL-ul", "the HCL"),
    ]

    static let timely = PlanRule(
        "plan-timely", .warning,
        "Planul anual se pregătește înaintea bugetului anului pe care îl planifică: referatul și raportul nu sunt după februarie, HCL-ul nu este după primul trimestru al acelui an.",
        "The annual plan is prepared before the budget of the year it plans: the referat and the report are not later than February, the HCL not later than the first quarter of that year.",
        source: "HG 797/2017, Anexa 3 art. 5 alin. (5) și Anexa 2: planul anual „se elaborează înainte de fundamentarea proiectului de buget pentru anul următor”"
    ) { content, _, rule in
        // A modification's HCL comes when the year needs it: only the first version is due early.
        guard content.plan.workflow.latest.number == 1 else { return [] }
        let year = content.plan.year
        return deadlines.compactMap { path, month, ro, en in
            guard let date = content.reference(path)?.date, date.year > year || (date.year == year && date.month > month) else { return nil }
            return rule.finding(path, "Planul pentru \(year) are \(ro) din \(date): prea târziu, planul se pregătește înaintea bugetului anului \(year).",
                                "The plan for \(year) has \(en) dated \(date): too late, the plan is prepared before the \(year) budget.")
        }
    }

    static let votes = PlanRule(
        "hcl-votes", .error,
        "Voturile HCL sunt coerente: pentru+împotrivă+abțineri ≤ prezenți ≤ în funcție; cvorum; adoptată cu majoritatea celor prezenți.",
        "HCL votes add up: for+against+abstentions ≤ present ≤ in office; quorum; adopted by a majority of those present.",
        source: Law.councilDecision
    ) { content, _, rule in
        let number = { (name: String) in content.count("decisions.hcl.\(name)")?.number }
        var findings: [Finding] = []
        let cast = [number("votesFor"), number("votesAgainst"), number("abstentions")]
        if let present = number("present"), cast.contains(where: { $0 != nil }) {
            let total = cast.reduce(0) { $0 + ($1 ?? 0) }
            if total > present {
                findings.append(rule.finding("decisions.hcl.present", "Au votat \(total) consilieri, dar erau prezenți doar \(present).",
                                             "\(total) councillors voted, but only \(present) were present."))
            }
        }
        if let present = number("present"), let inOffice = number("inOffice") {
            if present > inOffice {
                findings.append(rule.finding("decisions.hcl.present", "Prezenți \(present), mai mulți decât consilierii în funcție (\(inOffice)).",
                                             "\(present) present, more than the \(inOffice) councillors in office."))
            } else if present * 2 <= inOffice {
                findings.append(rule.finding("decisions.hcl.present", "Fără cvorum: \(present) prezenți din \(inOffice) în funcție (e nevoie de peste jumătate).",
                                             "No quorum: \(present) present of \(inOffice) in office (more than half needed)."))
            }
        }
        if let votesFor = number("votesFor"), let present = number("present"), votesFor * 2 <= present {
            findings.append(rule.finding("decisions.hcl.votesFor", "\(votesFor) voturi pentru din \(present) prezenți nu adoptă hotărârea (e nevoie de peste jumătate).",
                                         "\(votesFor) votes for out of \(present) present do not adopt the decision (more than half needed)."))
        }
        return findings
    }

    /// Whether the plan has gone, or is going, to the local council: an HCL or a draft decision
    /// (a referat written early is not yet the council's business).
    static func atCouncil(_ content: PlanContent) -> Bool {
        content.reference("decisions.hcl.reference")?.kind == .reference
            || ["decisions.hclDraft.reference", "decisions.hclDraft.initiator"].contains { content.text($0) != nil }
    }

    static let avizRecorded = PlanRule(
        "aviz-recorded", .warning,
        "Un plan dus la consiliul local (proiect de hotărâre sau HCL) are avizul consiliului județean consemnat.",
        "A plan taken to the local council (draft decision or HCL) has the county's aviz on record.",
        source: Law.planContent
    ) { content, _, rule in
        guard atCouncil(content), let aviz = content.has("decisions.aviz.reference") ? content.reference("decisions.aviz.reference") ?? RegistrationReference("") : nil,
              ![.reference, .placeholder].contains(aviz.kind) else { return [] }
        return [rule.finding("decisions.aviz.reference", "Planul merge la consiliul local, dar avizul consiliului județean (nr./data, emitent) nu este consemnat.",
                             "The plan goes to the local council, but the county's aviz (number/date, issuer) is not on record.")]
    }

    static let avizComplete = PlanRule(
        "aviz-complete", .warning,
        "Un aviz consemnat are emitentul și rezultatul (favorabil / favorabil cu observații / nefavorabil); numărul și data le cere `reference-dated`.",
        "An aviz on record has its issuer and its outcome (favourable / with remarks / unfavourable); `reference-dated` asks for its number and date.",
        source: Law.planContent
    ) { content, _, rule in
        guard let aviz = content.reference("decisions.aviz.reference"), aviz.kind == .reference else { return [] }
        var findings: [Finding] = []
        // An aviz recorded in plansync by the county's reviewer is the county's own: its issuer is known.
        let recordedByCounty = content.plan.workflow.versions.contains { $0.last(.aviz) != nil }
        if content.has("decisions.aviz.issuer"), content.text("decisions.aviz.issuer") == nil, !recordedByCounty {
            findings.append(rule.finding("decisions.aviz.issuer", "Avizul „\(aviz.raw)” este consemnat fără emitent: scrieți cine l-a dat (consiliul județean, prin direcția sau DGASPC).",
                                         "The aviz \"\(aviz.raw)\" is on record without its issuer: write who gave it (the county council, through its department or DGASPC)."))
        }
        if content.has("decisions.aviz.outcome") {
            if let outcome = content.text("decisions.aviz.outcome") {
                if !CellKind.folded(outcome).contains("favorabil") {
                    findings.append(rule.finding("decisions.aviz.outcome", "Rezultatul avizului („\(outcome)”) nu spune dacă este favorabil, favorabil cu observații sau nefavorabil.",
                                                 "The aviz's outcome (\"\(outcome)\") does not say whether it is favourable, favourable with remarks or unfavourable."))
                }
            } else {
                findings.append(rule.finding("decisions.aviz.outcome", "Avizul „\(aviz.raw)” este consemnat fără rezultat (favorabil / favorabil cu observații / nefavorabil).",
                                             "The aviz \"\(aviz.raw)\" is on record without its outcome (favourable / with remarks / unfavourable)."))
            }
        }
        return findings
    }

    /// The UAT's own documents behind an HCL: the mayor's referat and the compartment's report.
    static let uatDocumentFields: [(path: String, ro: String, en: String)] = [
        ("decisions.approvalReport.reference", "referatul de aprobare al primarului", "the mayor's referat de aprobare"),
        ("decisions.specialistReport.reference", "raportul compartimentului de specialitate", "the specialist compartment's report"),
    ]

    static let uatDocuments = PlanRule(
        "uat-documents", .warning,
        "Un plan supus aprobării consiliului local (proiect de hotărâre sau HCL) are consemnate referatul de aprobare și raportul compartimentului de specialitate.",
        "A plan put to the local council (draft decision or HCL) has the referat de aprobare and the specialist report on record.",
        source: Law.councilDecision
    ) { content, _, rule in
        guard content.has("decisions.approvalReport.reference"), atCouncil(content) else { return [] }
        return uatDocumentFields.compactMap { path, ro, en in
            guard content.text(path) == nil else { return nil }
            return rule.finding(path, "Planul merge la consiliul local, dar \(ro) (nr./data) nu este consemnat.",
                                "The plan goes to the local council, but \(en) (number/date) is not on record.")
        }
    }

    /// A signature line's role naming the mayor ("Primar", "Primarul comunei", "p. Primar"), not
    /// a compartment "of the mayor's staff".
    nonisolated(unsafe) static let mayorRole = /^\W*(?:p\.?\s*)?primar(?:ul)?\b/
    /// Roles that countersign the council's decision, not the plan.
    static let councilRoles = ["secretar", "presedinte de sedinta", "consilier local"]

    static let signed = PlanRule(
        "plan-signed", .warning,
        "Planul este semnat de primar și de cine l-a întocmit (compartimentul de asistență socială).",
        "The plan is signed by the mayor and by whoever prepared it (the social assistance compartment).",
        source: Law.template + " (semnăturile de la finalul modelului-cadru)"
    ) { content, _, rule in
        guard content.has("approvedBy.mayor") else { return [] }
        // Who signs, as written: the two fields every version has, and the signatures table (v3).
        let roles = content.rows("signatures").compactMap { $0.text("role").map(CellKind.folded) }
        let isMayor = { (role: String) in role.firstMatch(of: mayorRole) != nil || role.hasPrefix("viceprimar") || role.contains("atributii de primar") || role.contains("atributiile de primar") }
        let mayor = content.text("approvedBy.mayor") != nil || roles.contains(where: isMayor)
        let preparer = content.text("preparedBy") != nil || roles.contains { role in !isMayor(role) && !councilRoles.contains(where: role.hasPrefix) }
        var missing: [(ro: String, en: String)] = []
        if !mayor { missing.append(("primarul", "the mayor")) }
        if !preparer { missing.append(("cine l-a întocmit (compartimentul de asistență socială)", "whoever prepared it (the social assistance compartment)")) }
        guard !missing.isEmpty else { return [] }
        let path = content.schema.table("signatures") != nil ? "signatures" : "approvedBy.mayor"
        return [rule.finding(path, "Planul nu arată semnătura pentru: \(missing.map(\.ro).joined(separator: "; ")).",
                             "The plan shows no signature of \(missing.map(\.en).joined(separator: " nor of ")).")]
    }

    static let placeholders = PlanRule(
        "placeholder", .warning,
        "Nu au rămas spații necompletate („Nr. ____”, „*”).",
        "No blanks are left to fill in (\"Nr. ____\", \"*\").",
        source: Law.template
    ) { content, _, rule in
        // The strategies' approvals have their own rule.
        let covered: Set<String> = ["context.localStrategy.approval", "context.countyStrategy.approval"]
        // Only references, counts and amounts have blanks of their own (prose is not read here).
        let blankable: Set<ValueKind> = [.reference, .count, .money]
        let fields = content.schema.fields.filter { blankable.contains($0.kind) && !covered.contains($0.path) }.compactMap { field -> Finding? in
            guard let raw = content.text(field.path), isBlank(raw, kind: field.kind) else { return nil }
            return rule.finding(field.path, "„\(field.label)” are un spațiu necompletat: „\(raw)”.",
                                "\"\(field.label)\" has a blank left to fill in: \"\(raw)\".")
        }
        let cells = content.schema.tables.flatMap { table in
            // A row that says "nu este cazul" (a Chapter III item, a source of funding) has no
            // blank to fill: what is left empty is what the template's item left empty.
            content.rows(table.name).filter { !content.notApplicable($0) }.flatMap { row in
                table.columns.filter { blankable.contains($0.kind) }.compactMap { column -> Finding? in
                    guard let raw = row.text(column.name), isBlank(raw, kind: column.kind) else { return nil }
                    return rule.finding(row.path(column.name), "Celula „\(column.label)” are un spațiu necompletat: „\(raw)”.",
                                        "The cell \"\(column.label)\" has a blank left to fill in: \"\(raw)\".")
                }
            }
        }
        return fields + cells
    }

    static func isBlank(_ raw: String, kind: ValueKind) -> Bool {
        switch kind {
        case .reference: RegistrationReference(raw).kind == .placeholder
        case .count, .money: CellKind.nonNumeric(raw) == .placeholder
        default: false
        }
    }
}
