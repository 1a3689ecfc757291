import Foundation
import Testing
import GongkaiCore
import GongkaiCheck
import GongkaiAggregate
import GongkaiRender
import GongkaiSite

@Suite struct SiteTests {
    /// The fixture corpus: 交通运输局 2022 + 2023 (with a sidecar), 市场监督管理局 2022 (blanks),
    /// 石桥区人民政府 2023 (HTML, two names, aliased).
    func buildFixture(base: String? = nil, templates: [String] = []) throws -> (BuildResult, String) {
        let out = SiteFixture.tempDir()
        let r = try SiteBuilder.build(BuildOptions(corpus: SiteFixture.corpus, output: out, templateFolders: templates, baseURL: base, keepFiles: true))
        return (r, out)
    }

    @Test func pageSetOfASmallCorpus() throws {
        let (r, out) = try buildFixture()
        defer { try? FileManager.default.removeItem(atPath: out) }
        #expect(r.reports.count == 4)
        #expect(r.aggregates.agencies.count == 3)
        let paths = Set(r.files.map(\.path))
        for p in ["index.html", "404.html", "robots.txt", "sitemap.xml", "feed.xml", "assets/style.css",
                  "agencies/index.html", "years/index.html", "regions/index.html", "reports/index.html",
                  "years/2022/index.html", "years/2023/index.html", "failing/index.html", "about/index.html", "methodology/index.html",
                  "data/index.html", "data/2022/records.csv", "data/2023/records.json", "data/aggregates.csv", "data/aggregates.json"] {
            #expect(paths.contains(p), "missing \(p)")
        }
        let agencyPages = paths.filter { $0.hasPrefix("agencies/") && $0.hasSuffix("/index.html") && $0 != "agencies/index.html" }
        #expect(agencyPages.count == 3)
        for a in agencyPages {
            let dir = String(a.dropLast("index.html".count))
            for f in ["records.csv", "records.json", "aggregates.csv", "aggregates.json"] { #expect(paths.contains(dir + f)) }
        }
        let reportPages = paths.filter { $0.hasPrefix("reports/") && $0.hasSuffix("/index.html") && $0 != "reports/index.html" }
        #expect(reportPages.count == 4)
        // A report's record is in its agency's and its year's files, not in a file of its own.
        #expect(paths.filter { $0.hasPrefix("reports/") && !$0.hasSuffix("/index.html") }.isEmpty)
        #expect(!paths.contains { $0.hasPrefix("years/") && $0.contains("2021") })
        // Everything listed was written, and nothing else but the manifest.
        let written = Set(FileManager.default.subpaths(atPath: out)!.filter { !$0.hasPrefix(".") && !(try! URL(fileURLWithPath: out + "/" + $0).resourceValues(forKeys: [.isDirectoryKey]).isDirectory!) })
        #expect(written == paths)
        // Every page is HTML5 with the language, a viewport and one h1.
        for f in r.files where f.isPage {
            let t = f.text
            #expect(t.hasPrefix("<!DOCTYPE html>"), "\(f.path)")
            #expect(t.contains("<html lang=\"zh-CN\">"))
            #expect(t.contains("name=\"viewport\""))
            #expect(t.components(separatedBy: "<h1>").count == 2, "\(f.path) has not exactly one h1")
        }
        #expect(r.errors == 0)
        #expect(r.pages == r.files.filter { $0.path.hasSuffix(".html") }.count)
    }

    @Test func everyFigureOnAReportPageEqualsItsRecord() throws {
        let (r, out) = try buildFixture()
        defer { try? FileManager.default.removeItem(atPath: out) }
        var compared = 0
        for lr in r.reports {
            let page = try #require(r.files.first { $0.path.hasPrefix("reports/") && $0.path.hasSuffix("index.html") && $0.text.contains("href=\"#source\">\(lr.relativePath)</a>") })
            let shown = SiteFixture.figures(page.text)
            // The record's numbers, flattened to the same keys.
            guard case .object(let top) = lr.report.json(includeSourceAndDiagnostics: false) else { Issue.record("not an object"); continue }
            var expected: [String: String] = [:]
            for (k, v) in top {
                switch (k, v) {
                case ("active_disclosure", .object(let items)):
                    for (item, fj) in items { if case .object(let fields) = fj { for (f, x) in fields { expected["active_disclosure.\(item).\(f)"] = text(x) } } }
                case ("applications", .object(let m)):
                    if case .object(let rows)? = m.first(where: { $0.0 == "rows" })?.1 {
                        for (row, cj) in rows { if case .array(let cells) = cj { for (c, x) in zip(FormSchema.applicantColumns, cells) { expected["applications.\(row).\(c.key)"] = text(x) } } }
                    }
                case ("review_litigation", .object(let groups)):
                    for (g, gj) in groups { if case .object(let fields) = gj { for (f, x) in fields { expected["review_litigation.\(g).\(f)"] = text(x) } } }
                default: break
                }
            }
            #expect(!expected.isEmpty)
            #expect(shown == expected, "\(lr.relativePath)")
            compared += expected.count
            // And the year's records.json, which the page links to, holds the record itself.
            let year = try #require(lr.report.year)
            #expect(page.text.contains("data/\(year)/records.json"))
            let json = try #require(r.files.first { $0.path == "data/\(year)/records.json" })
            var rec = lr.report
            rec.source = lr.relativePath
            var s = ""
            rec.json().write(into: &s, pretty: true, indent: 1)
            #expect(json.text.contains("  " + s))
        }
        #expect(compared > 400)
    }

    func text(_ j: JSON) -> String {
        switch j {
        case .null: return ""
        case .int(let i): return String(i)
        case .double(let d): return JSON.format(d)
        default: return "?"
        }
    }

    @Test func hostileReportTextIsInert() throws {
        let hostile = [
            "<script>alert('x')</script>正文",
            "[点此](javascript:alert(1)) 与 <a href=\"javascript:alert(2)\">链接</a> 和 <img src=x onerror=alert(3)>",
            "{{site.title}} {{{body}}} {{> partials/header}} \u{E000}gk0\u{E001}",
            "# 不是标题 *不是强调* `不是代码` &amp; &lt;b&gt;",
        ]
        let name = "../../etc/{{x}}<b>局"
        let lr = SiteFixture.load(SiteFixture.report(agency: name, year: 2023, narrative: hostile), "../../evil/<x>.txt",
                                  sidecar: Sidecar(sourceURL: "javascript:alert(4)", published: nil))
        #expect(lr.report.agency?.contains("{{x}}") == true, "the hostile name must reach the site for this test to mean anything")
        var config = SiteConfiguration()
        config.title = "门户"
        let (files, _) = try SiteFixture.render([lr], configuration: config)
        for f in files {
            #expect(SiteWriter.isSafe(f.path), "\(f.path)")
            #expect(!f.path.contains(".."))
            guard f.isPage || f.path.hasSuffix(".xml") else { continue }
            let t = f.text
            #expect(!t.contains("<script"), "\(f.path)")
            #expect(!t.lowercased().contains("javascript:alert(1)\""), "\(f.path)")
            #expect(!t.contains("href=\"javascript"), "\(f.path)")
            #expect(!t.contains("src=\"javascript"), "\(f.path)")
            #expect(!t.contains("<img"), "\(f.path)")
            #expect(!t.contains("<b>"), "\(f.path)")
        }
        let page = try #require(files.first { $0.path.hasPrefix("reports/") && $0.path.hasSuffix("/index.html") && $0.path != "reports/index.html" })
        // A forged block placeholder in the text does not pull in a generated block.
        #expect(page.text.components(separatedBy: "<dl class=\"meta\">").count == 2)
        // The narrative is shown, as text (not dropped as raw HTML, not turned into a link).
        let body = try #require(page.text.components(separatedBy: "<h2>报告正文</h2>").last?.components(separatedBy: "<h2>原文</h2>").first)
        #expect(body.contains("&lt;script&gt;alert('x')&lt;/script&gt;正文"))
        #expect(body.contains("[点此](javascript:alert(1)) 与 &lt;a href=&quot;javascript:alert(2)&quot;&gt;链接&lt;/a&gt;"))
        #expect(body.contains("{{site.title}} {{{body}}} {{&gt; partials/header}}"), "Mustache syntax in a report stays literal")
        #expect(body.contains("# 不是标题 *不是强调* `不是代码` &amp;amp; &amp;lt;b&amp;gt;"))
        #expect(!body.contains("raw HTML omitted"))
        #expect(!page.text.contains("<em>不是强调</em>"))
        #expect(page.text.contains("../../etc/{{x}}&lt;b&gt;局"))
        // The source view shows the same text escaped, with line anchors.
        #expect(page.text.contains("<li id=\"L1\">"))
    }

    /// The source view is the file's text, escaped, a list item per line: checked against that
    /// statement with the characters that need escaping at every offset within 8 bytes.
    @Test func sourceViewIsTheEscapedTextLineByLine() throws {
        let specials = ["&", "<", ">", "\"", "'", "\r", "\u{7F}", "\u{1}", "\u{0}", "\t", "a", "公"]
        var narrative: [String] = []
        for (k, c) in specials.enumerated() {
            for pad in 0..<9 { narrative.append(String(repeating: "文", count: pad % 3) + String(repeating: "x", count: pad) + c + "尾\(k)" + c) }
        }
        let text = SiteFixture.report(agency: "青禾市测试局", year: 2023, narrative: narrative)
        let lr = SiteFixture.load(text, "a/2023.txt")
        let (files, _) = try SiteFixture.render([lr])
        let page = try #require(files.first { $0.path.hasPrefix("reports/") && $0.path.hasSuffix("/index.html") && $0.path != "reports/index.html" })
        let view = try #require(page.text.components(separatedBy: "<div class=\"source\" id=\"source\">").last?.components(separatedBy: "</div>").first)
        var expected = "<ol>"
        for (k, line) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            expected += "<li id=\"L\(k + 1)\">"
            for u in line {
                switch u {
                case "&": expected += "&amp;"
                case "<": expected += "&lt;"
                case ">": expected += "&gt;"
                case "\"": expected += "&quot;"
                case "'": expected += "&#39;"
                case "\t": expected += "\t"
                default: if u.value >= 0x20 && u.value != 0x7F { expected.unicodeScalars.append(u) }
                }
            }
            expected += "</li>"
        }
        expected += "</ol>"
        let a = Array(view.utf8), b = Array(expected.utf8)
        let at = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
        #expect(view == expected, "first difference at byte \(at): \(String(decoding: a[max(0, at - 40)..<min(a.count, at + 40)], as: UTF8.self)) | \(String(decoding: b[max(0, at - 40)..<min(b.count, at + 40)], as: UTF8.self))")
    }

