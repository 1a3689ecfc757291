import GongkaiCore
import GongkaiAggregate
import GongkaiRender

extension SiteRenderer {
    /// The figures compared on year pages and agency pages.
    static let compared: [Metric] = [.received, .carriedOver, .handled, .granted, .partiallyGranted, .denied, .unavailable, .notHeld, .notProcessed, .otherHandling, .carriedForward, .reviewTotal, .reviewCorrected, .litigationDirectTotal, .litigationAfterTotal, .licensing, .penalty, .coercion]
    static let ranked: [Metric] = [.received, .handled, .denied, .unavailable, .reviewTotal, .penalty]

    // MARK: home

    func home() throws -> OutputFile {
        var blocks = HTMLBlocks()
        var context: [String: Any] = [:]
        if let latest = agg.latestYear {
            context["latestYear"] = latest.year
            context["headline"] = blocks.add(headline(latest))
        }
        context["hasYears"] = !agg.years.isEmpty
        context["trends"] = blocks.add(trendCharts())
        if agg.agencies.count <= limits.homeAgencies {
            context["agencies"] = blocks.add(agenciesTable(agg.agencies.indices.map { $0 }, caption: "各机关历年报告"))
        } else {
            // Too many for one page: the lists, by name, region and year.
            let pages = listPaths("agencies/", rows: agg.agencies.count).count
            context["agencies"] = blocks.add("<p class=\"lists\">共 \(agg.agencies.count) 个机关：\(a(urls.link("agencies/"), "按名称"))（\(pages) 页）、\(a(urls.link("regions/"), "按地区"))、\(a(urls.link("years/"), "按年度"))查看；\(a(urls.link("reports/"), "全部报告"))按年度排列。</p>")
        }
        let failing = failingReports()
        context["failing"] = blocks.add(failing.html)
        context["failingCount"] = failing.count
        context["reportCount"] = reports.count
        context["agencyCount"] = agg.agencies.count
        context["yearCount"] = agg.years.count
        context["countedCount"] = agg.countedReports
        return try page("", kind: "home", title: config.title, context: context, blocks: blocks)
    }

    func headline(_ y: YearAggregate) -> String {
        var s = ""
        for level in Level.allCases.reversed() {
            guard let t = y.totals[level] else { continue }
            let changes = Dictionary(uniqueKeysWithValues: (y.changes[level] ?? []).map { ($0.metric, $0) })
            s += "<section class=\"cards\" aria-label=\"\(Escape.html(level.label))\"><h3>\(Escape.html(level.label))（\(t.reportCount) 份）</h3><ul>"
            func card(_ label: String, _ value: String, _ sub: String) {
                s += "<li class=\"card\"><span class=\"label\">\(Escape.html(label))</span><span class=\"value\">\(value)</span><span class=\"sub\">\(sub)</span></li>"
            }
            for m in [Metric.received, .handled, .carriedForward] {
                let total = t[m]
                var sub = Escape.html(total.coverageText)
                if let c = changes[m] {
                    sub += "<br>同比 " + Format.signed(c.difference) + (c.ratio.map { "（\(Format.signedPercent($0))）" } ?? "") + "，按两年均有数据的 \(c.agencies) 个机关"
                }
                card(m.label, total.known.map(Format.number) ?? "未填报", sub)
            }
            for r in [Rate.disclosure, .unavailable, .reviewCorrection] {
                let p = t[r]
                card(r.label, p.value.map(Format.percent) ?? "—", Escape.html(p.coverageText))
            }
            s += "</ul></section>"
        }
        return s
    }

