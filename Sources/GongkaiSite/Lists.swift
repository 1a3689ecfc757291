import GongkaiRender

/// How much one page lists, so that a national corpus (tens of thousands of agencies, a hundred
/// thousand reports) still gives pages a phone can open, a feed a reader can poll and sitemaps
/// search engines accept.
public struct ListLimits: Sendable {
    /// Rows per page of the agency and report lists (`agencies/`, `agencies/page/2/`, …).
    public var listRows = 500
    /// Agencies the home page lists; with more, it links to the lists instead.
    public var homeAgencies = 100
    /// Reports that failed a check the home page lists (the first ones, in report order).
    public var homeFailing = 100
    /// Entries of the Atom feed: the latest reports.
    public var feedEntries = 100
    /// URLs per sitemap file (the sitemap protocol allows 50,000); with more, `sitemap.xml` is a
    /// sitemap index of `sitemap-1.xml`, `sitemap-2.xml`, ….
    public var sitemapURLs = 50_000

    public init() {}
}

extension SiteRenderer {
    /// The pages of a list of `rows` rows under `dir`: `dir/index.html`, then
    /// `dir/page/2/index.html`, ….
    func listPaths(_ dir: String, rows: Int) -> [String] {
        let count = max(1, (rows + limits.listRows - 1) / max(1, limits.listRows))
        return [dir + "index.html"] + (1..<count).map { "\(dir)page/\($0 + 1)/index.html" }
    }

    /// The rows of page `n` (1-based) of a list of `rows` rows.
    func pageRange(_ n: Int, rows: Int) -> Range<Int> {
        min(rows, (n - 1) * limits.listRows)..<min(rows, n * limits.listRows)
    }

    /// The folder of page `n` (1-based) of the list under `dir`.
    func listPageDir(_ dir: String, _ n: Int) -> String { n == 1 ? dir : "\(dir)page/\(n)/" }

    /// Links between the pages of a list: the first, the last, and those near `n`.
    func pager(_ dir: String, page n: Int, of count: Int, rows: Int, noun: String) -> String {
        guard count > 1 else { return "" }
        let size = limits.listRows
        let first = (n - 1) * size + 1, last = min(n * size, rows)
        var s = "<nav class=\"pager\" aria-label=\"分页\"><p>第 \(n) 页，共 \(count) 页（第 \(first)–\(last) \(noun)，共 \(rows) \(noun)）</p><ul>"
        if n > 1 { s += "<li><a href=\"\(urls.link(listPageDir(dir, n - 1)))\" rel=\"prev\">上一页</a></li>" }
        var shown = Set([1, count])
        for k in max(1, n - 3)...min(count, n + 3) { shown.insert(k) }
        var previous = 0
        for k in shown.sorted() {
            if k > previous + 1 { s += "<li class=\"gap\">…</li>" }
            s += k == n ? "<li aria-current=\"page\">\(k)</li>" : "<li><a href=\"\(urls.link(listPageDir(dir, k)))\">\(k)</a></li>"
            previous = k
        }
        if n < count { s += "<li><a href=\"\(urls.link(listPageDir(dir, n + 1)))\" rel=\"next\">下一页</a></li>" }
        return s + "</ul></nav>"
    }

    /// The files of the sitemap for `pages` pages: one file, or an index and its parts.
    func sitemapPaths(_ pages: Int) -> [String] {
        guard pages > limits.sitemapURLs else { return ["sitemap.xml"] }
        let parts = (pages + limits.sitemapURLs - 1) / limits.sitemapURLs
        return ["sitemap.xml"] + (1...parts).map { "sitemap-\($0).xml" }
    }
}
