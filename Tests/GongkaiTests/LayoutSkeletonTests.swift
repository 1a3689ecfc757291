import Testing
import GongkaiRender

/// Pages are put into the layout from a skeleton rendered once per shape of page; every page
/// must come out byte for byte as Mustache renders it.
@Suite struct LayoutSkeletonTests {
    let site: [String: Any] = ["title": "门户 & <站>", "base": "/portal/", "language": "zh-CN", "description": "说明", "fictional": true,
                               "notice": "示例", "feed": "/portal/feed.xml", "css": "/portal/assets/style.css", "reportCount": 3, "agencyCount": 2]

    func page(_ title: String, crumbs: [(String, String)], home: Bool = false, description: String = "一页", canonical: Bool = true) -> [String: Any] {
        [
            "title": title, "isHome": home, "kind": "report", "description": description,
            "canonical": "https://example.org/portal/a/", "hasCanonical": canonical,
            "crumbs": crumbs.map { ["title": $0.0, "url": $0.1] as [String: Any] }, "hasCrumbs": !crumbs.isEmpty,
        ]
    }

    var pages: [[String: Any]] {
        [
            page("某局 2023 年", crumbs: [("首页", "/portal/")]),
            page("某局 2024 年", crumbs: [("首页", "/portal/")]),                                  // same shape
            page("A & B <i>\"引号\" 'x'</i>", crumbs: [("首页", "/portal/"), ("某局 & 子", "/portal/agencies/x/")]),
            page("&\u{301} 组合字符 <\u{301}", crumbs: [("首页", "/portal/")]),                        // & with a combining mark
            page("含私用区 \u{E000}0&\u{E001} 的标题", crumbs: [("首页", "/portal/")]),               // looks like a marker
            page("", crumbs: [], home: true, description: ""),
            page("首页", crumbs: [], home: true),
            page("未找到", crumbs: [], canonical: false),
            page("{{site.title}} {{{body}}}", crumbs: [("{{x}}", "/portal/?a=1&b=2")]),
        ]
    }

    func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

    /// The same shape with every non-empty string replaced by plain text.
    static func plain(_ page: [String: Any]) -> [String: Any] {
        page.mapValues { v -> Any in
            if let s = v as? String { return s.isEmpty ? "" : "甲" }
            if let l = v as? [[String: Any]] { return l.map(plain) }
            return v
        }
    }

    @Test func everyPageEqualsItsMustacheRender() throws {
        let theme = try Theme.load(folders: [])
        let skeletons = LayoutSkeletons(theme: theme, site: site)
        let body = Array("<h1>标题</h1><p>正文 &amp; 表格</p>".utf8)
        for p in pages {
            // A plain page of the same shape first: it makes (and checks) the skeleton, so the
            // page under test is filled in from it.
            let plain = Self.plain(p)
            #expect(text(skeletons.render(page: plain, body: body)) == text(theme.layoutBytes(body: body, context: ["site": site, "page": plain])))
            let expected = text(theme.layoutBytes(body: body, context: ["site": site, "page": p]))
            #expect(text(skeletons.render(page: p, body: body)) == expected, "\(p["title"]!)")
        }
    }

    @Test func aLayoutWithATransformIsAlwaysRenderedByMustache() throws {
        var files = try Theme.load(folders: []).files
        files["layouts/base.mustache"] = "<!DOCTYPE html><title>{{ uppercased(page.title) }}</title>{{{body}}}"
        let theme = try Theme(files: files)
        let skeletons = LayoutSkeletons(theme: theme, site: site)
        for p in [page("甲", crumbs: []), page("abc", crumbs: [])] {
            let out = String(decoding: skeletons.render(page: p, body: Array("<p>x</p>".utf8)), as: UTF8.self)
            #expect(out == "<!DOCTYPE html><title>\((p["title"] as! String).uppercased())</title><p>x</p>")
        }
    }

    /// Page bodies (`pages/<kind>.md`, Markdown-escaped) come from skeletons too: every body must
    /// equal its Mustache render, whatever its strings hold.
    @Test func everyPageBodyEqualsItsMustacheRender() throws {
        var files = try Theme.load(folders: []).files
        files["pages/test.md"] = """
        # {{title}}

        {{{block}}} 共 {{count}} 份，{{#count}}有数{{/count}}。{{site.title}}
        {{#hasNote}}> {{note}}{{/hasNote}}{{^hasNote}}无说明{{/hasNote}}
        {{#items}}- {{name}}（{{{raw}}}）
        {{/items}}{{^items}}（空）{{/items}}
        {{#note}}[{{.}}]{{/note}}

        """
        let theme = try Theme(files: files)
        let skeletons = PageSkeletons(theme: theme, site: site)
        func context(_ title: String, note: String, count: Int, items: [(String, String)]) -> [String: Any] {
            ["title": title, "block": "\u{E000}gk0\u{E001}", "count": count, "note": note, "hasNote": !note.isEmpty,
             "items": items.map { ["name": $0.0, "raw": $0.1] as [String: Any] }]
        }
        let contexts: [[String: Any]] = [
            context("某局 2023 年", note: "说明", count: 3, items: [("甲", "<b>1</b>")]),
            context("某局 2024 年", note: "另一说明", count: 12, items: [("乙", "2")]),                    // same shape
            context("*强调* [链接](javascript:x) <i>", note: "  前后空白\u{3000}与\n换行  ", count: 0, items: [("# 标题", "&amp;")]),
            context("含 ⟦0&⟧ 的标题", note: "⟦1\\&⟧", count: 1, items: []),                               // look like markers
            context("", note: "", count: 7, items: [("a", ""), ("b", "c"), ("", "d")]),
            context("私用区 \u{E000}x\u{E001}", note: "\u{FEFF}零宽", count: -5, items: [("x", "y")]),
        ]
        for c in contexts {
            var full = c
            full["title"] = c["title"]
            var withSite = full
            withSite["site"] = site
            let expected = try theme.pageMarkdown("test", withSite)
            // Twice: the first render of a shape makes its skeleton, the second is filled in.
            #expect(text(try skeletons.render("test", full)) == expected, "\(c["title"]!)")
            #expect(text(try skeletons.render("test", full)) == expected, "\(c["title"]!)")
            // Text handed over as bytes renders as the string it holds.
            var bytes = full
            for k in ["title", "note"] { bytes[k] = TemplateText(utf8: Array((c[k] as! String).utf8)) }
            #expect(text(try skeletons.render("test", bytes)) == expected, "\(c["title"]!) as bytes")
        }
    }

    /// A page template that transforms a value is rendered by Mustache, which gets text handed
    /// over as bytes as a string.
    @Test func textAsBytesReachesMustacheAsAString() throws {
        var files = try Theme.load(folders: []).files
        files["pages/test.md"] = "{{uppercased(note)}}|{{note}}|{{#note}}有{{/note}}\n"
        let theme = try Theme(files: files)
        let skeletons = PageSkeletons(theme: theme, site: site)
        let out = text(try skeletons.render("test", ["note": TemplateText(utf8: Array("abc <说明>".utf8))]))
        // (Page templates escape for Markdown.)
        #expect(out == "ABC \\<说明\\>|abc \\<说明\\>|有\n", "\(out)")
    }
}