    /// Totals per year, each level its own line (never added together).
    func trendCharts() -> String {
        guard !agg.years.isEmpty else { return "<p>暂无数据。</p>" }
        let cats = agg.years.map { "\($0.year)" }
        var out = "<div class=\"charts\">"
        let levels = Level.allCases.reversed().filter { l in agg.years.contains { $0.totals[l] != nil } }
        out += SVGChart.line(id: "trend-received", title: "本年新收申请（件），按报告层级分别合计",
                             categories: cats, series: levels.map { l in .init(label: l.label, values: agg.years.map { $0.totals[l]?[.received].known }) })
        out += SVGChart.line(id: "trend-disclosure", title: "公开率（予以公开＋部分公开）÷ 办理结果总计",
                             categories: cats, series: levels.map { l in .init(label: l.label, values: agg.years.map { $0.totals[l]?[.disclosure].value }) }, percent: true)
        out += "</div>"
        var t = TableHTML(caption: "历年合计（按层级分别合计；括号内为有该项数字的报告数）", head: ["年度"] + levels.flatMap { ["\($0.label)：新收申请", "\($0.label)：公开率"] })
        for y in agg.years {
            var cells: [String] = []
            for l in levels {
                if let g = y.totals[l] { cells += [totalCell(g[.received]), pooledCell(g[.disclosure])] } else { cells += ["<td class=\"na\">—</td>", "<td class=\"na\">—</td>"] }
            }
            t.row(a(yearLink(y.year), "\(y.year)"), cells)
        }
        return out + t.html
    }

    func agenciesTable(_ indices: [Int], caption: String) -> String {
        let latest = agg.latestYear?.year
        var t = TableHTML(caption: caption, head: ["机关", "层级", "地区", "报告", "最近一年新收申请", "最近一年公开率"])
        for i in indices {
            let ag = agg.agencies[i]
            let last = ag.byYear.keys.max().flatMap { ag.byYear[$0] }.map { agg.entries[$0] }
            let lastNote = last.flatMap { $0.year }.map { $0 == latest ? "" : "<small>（\($0)）</small>" } ?? ""
            // Cells written on the table's bytes (this table lists every agency of a region).
            t.row(a(agencyLink(ag.key), ag.name)) { out in
                out.append(contentsOf: "<td>".utf8); out.append(contentsOf: Escape.html(ag.level.label).utf8); out.append(contentsOf: "</td><td>".utf8)
                if let rk = ag.regionKey { link(regionLink(rk), rk, into: &out) } else { out.append(contentsOf: "—".utf8) }
                out.append(contentsOf: "</td><td class=\"years\">".utf8)
                for (n, j) in ag.entries.enumerated() {
                    if n > 0 { out.append(0x20) }
                    link(reportLink(j), agg.entries[j].year.map(String.init) ?? "?", cls: agg.entries[j].duplicate ? "dup" : nil, into: &out)
                }
                out.append(contentsOf: "</td>".utf8)
                if let last {
                    out.append(contentsOf: "<td class=\"n\">".utf8)
                    out.append(contentsOf: (last.figures[.received].map(Format.number) ?? "<span class=\"blank\">未填报</span>").utf8)
                    out.append(contentsOf: lastNote.utf8)
                    out.append(contentsOf: "</td><td class=\"n\">".utf8)
                    out.append(contentsOf: (last.figures.rate(.disclosure).map(Format.percent) ?? "—").utf8)
                    out.append(contentsOf: lastNote.utf8)
                    out.append(contentsOf: "</td>".utf8)
                } else {
                    out.append(contentsOf: "<td class=\"na\">—</td><td class=\"na\">—</td>".utf8)
                }
            }
        }
        if indices.isEmpty { return "<p>暂无机关。</p>" }
        return t.html
    }

    /// A table of failing reports, each with its first problem and where it is.
    func failingTable(_ part: ArraySlice<ReportEntry>, caption: String) -> String {
        var t = TableHTML(caption: caption, head: ["问题", "首个问题"])
        for e in part {
            let r = reports[e.index].report
            let all = r.diagnostics + (findingsBySource[e.source] ?? [])
            let first = all.first { $0.severity == .error } ?? all.first { $0.kind.isBreak } ?? all.first
            let where_ = first?.line.map { " " + a(reportLink(e.index) + "#L\($0)", "第 \($0) 行") } ?? ""
            t.row(a(reportLink(e.index), reportTitle(e.index)), ["<td>\(statusBadges(e))</td>", "<td>\(first.map { Escape.html($0.pageText) } ?? "")\(where_)</td>"])
        }
        return t.html
    }

