import GongkaiCore
import GongkaiRead

/// Where the three tables stand, by heading or, failing that, by their first row labels.
enum Regions {
    struct Ranges { var active: Range<Int>?; var applications: Range<Int>?; var review: Range<Int>? }

    static func locate(_ lines: LineView, headings: [Heading]) -> Ranges {
        var r = Ranges()
        r.active = SectionFinder.range(of: .active, in: headings, lineCount: lines.count)
        r.applications = SectionFinder.range(of: .applications, in: headings, lineCount: lines.count)
        r.review = SectionFinder.range(of: .review, in: headings, lineCount: lines.count)

        // Table 三 without its heading: it starts at its header block before 本年新收.
        if r.applications == nil, let k = firstIndex(lines, containing: ["本年新收", "新收政府信息公开申请"]) {
            var start = k
            while start > 0, isApplicationsHeader(lines[start - 1]) { start -= 1 }
            let end = r.review?.lowerBound.advanced(by: -1) ?? lines.count
            r.applications = start..<max(start, end)
            if let a = r.active, a.contains(start) { r.active = a.lowerBound..<start }
        }
        // Table 四 without its heading: from its header (行政复议) before 结果维持.
        if r.review == nil, let from = r.applications?.upperBound ?? Optional(0),
           let k = firstIndex(lines, containing: ["结果维持", "尚未审结"], from: from) {
            var start = k
            while start > from, LabelText.squeezedBytes(lines[start - 1]).includes("行政复议") || lines[start - 1].isEmpty { start -= 1 }
            let end = headingIndex(after: start, lines) ?? lines.count
            r.review = start..<end
            if let a = r.applications, a.contains(start) { r.applications = a.lowerBound..<start }
        }
        // Table 二 without its heading: from 第二十条 to the start of table 三.
        if r.active == nil, let k = firstIndex(lines, containing: ["第二十条"]) {
            let end = r.applications?.lowerBound ?? r.review?.lowerBound ?? lines.count
            if k < end { r.active = k..<end }
        }
        return r
    }

    static func isApplicationsHeader(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        let s = LabelText.squeezedBytes(text)
        if s.isEmpty { return true }
        return ["申请人", "自然人", "法人", "总计", "勾稽", "商业企业", "科研机构", "公益组织", "服务机构", "其他"].contains { s.includes($0) }
    }

    static func firstIndex(_ lines: LineView, containing words: [String], from: Int = 0) -> Int? {
        guard from < lines.count else { return nil }
        for i in from..<lines.count {
            let t = lines[i]
            guard t.count < 400 else { continue }
            let s = LabelText.squeezedBytes(t)
            if words.contains(where: { s.includes($0) }) { return i }
        }
        return nil
    }

    static func headingIndex(after i: Int, _ lines: LineView) -> Int? {
        guard i + 1 < lines.count else { return nil }
        for k in (i + 1)..<lines.count {
            if let p = SectionFinder.part(of: lines[k]), p == .problems || p == .other { return k }
        }
        return nil
    }
}

/// The labels of table 三's rows as they appear in reports: distinctive fragments that survive
/// numbering variants, line breaks, old and mistyped labels.
enum ApplicationLabels {
    static let keywords: [String: [String]] = [
        "received": ["新收"],
        "carried_over": ["上年结转"],
        "granted": ["予以公开"],
        "partially_granted": ["部分公开"],
        "denied_state_secret": ["国家秘密"],
        "denied_law_prohibited": ["禁止公开", "其他法律", "止公开"],
        "denied_security_stability": ["三安全", "一稳定", "危及"],
        "denied_third_party": ["第三方"],
        "denied_internal_affairs": ["内部事务"],
        "denied_process_info": ["过程性"],
        "denied_enforcement_file": ["执法案卷"],
        "denied_query_matter": ["查询事项"],
        "unavailable_not_held": ["不掌握"],
        "unavailable_needs_creation": ["另行制作", "没有现成"],
        "unavailable_unclear": ["仍不明确", "补正后申请"],
        "not_processed_petition": ["信访", "举报投诉"],
        "not_processed_duplicate": ["重复申请"],
        "not_processed_publication": ["出版物"],
        "not_processed_excessive": ["大量反复", "反复申请"],
        "not_processed_confirmation": ["重新出具", "确认或"],
        "other": ["其他处理"],
        "other_no_supplement": ["不补正"],
        "other_fee_unpaid": ["缴纳费用", "收费通知"],
        "other_misc": ["其他"],
        "total": ["总计"],
        "carried_forward": ["结转下年度", "下年度继续"],
    ]

