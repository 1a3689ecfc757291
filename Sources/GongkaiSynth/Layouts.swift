/// The layout families the extractor reads, each modelled on how real reports reach us.
public enum LayoutFamily: String, CaseIterable, Hashable, Sendable {
    /// Tab-separated rows (Word/PDF copy), with the header block repeated after a page break
    /// and page footers such as `- 3 -`.
    case tabbed
    /// One cell per line (web pages copied as text), sometimes each line starting with a tab
    /// and a blank line after each row.
    case cellPerLine
    /// Space-separated values with labels broken over several lines and vertical group labels
    /// (PDF text extraction), double-spaced.
    case spaced
    /// An HTML page with `<table>` markup, rowspan/colspan and `&nbsp;`.
    case html
    /// Markdown with pipe tables.
    case markdown
    /// Traditional characters (one of the text families above, converted).
    case traditional

    public var fileExtension: String {
        switch self {
        case .html: return "html"
        case .markdown: return "md"
        default: return "txt"
        }
    }

    /// Families whose tables may leave the 行政复议 cells blank, as seeds 000 and 004 do.
    var canLeaveReviewBlank: Bool { self == .tabbed || self == .html }
}

/// Appends lines to a string.
struct Lines {
    var text = ""
    init(capacity: Int) { text.reserveCapacity(capacity) }
    mutating func line(_ s: String = "") { text += s; text += "\n" }
    mutating func blank() { text += "\n" }
}

enum Layouts {
    // MARK: (a) tab-separated

    static func tabbed(_ d: inout Document, _ rng: inout SplitMix64) -> String {
        d.printedTitle = d.title
        var o = Lines(capacity: 4096 + d.overview.count * 400)
        let trailingTab = rng.chance(0.5)
        var page = 1
        func footer() { page += 1; o.blank(); o.line(rng.chance(0.5) ? "- \(page) -" : "— \(page) —"); o.blank() }
        o.blank(); o.blank()
        for t in d.title { o.line(t) }
        o.blank()
        o.line(d.headings[0]); o.blank()
        for (k, p) in d.overview.enumerated() {
            o.line(p); o.blank()
            if k % 4 == 3 { footer() }
        }
        o.line(d.headings[1]); o.blank()
        let width = d.active.map(\.columns.count).max() ?? 4
        func pad(_ cells: [String]) -> String {
            let c = trailingTab ? cells + Array(repeating: "", count: max(0, width - cells.count)) : cells
            return c.joined(separator: "\t")
        }
        for b in d.active {
            o.line(pad([b.title]))
            o.line(pad(b.columns))
            for r in b.rows { o.line(pad([r.label] + r.values)) }
            if rng.chance(0.3) { o.blank() }
        }
        o.blank()
        o.line(d.headings[2]); o.blank()
        let end = trailingTab ? "\t" : ""
        func header() {
            let h = d.appHeader
            o.line(d.appNote + "\t\t" + h.applicant + "\t\t\t\t\t\t" + h.total + end)
            o.line("\t\t" + h.natural + "\t" + h.legal + "\t\t\t\t\t" + end)
            o.line("\t\t\t" + h.subs.joined(separator: "\t") + "\t" + end)
        }
        header()
        let breakAt = rng.int(4...(d.appRows.count - 2))
        for (k, r) in d.appRows.enumerated() {
            if k == breakAt {
                footer()
                header()
            }
            var cells: [String]
            if !r.inResults { cells = [r.label, ""] }
            else if !r.inSubgroup { cells = [r.group1 ?? "", r.label] }
            else { cells = [r.group1 ?? "", r.group2 ?? "", r.label] }
            o.line(cells.joined(separator: "\t") + "\t" + r.values.joined(separator: "\t") + end)
        }
        o.blank()
        o.line(d.headings[3]); o.blank()
        let rh = d.reviewHeader
        o.line(rh.review + "\t\t\t\t\t" + rh.litigation + "\t\t\t\t\t\t\t\t\t")
        o.line(rh.fields.joined(separator: "\t") + "\t" + rh.direct + "\t\t\t\t\t" + rh.afterReview + "\t\t\t\t")
        o.line("\t\t\t\t\t" + (rh.fields + rh.fields).joined(separator: "\t"))
        o.line(d.review.joined(separator: "\t"))
        o.blank()
        prose(&o, d, from: 4, blankBetween: true)
        return o.text
    }

    // MARK: (b) one cell per line

