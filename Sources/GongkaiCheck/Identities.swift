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

/// One identity applied to one column, row or group of one report. It keeps the numbers; the
/// words (`message`, `messageZH`, `scope`, `scopeZH`) are made when asked for — a build checks
/// every report, and most results are only counted.
public struct IdentityResult: Hashable, Sendable {
    public enum Status: Hashable, Sendable {
        case holds
        /// The two sides differ.
        case breaks(left: Double, right: Double)
        /// A cell it needs is blank or unreadable: which ones.
        case notCheckable(blank: [String])
    }
    /// What was compared, with the figures: enough to say it in words.
    enum Detail: Hashable, Sendable {
        /// I1 on a column: 新收, 上年结转, 总计, 结转下年度 (nil when blank).
        case carryOver(column: String, values: [Double])
        /// I2 on a column: 总计 and the sum of the handling rows.
        case handling(column: String, total: Double, sum: Double)
        /// I3 on a row: the six applicants' sum and the 总计 cell.
        case applicants(row: String, sum: Double, total: Double)
        /// I4 on a group: 维持, 纠正, 其他, 尚未审结, 总计.
        case review(group: String, values: [Double])
    }
    public let identity: Identity
    public let status: Status
    public let line: Int?
    let detail: Detail

    public var holds: Bool { status == .holds }
    public var isBreak: Bool { if case .breaks = status { return true }; return false }

    static func n(_ v: Double) -> String { JSON.format(v) }

    /// The column, row or group it was applied to, e.g. `自然人 column`.
    public var scope: String {
        switch detail {
        case .carryOver(let c, _), .handling(let c, _, _): return "\(c) column"
        case .applicants(let r, _, _): return "row \(r)"
        case .review(let g, _): return g
        }
    }

    /// The scope in Chinese, for the portal's pages (`自然人列`, …).
    public var scopeZH: String {
        switch detail {
        case .carryOver(let c, _), .handling(let c, _, _): return "\(c)列"
        case .applicants(let r, _, _): return "\(r) 行"
        case .review(let g, _): return g
        }
    }

    /// The equation with the report's numbers, in plain words.
    public var message: String {
        let n = IdentityResult.n
        let scope = self.scope
        switch (detail, status) {
        case (.carryOver, .notCheckable(let blanks)):
            return "新收 + 上年结转 = 总计 + 结转下年度 cannot be checked (\(scope)): \(blanks.joined(separator: ", ")) \(blanks.count > 1 ? "are" : "is") blank"
        case (.carryOver(_, let v), _):
            let left = v[0] + v[1], right = v[2] + v[3]
            return left == right
                ? "新收 \(n(v[0])) + 上年结转 \(n(v[1])) = 总计 \(n(v[2])) + 结转下年度 \(n(v[3])) = \(n(left)) (\(scope))"
                : "新收 \(n(v[0])) + 上年结转 \(n(v[1])) = \(n(left)), but 总计 \(n(v[2])) + 结转下年度 \(n(v[3])) = \(n(right)) (\(scope))"
        case (.handling, .notCheckable(let blank)):
            return "总计 = sum of the handling rows cannot be checked (\(scope)): \(blank.count) blank cell\(blank.count > 1 ? "s" : "") (\(blank.prefix(3).joined(separator: ", "))\(blank.count > 3 ? ", …" : ""))"
        case (.handling(_, let t, let sum), _):
            return sum == t
                ? "the handling rows add up to 总计 \(n(t)) (\(scope))"
                : "总计 is \(n(t)), but the handling rows (三（一）to（六）) add up to \(n(sum)) (\(scope))"
        case (.applicants, .notCheckable(let blank)):
            return "the applicant cells of \(scope) cannot be added up: \(blank.joined(separator: ", ")) \(blank.count > 1 ? "are" : "is") blank"
        case (.applicants(_, let sum, let t), _):
            return sum == t
                ? "\(scope): the six applicant cells add up to 总计 \(n(t))"
                : "\(scope): the six applicant cells add up to \(n(sum)), but 总计 is \(n(t))"
        case (.review(let g, _), .notCheckable(let blank)):
            return "\(g): 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计 cannot be checked: \(blank.count == 5 ? "all five cells are" : blank.joined(separator: ", ") + (blank.count > 1 ? " are" : " is")) blank"
        case (.review(let g, let v), _):
            let sum = v[0] + v[1] + v[2] + v[3]
            return sum == v[4]
                ? "\(g): 维持 \(n(v[0])) + 纠正 \(n(v[1])) + 其他 \(n(v[2])) + 尚未审结 \(n(v[3])) = 总计 \(n(v[4]))"
                : "\(g): 维持 \(n(v[0])) + 纠正 \(n(v[1])) + 其他 \(n(v[2])) + 尚未审结 \(n(v[3])) = \(n(sum)), but 总计 is \(n(v[4]))"
        }
    }

