import Foundation
import GongkaiCore
import GongkaiRead
import GongkaiExtract
import GongkaiCheck
import GongkaiAggregate
import GongkaiRender

extension SiteRenderer {
    /// A report's page. Its record is in its agency's and its year's data files (`records.csv`,
    /// `records.json`): a file per report would add a file (an inode) per report to every build.
    func reportPage(_ i: Int) throws -> OutputFile {
        let lr = reports[i]
        var r = lr.report
        var checked = lr.checked
        // The source view (and, for a record from the cache, its narrative) comes from the file
        // itself: nothing this large is kept in memory between steps, except the narrative of
        // records read in this build, within a budget (`BuildOptions.narrativeBudget`).
        var text = lr.sourceText
        // A narrative that did not fit in memory may have been written aside.
        var needsNarrative = lr.isPartial && !lr.keepsNarrative
        if needsNarrative, let ref = lr.spilledNarrative, let sections = ref.spill.get(ref) {
            r.sections = sections
            needsNarrative = false
        }
        // The file's bytes kept since it was read (valid UTF-8, the decoded text itself).
        let source: [UInt8]? = text == nil && !needsNarrative ? lr.sourceBytes.map { b in b.withUnsafeBufferPointer { Self.sourceView(utf8: $0) } } : nil
        if source == nil, text == nil || needsNarrative, let bytes = FileBytes.read(lr.report.source) {
            // Decoded once, for both.
            let decoded = try? SourceDecoder.decode(bytes)
            if text == nil { text = decoded?.text }
            if needsNarrative, let decoded { r.sections = ReportExtractor().sections(decoded: decoded.text, encoding: decoded.encoding) }
        }
        // Records are kept without their identity results (memory): they depend on the cells only.
        checked.identities = IdentityChecker.check(r)
        let e = agg.entries[i]
        let dir = reportDirs[i]
        // Looked up once: a dictionary keyed by a Chinese name hashes it through Unicode normalization.
        let agencyDir = e.agencyKey.flatMap { agencyDirs[$0] }
        let agency = e.agencyKey.flatMap { agg.agency($0) }
        var blocks = HTMLBlocks()
        let title = reportTitle(i) + " 政府信息公开工作年度报告"

        // Facts about the report (on bytes: a string grown piece by piece cost more).
        var meta: [UInt8] = []
        meta.reserveCapacity(2048)
        meta.append(contentsOf: "<dl class=\"meta\">".utf8)
        if e.agencyKey != nil, let name = e.agencyName {
            meta.append(contentsOf: "<dt>机关</dt><dd>".utf8); link(urls.link(agencyDir ?? "agencies/"), name, into: &meta)
            if let t = r.agency, AgencyName.normalize(t) != AgencyName.normalize(name) { meta.append(contentsOf: "（报告标题：".utf8); meta.append(contentsOf: Escape.html(t).utf8); meta.append(contentsOf: "）".utf8) }
            meta.append(contentsOf: "</dd>".utf8)
        } else {
            meta.append(contentsOf: "<dt>机关</dt><dd class=\"blank\">标题中未识别出机关</dd>".utf8)
        }
        if let y = r.year { meta.append(contentsOf: "<dt>年度</dt><dd>".utf8); link(yearLink(y), "\(y) 年", into: &meta); meta.append(contentsOf: "</dd>".utf8) }
        if let t = r.template { meta.append(contentsOf: "<dt>表式</dt><dd>".utf8); meta.append(contentsOf: (t == .form2019 ? "2019 年版（国办公开办函〔2019〕60号）" : "2021 年版（国办公开办函〔2021〕30号）").utf8); meta.append(contentsOf: "</dd>".utf8) }
        if e.agencyKey != nil { meta.append(contentsOf: "<dt>层级</dt><dd>".utf8); meta.append(contentsOf: Escape.html(e.level.label).utf8); meta.append(contentsOf: "</dd>".utf8) }
        if let rk = e.regionKey { meta.append(contentsOf: "<dt>地区</dt><dd>".utf8); link(regionLink(rk), rk, into: &meta); meta.append(contentsOf: "</dd>".utf8) }
        meta.append(contentsOf: "<dt>源文件</dt><dd><a href=\"#source\">".utf8); meta.append(contentsOf: Escape.html(lr.relativePath).utf8); meta.append(contentsOf: "</a></dd>".utf8)
        if let s = lr.sidecar {
            if let u = s.sourceURL.flatMap(Escape.externalURL) {
                let h = Escape.html(u)
                meta.append(contentsOf: "<dt>原文地址</dt><dd><a href=\"".utf8); meta.append(contentsOf: h.utf8); meta.append(contentsOf: "\" rel=\"nofollow noopener\">".utf8); meta.append(contentsOf: h.utf8); meta.append(contentsOf: "</a></dd>".utf8)
            }
            if let p = s.published { meta.append(contentsOf: "<dt>发布日期</dt><dd><time datetime=\"".utf8); meta.append(contentsOf: p.utf8); meta.append(contentsOf: "\">".utf8); meta.append(contentsOf: p.utf8); meta.append(contentsOf: "</time></dd>".utf8) }
        }
        meta.append(contentsOf: "<dt>数据</dt><dd>".utf8)
        if let d = agencyDir {
            meta.append(contentsOf: "本机关各年度：".utf8); link(urls.link(d + "records.json"), "records.json", into: &meta)
            meta.append(contentsOf: "、".utf8); link(urls.link(d + "records.csv"), "records.csv", into: &meta); meta.append(contentsOf: "；".utf8)
        }
        let yearSlug = r.year.map(String.init) ?? "undated"
        if let y = r.year { JSON.appendInteger(y, to: &meta); meta.append(contentsOf: " 年".utf8) } else { meta.append(contentsOf: "年度未识别的".utf8) }
        meta.append(contentsOf: "全部报告：".utf8); link(urls.link("data/\(yearSlug)/records.json"), "records.json", into: &meta)
        meta.append(contentsOf: "、".utf8); link(urls.link("data/\(yearSlug)/records.csv"), "records.csv", into: &meta)
        meta.append(contentsOf: "（JSON 与 <code>gongkai extract</code> 的输出同一格式）</dd>".utf8)
        meta.append(contentsOf: "<dt>核对</dt><dd>".utf8); meta.append(contentsOf: statusBadges(e).utf8); meta.append(contentsOf: "</dd>".utf8)
        meta.append(contentsOf: "</dl>".utf8)

        // Findings: the report's own, then those from comparing reports.
        var findings: [Diagnostic] = r.diagnostics
        findings += findingsBySource[r.source] ?? []
        var diag = ""
        if !findings.isEmpty {
            diag = "<ul class=\"diagnostics\">"
            for d in findings.sorted(by: { ($0.severity == .error ? 0 : 1, $0.line ?? 0) < ($1.severity == .error ? 0 : 1, $1.line ?? 0) }) {
                diag += "<li class=\"\(d.severity.rawValue)\"><span class=\"sev\">\(d.severity == .error ? "错误" : "提示")</span> "
                if let l = d.line { diag += "<a href=\"#L\(l)\">第 \(l) 行</a>：" }
                diag += Escape.html(d.pageText) + "</li>"
            }
            diag += "</ul>"
        }

        // Other years of the same agency.
        var others = ""
        if let ag = agency, ag.entries.count > 1 {
            others = "<nav class=\"years\" aria-label=\"本机关其他年度\"><ul>"
            for j in ag.entries {
                let label = agg.entries[j].year.map { "\($0) 年" } ?? "年度未识别"
                others += j == i ? "<li aria-current=\"page\">\(label)</li>" : "<li>\(a(reportLink(j), label))</li>"
            }
            others += "</ul></nav>"
        }

        // The narrative as Markdown (`narrative`); `sections` as values only for a template that
        // iterates them itself (building them costs more than the Markdown).
        // (Written as bytes and handed over as bytes: a string per paragraph cost more, and a
        // string of the whole a validation of every byte.)
        var md: [UInt8] = []
        for sec in r.sections {
            md += Self.headingOpening; Escape.appendMarkdown(sec.title, to: &md); md += Self.paragraphEnd
            for p in sec.paragraphs {
                Escape.appendMarkdown(p.text, to: &md); md += Self.lineLinkOpening; JSON.appendInteger(p.line, to: &md)
                md += Self.lineLinkMiddle; JSON.appendInteger(p.line, to: &md); md += Self.lineLinkEnd
            }
        }
        let narrative = TemplateText(utf8: md)
        let sections: [[String: Any]] = !reportTemplateIteratesSections ? [] : r.sections.map { s in
            ["title": s.title, "line": s.line, "paragraphs": s.paragraphs.map { ["text": $0.text, "line": $0.line] as [String: Any] }]
        }
        var context: [String: Any] = [
            "agency": e.agencyName ?? r.agency ?? "",
            "year": r.year.map(String.init) ?? "",
            "sections": sections,
            "hasSections": !r.sections.isEmpty,
            "narrative": narrative,
            "meta": blocks.add(bytes: meta),
            "findings": diag.isEmpty ? "" : blocks.add(diag),
            "hasFindings": !diag.isEmpty,
            "otherYears": others.isEmpty ? "" : blocks.add(others),
            "identities": blocks.add(identityTable(checked)),
            "source": blocks.add(bytes: source ?? sourceView(text)),
        ]
        context["active"] = r.activeDisclosure.map { blocks.add(bytes: activeTables($0, template: r.template)) } ?? blocks.add("<p class=\"missing\">报告中未找到表二（主动公开政府信息情况）。</p>")
        context["applications"] = r.applications.map { blocks.add(bytes: applicationsTable($0)) } ?? blocks.add("<p class=\"missing\">报告中未找到表三（收到和处理政府信息公开申请情况）。</p>")
        context["review"] = r.reviewLitigation.map { blocks.add(bytes: reviewTable($0)) } ?? blocks.add("<p class=\"missing\">报告中未找到表四（行政复议、行政诉讼情况）。</p>")
        if let ag = agency, let check = ag.crossYear.first(where: { $0.source == r.source }) {
            context["crossYear"] = blocks.add(crossYearHTML([check], of: ag))
            context["hasCrossYear"] = true
        }
        var crumbs = [Crumb(title: "首页", rel: "")]
        if let name = e.agencyName, let d = agencyDir { crumbs.append(Crumb(title: name, rel: d)) }
        return try self.page(dir, kind: "report", title: title, description: "\(title)：统计表、勾稽关系核对结果与原文。",
                                 crumbs: crumbs, context: context, blocks: blocks)
    }

