import Foundation
import GongkaiCore
import GongkaiCheck
import GongkaiAggregate
import GongkaiRender

/// Renders the whole site into memory. Pages are Markdown bodies from `pages/<kind>.md`
/// (report text only ever enters them Markdown-escaped) with the generated tables and charts as
/// trusted HTML blocks, rendered by libcmark and wrapped in `layouts/base.mustache`.
final class SiteRenderer: @unchecked Sendable {  // immutable after init; `site` holds only strings, numbers and bools
    let reports: [LoadedReport]
    let agg: Aggregates
    let config: SiteConfiguration
    let theme: Theme
    let urls: SiteURLs
    /// Output folder of each report's page (by report index), e.g. `reports/k3m-2023/`.
    let reportDirs: [String]
    let agencyDirs: [String: String]
    let regionDirs: [String: String]
    /// The same folders by agency and region position.
    let agencyDirList: [String]
    let regionDirList: [String]
    let site: [String: Any]
    /// Cross-report findings by `Report.source`.
    let findingsBySource: [String: [Diagnostic]]
    /// The base layout, rendered once per shape of page (see `LayoutSkeletons`).
    let layouts: LayoutSkeletons
    let pages: PageSkeletons
    /// Shared parts of report pages' identity sections (`identityTable`).
    let holdsTables = HoldsTables()
    /// Records' data-file parts handed from agency files to year files (`recordsCSV`).
    let recordParts: RecordParts
    /// Whether `pages/report.md` reads `sections` (the built-in one prints `narrative`).
    let reportTemplateIteratesSections: Bool
    /// Cross-year breaks by the source of the later report (few: looked up for every badge).
    let crossBreaks: [String: Int]
    /// The reports that fail a check (an error, a broken identity or cross-year carry-over, a
    /// second report for the same agency and year), in report order: the home page's list and
    /// `failing/`.
    let failing: [ReportEntry]
    /// What the last build wrote, for units that can reuse it (set by an incremental build).
    let previous = PreviousOutputs()
    /// How much one page, the feed and one sitemap file list.
    let limits: ListLimits

    /// `spillFolder`: where records' data-file parts past `partsInMemory` bytes may be written
    /// aside during the build (`RecordParts`); nil: they are made again.
    init(reports: [LoadedReport], aggregates: Aggregates, configuration: SiteConfiguration, theme: Theme, limits: ListLimits = ListLimits(),
         spillFolder: String? = nil, partsInMemory: Int = 96 << 20) {
        self.limits = limits
        self.reports = reports
        self.agg = aggregates
        self.config = configuration
        let urls = SiteURLs(base: configuration.baseURL)
        self.urls = urls
        var agencyDirs: [String: String] = [:]
        var agencyDirList: [String] = []
        var agencyBase: [String] = []
        agencyDirList.reserveCapacity(aggregates.agencies.count)
        agencyBase.reserveCapacity(aggregates.agencies.count)
        // Per entry, its agency's position.
        var entryAgency = [Int](repeating: -1, count: aggregates.entries.count)
        for (p, a) in aggregates.agencies.enumerated() {
            let ascii = Slug.ascii(a.name), base = Slug.hash(a.key)
            let dir = "agencies/\(ascii.isEmpty ? "" : ascii + "-")\(base)/"
            agencyDirs[a.key] = dir
            agencyDirList.append(dir)
            agencyBase.append(base)
            for e in a.entries { entryAgency[e] = p }
        }
        var regionDirs: [String: String] = [:]
        var regionDirList: [String] = []
        regionDirList.reserveCapacity(aggregates.regions.count)
        for r in aggregates.regions {
            let dir = "regions/\(Slug.hash("region:" + r.key))/"
            regionDirs[r.key] = dir
            regionDirList.append(dir)
        }
        var dirs: [String] = []
        dirs.reserveCapacity(aggregates.entries.count)
        for (k, e) in aggregates.entries.enumerated() {
            // Only a duplicate or a report without a year needs its file's hash in its folder.
            var fileHash: String { Slug.hash("file:" + reports[e.index].relativePath, length: 6) }
            if e.agencyKey != nil, let y = e.year {
                let base = entryAgency[k] >= 0 ? agencyBase[entryAgency[k]] : Slug.hash(e.agencyKey!)
                dirs.append(e.duplicate ? "reports/\(base)-\(y)-\(fileHash)/" : "reports/\(base)-\(y)/")
            } else if let key = e.agencyKey {
                dirs.append("reports/\(Slug.hash(key))-x\(fileHash)/")
            } else {
                dirs.append("reports/x-\(Slug.hash("file:" + reports[e.index].relativePath))/")
            }
        }
        self.agencyDirList = agencyDirList
        self.regionDirList = regionDirList
        self.reportDirs = dirs
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
        self.theme = theme.prerenderingPartials(["site": self.site])
        self.layouts = LayoutSkeletons(theme: self.theme, site: self.site)
        self.pages = PageSkeletons(theme: self.theme, site: self.site)
        self.recordParts = RecordParts(count: reports.count, limit: partsInMemory, spillFolder: spillFolder)
        var crossBreaks: [String: Int] = [:]
        for ag in aggregates.agencies { for c in ag.crossYear where c.status == .breaks { crossBreaks[c.source, default: 0] += 1 } }
        self.crossBreaks = crossBreaks
        self.failing = aggregates.entries.filter { e in
            e.errorCount > 0 || e.identityBreaks > 0 || e.duplicate || (findings[e.source]?.contains { $0.severity == .error } ?? false)
                || (e.agencyKey != nil && crossBreaks[e.source] != nil)
        }
        self.reportTemplateIteratesSections = (theme.files["pages/report.md"] ?? "").replacingOccurrences(of: "hasSections", with: "").contains("sections")
    }