    /// `message` in Chinese, for the portal's pages.
    public var messageZH: String {
        let n = IdentityResult.n
        let zhScope = self.scopeZH
        switch (detail, status) {
        case (.carryOver, .notCheckable(let blanks)):
            return "无法核对 新收 + 上年结转 = 总计 + 结转下年度（\(zhScope)）：\(blanks.joined(separator: "、"))为空"
        case (.carryOver(_, let v), _):
            let left = v[0] + v[1], right = v[2] + v[3]
            return left == right
                ? "新收 \(n(v[0])) + 上年结转 \(n(v[1])) = 总计 \(n(v[2])) + 结转下年度 \(n(v[3])) = \(n(left))（\(zhScope)）"
                : "新收 \(n(v[0])) + 上年结转 \(n(v[1])) = \(n(left))，但 总计 \(n(v[2])) + 结转下年度 \(n(v[3])) = \(n(right))（\(zhScope)）"
        case (.handling, .notCheckable(let blank)):
            return "无法核对 总计 与各办理结果之和（\(zhScope)）：\(blank.count) 个空格（\(blank.prefix(3).joined(separator: "、"))\(blank.count > 3 ? "等" : "")）"
        case (.handling(_, let t, let sum), _):
            return sum == t
                ? "各办理结果之和等于 总计 \(n(t))（\(zhScope)）"
                : "总计 为 \(n(t))，但 三（一）至（六）各办理结果之和为 \(n(sum))（\(zhScope)）"
        case (.applicants, .notCheckable(let blank)):
            return "无法核对\(zhScope)的申请人之和：\(blank.joined(separator: "、"))为空"
        case (.applicants(_, let sum, let t), _):
            return sum == t
                ? "\(zhScope)：六类申请人之和等于 总计 \(n(t))"
                : "\(zhScope)：六类申请人之和为 \(n(sum))，但 总计 为 \(n(t))"
        case (.review(let g, _), .notCheckable(let blank)):
            return "\(g)无法核对 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计：\(blank.count == 5 ? "五格均为空" : blank.joined(separator: "、") + "为空")"
        case (.review(let g, let v), _):
            let sum = v[0] + v[1] + v[2] + v[3]
            return sum == v[4]
                ? "\(g)：维持 \(n(v[0])) + 纠正 \(n(v[1])) + 其他 \(n(v[2])) + 尚未审结 \(n(v[3])) = 总计 \(n(v[4]))"
                : "\(g)：维持 \(n(v[0])) + 纠正 \(n(v[1])) + 其他 \(n(v[2])) + 尚未审结 \(n(v[3])) = \(n(sum))，但 总计 为 \(n(v[4]))"
        }
    }
}

/// Applies the identities to a record.
public enum IdentityChecker {
    public static func check(_ report: Report) -> [IdentityResult] {
        var out: [IdentityResult] = []
        out.reserveCapacity(48)
        if let a = report.applications { checkApplications(a, into: &out) }
        if let r = report.reviewLitigation { checkReview(r, into: &out) }
        return out
    }

    /// The findings a report's identity results give: a warning for each break, and one for
    /// each identity that could not be checked because of blank cells.
    public static func diagnostics(for results: [IdentityResult]) -> [Diagnostic] {
        results.compactMap { r in
            switch r.status {
            case .holds: return nil
            case .breaks: return .warning(r.message, zh: r.messageZH, line: r.line, kind: .identityBreak)
            case .notCheckable: return .warning(r.message, zh: r.messageZH, line: r.line, kind: .identityUnchecked)
            }
        }
    }