    /// Report pages that share their "identities that hold" part get it from one rendering;
    /// each page's part is still its own: the same as when its report is rendered alone.
    @Test func sharedIdentityPartsAreEachPagesOwn() throws {
        let reports = [
            SiteFixture.load(SiteFixture.report(agency: "青禾市测试局", year: 2022), "a/2022.txt"),
            SiteFixture.load(SiteFixture.report(agency: "青禾市测试局", year: 2023, blankGranted: true), "a/2023.txt"),
            SiteFixture.load(SiteFixture.report(agency: "石桥区人民政府", year: 2023, blankReview: true), "b/2023.txt"),
            SiteFixture.load(SiteFixture.report(agency: "石桥区人民政府", year: 2022, carriedForward: 4), "b/2022.txt"),
        ] + (2018...2023).map { year in
            // As many results hold in these, in one column or another (pages are rendered two
            // at a time: a later page of one kind finds the part of the other kind made).
            let blank = year % 2 == 0 ? "数量\t\t10\t\t0" : "数量\t\t10\t0\t"
            return SiteFixture.load(SiteFixture.report(agency: "白沙县教育局", year: year).replacingOccurrences(of: "数量\t\t10\t0\t0", with: blank), "c/\(year).txt")
        }
        func holdsParts(_ files: [OutputFile]) -> [String: String] {
            var out: [String: String] = [:]
            for f in files where f.path.hasPrefix("reports/") && f.path != "reports/index.html" {
                guard let part = f.text.components(separatedBy: "<details><summary>成立的").dropFirst().first?.components(separatedBy: "</details>").first,
                      let source = f.text.components(separatedBy: "href=\"#source\">").dropFirst().first?.components(separatedBy: "<").first else { continue }
                out[source] = part
            }
            return out
        }
        let together = holdsParts(try SiteFixture.render(reports).files)
        #expect(together.count == reports.count)
        #expect(Set(together.values).count == 5, "the reports differ in what holds")
        #expect(together["c/2023.txt"] != together["c/2022.txt"])
        for r in reports {
            let alone = holdsParts(try SiteFixture.render([r]).files)
            #expect(together[r.relativePath] == alone[r.relativePath], "\(r.relativePath)")
        }
    }