    // MARK: the whole site

    /// The last build's files, for a unit that rebuilds a file from parts of the old one (a
    /// year's records files): given by an incremental build whose aggregates and record heads are
    /// those of the last build, before any unit renders; read-only after.
    final class PreviousOutputs: @unchecked Sendable {
        /// The old file at an output path, when it is the one the last build wrote (nil if not).
        var file: (@Sendable (String) -> [UInt8]?)? = nil
        /// Whether report `i`'s record was read anew (changed since the last build).
        var fresh: (@Sendable (Int) -> Bool)? = nil

        /// `rebuild(old file, fresh)`, when there is an old file to rebuild from.
        func reuse(_ path: String, _ rebuild: ([UInt8], (Int) -> Bool) -> [UInt8]?) -> [UInt8]? {
            guard let file, let fresh, let old = file(path) else { return nil }
            return rebuild(old, fresh)
        }
    }

    /// One piece of the site, rendered at once: the files it declares, the digest of every input
    /// it reads (`key`, empty when not asked for) and how to render it. Units are independent:
    /// they render on every core, and an incremental build renders only those whose key changed.
    struct RenderUnit: @unchecked Sendable {
        let paths: [String]
        let key: [UInt8]
        let render: () throws -> [OutputFile]
        var name: String { paths[0] }
    }

    /// The whole site in memory, sorted by path (tests, and callers that want every byte).
    func render() throws -> [OutputFile] {
        let us = units(nil)
        let slots = Slots<Result<[OutputFile], Error>>(count: us.count)
        DispatchQueue.concurrentPerform(iterations: us.count) { i in
            slots.set(i, Result { try SiteRenderer.checked(us[i]) })
        }
        var files: [OutputFile] = []
        for r in slots.values { files += try r.get() }
        files.sort { $0.path < $1.path }
        var seen = Set<String>()
        for f in files {
            guard seen.insert(f.path).inserted else { throw BuildError("two outputs at \(f.path)") }
        }
        return files
    }

    /// Renders a unit and checks that it produced exactly the (safe) files it declared.
    static func checked(_ u: RenderUnit) throws -> [OutputFile] {
        let files = try u.render()
        for f in files where !SiteWriter.isSafe(f.path) { throw OutputPathError(path: f.path) }
        // The declared paths, in the declared order (nearly always) or another.
        guard files.count == u.paths.count, zip(files, u.paths).allSatisfy({ $0.path == $1 }) || Set(files.map(\.path)) == Set(u.paths) else {
            throw BuildError("internal: \(u.name) rendered \(files.map(\.path)), declared \(u.paths)")
        }
        return files
    }

