import GongkaiCore

/// The form's accounting identities (勾稽关系), numbered as in the data contract.
public enum Identity: Int, Hashable, Sendable, CaseIterable {
    /// 新收 + 上年结转 = 总计 + 结转下年度, per column.
    case carryOver = 1
    /// 总计 = the sum of the handling rows, per column.
    case handlingTotal = 2
    /// The six applicant cells add up to the 总计 cell, per row.
    case applicantTotal = 3
    /// 维持 + 纠正 + 其他 + 尚未审结 = 总计, per review/litigation group.
    case reviewTotal = 4

    public var name: String { "I\(rawValue)" }

    public var statement: String {
        switch self {
        case .carryOver: return "本年新收 + 上年结转 = 总计 + 结转下年度（每一列）"
        case .handlingTotal: return "总计 = 予以公开 + 部分公开 + 不予公开 + 无法提供 + 不予处理 + 其他处理 各行之和（每一列）"
        case .applicantTotal: return "每一行：六类申请人之和 = 总计列"
        case .reviewTotal: return "行政复议、行政诉讼每组：结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计"
        }
    }
}

/// One identity applied to one column, row or group of one report.
public struct IdentityResult: Hashable, Sendable {
    public enum Status: Hashable, Sendable {
        case holds
        /// The two sides differ.
        case breaks(left: Double, right: Double)
        /// A cell it needs is blank or unreadable: which ones.
        case notCheckable(blank: [String])
    }
    public let identity: Identity
    /// The column, row or group it was applied to, e.g. `自然人 column`.
    public let scope: String
    public let status: Status
    /// The equation with the report's numbers, in plain words.
    public let message: String
    public let line: Int?
    /// The scope and the message in Chinese, for the portal's pages (`自然人列`, …).
    public let scopeZH: String
    public let messageZH: String

    public var holds: Bool { status == .holds }
    public var isBreak: Bool { if case .breaks = status { return true }; return false }
}

/// Applies the identities to a record.
public enum IdentityChecker {
    public static func check(_ report: Report) -> [IdentityResult] {
        var out: [IdentityResult] = []
        if let a = report.applications { out += checkApplications(a) }
        if let r = report.reviewLitigation { out += checkReview(r) }
        return out
    }

    /// The findings a report's identity results give: a warning for each break, and one for
    /// each identity that could not be checked because of blank cells.
    public static func diagnostics(for results: [IdentityResult]) -> [Diagnostic] {
        results.compactMap { r in
            switch r.status {
            case .holds: return nil
            case .breaks: return .warning(r.message, line: r.line)
            case .notCheckable: return .warning(r.message, line: r.line)
            }
        }
    }

    static func n(_ v: Double) -> String { JSON.format(v) }

