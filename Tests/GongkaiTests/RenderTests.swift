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

    /// The escaping, stated scalar by scalar: white space (ASCII, U+00A0, U+3000) becomes one
    /// space between words, control characters, private-use characters and U+FEFF go, ASCII
    /// punctuation gets a backslash, everything else is kept.
    static func markdownReference(_ s: String) -> String {
        var out = ""
        var space = false
        for sc in s.unicodeScalars {
            let v = sc.value
            if [0x0A, 0x0D, 0x09, 0x20, 0xA0, 0x3000].contains(v) { space = !out.isEmpty; continue }
            if v < 0x20 || v == 0x7F || (0xE000...0xF8FF).contains(v) || v == 0xFEFF { continue }
            if space { out += " "; space = false }
            if v < 0x80, let c = Character(sc).asciiValue, c.isPunctuationByte { out += "\\" }
            out.unicodeScalars.append(sc)
        }
        return out
    }

    @Test func markdownEscapingMatchesItsStatement() {
        let alphabet = Array("ab 公开\n\t\r\u{A0}\u{3000}\u{E000}\u{F8FF}\u{F900}\u{FEFF}\u{1}\u{7F}\u{85}*_[]<>&#`!~\\é😀𝄞，。")
        var state: UInt64 = 42
        func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
        for _ in 0..<2000 {
            let s = String((0..<(next() % 24)).map { _ in alphabet[next() % alphabet.count] })
            #expect(Escape.markdown(s) == Self.markdownReference(s), "\(s.unicodeScalars.map { String($0.value, radix: 16) })")
            // Appended after other text, the same bytes as on its own (leading white space too goes).
            let t = String((0..<(next() % 24)).map { _ in alphabet[next() % alphabet.count] })
            var bytes: [UInt8] = []
            Escape.appendMarkdown(s, to: &bytes)
            Escape.appendMarkdown(t, to: &bytes)
            #expect(bytes == Array((Self.markdownReference(s) + Self.markdownReference(t)).utf8))
        }
        #expect(Escape.markdown("  规章\u{3000}\u{3000}*5*  ") == "规章 \\*5\\*")
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
        // A block ends at its first NUL, as when cmark wrote it as a C string.
        var withNUL = HTMLBlocks()
        let cut = withNUL.add("<p>前半</p>\u{0}<p>后半</p>")
        let cutHTML = CommonMark.html("\(cut)\n", blocks: withNUL)
        #expect(cutHTML.contains("<p>前半</p>") && !cutHTML.contains("后半") && !cutHTML.contains("\u{0}"))
        // A placeholder from untrusted text is stripped before it can be parsed.
        let forged = CommonMark.html(Escape.markdown("\u{E000}gk0\u{E001}"), blocks: blocks)
        #expect(!forged.contains("<table>"))
        // Only a paragraph that is exactly a placeholder is one.
        for near in ["x\u{E000}gk0\u{E001}", "\u{E000}gk0\u{E001}x", "\u{E000}gk\u{E001}", "\u{E000}g0\u{E001}", "\u{E000}gk0", "\u{E000}gk+0\u{E001}", "\u{E000}gk-1\u{E001}"] {
            #expect(!CommonMark.html(near + "\n", blocks: blocks).contains("<table>"), "\(near.unicodeScalars.map(\.value))")
        }
        var two = HTMLBlocks()
        let first = two.add("<p>一</p>"), second = two.add("<p>二</p>")
        #expect(CommonMark.html("\(second)\n\n\(first)\n", blocks: two) == "<p>二</p>\n<p>一</p>\n")
    }

    @Test func htmlEscaping() {
        #expect(Escape.html("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
        #expect(Escape.html("普通文字") == "普通文字")
        // Control characters go, with or without something else to escape (DEL too).
        #expect(Escape.html("a\u{7F}b") == "ab")
        #expect(Escape.html("a\u{7F}&\u{1}") == "a&amp;")
        #expect(Escape.externalURL("javascript:alert(1)") == nil)
        #expect(Escape.externalURL("https://example.org/a\"b") == nil)
        #expect(Escape.externalURL(" https://example.org/a ") == "https://example.org/a")
    }

    @Test func numbersAndRates() {
        #expect(Format.percent(0.5634) == "56.3%")
        #expect(Format.percent(1) == "100.0%")
        #expect(Format.percent(0) == "0.0%")
        #expect(Format.percent(-0.1234) == "-12.3%" && Format.percent(-0.00001) == "0.0%" && Format.percent(0.0996) == "10.0%")
        #expect(Format.percent(12_345_678.9) == "1234567890.0%" && Format.signedPercent(0.25) == "+25.0%")
        // A change from a tiny amount (0.000001 万元 to 10^8) is printed, not a trap.
        #expect(Format.percent(1e20) == "1e+22%")
        #expect(Format.signedPercent(-1e20) == "-1e+22%")
        #expect(Format.signed(3) == "+3" && Format.signed(-2) == "-2")
        #expect(Format.number(1237.4) == "1237.4")
    }

    @Test func tenthsPrintWhatNumberPrintsForTheRoundedValue() {
        var state: UInt64 = 42
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(Int64(bitPattern: state) >> 11) / Double(1 << 52)
        }
        var values: [Double] = [0, -0.0, 0.04, -0.04, 0.05, -0.05, 0.25, 559.95, 1e14, -1e14, 1e16, .infinity, -.infinity, .nan]
        for _ in 0..<20_000 { values.append(next() * 600); values.append(next() * 1e6); values.append(next()) }
        for v in values where Format.tenths(v) != Format.number((v * 10).rounded() / 10) {
            Issue.record("\(v): \(Format.tenths(v)) against \(Format.number((v * 10).rounded() / 10))")
        }
        #expect(Format.tenths(12.34) == "12.3" && Format.tenths(-0.06) == "-0.1" && Format.tenths(99.96) == "100")
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

extension UInt8 {
    /// ASCII punctuation as CommonMark defines it.
    var isPunctuationByte: Bool { (0x21...0x2F).contains(self) || (0x3A...0x40).contains(self) || (0x5B...0x60).contains(self) || (0x7B...0x7E).contains(self) }
}
