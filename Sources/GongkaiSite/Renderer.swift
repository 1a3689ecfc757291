import Foundation
import GongkaiCore
import GongkaiCheck
import GongkaiAggregate
import GongkaiRender

/// Renders the whole site into memory. Pages are Markdown bodies from `pages/<kind>.md`
/// (report text only ever enters them Markdown-escaped) with the generated tables and charts as
/// trusted HTML blocks, rendered by libcmark and wrapped in `layouts/base.mustache`.
struct SiteRenderer: @unchecked Sendable {  // immutable after init; `site` holds only strings, numbers and bools
    let reports: [LoadedReport]
    let agg: Aggregates
    let config: SiteConfiguration
    let theme: Theme
    let urls: SiteURLs
    /// Output folder of each report's page (by report index), e.g. `reports/k3m-2023/`.
    let reportDirs: [String]
    let agencyDirs: [String: String]
    let regionDirs: [String: String]
    let site: [String: Any]
    /// Report index by `Report.source`.
    let sourceIndex: [String: Int]
    /// Cross-report findings by `Report.source`.
    let findingsBySource: [String: [Diagnostic]]

    init(reports: [LoadedReport], aggregates: Aggregates, configuration: SiteConfiguration, theme: Theme) {
        self.reports = reports
        self.agg = aggregates
        self.config = configuration
        self.theme = theme
        let urls = SiteURLs(base: configuration.baseURL)
        self.urls = urls
        var agencyDirs: [String: String] = [:]
        for a in aggregates.agencies {
            let ascii = Slug.ascii(a.name)
            agencyDirs[a.key] = "agencies/\(ascii.isEmpty ? "" : ascii + "-")\(Slug.hash(a.key))/"
        }
        var regionDirs: [String: String] = [:]
        for r in aggregates.regions { regionDirs[r.key] = "regions/\(Slug.hash("region:" + r.key))/" }
        var dirs: [String] = []
        for e in aggregates.entries {
            let fileHash = Slug.hash("file:" + reports[e.index].relativePath, length: 6)
            if let k = e.agencyKey, let y = e.year {
                let base = Slug.hash(k)
                dirs.append(e.duplicate ? "reports/\(base)-\(y)-\(fileHash)/" : "reports/\(base)-\(y)/")
            } else if let k = e.agencyKey {
                dirs.append("reports/\(Slug.hash(k))-x\(fileHash)/")
            } else {
                dirs.append("reports/x-\(Slug.hash("file:" + reports[e.index].relativePath))/")
            }
        }
        self.reportDirs = dirs
        var sourceIndex: [String: Int] = [:]
        for (i, r) in reports.enumerated() { sourceIndex[r.report.source] = i }
        self.sourceIndex = sourceIndex
        var findings: [String: [Diagnostic]] = [:]
        for f in aggregates.findings { findings[f.source, default: []].append(f.diagnostic) }
        self.findingsBySource = findings
        self.agencyDirs = agencyDirs
        self.regionDirs = regionDirs
        self.site = [
            "title": configuration.title,
            "base": urls.basePath,
            "language": configuration.language,
            "description": configuration.description,
            "fictional": configuration.fictional,
            "notice": configuration.notice ?? "本站展示的机关、报告与数字均为虚构的示例数据，不代表任何真实机关。",
            "feed": urls.link("feed.xml"),
            "css": urls.link("assets/style.css"),
            "reportCount": reports.count,
            "agencyCount": aggregates.agencies.count,
        ]
    }

    // MARK: the whole site

