import Foundation
import PlansyncClientKit
import PlansyncCore
import PlansyncProtocol

/// What a refused form had typed, put back into the page so nothing the clerk wrote is lost.
enum KeptInput: Sendable {
    case nothing
    case field(path: String, value: String)
    /// A row's cells, or a new row's (`row` nil).
    case row(table: String, row: RowID?, values: [String: String])
    case act(ActName, values: [String: String])
}

/// The plan as a form shaped like the template: its sections in order, each field an input with
/// its own small form, each table editable row by row, with the reviewer's findings beside the
/// places they are about, the workflow acts of this account's role and the county's remarks.
///
/// A value type built from the plan as this computer has it; the page's templates lay it out.
struct PlanFormPage {
    let plan: PlanDocument
    let account: Account
    let findings: [Finding]
    let kept: KeptInput
    let language: PageLanguage

    /// The template's context (`plan.mustache`).
    var context: [String: Any] {
        let workflow = plan.workflow
        let latest = workflow.latest
        return [
            "planID": plan.id.rawValue,
            "subtitle": "SIRUTA \(plan.siruta) · \(communeWords["year", in: language]) \(plan.year) · \(communeWords["version", in: language]) \(latest.number): \(Self.word(latest.state, language))",
            "contentEditable": contentEditable,
            "sections": plan.schema.sections.enumerated().map { index, section in
                ["anchor": "s-\(index + 1)", "heading": plan.fields["headings.\(section.key)"]?.value.text ?? section.heading,
                 "items": section.items.map(item)] as [String: Any]
            },
            "versions": workflow.versions.map { ["number": String($0.number), "state": Self.word($0.state, language)] },
            "acts": ActForm.available(to: account, on: workflow).map(actContext),
            "hasActs": !ActForm.available(to: account, on: workflow).isEmpty,
            "remarks": workflow.remarks.map(remarkContext),
            "hasRemarks": !workflow.remarks.isEmpty,
        ].merging(Self.findingsContext(findings, language: language)) { $1 }.merging(["readOnlyReason": readOnlyReason].compactMapValues { $0 }) { $1 }
    }

    /// The findings region (`findings.mustache`): counts and each finding linked to its place.
    static func findingsContext(_ findings: [Finding], language: PageLanguage, problem: String? = nil) -> [String: Any] {
        // A key without a value is left out: the template engine would show it as a value.
        ["checkProblem": problem].compactMapValues { $0 }.merging([
            "errorCount": String(findings.count { $0.severity == .error }),
            "warningCount": String(findings.count { $0.severity == .warning }),
            "hasFindings": !findings.isEmpty,
            "findings": findings.map { finding in
                ["severity": finding.severity.rawValue, "severityWord": language == .ro ? finding.severity.romanian : finding.severity.rawValue,
                 "code": finding.code, "target": finding.path, "hasTarget": !finding.path.isEmpty,
                 "message": language == .ro ? finding.message : finding.messageEN] as [String: Any]
            },
        ]) { $1 }
    }

    // MARK: Parts

    /// Content is written in a draft, by the roles that write it.
    private var contentEditable: Bool {
        plan.workflow.draft != nil && roleWrites(.insertRow(table: "", position: "", fields: [:]))
    }

    private var readOnlyReason: String? {
        guard !contentEditable else { return nil }
        if !roleWrites(.insertRow(table: "", position: "", fields: [:])) { return Permissions.refusal(for: account.role, area: .content) }
        let latest = plan.workflow.latest
        return language == .ro
            ? "Versiunea \(latest.number) este \(latest.state.romanian) și nu se mai modifică. Pentru o schimbare, deschideți o modificare (Circuitul planului)."
            : "Version \(latest.number) is \(latest.state.rawValue) and no longer changes. To change it, open a modification (the plan's workflow)."
    }

    private func roleWrites(_ change: Change) -> Bool {
        (try? Permissions.checkRole(change, by: account)) != nil
    }

    private func fieldEditable(_ path: String) -> Bool {
        roleWrites(.setField(path: path, value: .null, supersedes: [])) && (PlanArea.of(field: path) != .content || plan.workflow.draft != nil)
    }

    private func item(_ item: TemplateSection.Item) -> [String: Any] {
        switch item {
        case .field(let field): ["field": fieldContext(field)]
        case .table(let table): ["table": tableContext(table)]
        }
    }

    private func fieldContext(_ field: FieldSchema) -> [String: Any] {
        var value = FormText.of(plan.fields[field.path]?.value ?? .null, kind: field.kind)
        if case .field(field.path, let typed) = kept { value = typed }
        return ["path": field.path, "label": field.label, "value": value, "multiline": field.kind == .text,
                "editable": fieldEditable(field.path)].merging(marks(field.path)) { $1 }
    }

