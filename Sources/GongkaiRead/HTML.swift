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
        var html = html
        return html.withUTF8 { flatten($0) }
    }

    static let blockTags: Set<String> = ["br", "p", "/p", "div", "/div", "li", "/li", "h1", "h2", "h3", "h4", "h5", "h6",
        "/h1", "/h2", "/h3", "/h4", "/h5", "/h6", "section", "/section", "article", "/article", "ul", "/ul", "ol", "/ol",
        "hr", "pre", "/pre", "blockquote", "/blockquote"]
    static let skippedTags: Set<String> = ["script", "style", "head", "title", "noscript", "template"]

    /// The flattener on UTF-8 bytes: tags and entities are ASCII, text is copied through.
    static func flatten(_ b: UnsafeBufferPointer<UInt8>) -> [SourceLine] {
        var out: [SourceLine] = []
        let n = b.count
        var i = 0
        var line = 1
        var text: [UInt8] = []        // the current cell, or the current line outside tables
        var pendingSpace = false
        var textLine = 1
        var inRow = false, inCell = false
        var rowCells: [String] = []
        var rowLine = 1
        var cellSpan = 1
        var skipUntil: String? = nil

        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
        func put(_ c: UInt8) {
            if pendingSpace, !text.isEmpty { text.append(0x20) }
            pendingSpace = false
            text.append(c)
        }
        func flushText() {
            if !text.isEmpty { out.append(SourceLine(Normalizer.normalize(String(decoding: text, as: UTF8.self))[...], number: textLine)) }
            text.removeAll(keepingCapacity: true)
            pendingSpace = false
        }
        func endCell() {
            guard inCell else { return }
            rowCells.append(String(decoding: text, as: UTF8.self))
            for _ in 1..<max(1, min(cellSpan, 50)) { rowCells.append("") }
            text.removeAll(keepingCapacity: true)
            pendingSpace = false
            inCell = false
        }
        func endRow() {
            endCell()
            guard inRow else { return }
            if rowCells.contains(where: { !$0.isEmpty }) {
                out.append(SourceLine(Normalizer.normalize(rowCells.joined(separator: "\t"))[...], number: rowLine))
            }
            rowCells.removeAll(keepingCapacity: true)
            inRow = false
        }

        while i < n {
            let c = b[i]
            if c == 0x0A { line += 1 }
            if c == 0x3C {   // <
                if i + 3 < n, b[i + 1] == 0x21, b[i + 2] == 0x2D, b[i + 3] == 0x2D {   // <!-- … -->
                    var k = i + 4
                    while k + 2 < n, !(b[k] == 0x2D && b[k + 1] == 0x2D && b[k + 2] == 0x3E) {
                        if b[k] == 0x0A { line += 1 }
                        k += 1
                    }
                    i = k + 3
                    continue
                }
                var j = i + 1
                var quote: UInt8 = 0
                var newlines = 0
                while j < n {
                    let d = b[j]
                    if d == 0x0A { newlines += 1 }
                    if quote != 0 { if d == quote { quote = 0 } } else if d == 0x22 || d == 0x27 { quote = d } else if d == 0x3E { break }
                    j += 1
                }
                // Tag name, lowercased.
                var nameBytes: [UInt8] = []
                var k = i + 1
                while k < j, nameBytes.count < 12 {
                    let d = b[k]
                    if isSpace(d) || (d == 0x2F && !nameBytes.isEmpty) { break }
                    nameBytes.append(d >= 0x41 && d <= 0x5A ? d + 0x20 : d)
                    k += 1
                }
                let name = String(decoding: nameBytes, as: UTF8.self)
                let selfClosing = j > i + 1 && b[j - 1] == 0x2F
                if let until = skipUntil {
                    if name == "/" + until { skipUntil = nil }
                } else {
                    switch name {
                    case _ where skippedTags.contains(name): if !selfClosing { skipUntil = name }
                    case "tr": endRow(); flushText(); inRow = true; rowLine = line
                    case "/tr": endRow()
                    case "td", "th":
                        if !inRow { flushText(); inRow = true; rowLine = line }
                        endCell(); inCell = true
                        cellSpan = colspan(UnsafeBufferPointer(rebasing: b[i..<j])) ?? 1
                    case "/td", "/th": endCell()
                    case "/table", "table", "tbody", "/tbody", "thead", "/thead": endRow(); flushText()
                    case _ where blockTags.contains(name):
                        if inCell { pendingSpace = true } else if !inRow { flushText() }
                    default: break
                    }
                }
                line += newlines
                i = j + 1
                continue
            }
            if skipUntil != nil { i += 1; continue }
            if text.isEmpty && !inCell && !inRow && !isSpace(c) { textLine = line }
            if c == 0x26 {   // &entity;
                var j = i + 1
                while j < n, j - i < 12, b[j] != 0x3B, b[j] != 0x26, b[j] != 0x3C, !isSpace(b[j]) { j += 1 }
                if j < n, b[j] == 0x3B, let decoded = entity(String(decoding: UnsafeBufferPointer(rebasing: b[(i + 1)..<j]), as: UTF8.self)) {
                    if decoded == " " { pendingSpace = true } else { for u in String(decoded).utf8 { put(u) } }
                    i = j + 1
                    continue
                }
            }
            if isSpace(c) { pendingSpace = true } else { put(c) }
            i += 1
        }
        endRow()
        flushText()
        return out
    }

    /// The colspan attribute of a tag, if any.
    static func colspan(_ tag: UnsafeBufferPointer<UInt8>) -> Int? {
        let key = Array("colspan".utf8)
        var k = 0
        while k + key.count < tag.count {
            var ok = true
            for m in 0..<key.count where (tag[k + m] | 0x20) != key[m] { ok = false; break }
            if ok {
                var p = k + key.count
                while p < tag.count, tag[p] == 0x20 || tag[p] == 0x3D || tag[p] == 0x22 || tag[p] == 0x27 { p += 1 }
                var v = 0, digits = 0
                while p < tag.count, tag[p] >= 0x30, tag[p] <= 0x39, digits < 4 { v = v * 10 + Int(tag[p] - 0x30); p += 1; digits += 1 }
                return digits > 0 ? v : nil
            }
            k += 1
        }
        return nil
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

}
