/// Turns an HTML report into logical lines: each table row becomes one line with its cells
/// separated by tabs (a cell spanning n columns becomes the cell and n-1 empty cells), block
/// elements become line breaks, entities are decoded, and scripts and styles are dropped.
/// Every logical line keeps the source line it started on.
public enum HTMLFlattener {
    public static func looksLikeHTML(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { looksLikeHTML(bytes: $0) }
    }

    static func looksLikeHTML(bytes all: UnsafeBufferPointer<UInt8>) -> Bool {
        // Only the first 4 KB, only after a "<", compared case-insensitively byte by byte.
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

    static let htmlTags: [[UInt8]] = ["<table", "<html", "<!doctype html", "<tr"].map { Array($0.utf8) }

    public static func lines(of html: String) -> [SourceLine] { store(of: html).lines }

    public static func store(of html: String) -> LineStore {
        var html = html
        return html.withUTF8 { flatten($0) }
    }

    static let blockTags: Set<String> = ["br", "p", "/p", "div", "/div", "li", "/li", "h1", "h2", "h3", "h4", "h5", "h6",
        "/h1", "/h2", "/h3", "/h4", "/h5", "/h6", "section", "/section", "article", "/article", "ul", "/ul", "ol", "/ol",
        "hr", "pre", "/pre", "blockquote", "/blockquote"]
    static let skippedTags: Set<String> = ["script", "style", "head", "title", "noscript", "template"]

    /// What a tag does to the flattened text.
    enum TagKind: Equatable {
        /// `script`, `style` …: everything up to the closing tag (`closing`) is dropped.
        case skipped(closing: TagName)
        case row, rowEnd, cell, cellEnd
        /// `table`, `tbody`, `thead` and their closing tags: the end of a row and of a text line.
        case table
        /// `p`, `div`, `br` …: a line break (a space inside a cell).
        case block
    }

    /// A lowercased tag name of at most 12 bytes packed into two words, so that a tag is told
    /// without making a `String` and hashing it.
    struct TagName: Equatable {
        var a: UInt64 = 0
        var b: UInt64 = 0
        init() {}
        init(_ s: String) { for c in s.utf8 { append(c) } }
        private(set) var count = 0
        mutating func append(_ c: UInt8) {
            if count < 8 { a |= UInt64(c) << UInt64(8 * count) } else { b |= UInt64(c) << UInt64(8 * (count - 8)) }
            count += 1
        }
    }

    /// Every tag the flattener acts on, looked up by a linear scan (a few dozen word compares).
    static let tagKinds: [(TagName, TagKind)] = {
        var out: [(TagName, TagKind)] = []
        // The tags of table cells and rows first: most tags of a report are these.
        for t in ["td", "/td", "th", "/th"] { out.append((TagName(t), t.hasPrefix("/") ? .cellEnd : .cell)) }
        out.append((TagName("tr"), .row))
        out.append((TagName("/tr"), .rowEnd))
        for t in skippedTags.sorted() { out.append((TagName(t), .skipped(closing: TagName("/" + t)))) }
        for t in ["/table", "table", "tbody", "/tbody", "thead", "/thead"] { out.append((TagName(t), .table)) }
        for t in blockTags.sorted() { out.append((TagName(t), .block)) }
        return out
    }()

    static func kind(of name: TagName) -> TagKind? {
        for (n, k) in tagKinds where n == name { return k }
        return nil
    }

    /// The flattener on valid UTF-8 bytes: tags and entities are ASCII, text is copied through
    /// (runs of it are cut only at ASCII bytes, and entities become whole characters, so every
    /// line is valid UTF-8 too).
    static func flatten(_ b: UnsafeBufferPointer<UInt8>) -> LineStore {
        var out = LineStore()
        out.reserve(lines: b.count / 64 + 1, bytes: b.count / 2)
        let n = b.count
        var i = 0
        var line = 1
        var text: [UInt8] = []        // the current cell, or the current line outside tables
        var pendingSpace = false
        var textLine = 1
        var inRow = false, inCell = false
        var row: [UInt8] = []         // the current row's cells, joined by tabs
        var rowCells = 0
        var rowHasText = false
        var rowLine = 1
        var cellSpan = 1
        var skipUntil: TagName? = nil

        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
        func put(_ c: UInt8) {
            if pendingSpace, !text.isEmpty { text.append(0x20) }
            pendingSpace = false
            text.append(c)
        }
        func flushText() {
            if !text.isEmpty { out.appendNormalizing(text, number: textLine) }
            text.removeAll(keepingCapacity: true)
            pendingSpace = false
        }
        func endCell() {
            guard inCell else { return }
            // A cell spanning n columns is the cell and n-1 empty cells.
            for k in 0..<max(1, min(cellSpan, 50)) {
                if rowCells > 0 { row.append(0x09) }
                if k == 0 { row.append(contentsOf: text) }
                rowCells += 1
            }
            if !text.isEmpty { rowHasText = true }
            text.removeAll(keepingCapacity: true)
            pendingSpace = false
            inCell = false
        }
        func endRow() {
            endCell()
            guard inRow else { return }
            if rowHasText {
                out.appendNormalizing(row, number: rowLine)
            }
            row.removeAll(keepingCapacity: true)
            rowCells = 0
            rowHasText = false
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
                var name = TagName()
                var k = i + 1
                while k < j, name.count < 12 {
                    let d = b[k]
                    if isSpace(d) || (d == 0x2F && name.count > 0) { break }
                    name.append(d >= 0x41 && d <= 0x5A ? d + 0x20 : d)
                    k += 1
                }
                let selfClosing = j > i + 1 && b[j - 1] == 0x2F
                if let until = skipUntil {
                    if name == until { skipUntil = nil }
                } else if let tag = kind(of: name) {
                    switch tag {
                    case .skipped(let closing): if !selfClosing { skipUntil = closing }
                    case .row: endRow(); flushText(); inRow = true; rowLine = line
                    case .rowEnd: endRow()
                    case .cell:
                        if !inRow { flushText(); inRow = true; rowLine = line }
                        endCell(); inCell = true
                        cellSpan = colspan(UnsafeBufferPointer(rebasing: b[i..<j])) ?? 1
                    case .cellEnd: endCell()
                    case .table: endRow(); flushText()
                    case .block:
                        if inCell { pendingSpace = true } else if !inRow { flushText() }
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
            if isSpace(c) { pendingSpace = true; i += 1; continue }
            // Plain text up to the next tag, entity or white space is copied as one run.
            var j = i + 1
            while j < n, b[j] != 0x3C, b[j] != 0x26, !isSpace(b[j]) { j += 1 }
            put(c)
            text.append(contentsOf: UnsafeBufferPointer(rebasing: b[(i + 1)..<j]))
            i = j
        }
        endRow()
        flushText()
        return out
    }

    /// The colspan attribute of a tag, if any.
    static let colspanKey = Array("colspan".utf8)

    static func colspan(_ tag: UnsafeBufferPointer<UInt8>) -> Int? {
        let key = colspanKey
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