    /// The fixed pieces of the narrative's Markdown.
    static let headingOpening = Array("### ".utf8), paragraphEnd = Array("\n\n".utf8)
    static let lineLinkOpening = Array(" [第".utf8), lineLinkMiddle = Array("行](#L".utf8), lineLinkEnd = Array(")\n\n".utf8)

    /// The report's figure tables (二, 三, 四) written as bytes: the largest tables of the site.
    /// Each figure's key is its row's `data-key`, a dot and its column's; a number links to its
    /// source line, and a blank, an unreadable or a missing cell looks unlike 0.
    struct FigureTable: ~Copyable {
        var out: ByteSink
        init(capacity: Int = 4096) { out = ByteSink(capacity: capacity) }
        mutating func put(_ s: StaticString) { out.put(s) }
        /// Not `put`: a literal argument would pick a `String` overload over `StaticString`.
        mutating func raw(_ s: String) { out.put(utf8: s) }
        mutating func text(_ s: String) { out.put(utf8: Escape.html(s)) }

        mutating func open(caption: String, cls: StaticString, corner: String, columns: [(key: String, label: String)]) {
            put("<div class=\"table-wrap\"><table class=\""); put(cls); put("\"><caption>"); text(caption)
            put("</caption><thead><tr><th scope=\"col\">"); text(corner); put("</th>")
            for c in columns { put("<th scope=\"col\" data-key=\""); raw(c.key); put("\">"); text(c.label); put("</th>") }
            put("</tr></thead><tbody>")
        }

