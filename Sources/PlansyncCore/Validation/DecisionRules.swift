/// The decision records: dates in order, HCL votes, aviz, blanks left to fill.
enum DecisionRules {
    static let all = [datesInOrder, votes, avizRecorded, placeholders]

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
        "Dates are in order: letter ≤ county registration ≤ aviz ≤ HCL ≤ Prefect communication ≤ publication."
    ) { content, _, rule in
        let dated = steps.compactMap { step in date(content, step.path).map { (step, $0) } }
        return zip(dated, dated.dropFirst()).compactMap { earlier, later in
            guard later.1 < earlier.1 else { return nil }
            return rule.finding(later.0.path, "Data pentru \(later.0.ro) (\(later.1)) este înaintea celei pentru \(earlier.0.ro) (\(earlier.1)).",
                                "The date of \(later.0.en) (\(later.1)) is before that of \(earlier.0.en) (\(earlier.1)).")
        }
    }

    static let votes = PlanRule(
        "hcl-votes", .error,
        "Voturile HCL sunt coerente: pentru+împotrivă+abțineri ≤ prezenți ≤ în funcție; cvorum; adoptată cu majoritatea celor prezenți.",
        "HCL votes add up: for+against+abstentions ≤ present ≤ in office; quorum; adopted by a majority of those present."
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

    static let avizRecorded = PlanRule(
        "aviz-recorded", .warning,
        "Un plan aprobat prin HCL are avizul consiliului județean consemnat.",
        "A plan approved by HCL has the county's aviz on record."
    ) { content, _, rule in
        guard content.reference("decisions.hcl.reference")?.kind == .reference,
              content.reference("decisions.aviz.reference")?.kind != .reference else { return [] }
        return [rule.finding("decisions.aviz.reference", "Planul este aprobat prin HCL, dar avizul consiliului județean nu este consemnat.",
                             "The plan is approved by HCL, but the county's aviz is not on record.")]
    }

    static let placeholders = PlanRule(
        "placeholder", .warning,
        "Nu au rămas spații necompletate („Nr. ____”, „*”).",
        "No blanks are left to fill in (\"Nr. ____\", \"*\")."
    ) { content, _, rule in
        // The strategies' approvals have their own rule.
        let covered: Set<String> = ["context.localStrategy.approval", "context.countyStrategy.approval"]
        let fields = content.schema.fields.filter { !covered.contains($0.path) }.compactMap { field -> Finding? in
            guard let raw = content.text(field.path), isBlank(raw, kind: field.kind) else { return nil }
            return rule.finding(field.path, "„\(field.label)” are un spațiu necompletat: „\(raw)”.",
                                "\"\(field.label)\" has a blank left to fill in: \"\(raw)\".")
        }
        let cells = content.schema.tables.flatMap { table in
            content.rows(table.name).flatMap { row in
                table.columns.compactMap { column -> Finding? in
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