    static func cellPerLine(_ d: inout Document, _ rng: inout SplitMix64) -> String {
        d.printedTitle = d.title
        var o = Lines(capacity: 4096 + d.overview.count * 400)
        let tab = rng.chance(0.5)          // seed 002: every table line starts with a tab
        let gap = tab || rng.chance(0.2)   // and a blank line follows each row
        let indent = rng.chance(0.5) ? "  " : ""
        let t = tab ? "\t" : ""
        func cell(_ s: String) { o.line(t + s) }
        func broken(_ s: String) -> String {
            // Short header labels broken in two, as table cells wrap (商业\n企业).
            guard tab, s.count == 4, rng.chance(0.5) else { return s }
            return String(s.prefix(2)) + "\n" + String(s.suffix(2))
        }
        for l in d.title { o.line(l) }
        o.blank()
        o.line(indent + d.headings[0])
        for p in d.overview { o.line(indent + p) }
        o.line(indent + d.headings[1])
        for b in d.active {
            cell(b.title); if gap { o.blank() }
            for c in b.columns { cell(c) }
            if gap { o.blank() }
            for r in b.rows {
                cell(r.label)
                for v in r.values { cell(v) }
                if gap { o.blank() }
            }
        }
        o.line(indent + d.headings[2])
        let h = d.appHeader
        cell(d.appNote)
        cell(h.applicant); if gap { o.blank() }
        cell(h.natural); cell(h.legal); cell(h.total); if gap { o.blank() }
        for s in h.subs { cell(broken(s)) }
        if gap { o.blank() }
        for r in d.appRows {
            if let g = r.group1 { cell(g) }
            if let g = r.group2 { cell(g) }
            cell(r.label)
            for v in r.values { cell(v) }
            if gap { o.blank() }
        }
        o.line(indent + d.headings[3])
        let rh = d.reviewHeader
        cell(rh.review); cell(rh.litigation); if gap { o.blank() }
        for f in rh.fields { cell(broken(f)) }
        cell(rh.direct); cell(rh.afterReview); if gap { o.blank() }
        for f in rh.fields + rh.fields { cell(broken(f)) }
        if gap { o.blank() }
        for v in d.review { cell(v) }
        if gap { o.blank() }
        for (k, p) in [(4, d.problems), (5, d.other)] {
            o.line(indent + d.headings[k])
            for x in p { o.line(indent + x) }
        }
        return o.text
    }

    // MARK: (c) space-separated, labels broken over lines

    static func spaced(_ d: inout Document, _ rng: inout SplitMix64) -> String {
        d.printedTitle = d.title
        var o = Lines(capacity: 8192 + d.overview.count * 500)
        let width = rng.int(7...13)
        let proseWidth = rng.int(26...34)
        var page = 1
        var linesOnPage = 0
        func emit(_ s: String) {
            o.line(s); o.blank()
            linesOnPage += 1
            if linesOnPage > 40 { page += 1; linesOnPage = 0; o.line("- \(page) -"); o.blank() }
        }
        func chunks(_ s: String, _ w: Int) -> [String] {
            // By scalar: the text is CJK and ASCII, no combining marks.
            var out: [String] = []
            var cur = String.UnicodeScalarView()
            var n = 0
            for u in s.unicodeScalars {
                cur.append(u); n += 1
                if n >= w { out.append(String(cur)); cur = String.UnicodeScalarView(); n = 0 }
            }
            if !cur.isEmpty { out.append(String(cur)) }
            return out
        }
        func paragraphs(_ ps: [String]) { for p in ps { for c in chunks(p, proseWidth) { emit(c) } } }
        func row(_ label: String, _ values: [String]) {
            var parts = chunks(label, width)
            let v = values.joined(separator: " ")
            if parts.count > 1, rng.chance(0.5) { parts.forEach { emit($0) }; emit(v) }
            else { parts[parts.count - 1] += " " + v; parts.forEach { emit($0) } }
        }
        // A centred title: broken where the author broke it, or wrapped at the page width
        // (which may fall inside a word, even inside 年度报告).
        let title = d.title.joined()
        if d.title.count == 2 { d.printedTitle = [" " + d.title[0], d.title[1]] }
        else if title.count > 24, rng.chance(0.3) { d.printedTitle = chunks(title, rng.int(18...26)) }
        else { d.printedTitle = [title] }
        d.printedTitle.forEach { emit($0) }
        emit(d.headings[0])
        paragraphs(d.overview)
        emit(d.headings[1])
        for b in d.active {
            emit(b.title)
            if rng.chance(0.5) { emit(b.columns.joined(separator: " ")) } else { for c in b.columns { chunks(c, 4).forEach { emit($0) } } }
            for r in b.rows { emit(r.label + " " + r.values.joined(separator: " ")) }
        }
        emit(d.headings[2])
        chunks(d.appNote, 14).forEach { emit($0) }
        let h = d.appHeader
        emit(h.applicant); emit(h.natural); emit(h.legal); emit(h.total)
        for s in h.subs { chunks(s, 2).forEach { emit($0) } }
        for r in d.appRows {
            if let g = r.group1 { for ch in g { emit(String(ch)) } }
            if let g = r.group2 { chunks(g, 2).forEach { emit($0) } }
            row(r.label, r.values)
        }
        emit(d.headings[3])
        let rh = d.reviewHeader
        emit(rh.review + " " + rh.litigation)
        for f in rh.fields { chunks(f, 1).forEach { emit($0) } }
        emit(rh.direct + " " + rh.afterReview)
        for f in rh.fields + rh.fields { chunks(f, 1).forEach { emit($0) } }
        emit(d.review.joined(separator: " "))
        emit(d.headings[4]); paragraphs(d.problems)
        emit(d.headings[5]); paragraphs(d.other)
        return o.text
    }

