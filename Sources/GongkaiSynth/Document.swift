import GongkaiCore

/// A report laid out in the abstract: the title, the prose, and the tables as label and value
/// strings, with the printing choices of one agency (numbering, label wording, number format)
/// made already. The layout families then only decide where the strings go.
struct Document {
    struct ActiveBlock {
        var title: String
        var columns: [String]
        var rows: [(label: String, values: [String])]
    }
    struct AppRow {
        var key: String
        /// Group labels printed on the first row of their group: 三、本年度办理结果, then （三）不予公开.
        var group1: String?
        var group2: String?
        /// Whether the row stands under 三、本年度办理结果 (so it has a group column beside it).
        var inResults: Bool
        var inSubgroup: Bool
        var label: String
        var values: [String]
    }

    var agency: String
    var year: Int
    /// The title as printed (one or two lines).
    var title: [String]
    var titleStyle: TitleStyle
    /// The title's lines as the layout printed them.
    var printedTitle: [String] = []
    var headings: [String]          // 一 … 六
    var overview: [String]
    var problems: [String]
    var other: [String]
    var active: [ActiveBlock]
    var appNote: String
    var appHeader: (applicant: String, natural: String, legal: String, subs: [String], total: String)
    var appRows: [AppRow]
    /// 15 strings; "" is a blank cell.
    var review: [String]
    var reviewHeader: (review: String, litigation: String, direct: String, afterReview: String, fields: [String])
}

/// How the title is printed.
public enum TitleStyle: String, Hashable, Sendable {
    /// `某局2023年政府信息公开工作年度报告` (with or without spaces around the year).
    case oneLine
    /// `某局 2023 年` / `政府信息公开工作年度报告` (seed 003).
    case twoLines
    /// `2023年度某局政府信息公开工作年度报告`.
    case yearFirst
}

struct PrintStyle {
    var paren: (String) -> String
    var item: (Int) -> String
    var commas: Bool
    var moneyStyle: Int      // 0: 1237.4, 1: 1237.40, 2: 1237.40万元, 3: yuan in the header, 4: 元 after the number
    var plusSign: Bool

    static func random(_ rng: inout SplitMix64) -> PrintStyle {
        let parenStyle = rng.below(3)
        let itemStyle = rng.weighted([5, 3, 2, 0.7])
        return PrintStyle(
            paren: { n in [ "（\(n)）", "(\(n))", "(\(n)) " ][parenStyle] },
            item: { k in [ "\(k). ", "\(k).", "\(k)、", "" ][itemStyle] },
            commas: rng.chance(0.15),
            moneyStyle: rng.weighted([4, 3, 1, 0.7, 0.5]),
            plusSign: rng.chance(0.4))
    }

    func count(_ v: Double) -> String {
        let i = Int(v.rounded())
        if !commas || abs(i) < 1000 { return String(i) }
        var digits = Array(String(abs(i)))
        var out: [Character] = []
        while digits.count > 3 { out = [","] + digits.suffix(3) + out; digits.removeLast(3) }
        return (i < 0 ? "-" : "") + String(digits + out)
    }

    func signed(_ v: Double) -> String {
        let i = Int(v.rounded())
        return i > 0 && plusSign ? "+\(i)" : String(i)
    }

    func money(_ v: Double) -> String {
        let cents = Int((v * 100).rounded())
        let whole = "\(cents / 100).\(String(cents % 100 + 100).dropFirst())"
        switch moneyStyle {
        case 1: return whole
        case 2: return whole + "万元"
        case 3: return String(cents * 100)
        case 4: return String(cents * 100) + "元"
        default: return JSON.format(v)
        }
    }
}

enum DocumentBuilder {
    static let cn = ["一", "二", "三", "四", "五", "六", "七", "八", "九"]