    private func tableContext(_ table: TableSchema) -> [String: Any] {
        let rows = plan.visibleRows(of: table.name)
        let rowContexts = rows.enumerated().map { index, row -> [String: Any] in
            var typed: [String: String] = [:]
            if case .row(table.name, row.id, let values) = kept { typed = values }
            let place = index + 1
            return [
                "rowID": row.id.description, "place": String(place), "formID": "row-\(row.id)",
                "canUp": index > 0, "canDown": index < rows.count - 1,
                "cells": table.columns.map { column -> [String: Any] in
                    let path = "\(table.name)[\(place)].\(column.name)"
                    return ["inputID": path, "column": column.name, "columnLabel": column.label,
                            "value": typed[column.name] ?? FormText.of(row.fields[column.name]?.value ?? .null, kind: column.kind),
                            // What the form showed: a save sets only the cells the clerk changed.
                            "shown": FormText.of(row.fields[column.name]?.value ?? .null, kind: column.kind),
                            "checkPath": "\(table.name)[\(row.id)].\(column.name)", "size": Self.size(of: column.kind), "wide": column.kind == .text]
                        .merging(marks(path)) { $1 }
                },
            ]
        }
        var typedNew: [String: String] = [:]
        if case .row(table.name, nil, let values) = kept { typedNew = values }
        return [
            "tableName": table.name, "title": plan.fields["headings.\(table.name)"]?.value.text ?? table.title,
            "columns": table.columns.map { ["label": $0.label] },
            "rows": rowContexts, "hasRows": !rows.isEmpty,
            "newCells": table.columns.map { column -> [String: Any] in
                ["inputID": "new-\(table.name)-\(column.name)", "column": column.name, "columnLabel": column.label,
                 "value": typedNew[column.name] ?? "", "size": Self.size(of: column.kind), "wide": column.kind == .text]
            },
            "totals": table.writtenTotals ? table.columns.filter { table.totalled.contains($0.name) }.map { column -> [String: Any] in
                let path = "\(table.name).total.\(column.name)"
                return fieldContext(FieldSchema(path, column.kind, "\(communeWords["writtenTotal", in: language]) — \(column.label)"))
            } : [],
        ].merging(marks(table.name)) { $1 }
    }

    /// The findings about one place, for the marks beside it.
    private func marks(_ path: String) -> [String: Any] {
        let found = findings.filter { $0.path == path }
        return [
            "marks": found.map { ["code": $0.code, "message": language == .ro ? $0.message : $0.messageEN, "severity": $0.severity.rawValue] },
            "hasMarks": !found.isEmpty,
            "marked": !found.isEmpty, "severity": found.map(\.severity).min()?.rawValue ?? "",
        ]
    }

    private func actContext(_ form: ActForm) -> [String: Any] {
        var typed: [String: String] = [:]
        if case .act(form.act, let values) = kept { typed = values }
        return [
            "act": form.act.rawValue, "actTitle": communeWords["act.\(form.act.rawValue)", in: language],
            "inputs": form.inputs.map { input in
                ["inputID": "act-\(form.act.rawValue)-\(input.name)", "name": input.name, "label": communeWords["input.\(input.name)", in: language],
                 "value": typed[input.name] ?? "", "required": input.required, "whole": input.whole, "multiline": input.multiline] as [String: Any]
            },
        ]
    }

    private func remarkContext(_ remark: Remark) -> [String: Any] {
        var typed = ""
        if case .act(.answer, let values) = kept, values["remark"] == remark.id.description { typed = values["text"] ?? "" }
        let answerable = remark.answer == nil && ActForm.role(account.role, records: .answer) && plan.workflow.target(for: .answer) != nil
        return [
            "remarkID": remark.id.description, "author": remark.author, "remarkVersion": String(remark.version),
            "remarkText": remark.text, "remarkPath": remark.path ?? "", "hasRemarkPath": remark.path != nil,
            "answered": remark.answer != nil, "answerText": remark.answer?.text ?? "", "answerable": answerable, "typedAnswer": typed,
        ]
    }

    /// Inputs about as wide as what they hold.
    private static func size(of kind: ValueKind) -> String {
        switch kind {
        case .text: "24"
        case .reference: "18"
        case .date: "10"
        case .count, .money, .integer, .amount: "9"
        }
    }

    static func word(_ state: VersionState, _ language: PageLanguage) -> String {
        language == .ro ? state.romanian : state.rawValue
    }
}

/// A value as an input shows it and as the clerk would type it back: text as written, numbers
/// in digits, dates the Romanian way (`12.03.2024`); the same text posted back is no change.
enum FormText {
    static func of(_ value: Value, kind: ValueKind) -> String {
        switch value {
        case .null: ""
        case .integer(let number): String(number)
        case .text(let text) where kind == .date: CalendarDate(text)?.description ?? text
        case .text(let text): text
        default: value.description
        }
    }
}
