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
    /// What was compared, with the figures: enough to say it in words. Columns, rows and groups
    /// are places in the form (`FormSchema`), not their labels: a build checks every report,
    /// and most results are only counted.
    enum Detail: Hashable, Sendable {
        /// I1 on a column: 新收, 上年结转, 总计, 结转下年度 (zero when not checkable).
        case carryOver(column: Int, values: Figures)
        /// I2 on a column: 总计 and the sum of the handling rows.
        case handling(column: Int, total: Double, sum: Double)
        /// I3 on a row (its place in `FormSchema.applicationRows`, or -1 and its key): the six
        /// applicants' sum and the 总计 cell.
        case applicants(row: Int, key: String, sum: Double, total: Double)
        /// I4 on a group: 维持, 纠正, 其他, 尚未审结, 总计.
        case review(group: Int, values: Figures)
    }
    /// Up to five figures, without an array each.
    struct Figures: Hashable, Sendable {
        var v0 = 0.0, v1 = 0.0, v2 = 0.0, v3 = 0.0, v4 = 0.0
        subscript(i: Int) -> Double {
            switch i { case 0: return v0; case 1: return v1; case 2: return v2; case 3: return v3; default: return v4 }
        }
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
        case .carryOver(let c, _), .handling(let c, _, _): return "\(IdentityResult.column(c)) column"
        case .applicants(let r, let key, _, _): return "row \(IdentityResult.row(r, key))"
        case .review(let g, _): return IdentityResult.group(g)
        }
    }

    /// Where in the form the column, row or group it was applied to is (its place among the
    /// applicant columns, the rows of table 三 or the groups of table 四); nil for a row the
    /// form does not have. With `identity`, it tells results apart without their words.
    public var scopeIndex: Int? {
        switch detail {
        case .carryOver(let c, _), .handling(let c, _, _): return c
        case .applicants(let r, _, _, _): return r >= 0 ? r : nil
        case .review(let g, _): return g
        }
    }

    static func column(_ c: Int) -> String { FormSchema.applicantColumns[c].label }
    static func row(_ r: Int, _ key: String) -> String { r >= 0 ? FormSchema.applicationRows[r].label : key }
    static func group(_ g: Int) -> String { FormSchema.reviewGroups[g].label }

    /// The scope in Chinese, for the portal's pages (`自然人列`, …).
    public var scopeZH: String {
        switch detail {
        case .carryOver(let c, _), .handling(let c, _, _): return "\(IdentityResult.column(c))列"
        case .applicants(let r, let key, _, _): return "\(IdentityResult.row(r, key)) 行"
        case .review(let g, _): return IdentityResult.group(g)
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
        case (.applicants(_, _, let sum, let t), _):
            return sum == t
                ? "\(scope): the six applicant cells add up to 总计 \(n(t))"
                : "\(scope): the six applicant cells add up to \(n(sum)), but 总计 is \(n(t))"
        case (.review(let gi, _), .notCheckable(let blank)):
            let g = IdentityResult.group(gi)
            return "\(g): 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计 cannot be checked: \(blank.count == 5 ? "all five cells are" : blank.joined(separator: ", ") + (blank.count > 1 ? " are" : " is")) blank"
        case (.review(let gi, let v), _):
            let g = IdentityResult.group(gi)
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
        case (.applicants(_, _, let sum, let t), _):
            return sum == t
                ? "\(zhScope)：六类申请人之和等于 总计 \(n(t))"
                : "\(zhScope)：六类申请人之和为 \(n(sum))，但 总计 为 \(n(t))"
        case (.review(let gi, _), .notCheckable(let blank)):
            let g = IdentityResult.group(gi)
            return "\(g)无法核对 结果维持 + 结果纠正 + 其他结果 + 尚未审结 = 总计：\(blank.count == 5 ? "五格均为空" : blank.joined(separator: "、") + "为空")"
        case (.review(let gi, let v), _):
            let g = IdentityResult.group(gi)
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
    /// `carryKeys`' places in `FormSchema.applicationRows`.
    static let carryPlaces = carryKeys.map { FormSchema.applicationRowIndex($0) ?? -1 }

    static func checkApplications(_ a: Applications, into out: inout [IdentityResult]) {
        let columns = FormSchema.applicantColumns.count
        let specs = FormSchema.applicationRows
        // One pass over the rows: each one's place in the form, the handling rows, and the
        // first row of each of 新收, 上年结转, 总计, 结转下年度 (as `a[key]` finds them).
        var place = [Int](repeating: -1, count: a.rows.count)
        var handling: [Int] = []
        handling.reserveCapacity(a.rows.count)
        var carryRows = [-1, -1, -1, -1]   // rows of `carryKeys`, in that order
        var previous: Int? = nil
        for (k, row) in a.rows.enumerated() {
            guard let i = FormSchema.applicationRowIndex(row.key, after: previous) else { continue }
            previous = i
            place[k] = i
            if specs[i].isHandling { handling.append(k) }
            if let j = carryPlaces.firstIndex(of: i), carryRows[j] < 0 { carryRows[j] = k }
        }
        let totalRow = carryRows[2]
        func cell(_ k: Int, _ c: Int) -> Cell? { k >= 0 && c < a.rows[k].cells.count ? a.rows[k].cells[c] : nil }
        for c in 0..<columns {
            // I1
            let line = cell(totalRow, c)?.line
            var v = IdentityResult.Figures()
            var blanks: [String]? = nil
            for (j, k) in carryRows.enumerated() {
                if let x = cell(k, c), x.isNumber {
                    switch j { case 0: v.v0 = x.value!; case 1: v.v1 = x.value!; case 2: v.v2 = x.value!; default: v.v3 = x.value! }
                } else {
                    blanks = (blanks ?? []) + [label(carryKeys[j])]
                }
            }
            if let blanks {
                out.append(.init(identity: .carryOver, status: .notCheckable(blank: blanks), line: line, detail: .carryOver(column: c, values: .init())))
            } else {
                let left = v.v0 + v.v1, right = v.v2 + v.v3
                out.append(.init(identity: .carryOver, status: left == right ? .holds : .breaks(left: left, right: right), line: line,
                                 detail: .carryOver(column: c, values: v)))
            }
            // I2
            if let total = cell(totalRow, c) {
                var sum = 0.0
                var anyBlank = !total.isNumber
                for k in handling {
                    let h = a.rows[k].cells[c]
                    if h.isNumber { sum += h.value! } else { anyBlank = true }
                }
                if anyBlank {
                    let blank = (total.isNumber ? [] : ["总计"]) + handling.filter { !a.rows[$0].cells[c].isNumber }.map { specs[place[$0]].label }
                    out.append(.init(identity: .handlingTotal, status: .notCheckable(blank: blank), line: total.line, detail: .handling(column: c, total: 0, sum: 0)))
                } else {
                    let t = total.value!
                    out.append(.init(identity: .handlingTotal, status: sum == t ? .holds : .breaks(left: t, right: sum), line: total.line,
                                     detail: .handling(column: c, total: t, sum: sum)))
                }
            }
        }
        // I3
        for (k, row) in a.rows.enumerated() {
            let cells = row.cells
            let line = cells.last?.line ?? cells.first(where: { $0.line != nil })?.line
            let n = min(columns, cells.count)
            var checkable = n == columns
            for c in 0..<n where !cells[c].isNumber { checkable = false; break }
            if !checkable {
                let blank = (0..<n).filter { !cells[$0].isNumber }.map { FormSchema.applicantColumns[$0].label }
                out.append(.init(identity: .applicantTotal, status: .notCheckable(blank: blank), line: line,
                                 detail: .applicants(row: place[k], key: row.key, sum: 0, total: 0)))
                continue
            }
            var sum = 0.0
            for c in 0..<6 { sum += cells[c].value! }
            let t = cells[6].value!
            out.append(.init(identity: .applicantTotal, status: sum == t ? .holds : .breaks(left: sum, right: t), line: line,
                             detail: .applicants(row: place[k], key: row.key, sum: sum, total: t)))
        }
    }

    static func checkReview(_ r: ReviewLitigation, into out: inout [IdentityResult]) {
        let labels = FormSchema.reviewFields.map(\.label)
        for (gi, g) in zip(FormSchema.reviewGroups.indices, r.groups) {
            let line = g.cells.first(where: { $0.line != nil })?.line
            if g.cells.count < labels.count || zip(labels, g.cells).contains(where: { !$1.isNumber }) {
                let blank = zip(labels, g.cells).filter { !$1.isNumber }.map(\.0)
                out.append(.init(identity: .reviewTotal, status: .notCheckable(blank: blank), line: line, detail: .review(group: gi, values: .init())))
                continue
            }
            let c = g.cells
            let v = IdentityResult.Figures(v0: c[0].value!, v1: c[1].value!, v2: c[2].value!, v3: c[3].value!, v4: c[4].value!)
            let sum = v.v0 + v.v1 + v.v2 + v.v3
            out.append(.init(identity: .reviewTotal, status: sum == v.v4 ? .holds : .breaks(left: sum, right: v.v4), line: line,
                             detail: .review(group: gi, values: v)))
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