    /// Every unit of the site, in a fixed order. `keys` gives each unit the digest of its inputs
    /// (see `DependencyKeys`); without it keys are empty.
    func units(_ keys: DependencyKeys?) -> [RenderUnit] {
        var out: [RenderUnit] = []
        func add(_ paths: [String], _ key: @autoclosure () -> [UInt8], _ render: @escaping () throws -> [OutputFile]) {
            out.append(RenderUnit(paths: paths, key: keys == nil ? [] : key(), render: render))
        }
        let k = keys ?? DependencyKeys.none, t = k.templates
        // (Data files, the feed and robots.txt read no template; the sitemap only which content
        // pages there are.)
        let regionTemplates = t.page("region"), yearTemplates = t.page("year", "year-more")
        // The many units (per agency, region and report) built on both cores, in four lists.
        let n = reports.count, withKeys = keys != nil
        let lists = Slots<[RenderUnit]>(count: 4)
        DispatchQueue.concurrentPerform(iterations: 4) { part in
            var list: [RenderUnit] = []
            switch part {
            case 0:
                list.reserveCapacity(agg.agencies.count)
                for (p, a) in agg.agencies.enumerated() {
                    let dir = agencyDirList[p]
                    list.append(RenderUnit(paths: [dir + "index.html", dir + "records.csv", dir + "records.json", dir + "aggregates.csv", dir + "aggregates.json"],
                                           key: withKeys ? k.agencyKey(p) : []) { [self] in try agencyPage(a) })
                }
            case 1:
                list.reserveCapacity(agg.regions.count)
                let subtree = regionSubtreeAgencies()
                for (q, r) in agg.regions.enumerated() {
                    let dir = regionDirList[q]
                    list.append(RenderUnit(paths: [dir + "index.html", dir + "aggregates.csv", dir + "aggregates.json"],
                                           key: withKeys ? k.key("region", regionTemplates, Array(r.key.utf8), k.years, k.agencies(subtree[q])) : []) { [self] in try regionPage(r) })
                }
            default:
                // A unit per report, in two halves.
                let half = part - 2
                list.reserveCapacity(n / 2 + 1)
                for i in (half * n / 2)..<((half + 1) * n / 2) {
                    list.append(RenderUnit(paths: [reportDirs[i] + "index.html"], key: withKeys ? k.reportKey(i) : []) { [self] in [try reportPage(i)] })
                }
            }
            lists.set(part, list)
        }
        let built = lists.values
        add(["index.html"], k.key("home", t.page("home"), k.corpus)) { [self] in [try home()] }
        add(listPaths("agencies/", rows: agg.agencies.count), k.key("agencies", t.page("agencies"), k.corpus)) { [self] in try agencyIndex() }
        out += built[0]
        add(["years/index.html"], k.key("years", t.page("years"), k.corpus)) { [self] in [try yearIndex()] }
        for y in agg.years {
            add(listPaths("years/\(y.year)/", rows: y.entries.count),
                k.key("year", yearTemplates, Array("\(y.year)".utf8), k.years, k.owners(year: y.year, agg: agg), k.owners(year: y.year - 1, agg: agg))) { [self] in try yearPage(y) }
        }
        add(["regions/index.html"], k.key("regions", t.page("regions"), k.corpus)) { [self] in [try regionIndex()] }
        out += built[1]
        add(listPaths("reports/", rows: reports.count), k.key("reports", t.page("reports"), k.corpus)) { [self] in try reportIndex() }
        add(listPaths("failing/", rows: failing.count), k.key("failing", t.page("failing"), k.corpus)) { [self] in try failingIndex() }
        out += built[2]
        out += built[3]
        for name in theme.contentNames {
            add([contentRel(name) + "index.html"], k.key("content", t.content(name), Array(name.utf8))) { [self] in [try contentPage(name)] }
        }
        add(["data/index.html", "data/aggregates.csv", "data/aggregates.json"], k.key("data", t.page("data"), k.corpus)) { [self] in try dataFiles() }
        for (slug, indices) in recordGroups() {
            // Two units, so a year's two files are written on two cores.
            let rows = keys == nil ? [] : k.rows(indices)
            let csv = "data/\(slug)/records.csv", json = "data/\(slug)/records.json"
            add([csv], k.key("records.csv", Array(slug.utf8), rows)) { [self] in
                [OutputFile(path: csv, bytes: previous.reuse(csv) { recordsCSV(indices, reusing: $0, fresh: $1) } ?? recordsCSV(indices))]
            }
            add([json], k.key("records.json", Array(slug.utf8), rows)) { [self] in
                [OutputFile(path: json, bytes: previous.reuse(json) { recordsJSON(indices, reusing: $0, fresh: $1) } ?? recordsJSON(indices))]
            }
        }
        add(["404.html"], k.key("404", t.page("404"))) { [self] in [try notFound()] }
        var pages: [String] = []
        pages.reserveCapacity(out.count)
        // (Suffixes compared on bytes, as `hasSuffix` would answer: they are ASCII.)
        for u in out { for p in u.paths where p.hasUTF8Suffix(SiteRenderer.indexHTML) { pages.append(p) } }
        add(sitemapPaths(pages.count), k.key("sitemap", k.corpus, Array(theme.contentNames.joined(separator: "\n").utf8))) { [self] in sitemap(pages) }
        add(["feed.xml"], k.key("feed", k.corpus)) { [self] in [feed()] }
        add(["robots.txt"], k.key("robots")) { [self] in [robots()] }
        for (path, text) in theme.assets { add([path], k.key("asset", t.asset(path), Array(path.utf8))) { [OutputFile(path: path, text: text)] } }
        return out
    }