    /// The home page's list: the first `limits.homeFailing`, and a link to all of them.
    func failingReports() -> (html: String, count: Int) {
        guard !failing.isEmpty else { return ("<p class=\"ok\">所有报告均通过核对。</p>", 0) }
        let shown = failing.prefix(limits.homeFailing)
        var html = failingTable(shown, caption: shown.count < failing.count ? "未通过核对的报告（前 \(shown.count) 份）" : "未通过核对的报告")
        if shown.count < failing.count {
            let pages = listPaths("failing/", rows: failing.count).count
            html += "<p>另有 \(failing.count - shown.count) 份未列出，全部见\(a(urls.link("failing/"), "未通过核对的报告"))（\(pages) 页）；\(a(urls.link("data/"), "数据下载"))中各年度的 records.csv 有 errors、identity_breaks 两列。</p>"
        }
        return (html, failing.count)
    }

    /// Every failing report, `limits.listRows` to a page.
    func failingIndex() throws -> [OutputFile] {
        let dir = "failing/"
        let count = listPaths(dir, rows: failing.count).count
        return try (1...count).map { n in
            var blocks = HTMLBlocks()
            let part = failing[pageRange(n, rows: failing.count)]
            let caption = "未通过核对的报告（\(failing.count) 份）" + (count > 1 ? "：第 \(n) 页" : "")
            let pager = pager(dir, page: n, of: count, rows: failing.count, noun: "份")
            let table = failing.isEmpty ? "<p class=\"ok\">所有报告均通过核对。</p>" : pager + failingTable(part, caption: caption) + pager
            let context: [String: Any] = ["table": blocks.add(table), "count": failing.count, "page": n, "pageCount": count]
            var crumbs = [Crumb(title: "首页", rel: ""), Crumb(title: "全部报告", rel: "reports/")]
            if n > 1 { crumbs.append(Crumb(title: "未通过核对的报告", rel: dir)) }
            return try page(listPageDir(dir, n), kind: "failing", title: n == 1 ? "未通过核对的报告" : "未通过核对的报告（第 \(n) 页）",
                            crumbs: crumbs, context: context, blocks: blocks)
        }
    }

    // MARK: agencies

    /// The agencies by name, `limits.listRows` to a page.
    func agencyIndex() throws -> [OutputFile] {
        let all = Array(agg.agencies.indices)
        let count = listPaths("agencies/", rows: all.count).count
        return try (1...count).map { n in
            var blocks = HTMLBlocks()
            let rows = Array(all[pageRange(n, rows: all.count)])
            let caption = count == 1 ? "全部机关（\(all.count) 个）" : "全部机关（\(all.count) 个）：第 \(n) 页"
            let pager = pager("agencies/", page: n, of: count, rows: all.count, noun: "个")
            let context: [String: Any] = ["table": blocks.add(pager + agenciesTable(rows, caption: caption) + pager), "count": all.count,
                                          "page": n, "pageCount": count]
            var crumbs = [Crumb(title: "首页", rel: "")]
            if n > 1 { crumbs.append(Crumb(title: "机关", rel: "agencies/")) }
            return try page(listPageDir("agencies/", n), kind: "agencies", title: n == 1 ? "机关" : "机关（第 \(n) 页）", crumbs: crumbs, context: context, blocks: blocks)
        }
    }

