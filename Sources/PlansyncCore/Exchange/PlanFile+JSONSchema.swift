import Foundation
import PlansyncProtocol

extension PlanFile {
    /// The JSON Schema (draft 2020-12) of plan files, generated from the template versions so the
    /// document cannot drift from the code: `Protocol/plan.schema.json` is this, and a test holds
    /// the committed file to it (`plansync plan fields --json-schema` prints it).
    public static var jsonSchema: Data {
        let versions = PlanSchema.versions
        let cell: JSONValue = .object([("enum", .array(CellKind.allCases.map { .string($0.rawValue) }))])
        let definitions: [(String, JSONValue)] = [
            ("text", .object([("type", .string("string"))])),
            ("date", .object([("type", .string("string")), ("pattern", .string(#"^\d{4}-\d{2}-\d{2}$"#)), ("description", .string("A calendar date, YYYY-MM-DD."))])),
            ("integer", .object([("type", .string("integer")), ("description", .string("First template only: a whole number (lei for amounts)."))])),
            ("count", cellSchema("A count as written: the raw text, how it reads (kind), and the number when it has one. Import also accepts the raw text alone.",
                                 [("kind", cell), ("value", .object([("type", .string("integer"))]))])),
            ("money", cellSchema("A budget cell as written: the raw text, how it reads, and for a number its unit and the exact amount in bani (1 leu = 100 bani). Import also accepts the raw text alone.",
                                 [("kind", cell), ("unit", .object([("enum", .array([.string("lei"), .string("mii lei")]))])), ("bani", .object([("type", .string("integer"))]))])),
            ("reference", cellSchema("A registration reference as written (\"Nr. 1143/12.03.2024\"): the raw text, how it reads, the number, date and year read from it. Import also accepts the raw text alone.",
                                     [("kind", .object([("enum", .array(["reference", "placeholder", "nu-este-cazul", "empty", "text"].map(JSONValue.string)))])),
                                      ("number", .object([("type", .string("string"))])),
                                      ("date", .object([("$ref", .string("#/$defs/date"))])), ("year", .object([("type", .string("integer"))]))])),
        ] + versions.flatMap { schema in
            [("\(schema.template).fields", objectSchema(schema.fields)),
             ("\(schema.template).tables", .object([
                ("type", .string("object")), ("additionalProperties", .bool(false)),
                ("properties", .object(JSONObject(schema.tables.map { table in
                    (table.name, .object([("description", .string(table.title)), ("type", .string("array")),
                                          ("items", objectSchema(table.columns))]))
                }))),
             ]))]
        }
        return JSONWriter.pretty(.object([
            ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
            ("title", .string("plansync plan file (\(format))")),
            ("description", .string("The content of one annual action plan for social services (Ordinul MMJS 1086/2018), as `plansync plan export` writes it and `plansync plan import` reads it. Members follow the template's order; dotted template paths are nested objects (uat.name → {\"uat\": {\"name\": …}}); a table is a list of rows in display order. Generated from the template versions; do not edit by hand.")),
            ("type", .string("object")),
            ("required", .array(["format", "template", "siruta", "year"].map(JSONValue.string))),
            ("additionalProperties", .bool(false)),
            ("properties", .object([
                ("format", .object([("const", .string(format))])),
                ("template", .object([("enum", .array(versions.map { .string($0.template) })), ("description", .string("The template version the plan follows."))])),
                ("siruta", .object([("type", .string("integer")), ("minimum", .integer(1)), ("maximum", .integer(999_999)), ("description", .string("The UAT's SIRUTA code."))])),
                ("year", .object([("type", .string("integer")), ("minimum", .integer(Int64(OperationRules.years.lowerBound))), ("maximum", .integer(Int64(OperationRules.years.upperBound)))])),
                ("fields", .object([("type", .string("object"))])),
                ("tables", .object([("type", .string("object"))])),
            ])),
            ("allOf", .array(versions.map { schema in
                .object([
                    ("if", .object([("properties", .object([("template", .object([("const", .string(schema.template))]))]))])),
                    ("then", .object([("properties", .object([
                        ("fields", .object([("$ref", .string("#/$defs/\(schema.template).fields"))])),
                        ("tables", .object([("$ref", .string("#/$defs/\(schema.template).tables"))])),
                    ]))])),
                ])
            })),
            ("$defs", .object(JSONObject(definitions))),
        ]))
    }

    private static func cellSchema(_ description: String, _ readings: [(String, JSONValue)]) -> JSONValue {
        .object([
            ("description", .string(description)),
            ("oneOf", .array([
                .object([("type", .string("string"))]),
                .object([("type", .string("object")), ("required", .array([.string("raw")])), ("additionalProperties", .bool(false)),
                         ("properties", .object(JSONObject([("raw", .object([("type", .string("string"))]))] + readings)))]),
            ])),
        ])
    }

    /// Nested object schemas for dotted leaf paths, in order.
    private static func objectSchema(_ leaves: [FieldSchema]) -> JSONValue {
        var order: [String] = []
        var groups: [String: [FieldSchema]] = [:]
        var members: [String: JSONValue] = [:]
        for leaf in leaves {
            let parts = leaf.path.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 1 {
                order.append(leaf.path)
                members[leaf.path] = .object([("$ref", .string("#/$defs/\(leaf.kind.rawValue == "amount" ? "integer" : leaf.kind.rawValue)")), ("description", .string(leaf.label))])
            } else {
                if groups[parts[0]] == nil { order.append(parts[0]) }
                groups[parts[0], default: []].append(FieldSchema(parts[1], leaf.kind, leaf.label))
            }
        }
        return .object([
            ("type", .string("object")), ("additionalProperties", .bool(false)),
            ("properties", .object(JSONObject(order.map { name in (name, members[name] ?? objectSchema(groups[name]!)) }))),
        ])
    }
}