    static func label(_ key: String) -> String {
        switch key {
        case "received": return "新收"
        case "carried_over": return "上年结转"
        case "total": return "总计"
        case "carried_forward": return "结转下年度"
        default: return FormSchema.applicationRow(key)?.label ?? key
        }
    }

    static let carryKeys = ["received", "carried_over", "total", "carried_forward"]

    static func checkApplications(_ a: Applications, into out: inout [IdentityResult]) {
        let columns = FormSchema.applicantColumns
        let handling = a.rows.filter { $0.spec.isHandling }
        let carryRows = carryKeys.map { a[$0] }
        let totalRow = a["total"]
        for (c, column) in columns.enumerated() {
            // I1
            let cells = carryRows.map { $0?[c] }
            let line = totalRow?[c].line
            if cells.contains(where: { $0?.isNumber != true }) {
                let blanks = zip(carryKeys, cells).filter { $1?.isNumber != true }.map { label($0.0) }
                out.append(.init(identity: .carryOver, status: .notCheckable(blank: blanks), line: line, detail: .carryOver(column: column.label, values: [])))
            } else {
                let v = cells.map { $0!.value! }
                let left = v[0] + v[1], right = v[2] + v[3]
                out.append(.init(identity: .carryOver, status: left == right ? .holds : .breaks(left: left, right: right), line: line,
                                 detail: .carryOver(column: column.label, values: v)))
            }
            // I2
            if let total = totalRow?[c] {
                var sum = 0.0
                var anyBlank = !total.isNumber
                for row in handling {
                    let h = row.cells[c]
                    if h.isNumber { sum += h.value! } else { anyBlank = true }
                }
                if anyBlank {
                    let blank = (total.isNumber ? [] : ["总计"]) + handling.filter { !$0.cells[c].isNumber }.map(\.spec.label)
                    out.append(.init(identity: .handlingTotal, status: .notCheckable(blank: blank), line: total.line, detail: .handling(column: column.label, total: 0, sum: 0)))
                } else {
                    let t = total.value!
                    out.append(.init(identity: .handlingTotal, status: sum == t ? .holds : .breaks(left: t, right: sum), line: total.line,
                                     detail: .handling(column: column.label, total: t, sum: sum)))
                }
            }
        }
        // I3
        for row in a.rows {
            let line = row.cells.last?.line ?? row.cells.first(where: { $0.line != nil })?.line
            if zip(columns, row.cells).contains(where: { !$1.isNumber }) {
                let blank = zip(columns, row.cells).filter { !$1.isNumber }.map { $0.0.label }
                out.append(.init(identity: .applicantTotal, status: .notCheckable(blank: blank), line: line, detail: .applicants(row: row.spec.label, sum: 0, total: 0)))
                continue
            }
            let sum = row.cells.prefix(6).reduce(0.0) { $0 + $1.value! }
            let t = row.cells[6].value!
            out.append(.init(identity: .applicantTotal, status: sum == t ? .holds : .breaks(left: sum, right: t), line: line,
                             detail: .applicants(row: row.spec.label, sum: sum, total: t)))
        }
    }

    static func checkReview(_ r: ReviewLitigation, into out: inout [IdentityResult]) {
        let labels = FormSchema.reviewFields.map(\.label)
        for (g, spec) in zip(r.groups, FormSchema.reviewGroups) {
            let line = g.cells.first(where: { $0.line != nil })?.line
            if zip(labels, g.cells).contains(where: { !$1.isNumber }) {
                let blank = zip(labels, g.cells).filter { !$1.isNumber }.map(\.0)
                out.append(.init(identity: .reviewTotal, status: .notCheckable(blank: blank), line: line, detail: .review(group: spec.label, values: [])))
                continue
            }
            let v = g.cells.map { $0.value! }
            let sum = v[0] + v[1] + v[2] + v[3]
            out.append(.init(identity: .reviewTotal, status: sum == v[4] ? .holds : .breaks(left: sum, right: v[4]), line: line,
                             detail: .review(group: spec.label, values: v)))
        }
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
