/// The template versions of the annual action plan (Ordinul MMJS 1086/2018).
extension PlanSchema {
    private static func budget(_ kind: ValueKind) -> [ColumnSchema] {
        [ColumnSchema("budget.local", kind, "Buget local"), ColumnSchema("budget.county", kind, "Buget județean"),
         ColumnSchema("budget.state", kind, "Buget de stat"), ColumnSchema("budget.contributions", kind, "Contribuții beneficiari"),
         ColumnSchema("budget.other", kind, "Alte surse")]
    }

    /// The first version (plansync 0.1): the plan's main tables with numbers stored as numbers.
    /// Plans made before template versions existed follow it and keep working.
    static let ordin1086v1 = PlanSchema(
        template: "ordin-1086-2018",
        title: "Ordinul MMJS 1086/2018 — prima structură plansync",
        sections: [
            TemplateSection("Plan", [
                .field(FieldSchema("title", .text, "Titlu")),
                .field(FieldSchema("preparedBy", .text, "Întocmit")),
                .field(FieldSchema("approvedBy.mayor", .text, "Primar")),
                .field(FieldSchema("context.localStrategy.period", .text, "Strategia locală — perioada")),
                .field(FieldSchema("context.localStrategy.approval", .text, "Strategia locală — aprobată prin")),
                .field(FieldSchema("context.countyStrategy.period", .text, "Strategia județeană — perioada")),
                .field(FieldSchema("context.countyStrategy.approval", .text, "Strategia județeană — aprobată prin")),
                .field(FieldSchema("context.consultation", .text, "Consultare")),
                .field(FieldSchema("contracting", .text, "Program de contractare")),
                .field(FieldSchema("subsidies", .text, "Program de subvenționare")),
                .field(FieldSchema("notes", .text, "Note")),
            ]),
            TemplateSection("Tabele", [
                .table(TableSchema("services", title: "I A. Servicii sociale existente", columns: [
                    ColumnSchema("code", .text, "Cod serviciu"), ColumnSchema("name", .text, "Denumire"),
                    ColumnSchema("capacity", .integer, "Capacitate"), ColumnSchema("occupancy", .integer, "Grad de ocupare"),
                ] + budget(.amount))),
                .table(TableSchema("proposedServices", title: "I B. Servicii sociale propuse", columns: [
                    ColumnSchema("code", .text, "Cod"), ColumnSchema("name", .text, "Denumire"), ColumnSchema("category", .text, "Categorie beneficiari"),
                    ColumnSchema("capacity", .integer, "Capacitate"), ColumnSchema("beds", .integer, "Locuri"),
                    ColumnSchema("area", .integer, "Suprafață (mp)"), ColumnSchema("staff", .text, "Resurse umane"),
                ] + budget(.amount) + [ColumnSchema("justification", .text, "Justificare")])),
                .table(TableSchema("information", title: "II. Activități de informare", columns: [
                    ColumnSchema("activity", .text, "Activitate"), ColumnSchema("frequency", .text, "Frecvență")])),
                .table(TableSchema("training", title: "III. Formare profesională", columns: [
                    ColumnSchema("kind", .text, "Tip"), ColumnSchema("topic", .text, "Temă"),
                    ColumnSchema("persons", .integer, "Nr. persoane"), ColumnSchema("budget", .amount, "Buget estimat")])),
                .table(TableSchema("actions", title: "Plan de acțiune", columns: [
                    ColumnSchema("generalObjective", .text, "Obiectiv general"), ColumnSchema("specificObjective", .text, "Obiectiv specific"),
                    ColumnSchema("activity", .text, "Activitate"), ColumnSchema("financing", .text, "Finanțare"),
                    ColumnSchema("indicator", .text, "Indicatori"), ColumnSchema("termen", .text, "Termen"),
                    ColumnSchema("responsible", .text, "Responsabil")])),
                .table(TableSchema("monitoring", title: "Monitorizare", columns: [
                    ColumnSchema("indicator", .text, "Indicator"), ColumnSchema("frequency", .text, "Frecvență")])),
            ]),
        ])