        mutating func row(key: String, label: String, cls: StaticString? = nil, cells: ArraySlice<Cell>) {
            rowHead(key: key, label: label, cls: cls)
            for c in cells { cell(c) }
            put("</tr>")
        }

        /// A row up to its first cell.
        mutating func rowHead(key: String, label: String, cls: StaticString?) {
            put("<tr")
            if let cls { put(" class=\""); put(cls); put("\"") }
            put(" data-key=\""); text(key); put("\"><th scope=\"row\">"); text(label); put("</th>")
        }

        mutating func cell(_ c: Cell) {
            switch c.state {
            case .number:
                if let l = c.line { put("<td class=\"n\"><a href=\"#L"); out.put(integer: l); put("\"") } else { put("<td class=\"n\"><a") }
                if let note = c.note { put(" title=\""); text(note); put("\"") }
                put(">"); out.put(number: c.value ?? 0); put("</a></td>")
            case .blank:
                if let l = c.line { put("<td class=\"n blank\"><a href=\"#L"); out.put(integer: l); put("\"") } else { put("<td class=\"n blank\"><a") }
                put(" title=\"报告此处空白，不计为 0\">空白</a></td>")
            case .unreadable(let t):
                if let l = c.line { put("<td class=\"n bad\"><a href=\"#L"); out.put(integer: l); put("\"") } else { put("<td class=\"n bad\"><a") }
                put(" title=\"不是数字\">"); text(t); put("</a></td>")
            case .missing:
                put("<td class=\"n missing\"><span title=\"报告中没有这一栏\">未找到</span></td>")
            }
        }

