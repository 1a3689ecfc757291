import GongkaiCore
import GongkaiCheck

/// A record as plain text for a person: the tables with blanks shown as `—` (not 0) and the
/// source line of each row.
public enum TextRendering {
    public static func render(_ c: CheckedReport) -> String {
        let r = c.report
        var s = "== \(r.source)\n"
        s += "机关: \(r.agency ?? "（未识别）")    年度: \(r.year.map(String.init) ?? "（未识别）")    表式: \(r.template.map { $0.rawValue + "年版" } ?? "（未识别）")\n"
        func cell(_ c: Cell, _ unit: Unit = .count) -> String {
            switch c.state {
            case .number: return JSON.format(c.value!)
            case .blank: return "—"
            case .unreadable(let t): return "?\(t)"
            case .missing: return "·"
            }
        }
        func lineOf(_ cells: [Cell]) -> String { cells.compactMap(\.line).first.map { "  [L\($0)]" } ?? "" }
        if let a = r.activeDisclosure {
            s += "\n二、主动公开政府信息情况\n"
            for item in a.items {
                let pairs = zip(item.spec.fields, item.cells).map { "\($0.label) \(cell($1, $0.unit))" }
                s += "  \(item.spec.label): \(pairs.joined(separator: "，"))\(lineOf(item.cells))\n"
            }
        }
        if let a = r.applications {
            s += "\n三、收到和处理政府信息公开申请情况（自然人 商业企业 科研机构 社会公益组织 法律服务机构 其他 总计）\n"
            for row in a.rows {
                let cells = row.cells.map { pad(cell($0), 6) }.joined()
                s += "  \(pad(row.spec.label, 34))\(cells)\(lineOf(row.cells))\n"
            }
        }
        if let rl = r.reviewLitigation {
            s += "\n四、行政复议、行政诉讼（结果维持 结果纠正 其他结果 尚未审结 总计）\n"
            for (g, spec) in zip(rl.groups, FormSchema.reviewGroups) {
                s += "  \(pad(spec.label, 24))\(g.cells.map { pad(cell($0), 6) }.joined())\(lineOf(g.cells))\n"
            }
        }
        let breaks = c.identities.filter(\.isBreak)
        s += "\n勾稽关系: \(c.identities.filter(\.holds).count) hold, \(breaks.count) break, \(c.identities.count - breaks.count - c.identities.filter(\.holds).count) not checkable\n"
        for d in r.diagnostics { s += "  " + d.formatted(path: r.source) + "\n" }
        return s
    }

    /// Pads to a display width (CJK characters count as two columns).
    static func pad(_ s: String, _ width: Int) -> String {
        let w = s.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x1100 ? 2 : 1) }
        return s + String(repeating: " ", count: max(1, width - w))
    }
}