    @Test func linksWorkFromASubPath() throws {
        let (r, out) = try buildFixture(base: "/portal/")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let paths = Set(r.files.map(\.path))
        var checked = 0
        for f in r.files where f.isPage {
            for link in SiteFixture.links(f.text) {
                if link.hasPrefix("#") || link.hasPrefix("https://www.example.org/") { continue }
                #expect(link.hasPrefix("/portal/"), "\(f.path): \(link)")
                guard link.hasPrefix("/portal/") else { continue }
                var target = String(link.dropFirst("/portal/".count))
                if let h = target.firstIndex(of: "#") { target = String(target[..<h]) }
                if target.isEmpty || target.hasSuffix("/") { target += "index.html" }
                #expect(paths.contains(target), "\(f.path) links to \(link), which the build does not produce")
                checked += 1
            }
        }
        #expect(checked > 200)
        let sitemap = try #require(SiteFixture.file(r.files, "sitemap.xml"))
        #expect(sitemap.contains("<loc>/portal/agencies/</loc>"))
        let full = try buildFixture(base: "https://example.org/portal")
        defer { try? FileManager.default.removeItem(atPath: full.1) }
        #expect(SiteFixture.file(full.0.files, "sitemap.xml")!.contains("<loc>https://example.org/portal/years/2023/</loc>"))
        #expect(SiteFixture.file(full.0.files, "index.html")!.contains("href=\"/portal/assets/style.css\""))
        #expect(SiteFixture.file(full.0.files, "robots.txt")!.contains("Sitemap: https://example.org/portal/sitemap.xml"))
    }

