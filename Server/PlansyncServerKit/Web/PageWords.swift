/// The words of the county's pages, Romanian by default, English on request (`?lang=en`).
/// Domain terms stay Romanian in both (aviz, HCL, UAT).
enum PageLanguage: String, Sendable {
    case ro, en

    var other: PageLanguage { self == .ro ? .en : .ro }

    /// Every word a template uses, by key (`{{w.plans}}`), in this language.
    var words: [String: String] {
        Self.table.mapValues { self == .ro ? $0.ro : $0.en }
    }

    subscript(_ key: String) -> String { words[key] ?? key }

    /// Each word once, in both languages side by side: one cannot gain a key the other lacks.
    private static let table: [String: (ro: String, en: String)] = [
        "skip": ("Sari la conținut", "Skip to content"),
        "menu": ("Meniu", "Menu"),
        "plans": ("Planuri", "Plans"),
        "totals": ("Totaluri", "Totals"),
        "otherLanguage": ("English", "Română"),
        "signIn": ("Autentificare", "Sign in"),
        "signOut": ("Ieșire", "Sign out"),
        "county": ("Județul", "County"),
        "account": ("Utilizator (id)", "User (id)"),
        "password": ("Parola", "Password"),
        "signInHint": ("Parola o stabilește administratorul județului: plansync-server user password ID.",
                       "The county's administrator sets the password: plansync-server user password ID."),
        "state": ("Starea", "State"),
        "year": ("Anul", "Year"),
        "any": ("oricare", "any"),
        "filter": ("Filtrează", "Filter"),
        "noPlan": ("fără plan sincronizat", "no plan synced"),
        "uat": ("UAT", "UAT"),
        "awaiting": ("Așteaptă județul", "Awaits the county"),
        "errors": ("Erori", "Errors"),
        "warnings": ("Avertismente", "Warnings"),
        "lastSync": ("Ultima sincronizare", "Last sync"),
        "version": ("versiunea", "version"),
        "history": ("Istoricul modificărilor", "Change history"),
        "grouping": ("Grupare", "Grouping"),
        "csv": ("Descarcă CSV", "Download CSV"),
        "chartCaption": ("Bugetul total pe fiecare rând, în lei.", "Total budget of each line, in lei."),
        "line": ("Rând", "Line"),
        "plansCounted": ("Planuri", "Plans"),
        "capacity": ("Capacitate", "Capacity"),
        "total": ("Total", "Total"),
        "backToPlans": ("Înapoi la planuri", "Back to the plans"),
        "bySource": ("pe surse de finanțare", "by funding source"),
        "byService": ("pe coduri de serviciu", "by service code"),
        "byUAT": ("pe UAT", "by UAT"),
        "register": ("înregistrare", "registration"),
        "aviz": ("aviz", "aviz"),
    ]
}