    func agencyPage(_ ag: AgencyAggregate) throws -> [OutputFile] {
        let dir = agencyDirs[ag.key]!
        var blocks = HTMLBlocks()
        let cols = ag.entries
        // Years side by side.
        var head = ["项目"]
        for j in cols { head.append((agg.entries[j].year.map { "\($0) 年" } ?? "年度未识别") + (agg.entries[j].duplicate ? "（重复）" : "")) }
        var t = TableHTML(caption: "\(ag.name)：历年数字（单位：件；空白为报告未填报）", head: head, cls: "data wide")
        t.row("报告", cols.map { "<td>\(a(reportLink($0), "查看报告"))</td>" })
        for m in SiteRenderer.compared {
            t.row(Escape.html(m.label)) { out in for j in cols { Self.appendFigureCell(agg.entries[j].figures[m], to: &out) } }
        }
        for r in Rate.allCases {
            t.row(Escape.html(r.label), cls: "rate") { out in for j in cols { Self.appendRateCell(agg.entries[j].figures.rate(r), to: &out) } }
        }
        // Year-over-year change, consecutive years with one report each.
        let years = ag.byYear.keys.sorted()
        var change = ""
        let pairs = years.filter { ag.byYear[$0 - 1] != nil }
        if !pairs.isEmpty {
            var c = TableHTML(caption: "同比变化（与上一年度报告相比）", head: ["项目"] + pairs.map { "\($0 - 1)→\($0)" })
            for m in [Metric.received, .handled, .granted, .denied, .unavailable, .carriedForward, .reviewTotal] {
                c.row(Escape.html(m.label), pairs.map { y in
                    let cur = agg.entries[ag.byYear[y]!].figures[m], prev = agg.entries[ag.byYear[y - 1]!].figures[m]
                    guard let cur, let prev else { return "<td class=\"na\"><span title=\"有一年未填报\">—</span></td>" }
                    let pct = prev != 0 ? "<br><small>\(Format.signedPercent((cur - prev) / prev))</small>" : ""
                    return "<td class=\"n\">\(Format.signed(cur - prev))\(pct)</td>"
                })
            }
            for r in [Rate.disclosure, .denial, .unavailable] {
                c.row(Escape.html(r.label), pairs.map { y in
                    guard let cur = agg.entries[ag.byYear[y]!].figures.rate(r), let prev = agg.entries[ag.byYear[y - 1]!].figures.rate(r) else { return "<td class=\"na\">—</td>" }
                    let pts = ((cur - prev) * 1000).rounded() / 10
                    return "<td class=\"n\">\(pts > 0 ? "+" : "")\(Format.number(pts)) 个百分点</td>"
                }, cls: "rate")
            }
            change = c.html
        }
        // Trend charts over the span of years (a missing year is a gap).
        var charts: [UInt8] = []
        if let lo = years.first, let hi = years.last {
            let span = Array(lo...hi)
            func series(_ m: Metric) -> SVGChart.Series { .init(label: m.label, values: span.map { y in ag.byYear[y].flatMap { agg.entries[$0].figures[m] } }) }
            func rseries(_ r: Rate) -> SVGChart.Series { .init(label: r.label, values: span.map { y in ag.byYear[y].flatMap { agg.entries[$0].figures.rate(r) } }) }
            let id = "c" + Slug.hash(ag.key, length: 6)
            var out = ByteSink(capacity: 8192)
            out.put("<div class=\"charts\">")
            SVGChart.line(id: id + "-n", title: "\(ag.name)：申请数量（件）", categories: span.map(String.init), series: [series(.received), series(.handled), series(.carriedForward)], into: &out)
            SVGChart.line(id: id + "-r", title: "\(ag.name)：办理结果比例", categories: span.map(String.init), series: [rseries(.disclosure), rseries(.denial), rseries(.unavailable)], percent: true, into: &out)
            out.put("</div>")
            charts = out.bytes()
        }
        var reportsList = "<ul class=\"reports\">"
        for j in cols {
            let r = reports[j]
            reportsList += "<li>\(a(reportLink(j), reportTitle(j))) <small>\(Escape.html(r.relativePath))</small> \(statusBadges(agg.entries[j]))</li>"
        }
        reportsList += "</ul>"
        let downloads = "<ul class=\"downloads\"><li>\(a(urls.link(dir + "records.csv"), "records.csv")) 本机关全部报告的数字（CSV，UTF-8）</li><li>\(a(urls.link(dir + "records.json"), "records.json")) 同上（JSON，数据规范格式）</li><li>\(a(urls.link(dir + "aggregates.csv"), "aggregates.csv")) 本机关历年数字与派生比率（CSV，长表）</li><li>\(a(urls.link(dir + "aggregates.json"), "aggregates.json")) 同上，并含跨年核对（JSON）</li></ul>"
        var context: [String: Any] = [
            "name": ag.name,
            "otherNames": ag.names.filter { AgencyName.normalize($0) != AgencyName.normalize(ag.name) }.joined(separator: "、"),
            "level": ag.level.label,
            "reportCount": ag.entries.count,
            "table": blocks.add(bytes: t.bytes),
            "reports": blocks.add(reportsList),
            "downloads": blocks.add(downloads),
        ]
        context["hasOtherNames"] = !(context["otherNames"] as! String).isEmpty
        if let rk = ag.regionKey { context["region"] = blocks.add("<p>地区：\(a(regionLink(rk), rk))</p>") }
        if !change.isEmpty { context["change"] = blocks.add(change); context["hasChange"] = true }
        if !charts.isEmpty { context["charts"] = blocks.add(bytes: charts); context["hasCharts"] = true }
        if !ag.crossYear.isEmpty { context["crossYear"] = blocks.add(crossYearHTML(ag.crossYear, of: ag)); context["hasCrossYear"] = true }
        let page = try self.page(dir, kind: "agency", title: ag.name, description: "\(ag.name)历年政府信息公开工作年度报告的数字与比较。",
                                 crumbs: [Crumb(title: "首页", rel: ""), Crumb(title: "机关", rel: "agencies/")], context: context, blocks: blocks)
        return [page] + agencyData(ag, dir: dir)
    }