    @Test func twoReportsForOneAgencyAndYearIsAnErrorNamingBoth() throws {
        let a = SiteFixture.load(SiteFixture.report(agency: "青禾市测试局", year: 2023, received: 10), "a/2023.txt")
        let b = SiteFixture.load(SiteFixture.report(agency: "青禾市 测试局", year: 2023, received: 20), "b/2023-copy.txt")
        let c = SiteFixture.load(SiteFixture.report(agency: "青禾市其他局", year: 2023, received: 5), "c/2023.txt")
        let (files, agg) = try SiteFixture.render([a, b, c])
        let errors = agg.findings.filter { $0.diagnostic.severity == .error }
        #expect(errors.count == 2)
        for e in errors {
            #expect(e.diagnostic.message.contains("a/2023.txt and b/2023-copy.txt") || e.diagnostic.message.contains("b/2023-copy.txt and a/2023.txt"))
            #expect(!e.diagnostic.message.contains("corpus/"), "messages on pages name files inside the corpus")
        }
        // Both are published, neither is counted: the year's department total is the third report's.
        let reportPages = files.filter { $0.path.hasPrefix("reports/") && $0.path.hasSuffix("/index.html") && $0.path != "reports/index.html" }
        #expect(reportPages.count == 3)
        #expect(agg.entries.filter(\.duplicate).count == 2)
        #expect(agg.years[0].totals[.department]?[.received].value == 5)
        #expect(agg.years[0].totals[.department]?[.received].of == 1)
        #expect(agg.agencies.count == 2)
        let home = try #require(SiteFixture.file(files, "index.html"))
        #expect(home.contains("重复"))
    }