    /// The whole template of Ordinul MMJS 1086/2018 as published plans fill it: identity, context,
    /// Chapters I A–D, II and III, the action table, monitoring and the decision records. Numeric
    /// and budget cells are kept as written (see ``CountCell`` and ``MoneyCell``).
    static let ordin1086v2 = PlanSchema(
        template: "ordin-1086-2018-v2",
        title: "Ordinul MMJS 1086/2018 — model-cadru complet",
        sections: [
            TemplateSection("Identificare", [
                .field(FieldSchema("title", .text, "Titlul planului")),
                .field(FieldSchema("uat.name", .text, "UAT (cum este scrisă în document)")),
                .field(FieldSchema("uat.county", .text, "Județul (cum este scris în document)")),
                .field(FieldSchema("identity.version", .text, "Versiunea planului")),
                .field(FieldSchema("identity.supersedes", .reference, "Înlocuiește planul aprobat prin")),
                .field(FieldSchema("moneyUnit", .text, "Unitatea monetară a bugetelor (lei / mii lei)")),
                .field(FieldSchema("introduction", .text, "Introducere")),
            ]),
            TemplateSection("Având în vedere", [
                .table(TableSchema("legalBasis", title: "Temei legal", columns: [
                    ColumnSchema("citation", .text, "Act normativ, cum este citat")])),
                .field(FieldSchema("context.localStrategy.title", .text, "1. Strategia locală de dezvoltare a serviciilor sociale")),
                .field(FieldSchema("context.localStrategy.period", .text, "Perioada")),
                .field(FieldSchema("context.localStrategy.approval", .reference, "Aprobată prin HCL")),
                .field(FieldSchema("context.localStrategy.objectives", .text, "Obiective")),
                .field(FieldSchema("context.countyStrategy.title", .text, "2. Strategia județeană de dezvoltare a serviciilor sociale")),
                .field(FieldSchema("context.countyStrategy.period", .text, "Perioada")),
                .field(FieldSchema("context.countyStrategy.approval", .reference, "Aprobată prin HCJ")),
                .field(FieldSchema("context.countyStrategy.objectives", .text, "Domenii și obiective")),
                .table(TableSchema("nationalStrategies", title: "3–4. Strategii și programe naționale", columns: [
                    ColumnSchema("kind", .text, "Tip (strategie / program)"), ColumnSchema("name", .text, "Denumire"),
                    ColumnSchema("reference", .text, "Aprobată prin"), ColumnSchema("period", .text, "Perioada"),
                    ColumnSchema("objectives", .text, "Obiective")])),
                .table(TableSchema("protocols", title: "6. Acorduri de cooperare / parteneriate", columns: [
                    ColumnSchema("partner", .text, "Partener"), ColumnSchema("reference", .reference, "Nr./data la UAT"),
                    ColumnSchema("partnerReference", .reference, "Nr./data la partener"), ColumnSchema("concluded", .text, "Încheiat"),
                    ColumnSchema("duration", .text, "Durata"), ColumnSchema("validUntil", .date, "Valabil până la"),
                    ColumnSchema("purpose", .text, "Scop")])),
                .field(FieldSchema("context.consultation", .reference, "7. Procesul-verbal / minuta consultării")),
            ]),
            TemplateSection("Grupuri țintă", [
                .table(TableSchema("beneficiaryGroups", title: "Persoane și grupuri care fac obiectul planului", columns: [
                    ColumnSchema("group", .text, "Grup"), ColumnSchema("detail", .text, "Detalii")])),
            ]),
            TemplateSection("Capitolul I. Administrarea, înființarea și finanțarea serviciilor sociale", [
                .field(FieldSchema("services.note", .text, "A. Servicii existente — mențiune (ex. „nu este cazul”)")),
                .table(TableSchema("services", title: "A. Serviciile sociale existente la nivel local", columns: [
                    ColumnSchema("number", .text, "Nr. crt."), ColumnSchema("code", .text, "Cod serviciu social"),
                    ColumnSchema("name", .text, "Denumirea serviciului social"), ColumnSchema("capacity", .count, "Capacitate"),
                    ColumnSchema("occupancy", .count, "Grad de ocupare"),
                ] + budget(.money), writtenTotals: true)),
                .field(FieldSchema("proposedServices.note", .text, "B. Servicii propuse — mențiune")),
                .table(TableSchema("proposedServices", title: "B. Serviciile sociale propuse spre a fi înființate", columns: [
                    ColumnSchema("name", .text, "Denumire serviciu social propus"), ColumnSchema("code", .text, "Cod serviciu social"),
                    ColumnSchema("category", .text, "Categorie beneficiari"), ColumnSchema("capacity", .count, "Nr. beneficiari/zi"),
                    ColumnSchema("beds", .count, "Nr. locuri (în paturi)"), ColumnSchema("area", .count, "Spațiu necesar (mp)"),
                    ColumnSchema("staff", .text, "Resurse umane necesare"),
                ] + budget(.money) + [ColumnSchema("justification", .text, "Justificare")], writtenTotals: true)),
                .field(FieldSchema("contracting.note", .text, "C. Program de contractare — mențiune")),
                .table(TableSchema("contracting", title: "C. Programul anual de contractare a serviciilor sociale din fonduri publice", columns: [
                    ColumnSchema("service", .text, "Serviciul social"), ColumnSchema("code", .text, "Cod"),
                    ColumnSchema("beneficiaries", .count, "Nr. beneficiari"), ColumnSchema("budget", .money, "Buget estimat"),
                    ColumnSchema("objective", .text, "Obiectiv operațional")])),
                .field(FieldSchema("subsidies.note", .text, "D. Program de subvenționare — mențiune")),
                .field(FieldSchema("subsidies.eligibleServices", .text, "1. Servicii eligibile / neeligibile")),
                .field(FieldSchema("subsidies.expenseChapters", .text, "2. Capitole de cheltuieli subvenționate")),
                .field(FieldSchema("subsidies.budget", .money, "3. Bugetul estimat al programului de subvenționare")),
                .table(TableSchema("subsidies", title: "D. Programul de subvenționare (Legea 34/1998)", columns: [
                    ColumnSchema("organisation", .text, "Asociație / fundație / cult"), ColumnSchema("service", .text, "Serviciul social"),
                    ColumnSchema("code", .text, "Cod"), ColumnSchema("budget", .money, "Subvenție estimată")])),
            ]),
            TemplateSection("Capitolul II. Planificarea activităților de informare a publicului", [
                .field(FieldSchema("information.note", .text, "Mențiune")),
                .table(TableSchema("information", title: "Activități de informare", columns: [
                    ColumnSchema("number", .text, "Nr."), ColumnSchema("activity", .text, "Activitate"),
                    ColumnSchema("frequency", .text, "Frecvență")])),
            ]),
            TemplateSection("Capitolul III. Programul de formare și îndrumare metodologică", [
                .field(FieldSchema("training.note", .text, "Mențiune")),
                .table(TableSchema("training", title: "Formare, instruire, peer review, supervizare", columns: [
                    ColumnSchema("kind", .text, "Tip"), ColumnSchema("audience", .text, "Pentru"),
                    ColumnSchema("topic", .text, "Teme de interes"), ColumnSchema("persons", .count, "Nr. persoane"),
                    ColumnSchema("budget", .money, "Buget estimat")])),
            ]),
            TemplateSection("Planul de acțiune", [
                .table(TableSchema("actions", title: "Obiective generale, obiective specifice și activități", columns: [
                    ColumnSchema("number", .text, "Nr. crt."), ColumnSchema("generalObjective", .text, "Obiectiv general"),
                    ColumnSchema("specificObjective", .text, "Obiectiv specific"), ColumnSchema("activity", .text, "Activități"),
                    ColumnSchema("financing", .text, "Sursa de finanțare"), ColumnSchema("indicator", .text, "Indicatori"),
                    ColumnSchema("target", .count, "Țintă"), ColumnSchema("unit", .text, "Unitate"),
                    ColumnSchema("termen", .text, "Termen"), ColumnSchema("responsible", .text, "Responsabil")])),
            ]),
            TemplateSection("Monitorizare", [
                .field(FieldSchema("considerations", .text, "Considerații preliminare")),
                .field(FieldSchema("monitoring.note", .text, "Monitorizarea planului")),
                .table(TableSchema("monitoring", title: "Indicatori de monitorizare", columns: [
                    ColumnSchema("indicator", .text, "Indicator"), ColumnSchema("frequency", .text, "Frecvența raportării")])),
                .field(FieldSchema("conclusions", .text, "Considerații finale")),
                .field(FieldSchema("preparedBy", .text, "Întocmit")),
                .field(FieldSchema("approvedBy.mayor", .text, "Primar")),
            ]),
            TemplateSection("Înregistrare, aviz și aprobare", [
                .field(FieldSchema("decisions.submission.reference", .reference, "Adresa UAT către consiliul județean")),
                .field(FieldSchema("decisions.submission.issuer", .text, "Emitent")),
                .field(FieldSchema("decisions.registration.reference", .reference, "Înregistrarea la consiliul județean")),
                .field(FieldSchema("decisions.registration.issuer", .text, "Registratura")),
                .field(FieldSchema("decisions.aviz.report.reference", .reference, "Raportul de specialitate al consiliului județean")),
                .field(FieldSchema("decisions.aviz.report.issuer", .text, "Raportul de specialitate — întocmit de")),
                .field(FieldSchema("decisions.aviz.form", .text, "Avizul — forma (hotărâre / adresă)")),
                .field(FieldSchema("decisions.aviz.reference", .reference, "Avizul — nr./data")),
                .field(FieldSchema("decisions.aviz.issuer", .text, "Avizul — emitent")),
                .field(FieldSchema("decisions.aviz.outcome", .text, "Avizul — rezultat (favorabil / favorabil cu observații / nefavorabil)")),
                .field(FieldSchema("decisions.aviz.remarks", .text, "Avizul — observații")),
                .field(FieldSchema("decisions.hcl.reference", .reference, "HCL de aprobare — nr./data")),
                .field(FieldSchema("decisions.hcl.votesFor", .count, "Voturi pentru")),
                .field(FieldSchema("decisions.hcl.votesAgainst", .count, "Voturi împotrivă")),
                .field(FieldSchema("decisions.hcl.abstentions", .count, "Abțineri")),
                .field(FieldSchema("decisions.hcl.present", .count, "Consilieri prezenți")),
                .field(FieldSchema("decisions.hcl.inOffice", .count, "Consilieri în funcție")),
                .field(FieldSchema("decisions.prefect.reference", .reference, "Comunicarea către Prefect — nr./data")),
                .field(FieldSchema("decisions.publication.date", .date, "Publicarea — data")),
                .field(FieldSchema("decisions.publication.place", .text, "Publicarea — unde")),
                .table(TableSchema("modifications", title: "Modificări ale planului", columns: [
                    ColumnSchema("reference", .reference, "Aprobată prin"), ColumnSchema("reason", .text, "Motivul"),
                    ColumnSchema("chapters", .text, "Capitole modificate"), ColumnSchema("supersedes", .reference, "Înlocuiește")])),
                .field(FieldSchema("notes", .text, "Alte mențiuni din document")),
            ]),
        ])

