/// The unit a plan writes its budgets in. Most write lei; some write "mii lei" (thousands).
public enum MoneyUnit: String, Codable, Sendable {
    case lei
    case miiLei = "mii lei"

    /// Bani in one unit (1 leu = 100 bani).
    var bani: Int64 { self == .lei ? 100 : 100_000 }

    /// A plan's unit: the one it states; else, when every amount of the plan writes its unit and
    /// all write the same ("250 mii lei", "12,5 mii lei"), that one; else lei. One bare amount
    /// among them leaves the plan in lei, so "15.000" is never read as thousands on a guess (and
    /// `money-unit` points at the amounts in another unit).
    public static func of(stated: String?, cells: [String]) -> MoneyUnit {
        if let stated = stated.flatMap(MoneyUnit.init(stated:)) { return stated }
        return written(in: cells) ?? .lei
    }

    /// The one unit every amount among `cells` writes, `nil` if some amount writes none or they
    /// differ.
    static func written(in cells: [String]) -> MoneyUnit? {
        let amounts = cells.map { MoneyCell($0) }.filter { $0.bani != nil }
        guard let first = amounts.first?.unit, amounts.allSatisfy({ $0.unitWritten && $0.unit == first }) else { return nil }
        return first
    }

    /// Reads the unit as a plan states it ("lei", "= lei =", "mii lei", "RON"); `nil` if unclear.
    public init?(stated text: String) {
        let folded = CellKind.folded(text)
        if folded.contains("mii") { self = .miiLei }
        else if folded.contains("lei") || folded.contains("ron") { self = .lei }
        else { return nil }
    }
}

/// A budget cell as written, with its exact amount.
///
/// The amount is normalised to bani (integers, never floating point), so "15.000" in a lei plan
/// and "15" in a "mii lei" plan are the same 1,500,000 bani, and totals add up exactly.
public struct MoneyCell: Hashable, Sendable {
    public let raw: String
    public let kind: CellKind
    /// The unit the number was written in: its own suffix ("7050 lei"), else the plan's.
    public let unit: MoneyUnit?
    /// Whether the cell names its unit itself ("7050 lei") rather than inheriting the plan's.
    public let unitWritten: Bool
    /// The exact amount in bani when ``kind`` is `.value` or `.zero`.
    public let bani: Int64?

    /// Reads `raw`, taking `planUnit` for a bare number.
    public init(_ raw: String, planUnit: MoneyUnit = .lei) {
        self.raw = raw
        if let kind = CellKind.nonNumeric(raw) {
            (self.kind, unit, unitWritten, bani) = (kind, nil, false, nil)
            return
        }
        var body = raw.trimmingCharacters(in: .whitespaces)
        var written: MoneyUnit?
        for (suffix, unit) in [("mii lei", MoneyUnit.miiLei), ("lei", .lei), ("ron", .lei)] {
            if CellKind.folded(body).hasSuffix(suffix) {
                body = String(body.dropLast(suffix.count)).trimmingCharacters(in: .whitespaces)
                written = unit
                break
            }
        }
        let unit = written ?? planUnit
        guard let number = RomanianNumber(body), let bani = Self.bani(number, in: unit) else {
            (kind, self.unit, unitWritten, self.bani) = (.text, nil, false, nil)
            return
        }
        (kind, self.unit, unitWritten, self.bani) = (bani == 0 ? .zero : .value, unit, written != nil, bani)
    }

    /// The exact bani of a number in a unit, or `nil` when it is finer than one ban.
    private static func bani(_ number: RomanianNumber, in unit: MoneyUnit) -> Int64? {
        var scale: Int64 = 1
        for _ in 0..<number.fractionDigits { scale *= 10 }
        let (product, overflow) = number.units.multipliedReportingOverflow(by: unit.bani)
        guard !overflow, product % scale == 0 else { return nil }
        return product / scale
    }

    /// The amount, or zero for cells that hold none: what a column total counts.
    public var countedBani: Int64 { bani ?? 0 }
}

/// Formats amounts the way the documents do.
public enum Lei {
    /// `1500000` bani → `15.000 lei`; `1500050` → `15.000,50 lei`.
    public static func format(bani: Int64) -> String {
        let lei = bani.magnitude / 100, rest = bani.magnitude % 100
        return (bani < 0 ? "-" : "") + group(lei) + (rest == 0 ? "" : "," + (rest < 10 ? "0" : "") + String(rest)) + " lei"
    }

    /// Whole lei in bani, saturating: an absurd amount (many digits typed) cannot trap a view.
    public static func bani(lei: Int64) -> Int64 {
        lei.multipliedReportingOverflow(by: 100).overflow ? (lei < 0 ? .min : .max) : lei * 100
    }

    /// `15000` → `15.000`: thousands separated by dots.
    public static func group<N: BinaryInteger>(_ number: N) -> String {
        let digits = String(number.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped.append(".") }
            grouped.append(digit)
        }
        return (number < 0 ? "-" : "") + grouped
    }
}
