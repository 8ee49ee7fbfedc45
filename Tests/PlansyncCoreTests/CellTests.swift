import Foundation
import PlansyncCore
import PlansyncProtocol
import Testing

@Suite("Cells as written")
struct CellTests {
    @Test("a count cell keeps its kind and raw text", arguments: [
        ("45", CellKind.value, Int64(45)), ("0", .zero, 0), ("1.250", .value, 1250), ("-", .dash, nil), ("–", .dash, nil),
        ("", .empty, nil), ("  ", .empty, nil), ("nu este cazul", .notApplicable, nil), ("Nu Este Cazul.", .notApplicable, nil),
        ("*", .placeholder, nil), ("____", .placeholder, nil), ("-.....", .dash, nil), (".....", .placeholder, nil), ("Nu se aplică", .notApplicable, nil),
        ("În funcție de numărul de cazuri", .text, nil), ("1.5", .text, nil), ("2,5", .text, nil),
    ] as [(String, CellKind, Int64?)])
    func count(raw: String, kind: CellKind, number: Int64?) {
        let cell = CountCell(raw)
        #expect(cell.raw == raw && cell.kind == kind && cell.number == number)
    }

    @Test("money is exact, in bani, with the unit it was written in", arguments: [
        ("15.000", MoneyUnit.lei, CellKind.value, Int64(1_500_000), MoneyUnit.lei, false),
        ("15 000", .lei, .value, 1_500_000, .lei, false),
        ("7050 lei", .lei, .value, 705_000, .lei, true),
        ("1.234,56", .lei, .value, 123_456, .lei, false),
        ("12,5", .miiLei, .value, 1_250_000, .miiLei, false),
        ("140", .miiLei, .value, 14_000_000, .miiLei, false),
        ("2 mii lei", .lei, .value, 200_000, .miiLei, true),
        ("0", .lei, .zero, 0, .lei, false),
        ("0,001", .lei, .text, nil, nil, false),
    ] as [(String, MoneyUnit, CellKind, Int64?, MoneyUnit?, Bool)])
    func money(raw: String, planUnit: MoneyUnit, kind: CellKind, bani: Int64?, unit: MoneyUnit?, written: Bool) {
        let cell = MoneyCell(raw, planUnit: planUnit)
        #expect(cell.kind == kind && cell.bani == bani && cell.unit == unit && cell.unitWritten == written, "\(raw)")
    }

    @Test("amounts print the Romanian way")
    func formatting() {
        #expect(Lei.format(bani: 1_500_000) == "15.000 lei")
        #expect(Lei.format(bani: 123_456) == "1.234,56 lei")
        #expect(Lei.format(bani: 5) == "0,05 lei")
        #expect(Lei.format(bani: -100_000_000) == "-1.000.000 lei")
        #expect(CalendarDate("2024-03-12")?.description == "12.03.2024")
    }

    @Test("registration references keep number and date as written", arguments: [
        ("Nr. 1143/12.03.2024", RegistrationReference.Kind.reference, "1143", "2024-03-12", 2024),
        ("1/5552/20.03.2024", .reference, "1/5552", "2024-03-20", 2024),
        ("nr. 1665 / 02.03.2017", .reference, "1665", "2017-03-02", 2017),
        ("Hotărârea Consiliului Local nr. 83 din data de 14.12.2017", .reference, "83", "2017-12-14", 2017),
        ("HOTĂRÂREA NR. 21 DIN 28.02.2019", .reference, "21", "2019-02-28", 2019),
        ("HCJ 39/2026", .reference, "39", nil, 2026),
        ("Nr. _____ / _____", .placeholder, nil, nil, nil),
        ("aprobată prin Hotărârea Consiliului Local nr..... din data.....", .placeholder, nil, nil, nil),
        ("Procesul-verbal nr. din", .placeholder, nil, nil, nil),
        ("nu este cazul", .notApplicable, nil, nil, nil),
        ("adresă transmisă prin e-mail", .text, nil, nil, nil),
    ] as [(String, RegistrationReference.Kind, String?, String?, Int?)])
    func references(raw: String, kind: RegistrationReference.Kind, number: String?, date: String?, year: Int?) {
        let reference = RegistrationReference(raw)
        #expect(reference.kind == kind && reference.number == number && reference.date?.iso == date && reference.year == year, "\(raw)")
    }

    @Test("service codes are read through the spacing and dashes of real documents")
    func serviceCodes() {
        #expect(ServiceCode("8810 ID - IV")?.description == "8810 ID-IV")
        #expect(ServiceCode("8810 ID IV")?.description == "8810 ID-IV")
        #expect(ServiceCode("8899 CZ – PN – V")?.description == "8899 CZ-PN-V")
        #expect(ServiceCode("8790 CR-D-I")?.isResidential == true)
        #expect(ServiceCode("8810 ID-V-IV") == nil, "home care has no category")
        #expect(ServiceCode("1234 CZ-V-I") == nil, "not a social work CAEN class")
        #expect(ServiceCode("asistent personal") == nil)
        #expect(ServiceNomenclator.shipped.contains(ServiceCode("8899 CZ – VD - I")!))
    }

    @Test("every SIRUTA code of the shipped list is valid; the check digit catches typos")
    func siruta() throws {
        let registry = SirutaRegistry.shipped
        #expect(registry.uats.count == 3181)
        #expect(registry.uats.keys.filter { !$0.hasValidCheckDigit }.count == 68, "codes of the official list that break the rule")
        #expect(Siruta(80980).hasValidCheckDigit && Siruta(123601).hasValidCheckDigit && Siruta(95471).hasValidCheckDigit)
        #expect(!Siruta(80981).hasValidCheckDigit)
        var author = Author("d1")
        for code in registry.uats.keys.prefix(200) + [Siruta(9026)] {
            let plan = try PlanDocument.created(by: author.operation(on: nil, .createPlan(siruta: code, year: 2025)))
            #expect(!PlanValidator().check(plan).findings.contains { $0.code == "siruta-valid" }, "\(code)")
        }
        let typo = try PlanDocument.created(by: author.operation(on: nil, .createPlan(siruta: Siruta(80981), year: 2025)))
        #expect(PlanValidator().check(typo).findings.first { $0.code == "siruta-valid" }?.message.contains("cifra de control") == true)
    }
}