    // MARK: years

    func yearIndex() throws -> OutputFile {
        var blocks = HTMLBlocks()
        var t = TableHTML(caption: "各年度", head: ["报告数", "计入合计的报告"] + Level.allCases.reversed().map { "\($0.label)：新收申请" })
        for y in agg.years {
            var cells = ["<td class=\"n\">\(y.entries.count)</td>", "<td class=\"n\">\(y.entries.filter { agg.entries[$0].counted }.count)</td>"]
            for l in Level.allCases.reversed() { cells.append(y.totals[l].map { totalCell($0[.received]) } ?? "<td class=\"na\">—</td>") }
            t.row(a(yearLink(y.year), "\(y.year) 年"), cells)
        }
        let context: [String: Any] = ["table": agg.years.isEmpty ? blocks.add("<p>暂无数据。</p>") : blocks.add(bytes: t.bytes)]
        return try page("years/", kind: "years", title: "年度", crumbs: [Crumb(title: "首页", rel: "")], context: context, blocks: blocks)
    }

    /// A year's page, and when its agencies are more than a page lists, the rest of its
    /// comparison table on `years/<year>/page/2/`, … (`pages/year-more.md`).
    func yearPage(_ y: YearAggregate) throws -> [OutputFile] {
        var blocks = HTMLBlocks()
        let levels = Level.allCases.reversed().filter { y.totals[$0] != nil }
        // Totals per level.
        var totals = TableHTML(caption: "\(y.year) 年合计（各层级分别合计，不相加；括号内为有该项数字的报告数）", head: ["项目"] + levels.map(\.label))
        for m in SiteRenderer.compared { totals.row(Escape.html(m.label), levels.map { totalCell(y.totals[$0]![m]) }) }
        for r in Rate.allCases { totals.row(Escape.html(r.label), levels.map { pooledCell(y.totals[$0]![r]) }, cls: "rate") }
        // Like-for-like change.
        var change = ""
        if levels.contains(where: { !(y.changes[$0] ?? []).isEmpty }) {
            var c = TableHTML(caption: "与 \(y.year - 1) 年相比（只比较两年都有该项数字的机关）", head: ["项目"] + levels.map(\.label))
            for m in Metric.key {
                c.row(Escape.html(m.label), levels.map { l in
                    guard let ch = y.changes[l]?.first(where: { $0.metric == m }) else { return "<td class=\"na\">—</td>" }
                    return "<td class=\"n\">\(Format.number(ch.previous)) → \(Format.number(ch.current))<br><small>\(Format.signed(ch.difference))\(ch.ratio.map { "（\(Format.signedPercent($0))）" } ?? "")，\(ch.agencies) 个机关</small></td>"
                })
            }
            change = c.html
        }
        // All agencies compared, `limits.listRows` to a page (the level totals below each part).
        let cmp: [Metric] = [.received, .handled, .granted, .partiallyGranted, .denied, .unavailable, .notProcessed, .carriedForward, .reviewTotal]
        let dir = "years/\(y.year)/"
        let pageCount = listPaths(dir, rows: y.entries.count).count
        func comparison(_ n: Int) -> String {
            let part = y.entries[pageRange(n, rows: y.entries.count)]
            var table = TableHTML(caption: "\(y.year) 年各机关比较（单位：件）" + (pageCount > 1 ? "：第 \(n) 页" : ""),
                                  head: ["机关", "层级"] + cmp.map(\.label) + ["公开率", "核对"], cls: "data wide")
            for i in part {
                let e = agg.entries[i]
                // Cells written on the table's bytes (a year's table lists every report).
                table.row(a(reportLink(i), e.agencyName ?? "?")) { out in
                    out.append(contentsOf: "<td>".utf8); out.append(contentsOf: Escape.html(e.level.label).utf8)
                    if !e.counted { out.append(contentsOf: "<br><small>不计入合计</small>".utf8) }
                    out.append(contentsOf: "</td>".utf8)
                    for m in cmp { Self.appendFigureCell(e.figures[m], to: &out) }
                    Self.appendRateCell(e.figures.rate(.disclosure), to: &out)
                    out.append(contentsOf: "<td>".utf8); out.append(contentsOf: statusBadges(e).utf8); out.append(contentsOf: "</td>".utf8)
                }
            }
            for l in levels {
                let g = y.totals[l]!
                table.footRow("\(Escape.html(l.label))合计", ["<td>\(g.reportCount) 份</td>"] + cmp.map { totalCell(g[$0]) } + [pooledCell(g[.disclosure]), "<td></td>"])
            }
            let pager = pager(dir, page: n, of: pageCount, rows: y.entries.count, noun: "份")
            return pager + table.html + pager
        }
        // Rankings.
        var rank = "<div class=\"rankings\">"
        let counted = y.entries.filter { agg.entries[$0].counted }
        func ranking(_ title: String, _ value: (Int) -> Double?, _ fmt: (Double) -> String) {
            // The first ten by value (then by name), kept sorted as they come: no sort of all.
            func before(_ x: (Int, Double), _ y: (Int, Double)) -> Bool {
                x.1 != y.1 ? x.1 > y.1 : (agg.entries[x.0].agencyName ?? "") < (agg.entries[y.0].agencyName ?? "")
            }
            var top: [(Int, Double)] = []
            var knownCount = 0
            for i in counted {
                guard let v = value(i) else { continue }
                knownCount += 1
                let item = (i, v)
                if top.count == 10, !before(item, top[9]) { continue }
                var k = top.count
                while k > 0, before(item, top[k - 1]) { k -= 1 }
                top.insert(item, at: k)
                if top.count > 10 { top.removeLast() }
            }
            let missing = counted.count - knownCount
            rank += "<section class=\"ranking\"><h3>\(Escape.html(title))</h3>"
            if top.isEmpty { rank += "<p>没有机关填报。</p>" } else {
                rank += "<ol>"
                for (i, v) in top { rank += "<li>\(a(reportLink(i), agg.entries[i].agencyName ?? "?")) <span class=\"v\">\(fmt(v))</span></li>" }
                rank += "</ol>"
                if knownCount > 10 { rank += "<p><small>另有 \(knownCount - 10) 个机关，见各机关比较表。</small></p>" }
            }
            if missing > 0 { rank += "<p><small>\(missing) 个机关未填报或无法计算，不参与排名。</small></p>" }
            rank += "</section>"
        }
        for m in SiteRenderer.ranked { ranking("\(m.label)（件）", { agg.entries[$0].figures[m] }, Format.number) }
        for r in [Rate.disclosure, .denial, .unavailable, .carryForward, .reviewCorrection] { ranking(r.label, { agg.entries[$0].figures.rate(r) }, Format.percent) }
        rank += "</div>"
        var context: [String: Any] = [
            "year": y.year,
            "reportCount": y.entries.count,
            "totals": levels.isEmpty ? blocks.add("<p>本年没有可计入合计的报告。</p>") : blocks.add(bytes: totals.bytes),
            "table": blocks.add(comparison(1)),
            "rankings": blocks.add(rank),
        ]
        if !change.isEmpty { context["change"] = blocks.add(change); context["hasChange"] = true }
        let idx = agg.years.firstIndex { $0.year == y.year }!
        var nav = "<nav class=\"years\" aria-label=\"其他年度\"><ul>"
        for o in agg.years { nav += o.year == y.year ? "<li aria-current=\"page\">\(o.year)</li>" : "<li>\(a(yearLink(o.year), "\(o.year)"))</li>" }
        nav += "</ul></nav>"
        _ = idx
        context["nav"] = blocks.add(nav)
        let first = try page(dir, kind: "year", title: "\(y.year) 年", description: "\(y.year) 年各机关政府信息公开工作年度报告的比较、合计与排名。",
                             crumbs: [Crumb(title: "首页", rel: ""), Crumb(title: "年度", rel: "years/")], context: context, blocks: blocks)
        guard pageCount > 1 else { return [first] }
        return try [first] + (2...pageCount).map { n in
            var blocks = HTMLBlocks()
            let context: [String: Any] = ["year": y.year, "page": n, "pageCount": pageCount, "reportCount": y.entries.count, "table": blocks.add(comparison(n))]
            return try page(listPageDir(dir, n), kind: "year-more", title: "\(y.year) 年各机关比较（第 \(n) 页）",
                            crumbs: [Crumb(title: "首页", rel: ""), Crumb(title: "年度", rel: "years/"), Crumb(title: "\(y.year) 年", rel: dir)],
                            context: context, blocks: blocks)
        }
    }

