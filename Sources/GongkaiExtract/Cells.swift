import GongkaiRead

/// One cell of a flattened table line, classified. A plain value with no references: lines of
/// cells are stored, copied and cut without reference counting. The cell's text (label text,
/// the printed text of an unreadable cell, or the note of a number) is a byte range in the
/// table's byte store, `CellTable.bytes`; it becomes a `String` only when a cell, a note or a
/// diagnostic needs one.
struct RawCell: Sendable, Equatable {
    enum Kind: UInt8, Sendable {
        /// Label text (or any text that is not a number).
        case text
        /// A number as printed.
        case value
        /// An empty cell, or a placeholder such as `—` or `/`.
        case blank
        /// Something in a value position that is not a number (`l2`, `1O`, `12..5`).
        case unreadable
    }

    var kind: Kind
    /// A value the cell gives in 元 rather than 万元.
    var yuan = false
    /// The number, for a value.
    var value = 0.0
    /// The text's bytes in `CellTable.bytes`: the text of a text or unreadable cell, the note
    /// of a value (`22(其中修订16件)` → `其中修订16件`); `start == -1` for a value without a note.
    var start: Int32 = -1
    var end: Int32 = -1

    static let blank = RawCell(kind: .blank)
    static func number(_ v: Double) -> RawCell { RawCell(kind: .value, value: v) }

    var isBlank: Bool { kind == .blank }
    var isText: Bool { kind == .text }
    var isValueLike: Bool { kind == .value || kind == .unreadable }
    var hasText: Bool { start >= 0 }
}

/// The cells of a table's lines, split once. Every line's cells stand in one array and their
/// text in one byte store, so splitting a table allocates three buffers, not an array per line
/// and a string per cell.
struct CellTable: Sendable {
    struct Line: Sendable {
        /// 1-based source line.
        var number: Int
        /// The line's cells: `cells[start..<end]`.
        var start: Int
        var end: Int
        /// Non-blank cells on the line.
        var filled: Int
        var isEmpty: Bool { start == end }
        var range: Range<Int> { start..<end }
    }

    var lines: [Line] = []
    var cells: [RawCell] = []
    var bytes: [UInt8] = []

    init() {}

    init(_ source: LineView, _ r: Range<Int>) {
        lines.reserveCapacity(r.count)
        cells.reserveCapacity(r.count * 4)
        bytes.reserveCapacity(r.count * 24)
        for i in r { CellSplitter.split(source[i], number: source.number(i), into: &self) }
    }

    /// The text of a text or unreadable cell, or the note of a value.
    func text(of c: RawCell) -> String {
        String(decoding: bytes[Int(c.start)..<Int(c.end)], as: UTF8.self)
    }

    /// Appends a cell whose text is `text` (its bytes go to the store).
    mutating func append(_ kind: RawCell.Kind, text: UnsafeBufferPointer<UInt8>) {
        let s = Int32(bytes.count)
        bytes.append(contentsOf: text)
        cells.append(RawCell(kind: kind, start: s, end: Int32(bytes.count)))
    }

    /// Appends a number; `note` goes to the store.
    mutating func appendValue(_ v: Double, note: String?, yuan: Bool) {
        var c = RawCell.number(v)
        c.yuan = yuan
        if let note {
            c.start = Int32(bytes.count)
            bytes.append(contentsOf: note.utf8)
            c.end = Int32(bytes.count)
        }
        cells.append(c)
    }

    /// Drops the cells and text appended since a mark (a fast path that gave up, numbers that
    /// turned out not to be a run of numbers).
    mutating func rollBack(cells c: Int, bytes b: Int) {
        cells.removeSubrange(c...)
        bytes.removeSubrange(b...)
    }
}

enum CellSplitter {
    static let placeholders: Set<String> = ["-", "--", "—", "——", "–", "－", "/", "／", "\\", "无", "空", "×", "*", "／／", "不适用", "—-"]