    @Test func blankAndZeroLookDifferent() throws {
        let lr = SiteFixture.load(SiteFixture.report(agency: "青禾市测试局", year: 2023, blankGranted: true), "a/2023.txt")
        let (files, _) = try SiteFixture.render([lr])
        let page = try #require(files.first { $0.path.hasPrefix("reports/") && $0.path.hasSuffix("/index.html") && $0.path != "reports/index.html" })
        let figures = SiteFixture.figures(page.text)
        #expect(figures["applications.granted.total"] == "")
        #expect(figures["applications.partially_granted.total"] == "0")
        // The total column is the last of its row: a blank says so, a zero is a linked 0.
        let granted = try #require(page.text.components(separatedBy: "<tr class=\"sub\" data-key=\"applications.granted\">").dropFirst().first?.components(separatedBy: "</tr>").first)
        let partial = try #require(page.text.components(separatedBy: "<tr class=\"sub\" data-key=\"applications.partially_granted\">").dropFirst().first?.components(separatedBy: "</tr>").first)
        #expect(granted.hasSuffix(">空白</a></td>"))
        #expect(granted.components(separatedBy: "<td class=\"n blank\"><a href=\"#L").count == 8, "the fixture's row is blank in all 7 columns, each linked to its line")
        #expect(partial.hasSuffix(">0</a></td>"))
        #expect(page.text.contains("<th scope=\"col\" data-key=\"total\">总计</th>"))
        // The figure links to the line it came from.
        let line = lr.report.applications!["granted"]![6].line!
        #expect(granted.hasSuffix("<td class=\"n blank\"><a href=\"#L\(line)\" title=\"报告此处空白，不计为 0\">空白</a></td>"))
        #expect(page.text.contains("<li id=\"L\(line)\">"))
        // In the CSV the blank is empty, the zero is 0.
        let csv = try #require(files.first { $0.path == "data/2023/records.csv" })
        #expect(Array(csv.bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let lines = csv.text.split(separator: "\r\n")
        let head = lines[0].split(separator: ",", omittingEmptySubsequences: false)
        let row = lines[1].split(separator: ",", omittingEmptySubsequences: false)
        let g = head.firstIndex(of: "applications.granted.total")!, p = head.firstIndex(of: "applications.partially_granted.total")!
        #expect(row[g] == "" && row[p] == "0")
    }

    @Test func writeIsAtomicSkipsUnchangedFilesAndRemovesOnlyItsOwnStaleFiles() throws {
        let out = SiteFixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let files = [OutputFile(path: "a/index.html", text: "A"), OutputFile(path: "b.txt", text: "B")]
        let first = try SiteWriter.write(files, to: out)
        #expect(first.written.count == 2)
        try "mine".write(toFile: out + "/keep.txt", atomically: true, encoding: .utf8)
        let second = try SiteWriter.write(files, to: out)
        #expect(second.written.isEmpty && second.unchanged == 2)
        let third = try SiteWriter.write([OutputFile(path: "a/index.html", text: "A2")], to: out)
        #expect(third.written == ["a/index.html"])
        #expect(third.removed == ["b.txt"])
        #expect(!FileManager.default.fileExists(atPath: out + "/b.txt"))
        #expect(FileManager.default.fileExists(atPath: out + "/keep.txt"), "a file the build did not write is never removed")
        #expect(try String(contentsOfFile: out + "/a/index.html", encoding: .utf8) == "A2")
        let leftovers = try FileManager.default.subpathsOfDirectory(atPath: out).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
        #expect(throws: OutputPathError.self) { try SiteWriter.write([OutputFile(path: "../x.html", text: "x")], to: out) }
        #expect(throws: OutputPathError.self) { try SiteWriter.write([OutputFile(path: "/etc/x", text: "x")], to: out) }
    }

    @Test("only plain relative paths inside the output folder are written", arguments: [
        ("index.html", true), ("agencies/ab-1_2/records.json", true), ("a.b/c", true),
        ("", false), ("/etc/x", false), ("a/", false), ("a//b", false), ("..", false), (".", false), ("a/../b", false),
        ("a/./b", false), (".gongkai/manifest", false), ("a/.hidden", false), ("a b", false), ("机关/index.html", false),
        ("a\\b", false), ("a\u{0}b", false), (String(repeating: "a", count: 400), false),
    ])
    func safePaths(_ path: String, _ safe: Bool) {
        #expect(SiteWriter.isSafe(path) == safe)
    }