    // MARK: (d) HTML

    static func html(_ d: inout Document, _ rng: inout SplitMix64) -> String {
        d.printedTitle = d.title
        var o = Lines(capacity: 16384 + d.overview.count * 500)
        let nbsp = rng.chance(0.5)
        func esc(_ s: String) -> String {
            // Most text needs nothing: & < > and the quotes “” (E2 80 9C/9D) are rare.
            guard s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0xE2 }) else { return s }
            var out = ""
            for ch in s {
                switch ch { case "&": out += "&amp;"; case "<": out += "&lt;"; case ">": out += "&gt;"; case "“": out += rng.chance(0.5) ? "&ldquo;" : "“"; case "”": out += rng.chance(0.5) ? "&rdquo;" : "”"; default: out.append(ch) }
            }
            return out
        }
        func td(_ s: String, colspan: Int = 1, rowspan: Int = 1) -> String {
            var a = ""
            if colspan > 1 { a += " colspan=\"\(colspan)\"" }
            if rowspan > 1 { a += " rowspan=\"\(rowspan)\"" }
            let body = s.isEmpty ? (nbsp ? "&nbsp;" : "") : (rng.chance(0.1) ? "<span style=\"font-size:12pt\">\(esc(s))</span>" : esc(s))
            return "<td\(a)>\(body)</td>"
        }
        func tr(_ cells: [String]) { o.line("<tr>" + cells.joined() + "</tr>") }
        o.line("<!DOCTYPE html>")
        o.line("<html><head><meta charset=\"utf-8\"><title>\(esc(d.title.joined()))</title>")
        o.line("<style>td{border:1px solid #000}</style></head><body>")
        o.line("<div class=\"article\">")
        o.line("<h1>" + d.title.map(esc).joined(separator: "<br/>") + "</h1>")
        func heading(_ s: String) { o.line("<p><strong>\(esc(s))</strong></p>") }
        func paras(_ ps: [String]) { for p in ps { o.line("<p>" + (nbsp ? "&nbsp;&nbsp;" : "") + esc(p) + "</p>") } }
        heading(d.headings[0]); paras(d.overview)
        heading(d.headings[1])
        let width = d.active.map(\.columns.count).max() ?? 4
        o.line("<table border=\"1\" cellspacing=\"0\"><tbody>")
        for b in d.active {
            tr([td(b.title, colspan: width)])
            tr(b.columns.enumerated().map { k, c in td(c, colspan: k == b.columns.count - 1 ? width - b.columns.count + 1 : 1) })
            for r in b.rows {
                let cells = [r.label] + r.values
                tr(cells.enumerated().map { k, c in td(c, colspan: k == cells.count - 1 ? width - cells.count + 1 : 1) })
            }
        }
        o.line("</tbody></table>")
        heading(d.headings[2])
        o.line("<table border=\"1\" cellspacing=\"0\">")
        let h = d.appHeader
        tr([td(d.appNote, colspan: 3, rowspan: 3), td(h.applicant, colspan: 6), td(h.total, rowspan: 3)])
        tr([td(h.natural, rowspan: 2), td(h.legal, colspan: 5)])
        tr(h.subs.map { td($0) })
        let resultsRows = d.appRows.filter(\.inResults).count - 1   // 总计 stands on its own
        for r in d.appRows {
            var cells: [String] = []
            if !r.inResults || r.key == "total" { cells.append(td(r.label, colspan: 3)) }
            else {
                if r.group1 != nil { cells.append(td(r.group1!, rowspan: resultsRows)) }
                if !r.inSubgroup { cells.append(td(r.label, colspan: 2)) }
                else {
                    if let g = r.group2 {
                        let span = d.appRows.drop(while: { $0.key != r.key }).prefix(while: { $0.key == r.key || ($0.group2 == nil && $0.inSubgroup) }).count
                        cells.append(td(g, rowspan: span))
                    }
                    cells.append(td(r.label))
                }
            }
            cells += r.values.map { td($0) }
            tr(cells)
        }
        o.line("</table>")
        heading(d.headings[3])
        o.line("<table border=\"1\" cellspacing=\"0\">")
        let rh = d.reviewHeader
        tr([td(rh.review, colspan: 5), td(rh.litigation, colspan: 10)])
        tr(rh.fields.map { td($0, rowspan: 2) } + [td(rh.direct, colspan: 5), td(rh.afterReview, colspan: 5)])
        tr((rh.fields + rh.fields).map { td($0) })
        tr(d.review.map { td($0) })
        o.line("</table>")
        heading(d.headings[4]); paras(d.problems)
        heading(d.headings[5]); paras(d.other)
        o.line("</div></body></html>")
        return o.text
    }

    // MARK: (e) Markdown

    static func markdown(_ d: inout Document, _ rng: inout SplitMix64) -> String {
        d.printedTitle = d.title
        var o = Lines(capacity: 8192 + d.overview.count * 400)
        func row(_ cells: [String]) { o.line("| " + cells.joined(separator: " | ") + " |") }
        func sep(_ n: Int) { o.line("|" + Array(repeating: rng.chance(0.5) ? "---" : " --- ", count: n).joined(separator: "|") + "|") }
        let hashes = rng.chance(0.5)
        d.printedTitle = [(hashes ? "# " : "") + d.title.joined()]
        o.line(d.printedTitle[0])
        o.blank()
        func heading(_ s: String) { o.line(hashes ? "## " + s : "**" + s + "**"); o.blank() }
        func paras(_ ps: [String]) { for p in ps { o.line(p); o.blank() } }
        heading(d.headings[0]); paras(d.overview)
        heading(d.headings[1])
        for b in d.active {
            let w = b.columns.count
            row([b.title] + Array(repeating: "", count: w - 1))
            sep(w)
            row(b.columns)
            for r in b.rows { row([r.label] + r.values) }
            o.blank()
        }
        heading(d.headings[2])
        let h = d.appHeader
        row([d.appNote, "", "", h.applicant, "", "", "", "", "", h.total])
        sep(10)
        row(["", "", "", h.natural, h.legal, "", "", "", "", ""])
        row(["", "", "", ""] + h.subs + [""])
        for r in d.appRows {
            var cells: [String]
            if !r.inResults { cells = [r.label, "", ""] }
            else if !r.inSubgroup { cells = [r.group1 ?? "", r.label, ""] }
            else { cells = [r.group1 ?? "", r.group2 ?? "", r.label] }
            row(cells + r.values)
        }
        o.blank()
        heading(d.headings[3])
        let rh = d.reviewHeader
        row([rh.review, "", "", "", "", rh.litigation] + Array(repeating: "", count: 9))
        sep(15)
        row(rh.fields + [rh.direct, "", "", "", "", rh.afterReview, "", "", "", ""])
        row(Array(repeating: "", count: 5) + rh.fields + rh.fields)
        row(d.review)
        o.blank()
        heading(d.headings[4]); paras(d.problems)
        heading(d.headings[5]); paras(d.other)
        return o.text
    }

    // MARK: prose shared by the text families

    static func prose(_ o: inout Lines, _ d: Document, from: Int, blankBetween: Bool) {
        for (k, ps) in [(4, d.problems), (5, d.other)] where k >= from {
            o.line(d.headings[k]); if blankBetween { o.blank() }
            for p in ps { o.line(p); if blankBetween { o.blank() } }
        }
    }
}