    // MARK: regions

    func regionIndex() throws -> OutputFile {
        var blocks = HTMLBlocks()
        var list = "<ul class=\"regions\">"
        func item(_ r: RegionAggregate) {
            list += "<li>\(a(regionLink(r.key), r.name)) <small>\(r.reportCount) 份报告</small>"
            if !r.children.isEmpty {
                list += "<ul>"
                for c in r.children { if let cr = agg.region(c) { item(cr) } }
                list += "</ul>"
            }
            list += "</li>"
        }
        for r in agg.regions where r.parent == nil { item(r) }
        list += "</ul>"
        let unplaced = agg.agencies.indices.filter { agg.agencies[$0].regionKey == nil }
        var context: [String: Any] = ["list": blocks.add(agg.regions.isEmpty ? "<p>没有识别出地区。</p>" : list)]
        if !unplaced.isEmpty { context["unplaced"] = blocks.add(agenciesTable(unplaced, caption: "名称中没有地区的机关")); context["hasUnplaced"] = true }
        return try page("regions/", kind: "regions", title: "地区", crumbs: [Crumb(title: "首页", rel: "")], context: context, blocks: blocks)
    }

    func regionPage(_ r: RegionAggregate) throws -> [OutputFile] {
        var blocks = HTMLBlocks()
        var context: [String: Any] = ["name": r.name, "reportCount": r.reportCount]
        var crumbs = [Crumb(title: "首页", rel: ""), Crumb(title: "地区", rel: "regions/")]
        if let p = r.parent, let d = regionDirs[p] { crumbs.append(Crumb(title: p, rel: d)) }
        if !r.children.isEmpty {
            context["children"] = blocks.add("<ul class=\"regions\">" + r.children.map { "<li>\(a(regionLink($0), $0))</li>" }.joined() + "</ul>")
            context["hasChildren"] = true
        }
        let idx = r.agencies.compactMap { agg.agencyIndex[$0] }.sorted()
        context["agencies"] = blocks.add(agenciesTable(idx, caption: "\(r.name)的机关（不含下级地区）"))
        let years = r.totals.keys.sorted()
        let levels = Level.allCases.reversed().filter { l in years.contains { r.totals[$0]?[l] != nil } }
        if !years.isEmpty {
            var t = TableHTML(caption: "\(r.name)历年合计（含下级地区；各层级分别合计）", head: ["年度"] + levels.flatMap { ["\($0.label)：报告", "新收申请", "办理结果总计", "公开率"] }, cls: "data wide")
            for y in years {
                var cells: [String] = []
                for l in levels {
                    if let g = r.totals[y]?[l] { cells += ["<td class=\"n\">\(g.reportCount)</td>", totalCell(g[.received]), totalCell(g[.handled]), pooledCell(g[.disclosure])] }
                    else { cells += Array(repeating: "<td class=\"na\">—</td>", count: 4) }
                }
                t.row(a(yearLink(y), "\(y)"), cells)
            }
            context["totals"] = blocks.add(bytes: t.bytes)
            context["hasTotals"] = true
        }
        let dir = regionDirs[r.key]!
        context["downloads"] = blocks.add("<ul class=\"downloads\"><li>\(a(urls.link(dir + "aggregates.csv"), "aggregates.csv")) 本地区（含下级地区）历年合计与派生比率（CSV，长表）</li><li>\(a(urls.link(dir + "aggregates.json"), "aggregates.json")) 同上（JSON）</li></ul>")
        let page = try self.page(dir, kind: "region", title: r.name, description: "\(r.name)各机关政府信息公开工作年度报告。",
                                 crumbs: crumbs, context: context, blocks: blocks)
        return [page] + regionData(r, dir: dir)
    }