    @Test func aBuildIsDeterministic() throws {
        let (a, o1) = try buildFixture()
        let (b, o2) = try buildFixture()
        defer { try? FileManager.default.removeItem(atPath: o1); try? FileManager.default.removeItem(atPath: o2) }
        #expect(a.files == b.files)
        #expect(a.files.map(\.path) == a.files.map(\.path).sorted())
        // A second build into the same folder writes nothing.
        let again = try SiteBuilder.build(BuildOptions(corpus: SiteFixture.corpus, output: o1))
        #expect(again.write.written.isEmpty)
    }

    @Test func aTemplateFolderOverridesOneFile() throws {
        let (r, out) = try buildFixture(templates: [SiteFixture.templates])
        defer { try? FileManager.default.removeItem(atPath: out) }
        let home = try #require(SiteFixture.file(r.files, "index.html"))
        #expect(home.contains("OVERRIDDEN FOOTER for 测试门户"))
        #expect(home.contains("<a class=\"brand\""), "the other templates stay the defaults")
    }

    @Test func aReportTemplateMayIterateTheSectionsItself() throws {
        let lr = SiteFixture.load(SiteFixture.report(agency: "青禾市测试局", year: 2023, narrative: ["第一段 *不是强调*", "第二段"]), "a/2023.txt")
        #expect(!lr.report.sections.isEmpty)
        var files = DefaultTemplates.files
        files["pages/report.md"] = "# {{title}}\n\n{{#sections}}\n## 节：{{title}}\n\n{{#paragraphs}}\n- 第 {{line}} 行：{{text}}\n{{/paragraphs}}\n{{/sections}}\n"
        let (out, _) = try SiteFixture.render([lr], theme: Theme(files: files))
        let page = try #require(out.first { $0.path.hasPrefix("reports/") && $0.path.hasSuffix("/index.html") && $0.path != "reports/index.html" })
        let first = try #require(lr.report.sections.first?.paragraphs.first)
        #expect(page.text.contains("<h2>节：\(lr.report.sections[0].title)</h2>"))
        #expect(page.text.contains("<li>第 \(first.line) 行：第一段 *不是强调*</li>"), "values are Markdown-escaped")
        // The built-in template prints the same narrative from `narrative`.
        let (builtIn, _) = try SiteFixture.render([lr])
        let p2 = try #require(builtIn.first { $0.path == page.path })
        #expect(p2.text.contains("<h3>\(lr.report.sections[0].title)</h3>"))
        #expect(p2.text.contains("第一段 *不是强调* <a href=\"#L\(first.line)\">第\(first.line)行</a>"))
    }

    @Test func configurationAndSidecar() {
        let (c, d) = SiteConfiguration.parse("""
        title: 门户
        base_url: /portal/
        fictional: true
        colour: blue
        aliases:
          甲局: [乙局, 丙 局]
        regions:
          - match: 高新区
            region: 青禾市石桥区
        levels:
          某管委会: department
        """)
        #expect(c.title == "门户" && c.baseURL == "/portal/" && c.fictional)
        #expect(c.aliases["甲局"] == ["乙局", "丙 局"])
        #expect(c.regionRules == [RegionRule(match: "高新区", region: "青禾市石桥区")])
        #expect(c.levels["某管委会"] == .department)
        #expect(d.count == 1 && d[0].message.contains("colour"))
        let (s, sd) = Sidecar.parse("source_url: https://example.org/a.html\npublished: 2024-01-31\n", name: "x.meta.yml")
        #expect(s == Sidecar(sourceURL: "https://example.org/a.html", published: "2024-01-31") && sd.isEmpty)
        let (bad, bd) = Sidecar.parse("source_url: javascript:alert(1)\npublished: soon\n", name: "x.meta.yml")
        #expect(bad?.sourceURL == nil && bad?.published == nil && bd.count == 2)
        #expect(Sidecar.path(for: "Corpus/a/2023.txt") == "Corpus/a/2023.meta.yml")
        #expect(Sidecar.path(for: "Corpus/省.厅/报告.2023.html") == "Corpus/省.厅/报告.2023.meta.yml")
        #expect(Sidecar.path(for: "Corpus/v1.2/report") == "Corpus/v1.2/report.meta.yml")
        #expect(Sidecar.path(for: "Corpus/.txt") == "Corpus/.txt.meta.yml")
    }