    static let indexHTML: [UInt8] = Array("index.html".utf8)

    /// The reports of each data file: `data/<year>/` (report order), `data/undated/` last.
    func recordGroups() -> [(String, [Int])] {
        var byYear: [Int: [Int]] = [:]
        var undated: [Int] = []
        for i in reports.indices {
            if let y = agg.entries[i].year { byYear[y, default: []].append(i) } else { undated.append(i) }
        }
        var out = byYear.keys.sorted().map { ("\($0)", byYear[$0]!) }
        if !undated.isEmpty { out.append(("undated", undated)) }
        return out
    }

    /// Per region (by position), the positions of the agencies placed in it or any region below it.
    func regionSubtreeAgencies() -> [[Int]] {
        var parent = [Int](repeating: -1, count: agg.regions.count)
        for (q, r) in agg.regions.enumerated() { if let p = r.parent, let pi = agg.regionIndex[p] { parent[q] = pi } }
        var out = [[Int]](repeating: [], count: agg.regions.count)
        for (p, a) in agg.agencies.enumerated() {
            var r = a.regionKey.flatMap { agg.regionIndex[$0] } ?? -1
            var guardCount = 0
            while r >= 0, guardCount < 64 {
                out[r].append(p)
                r = parent[r]
                guardCount += 1
            }
        }
        return out
    }

    // MARK: pages

    struct Crumb { let title: String; let rel: String }

    /// One page: the body template `kind` with `context`, `blocks` inserted, in the layout.
    func page(_ rel: String, kind: String, title: String, description: String? = nil, crumbs: [Crumb] = [],
              context: [String: Any], blocks: HTMLBlocks) throws -> OutputFile {
        var c = context
        c["title"] = title
        let markdown = try pages.render(kind, c)
        return layout(rel, kind: kind, title: title, description: description, crumbs: crumbs, body: CommonMark.htmlBytes(markdown, blocks: blocks))
    }

    func layout(_ rel: String, kind: String, title: String, description: String? = nil, crumbs: [Crumb] = [], body: [UInt8]) -> OutputFile {
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
        return OutputFile(path: path, bytes: layouts.render(page: pageContext, body: body))
    }

    func contentRel(_ name: String) -> String {
        let slug = Slug.ascii(name, max: 40)
        return slug.isEmpty ? "page-\(Slug.hash(name))/" : "\(slug)/"
    }

    func contentPage(_ name: String) throws -> OutputFile {
        let rel = contentRel(name)
        var c = methodologyContext()
        c["site"] = site
        let markdown = theme.contentMarkdown(name, c) ?? ""
        // The first heading is the title.
        let title = markdown.split(separator: "\n").first { $0.hasPrefix("# ") }.map { String($0.dropFirst(2)).replacingOccurrences(of: "\\", with: "") } ?? name
        return layout(rel, kind: "content", title: title, crumbs: [Crumb(title: "首页", rel: "")], body: CommonMark.htmlBytes(markdown))
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

    /// `a(href, text)` onto bytes.
    func link(_ href: String, _ text: String, cls: String? = nil, into out: inout [UInt8]) {
        out.append(contentsOf: "<a href=\"".utf8); out.append(contentsOf: Escape.html(href).utf8); out.append(0x22)
        if let cls { out.append(contentsOf: " class=\"".utf8); out.append(contentsOf: cls.utf8); out.append(0x22) }
        out.append(0x3E); out.append(contentsOf: Escape.html(text).utf8); out.append(contentsOf: "</a>".utf8)
    }

    func a(_ href: String, _ text: String, cls: String? = nil) -> String {
        "<a href=\"\(Escape.html(href))\"\(cls.map { " class=\"\($0)\"" } ?? "")>\(Escape.html(text))</a>"
    }

    func reportTitle(_ i: Int) -> String {
        // The entry has the title's year; the record itself only for the rare report with no agency.
        let name = agg.entries[i].agencyName ?? reports[i].report.agency ?? "未识别的机关"
        return "\(name) \(agg.entries[i].year.map { "\($0) 年" } ?? "（年度未识别）")"
    }

    /// A figure in an aggregate table: the number, or 未填报 when the report left it blank.
    func figureCell(_ v: Double?, cls: String = "n") -> String {
        guard let v else { return "<td class=\"\(cls) blank\"><span title=\"报告未填报（空白），不计为 0\">未填报</span></td>" }
        return "<td class=\"\(cls)\">\(Format.number(v))</td>"
    }

    /// `figureCell(v)` appended to `out`.
    static func appendFigureCell(_ v: Double?, to out: inout [UInt8]) {
        guard let v else { out.append(contentsOf: "<td class=\"n blank\"><span title=\"报告未填报（空白），不计为 0\">未填报</span></td>".utf8); return }
        out.append(contentsOf: "<td class=\"n\">".utf8)
        JSON.appendNumber(v, to: &out)
        out.append(contentsOf: "</td>".utf8)
    }

    /// `rateCell(v)` appended to `out`.
    static func appendRateCell(_ v: Double?, to out: inout [UInt8]) {
        guard let v else { out.append(contentsOf: "<td class=\"n na\"><span title=\"所需数字空白或分母为 0，无法计算\">—</span></td>".utf8); return }
        out.append(contentsOf: "<td class=\"n\">".utf8)
        out.append(contentsOf: Format.percent(v).utf8)
        out.append(contentsOf: "</td>".utf8)
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
        if e.agencyKey != nil, (crossBreaks[e.source] ?? 0) > 0 { s.append("<span class=\"badge warn\">跨年结转不符</span>") }
        if s.isEmpty { s.append(e.warningCount > 0 ? "<span class=\"badge note\">\(e.warningCount) 条提示</span>" : "<span class=\"badge ok\">通过</span>") }
        return s.joined(separator: " ")
    }
}

