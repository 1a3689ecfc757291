/// Turns an HTML report into logical lines: each table row becomes one line with its cells
/// separated by tabs (a cell spanning n columns becomes the cell and n-1 empty cells), block
/// elements become line breaks, entities are decoded, and scripts and styles are dropped.
/// Every logical line keeps the source line it started on.
public enum HTMLFlattener {
    public static func looksLikeHTML(_ text: String) -> Bool {
        // Only the first 4 KB, only after a "<", compared case-insensitively byte by byte.
        var text = text
        return text.withUTF8 { all in
            let head = UnsafeBufferPointer(rebasing: all.prefix(4096))
            for i in head.indices where head[i] == 0x3C {
                for t in htmlTags where i + t.count <= head.count {
                    var ok = true
                    for k in 1..<t.count where head[i + k] | 0x20 != t[k] | 0x20 { ok = false; break }
                    if ok { return true }
                }
            }
            return false
        }
    }

    static let htmlTags: [[UInt8]] = ["<table", "<html", "<!doctype html", "<tr"].map { Array($0.utf8) }

    public static func lines(of html: String) -> [SourceLine] {
        var out: [SourceLine] = []
        let s = Array(html.unicodeScalars)
        var i = 0
        var line = 1
        var text = String.UnicodeScalarView()      // text of the current line (outside cells) or cell
        var textLine = 1
        var inRow = false
        var rowCells: [String] = []
        var rowLine = 1
        var inCell = false
        var cellSpan = 1
        var skipUntil: String? = nil

        func flushText() {
            let t = collapse(String(text))
            text.removeAll()
            if !t.isEmpty { out.append(SourceLine(Normalizer.normalize(t)[...], number: textLine)) }
        }
        func endCell() {
            guard inCell else { return }
            rowCells.append(collapse(String(text)))
            for _ in 1..<max(1, min(cellSpan, 50)) { rowCells.append("") }
            text.removeAll()
            inCell = false
        }
        func endRow() {
            endCell()
            guard inRow else { return }
            if rowCells.contains(where: { !$0.isEmpty }) {
                out.append(SourceLine(Normalizer.normalize(rowCells.joined(separator: "\t"))[...], number: rowLine))
            }
            rowCells.removeAll()
            inRow = false
        }

        while i < s.count {
            let c = s[i]
            if c == "\n" { line += 1 }
            if c == "<" {
                // Read the tag.
                var j = i + 1
                var tag = String.UnicodeScalarView()
                var quote: Unicode.Scalar? = nil
                var newlines = 0
                while j < s.count {
                    let d = s[j]
                    if d == "\n" { newlines += 1 }
                    if let q = quote { if d == q { quote = nil } } else if d == "\"" || d == "'" { quote = d } else if d == ">" { break }
                    tag.append(d)
                    j += 1
                }
                let raw = String(tag)
                let name = tagName(raw)
                if let until = skipUntil {
                    if name == "/" + until { skipUntil = nil }
                    line += newlines
                    i = j + 1
                    continue
                }
                if raw.hasPrefix("!--") {
                    // Comment: skip to -->.
                    var k = i + 4
                    while k + 2 < s.count, !(s[k] == "-" && s[k + 1] == "-" && s[k + 2] == ">") {
                        if s[k] == "\n" { line += 1 }
                        k += 1
                    }
                    i = k + 3
                    continue
                }
                switch name {
                case "script", "style", "head", "title", "noscript", "template":
                    if !raw.hasSuffix("/") { skipUntil = name }
                case "tr":
                    endRow(); flushText(); inRow = true; rowLine = line
                case "/tr": endRow()
                case "td", "th":
                    if !inRow { flushText(); inRow = true; rowLine = line }
                    endCell(); inCell = true; cellSpan = attribute("colspan", in: raw).flatMap { Int($0) } ?? 1
                case "/td", "/th": endCell()
                case "/table", "table", "tbody", "/tbody", "thead", "/thead": endRow(); flushText()
                case "br", "p", "/p", "div", "/div", "li", "/li", "h1", "h2", "h3", "h4", "h5", "h6", "/h1", "/h2", "/h3", "/h4", "/h5", "/h6", "section", "/section", "article", "/article", "ul", "/ul", "ol", "/ol", "hr", "pre", "/pre", "blockquote", "/blockquote":
                    if inCell { text.append(" ") } else if !inRow { flushText() }
                default: break
                }
                line += newlines
                i = j + 1
                continue
            }
            if skipUntil != nil { i += 1; continue }
            if c == "&" {
                var j = i + 1
                var ent = String.UnicodeScalarView()
                while j < s.count, j - i < 12, s[j] != ";", s[j] != "&", s[j] != "<", !s[j].isSpaceLike { ent.append(s[j]); j += 1 }
                if j < s.count, s[j] == ";", let decoded = entity(String(ent)) {
                    if text.isEmpty && !inCell && !inRow { textLine = line }
                    text.append(decoded)
                    i = j + 1
                    continue
                }
            }
            if text.isEmpty && !inCell && !inRow && !c.isSpaceLike { textLine = line }
            text.append(c == "\n" || c == "\t" || c == "\r" ? " " : c)
            i += 1
        }
        endRow()
        flushText()
        return out
    }

    static func tagName(_ raw: String) -> String {
        var name = String.UnicodeScalarView()
        for u in raw.unicodeScalars {
            if u.isSpaceLike || u == ">" || (u == "/" && !name.isEmpty) { break }
            // ASCII lowercase without String.lowercased() (tag names are ASCII).
            name.append(u.value >= 0x41 && u.value <= 0x5A ? Unicode.Scalar(u.value + 0x20)! : u)
            if name.count > 12 { break }
        }
        return String(name)
    }

    static func attribute(_ attr: String, in raw: String) -> String? {
        let lower = raw.lowercased()
        guard let r = lower.range(of: attr + "=") else { return nil }
        var value = ""
        var it = lower[r.upperBound...].unicodeScalars.makeIterator()
        var quote: Unicode.Scalar? = nil
        if let first = it.next() {
            if first == "\"" || first == "'" { quote = first } else { value.unicodeScalars.append(first) }
        }
        while let u = it.next() {
            if let q = quote { if u == q { break } } else if u.isSpaceLike || u == ">" { break }
            value.unicodeScalars.append(u)
        }
        return value
    }

    static func entity(_ name: String) -> Unicode.Scalar? {
        switch name {
        case "nbsp", "ensp", "emsp", "thinsp": return " "
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        case "ldquo": return "“"
        case "rdquo": return "”"
        case "mdash": return "—"
        case "ndash": return "–"
        case "middot": return "·"
        default:
            if name.hasPrefix("#x") || name.hasPrefix("#X") { return UInt32(name.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init) }
            if name.hasPrefix("#") { return UInt32(name.dropFirst()).flatMap(Unicode.Scalar.init) }
            return nil
        }
    }

    static func collapse(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var space = false
        for u in s.unicodeScalars {
            if u.isSpaceLike || u.value == 0xA0 { space = !out.isEmpty; continue }
            if space { out.append(" "); space = false }
            out.append(u)
        }
        return String(out)
    }
}