    @Test func slugsAreStableAndSafe() {
        #expect(Slug.hash("青禾市交通运输局") == Slug.hash("青禾市交通运输局"))
        #expect(Slug.hash("青禾市交通运输局") != Slug.hash("青禾市生态环境局"))
        #expect(Slug.hash("x").count == 10)
        #expect(Slug.ascii("../../ABC 局{{x}}") == "abc-x")
        #expect(SiteURLs(base: "/portal").basePath == "/portal/")
        #expect(SiteURLs(base: "../../x/").basePath == "/x/")
        #expect(SiteURLs(base: nil).basePath == "/")
        #expect(SiteURLs(base: "https://example.org/a b/").link("x/") == "/a%20b/x/")
    }
}

@Suite struct ReportPageIdentityTests {
    @Test func aBrokenIdentityIsShownInChineseWithItsNumbers() throws {
        // 予以公开 printed one too high (7 for 6) in the 自然人 and 总计 columns: the rows add up to 10, 总计 says 9.
        var text = SiteFixture.report(agency: "某某市某某局", year: 2023)
        text = text.replacingOccurrences(of: "（一）予以公开\t\t6\t0\t0\t0\t0\t0\t6", with: "（一）予以公开\t\t7\t0\t0\t0\t0\t0\t7")
        let r = SiteFixture.load(text, "a/2023.txt")
        #expect(r.checked.identities.contains { $0.isBreak })
        let (files, _) = try SiteFixture.render([r])
        let page = try #require(files.first { $0.path.hasPrefix("reports/") && $0.path.hasSuffix("/index.html") && $0.path != "reports/index.html" }?.text)
        // The identity table speaks Chinese.
        #expect(page.contains("<td>自然人列</td><td class=\"warn\">不成立（9 ≠ 10）</td><td>总计 为 9，但 三（一）至（六）各办理结果之和为 10（自然人列）</td>"))
        // Those that hold are summed up per relation: I1 holds in all seven columns.
        let holds = try #require(page.components(separatedBy: "<caption>成立的勾稽关系</caption>").last)
        #expect(holds.contains("<tr><th scope=\"row\">I1</th><td>\(Identity.carryOver.statement)</td><td>自然人列、商业企业列、"))
        #expect(holds.contains("总计列（7 处）</td></tr>"))
        #expect(!holds.contains("<th scope=\"row\">I2</th><td>\(Identity.handlingTotal.statement)</td><td>自然人列"), "I2 fails in the 自然人 column")
    }

    @Test func theFindingsListIsInChinese() throws {
        // The same break, and a blank cell (自然人 of 部分公开): the page lists both findings in
        // Chinese, with the numbers; the command line keeps the English wording.
        var text = SiteFixture.report(agency: "某某市某某局", year: 2023)
        text = text.replacingOccurrences(of: "（一）予以公开\t\t6\t0\t0\t0\t0\t0\t6", with: "（一）予以公开\t\t7\t0\t0\t0\t0\t0\t7")
        text = text.replacingOccurrences(of: "不计其他情形）\t\t0\t", with: "不计其他情形）\t\t\t")
        let r = SiteFixture.load(text, "a/2023.txt")
        #expect(r.report.diagnostics.contains { $0.message.contains("blank cell 自然人") })
        let (files, _) = try SiteFixture.render([r])
        let page = try #require(files.first { $0.path.hasPrefix("reports/") && $0.path.hasSuffix("/index.html") && $0.path != "reports/index.html" }?.text)
        let list = try #require(page.components(separatedBy: "<ul class=\"diagnostics\">").last?.components(separatedBy: "</ul>").first)
        #expect(list.contains("总计 为 9，但 三（一）至（六）各办理结果之和为 10（总计列）</li>"))
        #expect(list.contains("：表三“（二）部分公开”的“自然人”空白，记为无数据，不计为 0</li>"))
        #expect(!list.contains("blank") && !list.contains(" but "))
    }
}