/// `<table>` markup with a caption and header cells that say what they head.
struct TableHTML {
    var caption: String
    var head: [String]
    var cls = "data"
    /// The body's and the footer's rows, as HTML bytes (a page's tables are written row by
    /// row; strings grown piece by piece cost more than bytes).
    private var body: [UInt8] = []
    private var foot: [UInt8] = []

    init(caption: String, head: [String], cls: String = "data") {
        self.caption = caption
        self.head = head
        self.cls = cls
    }

    /// A row: the header cell (`<th scope="row">`, its content already HTML) and data cells
    /// (already `<td>`). The report's figure tables, which key their rows and columns, are
    /// `SiteRenderer.FigureTable`.
    mutating func row(_ header: String, _ cells: [String], cls: String? = nil) {
        row(header, cls: cls) { body in for c in cells { body.append(contentsOf: c.utf8) } }
    }

    /// `row` whose data cells `cells` appends onto the table's bytes (no string per cell).
    mutating func row(_ header: String, cls: String? = nil, cells: (inout [UInt8]) -> Void) {
        body.append(contentsOf: "<tr".utf8)
        if let cls {
            body.append(contentsOf: " class=\"".utf8)
            body.append(contentsOf: cls.utf8)
            body.append(0x22)
        }
        body.append(contentsOf: "><th scope=\"row\">".utf8)
        body.append(contentsOf: header.utf8)
        body.append(contentsOf: "</th>".utf8)
        cells(&body)
        body.append(contentsOf: "</tr>".utf8)
    }

    mutating func footRow(_ header: String, _ cells: [String]) {
        foot.append(contentsOf: "<tr><th scope=\"row\">".utf8)
        foot.append(contentsOf: header.utf8)
        foot.append(contentsOf: "</th>".utf8)
        for c in cells { foot.append(contentsOf: c.utf8) }
        foot.append(contentsOf: "</tr>".utf8)
    }

    /// The table as HTML bytes.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(body.count + foot.count + 256)
        out.append(contentsOf: "<div class=\"table-wrap\"><table class=\"".utf8)
        out.append(contentsOf: cls.utf8)
        out.append(contentsOf: "\"><caption>".utf8)
        out.append(contentsOf: Escape.html(caption).utf8)
        out.append(contentsOf: "</caption><thead><tr>".utf8)
        for h in head {
            out.append(contentsOf: "<th scope=\"col\">".utf8)
            out.append(contentsOf: Escape.html(h).utf8)
            out.append(contentsOf: "</th>".utf8)
        }
        out.append(contentsOf: "</tr></thead><tbody>".utf8)
        out.append(contentsOf: body)
        out.append(contentsOf: "</tbody>".utf8)
        if !foot.isEmpty {
            out.append(contentsOf: "<tfoot>".utf8)
            out.append(contentsOf: foot)
            out.append(contentsOf: "</tfoot>".utf8)
        }
        out.append(contentsOf: "</table></div>".utf8)
        return out
    }

    var html: String { String(decoding: bytes, as: UTF8.self) }
}
