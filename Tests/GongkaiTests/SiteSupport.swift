import Foundation
import GongkaiCore
import GongkaiExtract
import GongkaiCheck
import GongkaiAggregate
import GongkaiRender
import GongkaiSite

/// Small report texts and in-memory site builds for the site, aggregate and render tests.
enum SiteFixture {
    static var root: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("site") }
    static var corpus: String { root.appendingPathComponent("corpus").path }
    static var templates: String { root.appendingPathComponent("templates").path }

    static let handling = [
        "（一）予以公开", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
        "（三）不予公开\t1.属于国家秘密", "\t2.其他法律行政法规禁止公开", "\t3.危及“三安全一稳定”", "\t4.保护第三方合法权益",
        "\t5.属于三类内部事务信息", "\t6.属于四类过程性信息", "\t7.属于行政执法案卷", "\t8.属于行政查询事项",
        "（四）无法提供\t1.本机关不掌握相关政府信息", "\t2.没有现成信息需要另行制作", "\t3.补正后申请内容仍不明确",
        "（五）不予处理\t1.信访举报投诉类申请", "\t2.重复申请", "\t3.要求提供公开出版物", "\t4.无正当理由大量反复申请",
        "\t5.要求行政机关确认或重新出具已获取信息",
        "（六）其他处理\t1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
        "\t2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "\t3.其他",
    ]

    /// A 2021-form report, tab-separated, every application from natural persons:
    /// 总计 = 予以公开 + 本机关不掌握, 新收 + 上年结转 = 总计 + 结转下年度.
    /// `blankGranted` leaves the 予以公开 row blank; `blankReview` leaves 行政复议 blank.
    static func report(agency: String, year: Int, received: Int = 10, carriedOver: Int = 0, carriedForward: Int = 1,
                       notHeld: Int = 3, penalty: Int = 7, narrative: [String] = ["本年度按要求推进政务公开工作。"],
                       blankGranted: Bool = false, blankReview: Bool = false, review: [Int] = [1, 1, 0, 0, 2]) -> String {
        let total = received + carriedOver - carriedForward
        let granted = total - notHeld
        func row(_ v: Int?) -> String {
            guard let v else { return Array(repeating: "", count: 7).joined(separator: "\t") }
            return "\(v)\t0\t0\t0\t0\t0\t\(v)"
        }
        var l: [String] = ["\(agency)\(year)年政府信息公开工作年度报告", "", "一、总体情况", ""]
        for p in narrative { l += [p, ""] }
        l += ["二、主动公开政府信息情况", "", "第二十条第（一）项\t\t\t", "信息内容\t本年制发件数\t本年废止件数\t现行有效件数",
              "规章\t0\t0\t0", "行政规范性文件\t1\t0\t5", "", "第二十条第（五）项\t", "信息内容\t本年处理决定数量", "行政许可\t12",
              "第二十条第（六）项\t", "信息内容\t本年处理决定数量", "行政处罚\t\(penalty)", "行政强制\t0", "第二十条第（八）项\t",
              "信息内容\t本年收费金额（单位：万元）", "行政事业性收费\t1.5", "",
              "三、收到和处理政府信息公开申请情况", "",
              "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t\t申请人情况\t\t\t\t\t\t总计\t",
              "\t\t自然人\t法人或其他组织\t\t\t\t\t\t",
              "\t\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t\t",
              "一、本年新收政府信息公开申请数量\t\t\(row(received))\t",
              "二、上年结转政府信息公开申请数量\t\t\(row(carriedOver))\t"]
        for (k, label) in handling.enumerated() {
            let v: Int? = k == 0 ? (blankGranted ? nil : granted) : k == 10 ? notHeld : 0
            let prefix = k == 0 ? "三、本年度办理结果\t" : "\t"
            l.append(prefix + label + (label.contains("\t") ? "" : "\t") + "\t" + row(v))
        }
        l += ["\t（七）总计\t\(row(total))\t", "四、结转下年度继续办理\t\t\(row(carriedForward))\t", "",
              "四、政府信息公开行政复议、行政诉讼情况", "",
              "行政复议\t\t\t\t\t行政诉讼\t\t\t\t\t\t\t\t\t",
              "结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t未经复议直接起诉\t\t\t\t\t复议后起诉\t\t\t\t",
              "\t\t\t\t\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t结果维持\t结果纠正\t其他结果\t尚未审结\t总计",
              (blankReview ? ["", "", "", "", ""] : review.map(String.init)).joined(separator: "\t") + "\t0\t0\t0\t0\t0\t0\t1\t0\t0\t1",
              "", "五、存在的主要问题及改进情况", "", "解读形式较为单一。", "", "六、其他需要报告的事项", "", "无。", ""]
        return l.joined(separator: "\n")
    }

    /// Extracts and checks `text` as the corpus file `relativePath`.
    static func load(_ text: String, _ relativePath: String, sidecar: Sidecar? = nil) -> LoadedReport {
        let r = ReportExtractor().extract(text: text, source: "corpus/" + relativePath)
        return LoadedReport(checked: CheckedReport(r), relativePath: relativePath, sourceText: text, sidecar: sidecar)
    }

    /// Renders a site from reports in memory.
    static func render(_ reports: [LoadedReport], configuration: SiteConfiguration = SiteConfiguration(),
                       theme: Theme? = nil, limits: ListLimits = ListLimits()) throws -> (files: [OutputFile], aggregates: Aggregates) {
        let agg = SiteBuilder.aggregate(reports, configuration: configuration)
        let files = try SiteBuilder.render(reports, aggregates: agg, configuration: configuration, theme: theme ?? Theme(files: DefaultTemplates.files), limits: limits)
        return (files, agg)
    }

    static func file(_ files: [OutputFile], _ path: String) -> String? { files.first { $0.path == path }?.text }

    static func tempDir() -> String {
        let p = NSTemporaryDirectory() + "gongkai-site-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }

    /// Every `href="…"` and `src="…"` value of an HTML page.
    static func links(_ html: String) -> [String] {
        var out: [String] = []
        for attr in ["href=\"", "src=\""] {
            var rest = html[...]
            while let r = rest.range(of: attr) {
                let after = rest[r.upperBound...]
                guard let end = after.firstIndex(of: "\"") else { break }
                out.append(String(after[..<end]).replacingOccurrences(of: "&amp;", with: "&"))
                rest = after[end...]
            }
        }
        return out
    }

    /// The figures of a report page, by key (`row data-key` + `.` + `column data-key`): the
    /// number shown, or "" for a blank, unreadable or missing cell. Read the way a scraper would:
    /// each figure table's column keys from its head, then each keyed row's cells in order.
    static func figures(_ html: String) -> [String: String] {
        var out: [String: String] = [:]
        for table in html.components(separatedBy: "<table").dropFirst() {
            let body = table.components(separatedBy: "</table>")[0]
            guard let head = body.components(separatedBy: "</thead>").first else { continue }
            let columns = head.components(separatedBy: "<th scope=\"col\"").dropFirst().map { th -> String? in
                guard th.hasPrefix(" data-key=\"") else { return nil }
                return String(th.dropFirst(11).prefix { $0 != "\"" })
            }
            for tr in body.components(separatedBy: "<tr").dropFirst() {
                guard let r = tr.range(of: " data-key=\""), tr[..<r.lowerBound].allSatisfy({ $0 != ">" }) else { continue }
                let rowKey = String(tr[r.upperBound...].prefix { $0 != "\"" })
                // Column 0 is the row's header cell.
                for (i, td) in tr.components(separatedBy: "<td").dropFirst().enumerated() {
                    guard i + 1 < columns.count, let col = columns[i + 1] else { continue }
                    let cell = td.components(separatedBy: "</td>")[0]
                    let value: String
                    if cell.hasPrefix(" class=\"n\">"), let a = cell.range(of: "\">", options: .backwards) {
                        value = String(cell[a.upperBound...].prefix { $0 != "<" })
                    } else { value = "" }
                    out[rowKey + "." + col] = value
                }
            }
        }
        return out
    }
}