    /// The placeholders as UTF-8 (at most 9 bytes each), compared byte by byte. `String`
    /// equality is canonical equivalence: U+F967 (a compatibility form of 不) is equal to 不 there,
    /// so "\u{F967}适用" is listed as well.
    static let placeholderBytes: [[UInt8]] = (placeholders.sorted() + ["\u{F967}适用"]).map { Array($0.utf8) }

    @inline(__always)
    static func isPlaceholder(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count <= 9 else { return false }
        for p in placeholderBytes where p.count == b.count {
            var same = true
            for k in 0..<p.count where p[k] != b[k] { same = false; break }
            if same { return true }
        }
        return false
    }

    static func isPlaceholder(_ t: Substring) -> Bool {
        guard t.utf8.count <= 9 else { return false }
        return t.withBytes { isPlaceholder($0) }
    }

    /// Splits one line and appends its cells (and a `CellTable.Line`) to `table`.
    static func split(_ b: UnsafeBufferPointer<UInt8>, number: Int, into table: inout CellTable) {
        let firstCell = table.cells.count, firstByte = table.bytes.count
        if !splitFast(b, into: &table) {
            table.rollBack(cells: firstCell, bytes: firstByte)
            splitGeneral(b, into: &table)
        }
        var filled = 0
        for k in firstCell..<table.cells.count where !table.cells[k].isBlank { filled += 1 }
        table.lines.append(.init(number: number, start: firstCell, end: table.cells.count, filled: filled))
    }