    // MARK: reports

    /// Every report, the latest year first, `limits.listRows` to a page.
    func reportIndex() throws -> [OutputFile] {
        let years = agg.entries.map(\.year)
        let order = reports.indices.sorted { x, y in
            let a = years[x] ?? 0, b = years[y] ?? 0
            return a != b ? a > b : reports[x].relativePath < reports[y].relativePath
        }
        let count = listPaths("reports/", rows: order.count).count
        return try (1...count).map { n in
            var blocks = HTMLBlocks()
            let caption = count == 1 ? "全部报告（\(reports.count) 份）" : "全部报告（\(reports.count) 份）：第 \(n) 页"
            var t = TableHTML(caption: caption, head: ["年度", "源文件", "核对"])
            for i in order[pageRange(n, rows: order.count)] {
                t.row(a(reportLink(i), agg.entries[i].agencyName ?? reports[i].report.agency ?? "未识别的机关"),
                      ["<td>\(years[i].map(String.init) ?? "?")</td>", "<td><small>\(Escape.html(reports[i].relativePath))</small></td>", "<td>\(statusBadges(agg.entries[i]))</td>"])
            }
            let pager = pager("reports/", page: n, of: count, rows: order.count, noun: "份")
            let failing = n == 1 ? "<p>\(a(urls.link("failing/"), "未通过核对的报告"))另列一页。</p>" : ""
            let context: [String: Any] = ["table": blocks.add(failing + pager + (order.isEmpty ? "<p>暂无报告。</p>" : t.html) + pager), "page": n, "pageCount": count]
            var crumbs = [Crumb(title: "首页", rel: "")]
            if n > 1 { crumbs.append(Crumb(title: "全部报告", rel: "reports/")) }
            return try page(listPageDir("reports/", n), kind: "reports", title: n == 1 ? "全部报告" : "全部报告（第 \(n) 页）", crumbs: crumbs, context: context, blocks: blocks)
        }
    }
}