    static let rows: [RowDefinition] = FormSchema.applicationRows.map { spec in
        var d = RowDefinition(key: spec.key, label: spec.label, keywords: keywords[spec.key] ?? [], count: Applications.columnCount)
        if spec.key == "other_misc" { d.onlyAfter = ["other_no_supplement", "other_fee_unpaid"] }
        return d
    }
}

extension ApplicationLabels {
    /// Rows in `FormSchema.applicationRows`' order: a row's index is its spec's.
    static let set = RowSet(rows)
    /// （六） printed as one row, and as three.
    static let otherRow = set.row("other")!
    static let splitRows = ["other_no_supplement", "other_fee_unpaid", "other_misc"].map { set.row($0)! }
}

enum ActiveLabels {
    static func rows(_ t: Template) -> [RowDefinition] {
        FormSchema.activeItems(t).map { RowDefinition(key: $0.key, label: $0.label, keywords: $0.keywords, count: $0.fields.count) }
    }
    static let specs2019 = FormSchema.activeItems(.form2019)
    static let specs2021 = FormSchema.activeItems(.form2021)
    static let rows2019 = rows(.form2019)
    static let rows2021 = rows(.form2021)
    static let set2019 = RowSet(rows2019)
    static let set2021 = RowSet(rows2021)
}

enum ReviewLabels {
    static let rows = [
        RowDefinition(key: "review", label: "行政复议", keywords: ["行政复议"], count: 5),
        RowDefinition(key: "litigation_direct", label: "行政诉讼（未经复议直接起诉）", keywords: ["未经复议", "直接起诉"], count: 5),
        RowDefinition(key: "litigation_after_review", label: "行政诉讼（复议后起诉）", keywords: ["复议后起诉"], count: 5),
    ]
    static let set = RowSet(rows)
}

/// The narrative parts (一、五、六) as paragraphs, for display.
enum Narrative {
    static let sentenceEnds = Array("。；;！!？?：:".unicodeScalars).map(\.value)

    /// Whether the last character of `t` (valid UTF-8, not empty) ends a sentence.
    static func endsSentence(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        var k = t.count - 1
        while k > 0, t[k] & 0xC0 == 0x80 { k -= 1 }
        let n = UTF8Scan.length(lead: t[k])
        guard k + n == t.count else { return false }
        return sentenceEnds.contains(UTF8Scan.scalar(t, at: k, length: n))
    }

    /// Whether `t` (valid UTF-8) holds at least `n` characters.
    static func hasScalars(_ t: UnsafeBufferPointer<UInt8>, _ n: Int) -> Bool {
        var count = 0
        for c in t where c & 0xC0 != 0x80 {
            count += 1
            if count >= n { return true }
        }
        return false
    }

    /// A heading's words without the Markdown around them: `## 一、总体情况` and
    /// `**一、总体情况**` are titled `一、总体情况` (the page shows the title as text).
    static func title(_ line: Substring) -> String {
        var t = CellSplitter.trim(line)
        if t.first == "#" {
            t = t.drop { $0 == "#" }
            t = CellSplitter.trim(t)
        }
        if t.utf8.count > 4, t.hasPrefix("**"), t.hasSuffix("**") {
            t = CellSplitter.trim(t.dropFirst(2).dropLast(2))
        }
        return String(t)
    }

    static func sections(_ lines: LineView, headings: [Heading]) -> [NarrativeSection] {
        var out: [NarrativeSection] = []
        for (k, h) in headings.enumerated() where [.overview, .problems, .other].contains(h.part) {
            let end = k + 1 < headings.count ? headings[k + 1].index : lines.count
            var paragraphs: [NarrativeSection.Paragraph] = []
            // The paragraph's bytes so far and its first line (line texts are whole characters).
            var text: [UInt8] = []
            var first = 0
            for i in (h.index + 1)..<end {
                let t = CellSplitter.trim(lines[i])
                if t.isEmpty { continue }
                if text.isEmpty { first = lines.number(i) }
                text.append(contentsOf: t)
                // A line that ends a sentence ends the paragraph; PDF-wrapped lines are joined.
                if endsSentence(t) || !hasScalars(t, 20) {
                    paragraphs.append(.init(line: first, text: String(decoding: text, as: UTF8.self)))
                    text.removeAll(keepingCapacity: true)
                }
            }
            if !text.isEmpty { paragraphs.append(.init(line: first, text: String(decoding: text, as: UTF8.self))) }
            out.append(NarrativeSection(title: title(lines.text(h.index)[...]), line: h.line, paragraphs: paragraphs))
        }
        return out
    }
}