    /// The common case: tab-separated or space-separated cells that are plain numbers or label
    /// text, appended to `table`. Returns false for anything else (pipes, notes, units, signs,
    /// decimals, numberings), which `splitGeneral` handles (the caller drops what was appended).
    static func splitFast(_ b: UnsafeBufferPointer<UInt8>, into table: inout CellTable) -> Bool {
        let n = b.count
        var tabbed = false
        var firstByte: UInt8 = 0
        for c in b {
            if firstByte == 0, c != 0x20, c != 0x09 { firstByte = c }
            if c == 0x09 { tabbed = true; break }
        }
        if firstByte == 0x7C { return false }   // a Markdown pipe row
        var i = 0
        func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D }
        while i <= n {
            // One field: up to the next tab (tabbed) or run of spaces (spaced).
            var j = i
            if tabbed { while j < n, b[j] != 0x09 { j += 1 } } else {
                while i < n, b[i] == 0x20 { i += 1 }
                if i >= n { break }
                j = i
                while j < n, b[j] != 0x20 { j += 1 }
            }
            var lo = i, hi = j
            while lo < hi, isSpace(b[lo]) { lo += 1 }
            while hi > lo, isSpace(b[hi - 1]) { hi -= 1 }
            if lo == hi {
                if tabbed { table.cells.append(.blank) }
            } else {
                let f = b[lo]
                var digits = 0, high = 0
                for k in lo..<hi {
                    let c = b[k]
                    if c >= 0x30 && c <= 0x39 { digits += 1 } else if c >= 0x80 { high += 1 }
                }
                if digits == hi - lo {
                    guard digits <= 15 else { return false }
                    var v = 0.0
                    for k in lo..<hi { v = v * 10 + Double(b[k] - 0x30) }
                    table.cells.append(.number(v))
                } else if (f >= 0x30 && f <= 0x39) || f == 0x2B || f == 0x2D || f == 0x2E || high == 0 {
                    return false   // a number with a unit, note, sign or fraction; numbering; ASCII: general path
                } else {
                    let field = UnsafeBufferPointer(rebasing: b[lo..<hi])
                    if isPlaceholder(field) { table.cells.append(.blank) } else { table.append(.text, text: field) }
                }
            }
            if tabbed { i = j + 1 } else { i = j }
            if !tabbed, j >= n { break }
        }
        return true
    }

    /// Every line: cells separated by tabs (empty cells kept), by pipes (a Markdown row; what
    /// stands outside the outer pipes dropped, a `|---|` separator row has no cells), or by runs
    /// of spaces; each cell trimmed and classified.
    static func splitGeneral(_ b: UnsafeBufferPointer<UInt8>, into table: inout CellTable) {
        let n = b.count
        var layout: LineLayout = .spaced
        if b.contains(0x09) {
            layout = .tabbed
        } else {
            // The first character that is not white space (`isSpaceLike`).
            var i = 0
            while i < n {
                let len = UTF8Scan.length(lead: b[i])
                if !UTF8Scan.isSpaceLike(b, at: i, length: len) { break }
                i += len
            }
            if i < n, b[i] == 0x7C { layout = .piped }
        }
        switch layout {
        case .tabbed:
            var lo = 0
            for j in 0...n where j == n || b[j] == 0x09 {
                appendField(b, lo, j, layout: layout, into: &table)
                lo = j + 1
            }
        case .piped:
            if isPipeSeparator(b) { return }
            var fields: [(Int, Int)] = []
            var lo = 0
            for j in 0...n where j == n || b[j] == 0x7C {
                fields.append((lo, j))
                lo = j + 1
            }
            // "| a | b |": drop what stands outside the outer pipes.
            func onlySpaces(_ f: (Int, Int)) -> Bool { (f.0..<f.1).allSatisfy { b[$0] == 0x20 } }
            var first = 0, end = fields.count
            if onlySpaces(fields[0]) { first = 1 }
            if first < end, onlySpaces(fields[end - 1]) { end -= 1 }
            for f in fields[first..<end] { appendField(b, f.0, f.1, layout: layout, into: &table) }
        case .spaced:
            var lo = 0
            for j in 0...n where j == n || b[j] == 0x20 {
                if j > lo { appendField(b, lo, j, layout: layout, into: &table) }
                lo = j + 1
            }
        }
    }

    /// A `|---|:--|` row: only pipes, dashes, colons and spaces, and a dash.
    static func isPipeSeparator(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        b.allSatisfy { $0 == 0x7C || $0 == 0x2D || $0 == 0x3A || $0 == 0x20 } && b.contains(0x2D)
    }

    /// Trims the field `b[lo..<hi]` and appends its cell (or, for a tab or pipe cell holding
    /// "0 0 0", its several values).
    static func appendField(_ b: UnsafeBufferPointer<UInt8>, _ lo: Int, _ hi: Int, layout: LineLayout, into table: inout CellTable) {
        var lo = lo, hi = hi
        while lo < hi, isASCIISpace(b[lo]) { lo += 1 }
        while hi > lo, isASCIISpace(b[hi - 1]) { hi -= 1 }
        let t = UnsafeBufferPointer(rebasing: b[lo..<hi])
        if layout != .spaced, let f = t.first, f >= 0x2B && f <= 0x39, t.contains(0x20), appendSpacedNumbers(t, into: &table) { return }
        classify(t, into: &table)
    }

    /// A cell holding several numbers separated by spaces ("0 0 0"): appends them all and
    /// returns true, or appends nothing and returns false when a part is not a number.
    static func appendSpacedNumbers(_ t: UnsafeBufferPointer<UInt8>, into table: inout CellTable) -> Bool {
        let cells = table.cells.count, bytes = table.bytes.count
        var parts = 0
        func take(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
            parts += 1
            classify(p, into: &table)
            return table.cells[table.cells.count - 1].kind == .value
        }
        var ok = true
        if t.allSatisfy({ $0 < 0x80 }) {
            var lo = 0
            for j in 0...t.count where j == t.count || t[j] == 0x20 {
                if j > lo, !take(UnsafeBufferPointer(rebasing: t[lo..<j])) { ok = false; break }
                lo = j + 1
            }
        } else {
            // Most such cells are a numbering and a label ("7. 属于…"): when the first space stands
            // alone as a character (ASCII before it, ASCII or an ideograph after it), the first
            // part is the same as a split by characters, and when it is no number, neither is the cell.
            if let sp = t.firstIndex(of: 0x20), sp > 0, t[sp - 1] < 0x80, sp + 1 < t.count, t[sp + 1] < 0x80 || (t[sp + 1] >= 0xE4 && t[sp + 1] <= 0xE9) {
                classify(UnsafeBufferPointer(rebasing: t[..<sp]), into: &table)
                let isValue = table.cells[table.cells.count - 1].kind == .value
                table.rollBack(cells: cells, bytes: bytes)
                if !isValue { return false }
            }
            // Split as characters (a space followed by a combining mark is not a separator).
            for part in String(decoding: t, as: UTF8.self).split(separator: " ") {
                var part = part
                if !part.withUTF8({ take($0) }) { ok = false; break }
            }
        }
        if ok, parts > 1 { return true }
        table.rollBack(cells: cells, bytes: bytes)
        return false
    }

    /// Trims white space on bytes (normalization already turned U+3000 and U+00A0 into spaces).
    static func trim(_ s: Substring) -> Substring {
        let u = s.utf8
        var a = u.startIndex, b = u.endIndex
        while a < b, isASCIISpace(u[a]) { a = u.index(after: a) }
        while b > a, isASCIISpace(u[u.index(before: b)]) { b = u.index(before: b) }
        return s[a..<b]
    }

    /// `trim` on bytes.
    static func trim(_ b: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        var lo = 0, hi = b.count
        while lo < hi, isASCIISpace(b[lo]) { lo += 1 }
        while hi > lo, isASCIISpace(b[hi - 1]) { hi -= 1 }
        return UnsafeBufferPointer(rebasing: b[lo..<hi])
    }

    @inline(__always) static func isASCIISpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    /// Classifies one cell's (trimmed) text and appends the cell to `table`.
    static func classify(_ t: UnsafeBufferPointer<UInt8>, into table: inout CellTable) {
        if t.isEmpty { table.cells.append(.blank); return }
        // Fast path: plain digits.
        if t.count <= 15, t.allSatisfy(isDigit) {
            var v = 0.0
            for c in t { v = v * 10 + Double(c - 0x30) }
            table.cells.append(.number(v))
            return
        }
        // Label text (Chinese, no digits) needs no further look. (No placeholder holds a digit.)
        if !t.contains(where: isDigit) {
            if isPlaceholder(t) { table.cells.append(.blank) } else { table.append(.text, text: t) }
            return
        }
        if appendNumber(t, into: &table) { return }
        // Digits with no Chinese around them, and not a numbering such as "1." or "(3)": unreadable.
        var digits = 0, cjk = 0
        var i = 0
        while i < t.count {
            let len = UTF8Scan.length(lead: t[i])
            if isDigit(t[i]) { digits += 1 } else if UTF8Scan.scalar(t, at: i, length: len) >= 0x3400 { cjk += 1 }
            i += len
        }
        if digits > 0, cjk == 0, !isNumbering(t) { table.append(.unreadable, text: t) } else { table.append(.text, text: t) }
    }

    /// The characters a numbering holds besides its one or two digits.
    static let numberingMarks: [UInt32] = ".、)(（）．:：".unicodeScalars.map(\.value)

    /// "1.", "(3)", "2、": one or two digits and numbering marks only.
    static func isNumbering(_ t: UnsafeBufferPointer<UInt8>) -> Bool {
        var digits = 0, marks = 0
        var i = 0
        while i < t.count {
            let len = UTF8Scan.length(lead: t[i])
            if isDigit(t[i]) { digits += 1 } else {
                guard numberingMarks.contains(UTF8Scan.scalar(t, at: i, length: len)) else { return false }
                marks += 1
            }
            i += len
        }
        return digits > 0 && digits <= 2 && marks > 0
    }

    /// The characters a unit or a note after a number can start with.
    static let numberSuffixStarts: [UInt32] = "(（万元件个条项次家宗份".unicodeScalars.map(\.value)

    /// `123`, `-3`, `+2`, `1,234`, `1237.40万元`, `251000元`, `22(其中修订16件)`, `45件`: appends the
    /// value and returns true, or returns false when `t` is not a number. The number is read on
    /// bytes; what follows it (a unit, a note), which few cells have, as a `String`.
    static func appendNumber(_ t: UnsafeBufferPointer<UInt8>, into table: inout CellTable) -> Bool {
        let end = t.count
        var i = 0
        var sign = 1.0
        if i < end {
            let c = t[i]
            if c == 0x2D || c == 0x2B { if c == 0x2D { sign = -1 }; i += 1 }
            else if c == 0xE2, end >= 3, t[1] == 0x88, t[2] == 0x92 { sign = -1; i += 3 }   // U+2212 −
        }
        var intPart: Double = 0
        var sawDigit = false
        var groupDigits = -1  // digits since the last thousands comma, -1 when none
        while i < end {
            let c = t[i]
            if isDigit(c) {
                intPart = intPart * 10 + Double(c - 0x30)
                sawDigit = true
                if groupDigits >= 0 { groupDigits += 1 }
                i += 1
            } else if c == 0x2C, sawDigit, groupDigits == -1 || groupDigits == 3 {
                groupDigits = 0
                i += 1
            } else { break }
        }
        guard sawDigit, groupDigits == -1 || groupDigits == 3 else { return false }
        var value = intPart
        if i < end, t[i] == 0x2E {
            var scale = 0.1
            var frac = false
            var j = i + 1
            while j < end, isDigit(t[j]) {
                value += Double(t[j] - 0x30) * scale
                scale /= 10
                frac = true
                j += 1
            }
            guard frac else { return false }   // "1." is a numbering, not a number
            i = j
        }
        // What may follow the number: spaces, a unit, a note in brackets. Anything else (a
        // numbering such as "2、重复申请") is told here on bytes, before making a string.
        var k = i
        while k < end, t[k] == 0x20 { k += 1 }
        if k == end {
            table.appendValue(sign * value, note: nil, yuan: false)
            return true
        }
        guard numberSuffixStarts.contains(UTF8Scan.scalar(t, at: k, length: UTF8Scan.length(lead: t[k]))) else { return false }
        var rest = String(decoding: UnsafeBufferPointer(rebasing: t[i...]), as: UTF8.self)
        while rest.hasPrefix(" ") { rest.removeFirst() }
        var yuan = false
        for unit in ["万元", "元", "件", "个", "条", "项", "次", "家", "宗", "份"] where rest.hasPrefix(unit) {
            yuan = unit == "元"
            rest.removeFirst(unit.count)
            break
        }
        while rest.hasPrefix(" ") { rest.removeFirst() }
        var note: String? = nil
        if !rest.isEmpty {
            guard (rest.hasPrefix("(") && rest.hasSuffix(")")) || (rest.hasPrefix("（") && rest.hasSuffix("）")) else { return false }
            note = String(rest.dropFirst().dropLast())
        }
        table.appendValue(sign * value, note: note, yuan: yuan)
        return true
    }
}