    /// Where v3 adds to v2: the keys of v2's sections, in order (the `headings.KEY` fields), the
    /// UAT's own documents before the HCL, and the signatures after the plan's last words.
    private static let sectionKeys = ["identification", "context", "groups", "chapter1", "chapter2", "chapter3", "actionPlan", "monitoring", "decisions"]

    /// The template as published plans write it, down to what a reviewer reads that v2 had no
    /// place for: headings and table titles as the document words them (`headings.KEY`, shown
    /// instead of the template's), the UAT's own documents behind the HCL — the mayor's referat de
    /// aprobare, the specialist compartment's report, the draft decision (Codul administrativ,
    /// art. 136) — and who signed the plan (`signatures`). Everything v2 has, v3 has at the same
    /// path, so the rules read both.
    static let ordin1086v3: PlanSchema = {
        let uatDocuments: [TemplateSection.Item] = [
            .field(FieldSchema("decisions.approvalReport.reference", .reference, "Referatul de aprobare al primarului — nr./data")),
            .field(FieldSchema("decisions.approvalReport.issuer", .text, "Referatul de aprobare — emitent")),
            .field(FieldSchema("decisions.specialistReport.reference", .reference, "Raportul compartimentului de specialitate al UAT — nr./data")),
            .field(FieldSchema("decisions.specialistReport.issuer", .text, "Raportul de specialitate — compartimentul")),
            .field(FieldSchema("decisions.hclDraft.reference", .reference, "Proiectul de hotărâre — nr./data")),
            .field(FieldSchema("decisions.hclDraft.initiator", .text, "Proiectul de hotărâre — inițiator")),
        ]
        let signatures = TemplateSection.Item.table(TableSchema("signatures", title: "Semnături", columns: [
            ColumnSchema("role", .text, "Calitatea (cum este scrisă)"), ColumnSchema("name", .text, "Numele"),
            ColumnSchema("signature", .text, "Semnătura (cum apare: „ss”, „L.S.”, semnătură olografă)")]))
        let sections = zip(ordin1086v2.sections, sectionKeys).map { section, key in
            switch key {
            case "monitoring":
                return TemplateSection(section.heading, key: key, section.items + [signatures])
            case "decisions":
                // The UAT's documents come before the HCL they lead to.
                var items = section.items
                let hcl = items.firstIndex { if case .field(let field) = $0 { field.path == "decisions.hcl.reference" } else { false } } ?? items.endIndex
                items.insert(contentsOf: uatDocuments, at: hcl)
                return TemplateSection(section.heading, key: key, items)
            default:
                return TemplateSection(section.heading, key: key, section.items)
            }
        }
        let tables = sections.flatMap(\.items).compactMap { if case .table(let table) = $0 { table.name } else { nil } }
        // The monitoring section and its table share one heading.
        let headings = (sectionKeys + tables.filter { !sectionKeys.contains($0) }).map { key in
            TemplateSection.Item.field(FieldSchema("headings.\(key)", .text, "Titlul „\(key)”, cum este scris în document"))
        }
        return PlanSchema(template: "ordin-1086-2018-v3", title: "Ordinul MMJS 1086/2018 — model-cadru, cu titlurile, documentele UAT și semnăturile",
                          sections: sections + [TemplateSection(headingsSection, key: "headings", headings)])
    }()

    /// The section of v3 that holds the headings as written; it is not printed as a section: each
    /// heading stands in for the template's own.
    static let headingsSection = "Titluri, cum sunt scrise în document"
}