        mutating func close() { put("</tbody></table></div>") }

        consuming func bytes() -> [UInt8] { out.bytes() }
    }

    func activeTables(_ a: ActiveDisclosure, template: Template?) -> [UInt8] {
        // Items with the same columns share a table, as in the form.
        var groups: [[ActiveDisclosure.Item]] = []
        for item in a.items {
            if let last = groups.last?.last, last.spec.fields.map(\.key) == item.spec.fields.map(\.key) { groups[groups.count - 1].append(item) }
            else { groups.append([item]) }
        }
        var t = FigureTable()
        for g in groups {
            let fields = g[0].spec.fields
            t.open(caption: "主动公开：" + g.map(\.spec.label).joined(separator: "、"), cls: "data figures", corner: "信息内容", columns: fields.map { ($0.key, $0.label) })
            for item in g { t.row(key: "active_disclosure." + item.spec.key, label: item.spec.label, cells: item.cells.prefix(fields.count)) }
            t.close()
        }
        return t.bytes()
    }

    func applicationsTable(_ a: Applications) -> [UInt8] {
        var t = FigureTable(capacity: 16_384)
        Self.applicationsHead.withUnsafeBufferPointer { t.out.put($0) }
        var inResults = false
        let specs = FormSchema.applicationRows, heads = Self.applicationRowHeads
        var previous: Int? = nil
        for row in a.rows {
            let i = FormSchema.applicationRowIndex(row.key, after: previous)
            if i != nil { previous = i }
            if let i, specs[i].isHandling && !inResults {
                t.put("<tr class=\"group\"><th scope=\"rowgroup\" colspan=\"8\">三、本年度办理结果</th></tr>")
                inResults = true
            }
            if let i { heads[i].withUnsafeBufferPointer { t.out.put($0) } } else { t.rowHead(key: "applications." + row.key, label: row.key, cls: nil) }
            for c in row.cells.prefix(FormSchema.applicantColumns.count) { t.cell(c) }
            t.put("</tr>")
        }
        t.close()
        return t.bytes()
    }

    /// What every table 三 prints the same: its head, and each row's opening (key and label),
    /// made once rather than escaped again on every page.
    static let applicationsHead: [UInt8] = {
        var t = FigureTable()
        t.open(caption: "三、收到和处理政府信息公开申请情况（单位：件）", cls: "data wide figures", corner: "项目", columns: FormSchema.applicantColumns.map { ($0.key, $0.label) })
        return t.bytes()
    }()
    static let applicationRowHeads: [[UInt8]] = FormSchema.applicationRows.map { spec in
        var t = FigureTable()
        t.rowHead(key: "applications." + spec.key, label: spec.label, cls: spec.isHandling ? "sub" : nil)
        return t.bytes()
    }

    func reviewTable(_ r: ReviewLitigation) -> [UInt8] {
        var t = FigureTable()
        t.open(caption: "四、政府信息公开行政复议、行政诉讼情况（单位：件）", cls: "data figures", corner: "类别", columns: FormSchema.reviewFields.map { ($0.key, $0.label) })
        for (g, spec) in zip(r.groups, FormSchema.reviewGroups) {
            t.row(key: "review_litigation." + g.key, label: spec.label, cells: g.cells.prefix(FormSchema.reviewFields.count))
        }
        t.close()
        return t.bytes()
    }

