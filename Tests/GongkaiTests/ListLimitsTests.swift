import Foundation
import Testing
import GongkaiRender
import GongkaiCore
import GongkaiSite

/// Lists split into pages, and the home page, feed and sitemap kept to a size, shown with small
/// limits on seven agencies (one report each, three of which do not add up).
@Suite struct ListLimitsTests {
    static func site() throws -> [OutputFile] {
        let reports = (1...7).map { k -> LoadedReport in
            var text = SiteFixture.report(agency: "某某市第\(k)局", year: 2023)
            if k % 2 == 0 {   // 予以公开 one too high: 总计 no longer adds up
                text = text.replacingOccurrences(of: "（一）予以公开\t\t6\t0\t0\t0\t0\t0\t6", with: "（一）予以公开\t\t7\t0\t0\t0\t0\t0\t7")
            }
            return SiteFixture.load(text, "a\(k)/2023.txt")
        }
        var limits = ListLimits()
        limits.listRows = 3
        limits.homeAgencies = 5
        limits.homeFailing = 2
        limits.feedEntries = 4
        limits.sitemapURLs = 10
        return try SiteFixture.render(reports, limits: limits).files
    }

    func rows(_ html: String) -> Int { html.components(separatedBy: "<th scope=\"row\">").count - 1 }

    @Test func theAgencyAndReportListsHaveAPageEveryThreeRows() throws {
        let files = try Self.site()
        let paths = Set(files.map(\.path))
        for list in ["agencies", "reports"] {
            #expect(paths.isSuperset(of: ["\(list)/index.html", "\(list)/page/2/index.html", "\(list)/page/3/index.html"]))
            #expect(!paths.contains("\(list)/page/4/index.html") && !paths.contains("\(list)/page/1/index.html"))
            let pages = try (1...3).map { n in try #require(SiteFixture.file(files, n == 1 ? "\(list)/index.html" : "\(list)/page/\(n)/index.html")) }
            #expect(pages.map(rows) == [3, 3, 1])
            // The middle page links both ways and marks itself.
            #expect(pages[1].contains("<a href=\"/\(list)/\" rel=\"prev\">上一页</a>"))
            #expect(pages[1].contains("<a href=\"/\(list)/page/3/\" rel=\"next\">下一页</a>"))
            #expect(pages[1].contains("<li aria-current=\"page\">2</li>"))
            #expect(pages[1].contains("<link rel=\"canonical\" href=\"/\(list)/page/2/\">"))
        }
        let agencies = try #require(SiteFixture.file(files, "agencies/index.html"))
        #expect(agencies.contains("第 1 页，共 3 页（第 1–3 个，共 7 个）"))
    }

    @Test func aYearComparesItsAgenciesOnPagesOfThreeRows() throws {
        let files = try Self.site()
        let first = try #require(SiteFixture.file(files, "years/2023/index.html"))
        let second = try #require(SiteFixture.file(files, "years/2023/page/2/index.html"))
        let third = try #require(SiteFixture.file(files, "years/2023/page/3/index.html"))
        #expect(SiteFixture.file(files, "years/2023/page/4/index.html") == nil)
        // The totals and rankings are on the first page only; the table's rows are split.
        #expect(first.contains("<h2>排名</h2>") && !second.contains("<h2>排名</h2>"))
        let table = { (page: String) in page.components(separatedBy: "各机关比较（单位：件）").last ?? "" }
        #expect([first, second, third].map { rows(table($0).components(separatedBy: "<tfoot>").first ?? "") } == [3, 3, 1])
        #expect(second.contains("<h1>2023 年各机关比较（第 2 页）</h1>"))
        #expect(second.contains("<a href=\"/years/2023/\">2023 年</a>"), "the crumbs lead back to the year")
        #expect(second.contains("<a href=\"/years/2023/page/3/\" rel=\"next\">下一页</a>"))
    }

    @Test func theHomePageLinksToTheListsAndShowsTheFirstFailingReports() throws {
        let home = try #require(SiteFixture.file(try Self.site(), "index.html"))
        #expect(!home.contains("各机关历年报告"), "seven agencies are more than the five the home page lists")
        #expect(home.contains("共 7 个机关：<a href=\"/agencies/\">按名称</a>（3 页）"))
        #expect(home.contains("未通过核对的报告（3 份）"))
        #expect(home.contains("<caption>未通过核对的报告（前 2 份）</caption>"))
        #expect(home.contains("另有 1 份未列出，全部见<a href=\"/failing/\">未通过核对的报告</a>（1 页）"))
    }

    @Test func everyFailingReportIsListedOnItsOwnPages() throws {
        let files = try Self.site()
        let failing = try #require(SiteFixture.file(files, "failing/index.html"))
        #expect(rows(failing) == 3)
        #expect(failing.contains("<h1>未通过核对的报告</h1>"))
        // Reports 2, 4 and 6 are the ones whose 总计 does not add up.
        for k in [2, 4, 6] { #expect(failing.contains("某某市第\(k)局")) }
        #expect(!failing.contains("某某市第1局"))
        #expect(try #require(SiteFixture.file(files, "reports/index.html")).contains("<a href=\"/failing/\">未通过核对的报告</a>另列一页"))
    }

    @Test func aFailingReportsFirstProblemIsItsBrokenIdentityNotAnEarlierWarning() throws {
        // Blank 行政复议 cells: warnings (and identities that cannot be checked) before the break.
        var text = SiteFixture.report(agency: "某某市某局", year: 2023, blankReview: true)
        text = text.replacingOccurrences(of: "（一）予以公开\t\t6\t0\t0\t0\t0\t0\t6", with: "（一）予以公开\t\t7\t0\t0\t0\t0\t0\t7")
        let report = SiteFixture.load(text, "a/2023.txt")
        let diagnostics = report.report.diagnostics
        let firstWarning = try #require(diagnostics.first)
        let firstBreak = try #require(diagnostics.first { $0.kind == .identityBreak })
        #expect(firstWarning.kind == .reading && firstWarning.severity == .warning)
        let failing = try #require(SiteFixture.file(try SiteFixture.render([report]).files, "failing/index.html"))
        #expect(failing.contains(Escape.html(firstBreak.pageText)))
        #expect(!failing.contains(Escape.html(firstWarning.pageText)))
    }

    @Test func theFeedHasTheLatestReportsOnly() throws {
        let feed = try #require(SiteFixture.file(try Self.site(), "feed.xml"))
        #expect(feed.components(separatedBy: "<entry>").count - 1 == 4)
    }

    @Test func theSitemapIsSplitPastItsLimit() throws {
        let files = try Self.site()
        let pages = files.filter { $0.path.hasSuffix("index.html") }.count
        let index = try #require(SiteFixture.file(files, "sitemap.xml"))
        #expect(index.contains("<sitemapindex"))
        let parts = files.filter { $0.path.hasPrefix("sitemap-") }.sorted { $0.path < $1.path }
        #expect(parts.count == (pages + 9) / 10)
        var urls = 0
        for p in parts {
            #expect(index.contains("<loc>/\(p.path)</loc>"))
            let n = p.text.components(separatedBy: "<url>").count - 1
            #expect(n <= 10)
            urls += n
        }
        #expect(urls == pages)
    }
}