    func render() throws -> [OutputFile] {
        var files: [OutputFile] = []
        files.append(try home())
        files.append(try agencyIndex())
        for a in agg.agencies { files += try agencyPage(a) }
        files.append(try yearIndex())
        for y in agg.years { files.append(try yearPage(y)) }
        files.append(try regionIndex())
        for r in agg.regions { files.append(try regionPage(r)) }
        files.append(try reportIndex())
        // Report pages are most of the work: on every core, results in report order.
        let slots = Slots<Result<[OutputFile], Error>>(count: reports.count)
        DispatchQueue.concurrentPerform(iterations: reports.count) { i in
            slots.set(i, Result { try reportPage(i) })
        }
        for r in slots.values { files += try r.get() }
        for name in theme.contentNames { files.append(try contentPage(name)) }
        files += try dataFiles()
        files.append(try notFound())
        files.append(sitemap(files))
        files.append(feed())
        files.append(robots())
        for (path, text) in theme.assets { files.append(OutputFile(path: path, text: text)) }
        files.sort { $0.path < $1.path }
        var seen = Set<String>()
        for f in files {
            guard SiteWriter.isSafe(f.path) else { throw OutputPathError(path: f.path) }
            guard seen.insert(f.path).inserted else { throw BuildError("two outputs at \(f.path)") }
        }
        return files
    }

    // MARK: pages

    struct Crumb { let title: String; let rel: String }

    /// One page: the body template `kind` with `context`, `blocks` inserted, in the layout.
    func page(_ rel: String, kind: String, title: String, description: String? = nil, crumbs: [Crumb] = [],
              context: [String: Any], blocks: HTMLBlocks) throws -> OutputFile {
        var c = context
        c["site"] = site
        c["title"] = title
        let markdown = try theme.pageMarkdown(kind, c)
        return layout(rel, kind: kind, title: title, description: description, crumbs: crumbs, body: CommonMark.html(markdown, blocks: blocks))
    }

    func layout(_ rel: String, kind: String, title: String, description: String? = nil, crumbs: [Crumb] = [], body: String) -> OutputFile {
        let path = rel.hasSuffix(".html") ? rel : rel + "index.html"
        let pageContext: [String: Any] = [
            "title": title,
            "isHome": rel.isEmpty,
            "kind": kind,
            "description": description ?? config.description,
            "canonical": urls.absolute(rel.hasSuffix("index.html") ? String(rel.dropLast("index.html".count)) : rel),
            "hasCanonical": rel != "404.html",
            "crumbs": crumbs.map { ["title": $0.title, "url": urls.link($0.rel)] as [String: Any] },
            "hasCrumbs": !crumbs.isEmpty,
        ]
        let html = theme.layout(body: body, context: ["site": site, "page": pageContext])
        return OutputFile(path: path, text: html)
    }

    func contentPage(_ name: String) throws -> OutputFile {
        let slug = Slug.ascii(name, max: 40)
        let rel = slug.isEmpty ? "page-\(Slug.hash(name))/" : "\(slug)/"
        var c = methodologyContext()
        c["site"] = site
        let markdown = theme.contentMarkdown(name, c) ?? ""
        // The first heading is the title.
        let title = markdown.split(separator: "\n").first { $0.hasPrefix("# ") }.map { String($0.dropFirst(2)).replacingOccurrences(of: "\\", with: "") } ?? name
        return layout(rel, kind: "content", title: title, crumbs: [Crumb(title: "首页", rel: "")], body: CommonMark.html(markdown))
    }

    func methodologyContext() -> [String: Any] {
        [
            "rates": Rate.allCases.map { ["label": $0.label, "formula": $0.formula, "note": $0.note, "key": $0.key] as [String: Any] },
            "metrics": Metric.allCases.map { ["label": $0.label, "definition": $0.definition, "key": $0.key] as [String: Any] },
            "identities": Identity.allCases.map { ["name": $0.name, "statement": $0.statement] as [String: Any] },
            "levels": Level.allCases.map { ["label": $0.label, "key": $0.rawValue] as [String: Any] },
            "cmark": CommonMark.version,
        ]
    }

    func notFound() throws -> OutputFile {
        try page("404.html", kind: "404", title: "页面不存在", context: [:], blocks: HTMLBlocks())
    }

    // MARK: links and small pieces of HTML

    func reportLink(_ i: Int) -> String { urls.link(reportDirs[i]) }
    func agencyLink(_ key: String) -> String { urls.link(agencyDirs[key] ?? "agencies/") }
    func regionLink(_ key: String) -> String { urls.link(regionDirs[key] ?? "regions/") }
    func yearLink(_ y: Int) -> String { urls.link("years/\(y)/") }