    static func checkApplications(_ a: Applications) -> [IdentityResult] {
        var out: [IdentityResult] = []
        let columns = FormSchema.applicantColumns
        let handling = a.rows.filter { $0.spec.isHandling }
        func cell(_ key: String, _ c: Int) -> Cell? { a[key]?[c] }
        func label(_ key: String) -> String {
            switch key {
            case "received": return "新收"
            case "carried_over": return "上年结转"
            case "total": return "总计"
            case "carried_forward": return "结转下年度"
            default: return FormSchema.applicationRow(key)?.label ?? key
            }
        }

        for (c, column) in columns.enumerated() {
            let scope = "\(column.label) column"
            let zhScope = "\(column.label)列"
            // I1
            let keys = ["received", "carried_over", "total", "carried_forward"]
            let cells = keys.map { cell($0, c) }
            let line = cell("total", c)?.line
            let blanks = zip(keys, cells).filter { $1?.isNumber != true }.map { label($0.0) }
            if !blanks.isEmpty {
                out.append(.init(identity: .carryOver, scope: scope, status: .notCheckable(blank: blanks),
                                 message: "新收 + 上年结转 = 总计 + 结转下年度 cannot be checked (\(scope)): \(blanks.joined(separator: ", ")) \(blanks.count > 1 ? "are" : "is") blank", line: line,
                                 scopeZH: zhScope, messageZH: "无法核对 新收 + 上年结转 = 总计 + 结转下年度（\(zhScope)）：\(blanks.joined(separator: "、"))为空"))
            } else {
                let v = cells.map { $0!.value! }
                let left = v[0] + v[1], right = v[2] + v[3]
                let msg = left == right
                    ? "新收 \(n(v[0])) + 上年结转 \(n(v[1])) = 总计 \(n(v[2])) + 结转下年度 \(n(v[3])) = \(n(left)) (\(scope))"
                    : "新收 \(n(v[0])) + 上年结转 \(n(v[1])) = \(n(left)), but 总计 \(n(v[2])) + 结转下年度 \(n(v[3])) = \(n(right)) (\(scope))"
                let zh = left == right
                    ? "新收 \(n(v[0])) + 上年结转 \(n(v[1])) = 总计 \(n(v[2])) + 结转下年度 \(n(v[3])) = \(n(left))（\(zhScope)）"
                    : "新收 \(n(v[0])) + 上年结转 \(n(v[1])) = \(n(left))，但 总计 \(n(v[2])) + 结转下年度 \(n(v[3])) = \(n(right))（\(zhScope)）"
                out.append(.init(identity: .carryOver, scope: scope, status: left == right ? .holds : .breaks(left: left, right: right), message: msg, line: line,
                                 scopeZH: zhScope, messageZH: zh))
            }
            // I2
            let hcells = handling.map { ($0, $0.cells[c]) }
            let hblank = hcells.filter { !$0.1.isNumber }.map { $0.0.spec.label }
            if let total = cell("total", c) {
                if !total.isNumber || !hblank.isEmpty {
                    let blank = (total.isNumber ? [] : ["总计"]) + hblank
                    out.append(.init(identity: .handlingTotal, scope: scope, status: .notCheckable(blank: blank),
                                     message: "总计 = sum of the handling rows cannot be checked (\(scope)): \(blank.count) blank cell\(blank.count > 1 ? "s" : "") (\(blank.prefix(3).joined(separator: ", "))\(blank.count > 3 ? ", …" : ""))", line: total.line,
                                     scopeZH: zhScope, messageZH: "无法核对 总计 与各办理结果之和（\(zhScope)）：\(blank.count) 个空格（\(blank.prefix(3).joined(separator: "、"))\(blank.count > 3 ? "等" : "")）"))
                } else {
                    let sum = hcells.reduce(0.0) { $0 + $1.1.value! }
                    let t = total.value!
                    let msg = sum == t
                        ? "the handling rows add up to 总计 \(n(t)) (\(scope))"
                        : "总计 is \(n(t)), but the handling rows (三（一）to（六）) add up to \(n(sum)) (\(scope))"
                    let zh = sum == t
                        ? "各办理结果之和等于 总计 \(n(t))（\(zhScope)）"
                        : "总计 为 \(n(t))，但 三（一）至（六）各办理结果之和为 \(n(sum))（\(zhScope)）"
                    out.append(.init(identity: .handlingTotal, scope: scope, status: sum == t ? .holds : .breaks(left: t, right: sum), message: msg, line: total.line,
                                     scopeZH: zhScope, messageZH: zh))
                }
            }
        }
        // I3
        for row in a.rows {
            let scope = "row \(row.spec.label)"
            let zhScope = "\(row.spec.label) 行"
            let six = row.cells.prefix(6)
            let blank = zip(columns, row.cells).filter { !$1.isNumber }.map { $0.0.label }
            let line = row.cells.last?.line ?? row.cells.first(where: { $0.line != nil })?.line
            if !blank.isEmpty {
                out.append(.init(identity: .applicantTotal, scope: scope, status: .notCheckable(blank: blank),
                                 message: "the applicant cells of \(scope) cannot be added up: \(blank.joined(separator: ", ")) \(blank.count > 1 ? "are" : "is") blank", line: line,
                                 scopeZH: zhScope, messageZH: "无法核对\(zhScope)的申请人之和：\(blank.joined(separator: "、"))为空"))
                continue
            }
            let sum = six.reduce(0.0) { $0 + $1.value! }
            let t = row.cells[6].value!
            let msg = sum == t
                ? "\(scope): the six applicant cells add up to 总计 \(n(t))"
                : "\(scope): the six applicant cells add up to \(n(sum)), but 总计 is \(n(t))"
            let zh = sum == t
                ? "\(zhScope)：六类申请人之和等于 总计 \(n(t))"
                : "\(zhScope)：六类申请人之和为 \(n(sum))，但 总计 为 \(n(t))"
            out.append(.init(identity: .applicantTotal, scope: scope, status: sum == t ? .holds : .breaks(left: sum, right: t), message: msg, line: line,
                             scopeZH: zhScope, messageZH: zh))
        }
        return out
    }