    func identityTable(_ c: CheckedReport) -> String {
        if c.identities.isEmpty { return "<p>没有可核对的表格。</p>" }
        let breaks = c.identities.filter(\.isBreak)
        let holds = c.identities.filter(\.holds)
        let unchecked = c.identities.filter { !$0.holds && !$0.isBreak }
        var s = "<p class=\"summary\"><span class=\"badge ok\">\(holds.count) 项成立</span> <span class=\"badge \(breaks.isEmpty ? "ok" : "warn")\">\(breaks.count) 项不成立</span> <span class=\"badge note\">\(unchecked.count) 项因空白无法核对</span></p>"
        if !breaks.isEmpty || !unchecked.isEmpty {
            var t = TableHTML(caption: "不成立或无法核对的勾稽关系", head: ["关系", "范围", "结果", "数字", "位置"])
            for x in breaks + unchecked {
                let status: String
                switch x.status {
                case .holds: status = "<td class=\"ok\">成立</td>"
                case .breaks(let l, let r): status = "<td class=\"warn\">不成立（\(Format.number(l)) ≠ \(Format.number(r))）</td>"
                case .notCheckable: status = "<td class=\"note\">无法核对（有空白）</td>"
                }
                let line = x.line.map { "<td><a href=\"#L\($0)\">第 \($0) 行</a></td>" } ?? "<td></td>"
                t.row("<abbr title=\"\(Escape.html(x.identity.statement))\">\(x.identity.name)</abbr>", ["<td>\(Escape.html(x.scopeZH))</td>", status, "<td>\(Escape.html(x.messageZH))</td>", line])
            }
            s += t.html
        }
        if !holds.isEmpty {
            // Those that hold: one row per relation with where it holds (the figures are in the
            // tables above; only a relation that fails is spelled out with its numbers). Most
            // reports share this part with many others: it is made once per set of results.
            var key: [Int] = []
            key.reserveCapacity(holds.count)
            for h in holds {
                guard let p = h.scopeIndex else { key = []; break }
                key.append(h.identity.rawValue << 16 | p)
            }
            if !key.isEmpty, let known = holdsTables.get(key) { return s + known }
            var t = TableHTML(caption: "成立的勾稽关系", head: ["关系", "内容", "成立于"])
            for identity in Identity.allCases {
                let scopes = holds.filter { $0.identity == identity }.map(\.scopeZH)
                guard !scopes.isEmpty else { continue }
                t.row(identity.name, ["<td>\(Escape.html(identity.statement))</td><td>\(Escape.html(scopes.joined(separator: "、")))（\(scopes.count) 处）</td>"])
            }
            let part = "<details><summary>成立的 \(holds.count) 项</summary>" + t.html + "</details>"
            if !key.isEmpty { holdsTables.set(key, part) }
            s += part
        }
        return s
    }

    /// The checks of one agency, `ag`, whose reports they cite.
    func crossYearHTML(_ checks: [CrossYearCheck], of ag: AgencyAggregate) -> String {
        var t = TableHTML(caption: "跨年核对：本年“上年结转”＝上年“结转下年度”（总计列）", head: ["年度", "上年结转（本年报告）", "结转下年度（上年报告）", "结果"])
        for c in checks {
            t.row(String(c.year)) { out in
                if let l = c.line {
                    out.append(contentsOf: "<td class=\"n\">".utf8)
                    if let v = c.carriedOver { JSON.appendNumber(v, to: &out) } else { out.append(contentsOf: "空白".utf8) }
                    out.append(contentsOf: " <small>".utf8)
                    link(urls.link(reportDir(source: c.source, of: ag)) + "#L\(l)", "第 \(l) 行", into: &out)
                    out.append(contentsOf: "</small></td>".utf8)
                } else {
                    Self.appendFigureCell(c.carriedOver, to: &out)
                }
                out.append(contentsOf: "<td class=\"n\">".utf8)
                if let v = c.previousCarriedForward { JSON.appendNumber(v, to: &out) } else { out.append(contentsOf: "空白".utf8) }
                out.append(contentsOf: " <small>".utf8)
                link(urls.link(reportDir(source: c.previousSource, of: ag)), "\(c.year - 1) 年报告", into: &out)
                out.append(contentsOf: "</small></td>".utf8)
                switch c.status {
                case .holds: out.append(contentsOf: "<td class=\"ok\">一致</td>".utf8)
                case .breaks: out.append(contentsOf: "<td class=\"warn\">不一致</td>".utf8)
                case .notCheckable: out.append(contentsOf: "<td class=\"note\">无法核对（有空白）</td>".utf8)
                }
            }
        }
        return t.html
    }