    func a(_ href: String, _ text: String, cls: String? = nil) -> String {
        "<a href=\"\(Escape.html(href))\"\(cls.map { " class=\"\($0)\"" } ?? "")>\(Escape.html(text))</a>"
    }

    func reportTitle(_ i: Int) -> String {
        let r = reports[i].report
        let name = agg.entries[i].agencyName ?? r.agency ?? "未识别的机关"
        return "\(name) \(r.year.map { "\($0) 年" } ?? "（年度未识别）")"
    }

    /// A figure in an aggregate table: the number, or 未填报 when the report left it blank.
    func figureCell(_ v: Double?, cls: String = "n") -> String {
        guard let v else { return "<td class=\"\(cls) blank\"><span title=\"报告未填报（空白），不计为 0\">未填报</span></td>" }
        return "<td class=\"\(cls)\">\(Format.number(v))</td>"
    }

    func rateCell(_ v: Double?) -> String {
        guard let v else { return "<td class=\"n na\"><span title=\"所需数字空白或分母为 0，无法计算\">—</span></td>" }
        return "<td class=\"n\">\(Format.percent(v))</td>"
    }

    func totalCell(_ t: Total) -> String {
        guard let v = t.known else { return "<td class=\"n blank\"><span title=\"没有报告填报\">未填报</span><br><small>\(t.coverageText)</small></td>" }
        return "<td class=\"n\">\(Format.number(v))<br><small class=\"cov\(t.isComplete ? "" : " partial")\">\(t.coverageText)</small></td>"
    }

    func pooledCell(_ p: PooledRate) -> String {
        guard let v = p.value else { return "<td class=\"n na\">—<br><small>\(p.coverageText)</small></td>" }
        return "<td class=\"n\">\(Format.percent(v))<br><small class=\"cov\(p.covered == p.of ? "" : " partial")\">\(p.coverageText)</small></td>"
    }

    func statusBadges(_ e: ReportEntry) -> String {
        var s: [String] = []
        if e.duplicate { s.append("<span class=\"badge err\">重复</span>") }
        if e.errorCount > 0 { s.append("<span class=\"badge err\">\(e.errorCount) 个错误</span>") }
        if e.identityBreaks > 0 { s.append("<span class=\"badge warn\">\(e.identityBreaks) 处勾稽不符</span>") }
        let crossBreaks = e.agencyKey.flatMap { agg.agency($0) }?.crossYear.filter { $0.status == .breaks && $0.source == e.source }.count ?? 0
        if crossBreaks > 0 { s.append("<span class=\"badge warn\">跨年结转不符</span>") }
        if s.isEmpty { s.append(e.warningCount > 0 ? "<span class=\"badge note\">\(e.warningCount) 条提示</span>" : "<span class=\"badge ok\">通过</span>") }
        return s.joined(separator: " ")
    }
}

/// `<table>` markup with a caption and header cells that say what they head.
struct TableHTML {
    var caption: String
    var head: [String]
    var rows: [String] = []
    var foot: [String] = []
    var cls = "data"

    init(caption: String, head: [String], cls: String = "data") {
        self.caption = caption
        self.head = head
        self.cls = cls
    }

    /// A row: the header cell (`<th scope="row">`, its content already HTML) and data cells (already `<td>`).
    mutating func row(_ header: String, _ cells: [String], cls: String? = nil) {
        rows.append("<tr\(cls.map { " class=\"\($0)\"" } ?? "")><th scope=\"row\">\(header)</th>\(cells.joined())</tr>")
    }

    mutating func footRow(_ header: String, _ cells: [String]) {
        foot.append("<tr><th scope=\"row\">\(header)</th>\(cells.joined())</tr>")
    }

    var html: String {
        var s = "<div class=\"table-wrap\"><table class=\"\(cls)\"><caption>\(Escape.html(caption))</caption><thead><tr>"
        for h in head { s += "<th scope=\"col\">\(Escape.html(h))</th>" }
        s += "</tr></thead><tbody>"
        s += rows.joined()
        s += "</tbody>"
        if !foot.isEmpty { s += "<tfoot>" + foot.joined() + "</tfoot>" }
        s += "</table></div>"
        return s
    }
}