    static func checkReview(_ r: ReviewLitigation) -> [IdentityResult] {
        var out: [IdentityResult] = []
        let labels = FormSchema.reviewFields.map(\.label)
        for (g, spec) in zip(r.groups, FormSchema.reviewGroups) {
            let blank = zip(labels, g.cells).filter { !$1.isNumber }.map(\.0)
            let line = g.cells.first(where: { $0.line != nil })?.line
            if !blank.isEmpty {
                out.append(.init(identity: .reviewTotal, scope: spec.label, status: .notCheckable(blank: blank),
                                 message: "\(spec.label): 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计 cannot be checked: \(blank.count == 5 ? "all five cells are" : blank.joined(separator: ", ") + (blank.count > 1 ? " are" : " is")) blank", line: line,
                                 scopeZH: spec.label, messageZH: "\(spec.label)无法核对 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计：\(blank.count == 5 ? "五格均为空" : blank.joined(separator: "、") + "为空")"))
                continue
            }
            let v = g.cells.map { $0.value! }
            let sum = v[0] + v[1] + v[2] + v[3]
            let msg = sum == v[4]
                ? "\(spec.label): 维持 \(n(v[0])) + 纠正 \(n(v[1])) + 其他 \(n(v[2])) + 尚未审结 \(n(v[3])) = 总计 \(n(v[4]))"
                : "\(spec.label): 维持 \(n(v[0])) + 纠正 \(n(v[1])) + 其他 \(n(v[2])) + 尚未审结 \(n(v[3])) = \(n(sum)), but 总计 is \(n(v[4]))"
            let zh = sum == v[4]
                ? "\(spec.label)：维持 \(n(v[0])) + 纠正 \(n(v[1])) + 其他 \(n(v[2])) + 尚未审结 \(n(v[3])) = 总计 \(n(v[4]))"
                : "\(spec.label)：维持 \(n(v[0])) + 纠正 \(n(v[1])) + 其他 \(n(v[2])) + 尚未审结 \(n(v[3])) = \(n(sum))，但 总计 为 \(n(v[4]))"
            out.append(.init(identity: .reviewTotal, scope: spec.label, status: sum == v[4] ? .holds : .breaks(left: sum, right: v[4]), message: msg, line: line,
                             scopeZH: spec.label, messageZH: zh))
        }
        return out
    }
}

/// A record together with the results of its identity checks; the breaks are also in its
/// diagnostics.
public struct CheckedReport: Hashable, Sendable {
    public var report: Report
    public var identities: [IdentityResult]

    public init(_ report: Report) {
        var r = report
        let results = IdentityChecker.check(report)
        r.diagnostics += IdentityChecker.diagnostics(for: results)
        self.report = r
        self.identities = results
    }
}
