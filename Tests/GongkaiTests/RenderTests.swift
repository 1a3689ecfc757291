import Foundation
import Testing
import GongkaiRender

@Suite struct RenderTests {
    @Test func markdownEscapingKeepsUntrustedTextAsText() {
        let hostile = "<script>alert(1)</script> [x](javascript:alert(1)) <https://evil.example> *em* `code` &amp; # h\n\n    indented\n- item {{x}}"
        let html = CommonMark.html(Escape.markdown(hostile))
        #expect(!html.contains("<script"))
        #expect(!html.contains("<a "))
        #expect(!html.contains("<em>") && !html.contains("<code>") && !html.contains("<h1>") && !html.contains("<li>") && !html.contains("<pre>"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&amp;amp;"))
        #expect(html.contains("{{x}}"))
        #expect(html.hasPrefix("<p>") && html.components(separatedBy: "<p>").count == 2, "one paragraph: line breaks cannot start blocks")
    }

    @Test func cmarkRunsInSafeModeAndBlocksAreVerbatim() {
        var blocks = HTMLBlocks()
        let table = blocks.add("<table><caption>表</caption><tr><td>1</td></tr></table>")
        let md = "# 标题\n\n\(table)\n\n<div onclick=\"x\">raw</div>\n\n[a](javascript:alert(1))\n"
        let html = CommonMark.html(md, blocks: blocks)
        #expect(html.contains("<h1>标题</h1>"))
        #expect(html.contains("<table><caption>表</caption><tr><td>1</td></tr></table>"))
        // Raw HTML and javascript: links in Markdown are dropped by cmark's safe mode.
        #expect(!html.contains("onclick"))
        #expect(html.contains("<!-- raw HTML omitted -->"))
        #expect(!html.contains("javascript:"))
        // A placeholder from untrusted text is stripped before it can be parsed.
        let forged = CommonMark.html(Escape.markdown("\u{E000}gk0\u{E001}"), blocks: blocks)
        #expect(!forged.contains("<table>"))
    }

    @Test func htmlEscaping() {
        #expect(Escape.html("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(Escape.html("普通文字") == "普通文字")
        #expect(Escape.externalURL("javascript:alert(1)") == nil)
        #expect(Escape.externalURL("https://example.org/a\"b") == nil)
        #expect(Escape.externalURL(" https://example.org/a ") == "https://example.org/a")
    }

    @Test func numbersAndRates() {
        #expect(Format.percent(0.5634) == "56.3%")
        #expect(Format.percent(1) == "100.0%")
        #expect(Format.percent(0) == "0.0%")
        // A change from a tiny amount (0.000001 万元 to 10^8) is printed, not a trap.
        #expect(Format.percent(1e20) == "1e+22%")
        #expect(Format.signedPercent(-1e20) == "-1e+22%")
        #expect(Format.signed(3) == "+3" && Format.signed(-2) == "-2")
        #expect(Format.number(1237.4) == "1237.4")
    }

    @Test func chartsHaveATextAlternativeAndGapsAreNotZero() {
        let svg = SVGChart.line(id: "c1", title: "新收<申请>", categories: ["2021", "2022", "2023"],
                                series: [.init(label: "甲", values: [10, nil, 30])])
        #expect(svg.contains("role=\"img\""))
        #expect(svg.contains("<title id=\"c1-t\">新收&lt;申请&gt;</title>"))
        #expect(svg.contains("<desc id=\"c1-d\">甲：2021：10，2022：未填报，2023：30</desc>"))
        // Two points, no line through the missing year.
        #expect(svg.components(separatedBy: "<circle").count == 3)
        #expect(!svg.contains("<path"))
        #expect(!svg.contains("<script"))
    }

    @Test func templatesCompiledIntoTheBinaryMatchTheTemplatesFolder() throws {
        // Tests/GongkaiTests/RenderTests.swift → repository root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("Templates")
        guard FileManager.default.fileExists(atPath: folder.path) else { return }
        var onDisk: [String: String] = [:]
        let e = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles])!
        for case let url as URL in e where !url.hasDirectoryPath {
            let rel = String(url.standardizedFileURL.path.dropFirst(folder.standardizedFileURL.path.count + 1))
            onDisk[rel] = try String(contentsOf: url, encoding: .utf8)
        }
        #expect(onDisk.keys.sorted() == DefaultTemplates.files.keys.sorted(), "run python3 scripts/embed-templates.py")
        for (k, v) in onDisk { #expect(DefaultTemplates.files[k] == v, "\(k) differs: run python3 scripts/embed-templates.py") }
    }

    @Test func themeLayersAndMarkdownEscapingInPageTemplates() throws {
        var files = DefaultTemplates.files
        files["pages/test.md"] = "# {{name}}\n\n{{{block}}}\n"
        let theme = try Theme(files: files)
        var blocks = HTMLBlocks()
        let p = blocks.add("<p class=\"ok\">block</p>")
        let md = try theme.pageMarkdown("test", ["name": "<i>名</i> *x*", "block": p])
        let html = CommonMark.html(md, blocks: blocks)
        #expect(html.contains("<h1>&lt;i&gt;名&lt;/i&gt; *x*</h1>"))
        #expect(html.contains("<p class=\"ok\">block</p>"))
        #expect(throws: Theme.LoadError.self) { try Theme(files: ["pages/x.md": "{{#unclosed}}"]) }
    }
}