    /// The folder of the agency's report read from `source`.
    func reportDir(source: String, of ag: AgencyAggregate) -> String {
        for i in ag.entries where agg.entries[i].source == source { return reportDirs[agg.entries[i].index] }
        return "reports/"
    }

    /// The file as it was read, one numbered line each (the list's own numbers, so copying the
    /// text copies no line numbers), so `#L12` points at line 12 (lines are split at `\n` as the
    /// reader numbers them). Built on bytes: this is the largest part of a page.
    func sourceView(_ text: String?) -> [UInt8] {
        guard var text else { return Array("<p class=\"missing\">源文件无法作为文本读取。</p>".utf8) }
        return text.withUTF8 { Self.sourceView(utf8: $0) }
    }

    /// The bytes the source view does something with: line ends, the five escaped characters,
    /// and control characters other than the tab (dropped).
    static let sourceViewActs: [Bool] = (0..<256).map { b in
        b == 0x0A || b == 0x26 || b == 0x3C || b == 0x3E || b == 0x22 || b == 0x27 || b == 0x7F || (b < 0x20 && b != 0x09)
    }

    /// The source view of UTF-8 text. A static function with no nested functions: a closure
    /// capturing `out` made every append check exclusive access at run time.
    static func sourceView(utf8 u: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out = ByteSink(capacity: u.count + u.count / 3 + 4096)
        out.put("<div class=\"source\" id=\"source\"><ol><li id=\"L1\">")
        var n = 1
        // Runs of bytes that need nothing are copied whole. Eight bytes at a time are
        // skipped when none of them is below 0x40 (line ends, the five escaped characters
        // and control characters all are) or 0x7F: most of a Chinese report.
        var start = 0
        var i = 0
        let count = u.count
        let raw = UnsafeRawPointer(u.baseAddress)
        let acts = sourceViewActs
        while i < count {
            if let raw, i + 8 <= count {
                let w = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                let low = 0x4040_4040_4040_4040 as UInt64, high = 0x8080_8080_8080_8080 as UInt64
                let del = w ^ 0x7F7F_7F7F_7F7F_7F7F
                // A byte below 0x40 (`hasless`), or a 0x7F byte (a zero byte of `del`).
                if (w &- low) & ~w & high == 0 && (del &- 0x0101_0101_0101_0101) & ~del & high == 0 { i += 8; continue }
            }
            // Some byte of these eight may need something: they are looked at one by one (ASCII
            // figures and tabs mostly pass), then the eight-byte test is tried again.
            let end = min(i + 8, count)
            var found = false
            while i < end {
                found = acts[Int(u[i])]
                i += 1
                if found { break }
            }
            guard found else { continue }
            let b = u[i - 1]
            if start < i - 1 { out.put(UnsafeBufferPointer(rebasing: u[start..<(i - 1)])) }
            start = i
            let replacement: StaticString
            switch b {
            case 0x0A:
                n += 1
                out.put("</li><li id=\"L")
                out.put(integer: n)
                replacement = "\">"
            case 0x26: replacement = "&amp;"
            case 0x3C: replacement = "&lt;"
            case 0x3E: replacement = "&gt;"
            case 0x22: replacement = "&quot;"
            case 0x27: replacement = "&#39;"
            default: replacement = ""   // CR and other control characters
            }
            out.put(replacement)
        }
        if start < u.count { out.put(UnsafeBufferPointer(rebasing: u[start..<u.count])) }
        out.put("</li></ol></div>")
        return out.bytes()
    }
}

/// The "identities that hold" part of report pages, by the results it shows (identity and
/// place in the form of each), for the pages that share it. At most `limit` parts are kept.
final class HoldsTables: @unchecked Sendable {
    private let lock = NSLock()
    private var parts: [[Int]: String] = [:]
    let limit = 4096

    func get(_ key: [Int]) -> String? {
        lock.lock(); defer { lock.unlock() }
        return parts[key]
    }

    func set(_ key: [Int], _ part: String) {
        lock.lock(); defer { lock.unlock() }
        if parts.count < limit { parts[key] = part }
    }
}
