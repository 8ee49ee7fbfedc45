/// The words of the county's pages, Romanian by default, English on request (`?lang=en`).
/// Domain terms stay Romanian in both (aviz, HCL, UAT).
enum PageLanguage: String, Sendable {
    case ro, en

    var other: PageLanguage { self == .ro ? .en : .ro }

    /// Every word a template uses, by key (`{{w.plans}}`).
    var words: [String: String] {
        switch self {
        case .ro: [
            "skip": "Sari la conținut", "menu": "Meniu", "plans": "Planuri", "totals": "Totaluri", "otherLanguage": "English",
            "signIn": "Autentificare", "signOut": "Ieșire", "county": "Județul", "account": "Utilizator (id)", "password": "Parola",
            "signInHint": "Parola o stabilește administratorul județului: plansync-server user password ID.",
            "state": "Starea", "year": "Anul", "any": "oricare", "filter": "Filtrează", "noPlan": "fără plan sincronizat",
            "uat": "UAT", "awaiting": "Așteaptă județul", "errors": "Erori", "warnings": "Avertismente", "lastSync": "Ultima sincronizare",
            "version": "versiunea", "history": "Istoricul modificărilor", "grouping": "Grupare", "csv": "Descarcă CSV",
            "chartCaption": "Bugetul total pe fiecare rând, în lei.", "line": "Rând", "plansCounted": "Planuri", "capacity": "Capacitate",
            "total": "Total", "backToPlans": "Înapoi la planuri", "bySource": "pe surse de finanțare", "byService": "pe coduri de serviciu",
            "byUAT": "pe UAT", "register": "înregistrare", "aviz": "aviz",
        ]
        case .en: [
            "skip": "Skip to content", "menu": "Menu", "plans": "Plans", "totals": "Totals", "otherLanguage": "Română",
            "signIn": "Sign in", "signOut": "Sign out", "county": "County", "account": "User (id)", "password": "Password",
            "signInHint": "The county's administrator sets the password: plansync-server user password ID.",
            "state": "State", "year": "Year", "any": "any", "filter": "Filter", "noPlan": "no plan synced",
            "uat": "UAT", "awaiting": "Awaits the county", "errors": "Errors", "warnings": "Warnings", "lastSync": "Last sync",
            "version": "version", "history": "Change history", "grouping": "Grouping", "csv": "Download CSV",
            "chartCaption": "Total budget of each line, in lei.", "line": "Line", "plansCounted": "Plans", "capacity": "Capacity",
            "total": "Total", "backToPlans": "Back to the plans", "bySource": "by funding source", "byService": "by service code",
            "byUAT": "by UAT", "register": "registration", "aviz": "aviz",
        ]
        }
    }

    subscript(_ key: String) -> String { words[key] ?? key }
}