    static func build(_ r: Report, narrativeBytes: Int, _ rng: inout SplitMix64) -> Document {
        let style = PrintStyle.random(&rng)
        let agency = r.agency ?? "", year = r.year ?? 2023
        let template = r.template ?? .form2021

        // Title: with or without spaces around the year, sometimes over two lines, sometimes year first.
        let spaced = rng.chance(0.35)
        let y = spaced ? " \(year) 年" : "\(year)年"
        var title: [String]
        let titleStyle: TitleStyle
        switch rng.weighted([6, 2, 1]) {
        case 1: title = [agency + y, "政府信息公开工作年度报告"]; titleStyle = .twoLines
        case 2: title = ["\(year)年度" + agency + "政府信息公开工作年度报告"]; titleStyle = .yearFirst
        default: title = [agency + y + "政府信息公开工作年度报告"]; titleStyle = .oneLine
        }

        let h4 = rng.chance(0.1) ? "4、" : "四、"
        let headings = [
            "一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            h4 + "政府信息公开行政复议、行政诉讼情况",
            rng.chance(0.7) ? "五、存在的主要问题及改进情况" : "五、存在问题及改进情况",
            "六、其他需要报告的事项",
        ]

        let overviewBytes = Int(Double(narrativeBytes) * 0.7)
        let overview = Narrative.overviewParagraphs(bytes: overviewBytes, agency: agency, year: year, &rng)
        let problems = Narrative.problemParagraphs(bytes: narrativeBytes - overviewBytes, agency: agency, year: year, &rng)
        let other = Narrative.otherParagraphs(agency: agency, year: year, &rng)

        // Table 二.
        let active = r.activeDisclosure!
        func cells(_ key: String) -> [Double] { active[key]!.cells.map { $0.value ?? 0 } }
        func article(_ n: String) -> String { "第二十条第" + style.paren(n).trimmingTrailingSpace + "项" }
        var blocks: [Document.ActiveBlock] = []
        let normativeLabel: String
        switch template {
        case .form2021:
            normativeLabel = rng.chance(0.9) ? "行政规范性文件" : "规范性文件"
            let decisions = ["信息内容", "本年处理决定数量"]
            let feeHeader = style.moneyStyle == 3 ? "本年收费金额（单位：元）" : "本年收费金额（单位：万元）"
            blocks = [
                .init(title: article("一"), columns: ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], rows: [
                    ("规章", cells("regulations").map(style.count)), (normativeLabel, cells("normative_documents").map(style.count))]),
                .init(title: article("五"), columns: decisions, rows: [("行政许可", cells("administrative_licensing").map(style.count))]),
                .init(title: article("六"), columns: decisions, rows: [
                    ("行政处罚", cells("administrative_penalty").map(style.count)), ("行政强制", cells("administrative_coercion").map(style.count))]),
                .init(title: article("八"), columns: ["信息内容", feeHeader], rows: [("行政事业性收费", cells("administrative_fees").map(style.money))]),
            ]
        case .form2019:
            let items = ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"]
            func itemRow(_ label: String, _ key: String) -> (label: String, values: [String]) {
                let v = cells(key)
                return (label, [style.count(v[0]), style.signed(v[1])] + (v.count > 2 ? [style.count(v[2])] : []))
            }
            let amountHeader = style.moneyStyle == 3 ? "采购总金额（单位：元）" : "采购总金额"
            let p = cells("centralized_procurement")
            blocks = [
                .init(title: article("一"), columns: ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"], rows: [
                    ("规章", cells("regulations").map(style.count)), ("规范性文件", cells("normative_documents").map(style.count))]),
                .init(title: article("五"), columns: items, rows: [itemRow("行政许可", "administrative_licensing"), itemRow("其他对外管理服务事项", "other_external_services")]),
                .init(title: article("六"), columns: items, rows: [itemRow("行政处罚", "administrative_penalty"), itemRow("行政强制", "administrative_coercion")]),
                .init(title: article("八"), columns: Array(items.prefix(3)), rows: [itemRow("行政事业性收费", "administrative_fees")]),
                .init(title: article("九"), columns: ["信息内容", "采购项目数量", amountHeader], rows: [("政府集中采购", [style.count(p[0]), style.money(p[1])])]),
            ]
        }

        // Table 三.
        let apps = r.applications!
        let p = style.paren
        func item(_ k: Int, _ s: String) -> String { style.item(k) + s }
        let lawLabel = rng.chance(0.85) ? "其他法律行政法规禁止公开" : "其他法律法规禁止公开"
        let labels: [String: (g1: String?, g2: String?, label: String)] = [
            "received": (nil, nil, "一、本年新收政府信息公开申请数量"),
            "carried_over": (nil, nil, "二、上年结转政府信息公开申请数量"),
            "granted": ("三、本年度办理结果", nil, p("一") + "予以公开"),
            "partially_granted": (nil, nil, p("二") + "部分公开（区分处理的，只计这一情形，不计其他情形）"),
            "denied_state_secret": (nil, p("三") + "不予公开", item(1, "属于国家秘密")),
            "denied_law_prohibited": (nil, nil, item(2, lawLabel)),
            "denied_security_stability": (nil, nil, item(3, "危及“三安全一稳定”")),
            "denied_third_party": (nil, nil, item(4, "保护第三方合法权益")),
            "denied_internal_affairs": (nil, nil, item(5, "属于三类内部事务信息")),
            "denied_process_info": (nil, nil, item(6, "属于四类过程性信息")),
            "denied_enforcement_file": (nil, nil, item(7, "属于行政执法案卷")),
            "denied_query_matter": (nil, nil, item(8, "属于行政查询事项")),
            "unavailable_not_held": (nil, p("四") + "无法提供", item(1, "本机关不掌握相关政府信息")),
            "unavailable_needs_creation": (nil, nil, item(2, "没有现成信息需要另行制作")),
            "unavailable_unclear": (nil, nil, item(3, "补正后申请内容仍不明确")),
            "not_processed_petition": (nil, p("五") + "不予处理", item(1, "信访举报投诉类申请")),
            "not_processed_duplicate": (nil, nil, item(2, "重复申请")),
            "not_processed_publication": (nil, nil, item(3, "要求提供公开出版物")),
            "not_processed_excessive": (nil, nil, item(4, "无正当理由大量反复申请")),
            "not_processed_confirmation": (nil, nil, item(5, "要求行政机关确认或重新出具已获取信息")),
            "other": (nil, nil, p("六") + "其他处理"),
            "other_no_supplement": (nil, p("六") + "其他处理", item(1, "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请")),
            "other_fee_unpaid": (nil, nil, item(2, "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请")),
            "other_misc": (nil, nil, item(3, "其他")),
            "total": (nil, nil, p("七") + "总计"),
            "carried_forward": (nil, nil, "四、结转下年度继续办理"),
        ]
        var rows: [Document.AppRow] = []
        for row in apps.rows {
            let l = labels[row.key]!
            let results = !["received", "carried_over", "carried_forward"].contains(row.key)
            let sub = row.key.hasPrefix("denied_") || row.key.hasPrefix("unavailable_") || row.key.hasPrefix("not_processed_") || row.key.hasPrefix("other_")
            rows.append(.init(key: row.key, group1: l.g1, group2: l.g2, inResults: results, inSubgroup: sub, label: l.label,
                              values: row.cells.map { style.count($0.value ?? 0) }))
        }
        let note = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
        let subs = ["商业企业", "科研机构", rng.chance(0.85) ? "社会公益组织" : "社会组织", "法律服务机构", "其他"]

        // Table 四.
        let rl = r.reviewLitigation!
        var review: [String] = []
        for g in rl.groups { review += g.cells.map { $0.value.map(style.count) ?? "" } }

        return Document(agency: agency, year: year, title: title, titleStyle: titleStyle, headings: headings, overview: overview, problems: problems,
                        other: other, active: blocks, appNote: note,
                        appHeader: ("申请人情况", "自然人", "法人或其他组织", subs, "总计"), appRows: rows, review: review,
                        reviewHeader: ("行政复议", "行政诉讼", "未经复议直接起诉", "复议后起诉", ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]))
    }
}

extension String {
    var trimmingTrailingSpace: String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}