/// How a flattened table line separates its cells.
enum LineLayout: Sendable { case tabbed, piped, spaced }

/// Label text as matched against the form's row labels: no white space, ASCII punctuation.
enum LabelText {
    /// Text is normalized already (full-width brackets and spaces are ASCII): dropping ASCII
    /// white space bytes is enough.
    static func squeeze(_ s: Substring) -> String { s.withBytes { squeeze($0) } }

    static func squeeze(_ b: UnsafeBufferPointer<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(b.count)
        squeeze(b, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func squeeze(_ s: String) -> String { squeeze(s[...]) }

    /// Appends the bytes of `squeeze(b)` to `out`, making no string.
    @inline(__always)
    static func squeeze(_ b: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        for c in b where !(c == 0x20 || (c >= 0x09 && c <= 0x0D)) { out.append(c) }
    }

    /// `squeeze(b)` as bytes.
    static func squeezedBytes(_ b: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        squeeze(b, into: &out)
        return out
    }
}

extension Array where Element == UInt8 {
    /// Substring test on UTF-8 bytes (a needle that is whole UTF-8 matches whole characters).
    func includes(_ needle: String) -> Bool {
        withUnsafeBufferPointer { FastText.find(needle, in: $0) }
    }

    /// Characters (Unicode scalars) in these UTF-8 bytes.
    var scalarCount: Int { reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) } }
}
