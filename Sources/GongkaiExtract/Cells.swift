import GongkaiRead

/// How a flattened table line separates its cells.
enum LineLayout: Sendable { case tabbed, piped, spaced }

/// One cell of a flattened table line, classified.
enum RawCell: Sendable, Equatable {
    /// Label text (or any text that is not a number).
    case text(Substring)
    /// A number as printed; `yuan` when the cell says 元 rather than 万元.
    case value(Double, note: String?, yuan: Bool, raw: String)
    /// An empty cell, or a placeholder such as `—` or `/` (kept for the warning).
    case blank(placeholder: String?)
    /// Something in a value position that is not a number (`l2`, `1O`, `12..5`).
    case unreadable(String)

    var isBlank: Bool { if case .blank = self { return true }; return false }
    var isText: Bool { if case .text = self { return true }; return false }
    var isValueLike: Bool {
        switch self { case .value, .unreadable: return true; default: return false }
    }
}

struct CellLine: Sendable {
    var number: Int
    var layout: LineLayout
    var cells: [RawCell]
    /// Non-blank cells on the line.
    var filled: Int { cells.reduce(0) { $0 + ($1.isBlank ? 0 : 1) } }
}

enum CellSplitter {
    static let placeholders: Set<String> = ["-", "--", "—", "——", "–", "－", "/", "／", "\\", "无", "空", "×", "*", "／／", "不适用", "—-"]

    static func split(_ line: SourceLine) -> CellLine {
        var bytes = line.text
        if let fast = bytes.withUTF8({ splitFast($0, number: line.number) }) { return fast }
        let text = line.text
        var layout: LineLayout = .spaced
        var parts: [Substring]
        if text.utf8.contains(9) {
            layout = .tabbed
            parts = splitBytes(text, 0x09)
        } else if let first = text.unicodeScalars.first(where: { !$0.isSpaceLike }), first == "|" {
            layout = .piped
            if isPipeSeparator(text) { return CellLine(number: line.number, layout: .piped, cells: []) }
            parts = splitBytes(text, 0x7C)
            // "| a | b |": drop what stands outside the outer pipes.
            if let f = parts.first, f.allSatisfy({ $0 == " " }) { parts.removeFirst() }
            if let l = parts.last, l.allSatisfy({ $0 == " " }) { parts.removeLast() }
        } else {
            parts = splitSpaced(text)
        }
        var cells: [RawCell] = []
        cells.reserveCapacity(parts.count)
        for p in parts {
            let t = trim(p)
            if layout != .spaced, let f = t.utf8.first, f >= 0x2B && f <= 0x39, t.utf8.contains(32), let numbers = spacedNumbers(t) {
                // A tab or pipe cell holding "0 0 0": several values.
                cells.append(contentsOf: numbers)
                continue
            }
            cells.append(classify(t))
        }
        if layout == .spaced, cells.isEmpty { return CellLine(number: line.number, layout: .spaced, cells: []) }
        return CellLine(number: line.number, layout: layout, cells: cells)
    }

    /// Splits on an ASCII byte, keeping empty fields (a UTF-8 continuation byte is never ASCII).
    static func splitBytes(_ text: Substring, _ sep: UInt8) -> [Substring] {
        var positions: [Int] = []
        var t = text
        t.withUTF8 { b in
            for i in 0..<b.count where b[i] == sep { positions.append(i) }
        }
        guard !positions.isEmpty else { return [text] }
        var out: [Substring] = []
        out.reserveCapacity(positions.count + 1)
        let u = text.utf8
        var start = u.startIndex
        var offset = 0
        for p in positions {
            let end = u.index(start, offsetBy: p - offset)
            out.append(text[start..<end])
            start = u.index(after: end)
            offset = p + 1
        }
        out.append(text[start..<u.endIndex])
        return out
    }

    /// The common case on bytes: tab-separated or space-separated cells that are plain numbers
    /// or label text. Returns nil for anything else (pipes, notes, units, signs, decimals),
    /// which the general path handles.
    static func splitFast(_ b: UnsafeBufferPointer<UInt8>, number: Int) -> CellLine? {
        let n = b.count
        var tabbed = false
        var firstByte: UInt8 = 0
        for c in b {
            if firstByte == 0, c != 0x20, c != 0x09 { firstByte = c }
            if c == 0x09 { tabbed = true; break }
        }
        if firstByte == 0x7C { return nil }   // a Markdown pipe row
        var cells: [RawCell] = []
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
                if tabbed { cells.append(.blank(placeholder: nil)) }
            } else {
                let f = b[lo]
                var digits = 0, high = 0
                for k in lo..<hi {
                    let c = b[k]
                    if c >= 0x30 && c <= 0x39 { digits += 1 } else if c >= 0x80 { high += 1 }
                }
                if digits == hi - lo {
                    guard digits <= 15 else { return nil }
                    var v = 0.0
                    for k in lo..<hi { v = v * 10 + Double(b[k] - 0x30) }
                    cells.append(.value(v, note: nil, yuan: false, raw: ""))
                } else if (f >= 0x30 && f <= 0x39) || f == 0x2B || f == 0x2D || f == 0x2E || high == 0 {
                    return nil   // a number with a unit, note, sign or fraction; numbering; ASCII: general path
                } else {
                    let s = String(decoding: UnsafeBufferPointer(rebasing: b[lo..<hi]), as: UTF8.self)
                    if hi - lo <= 9, placeholders.contains(s) { cells.append(.blank(placeholder: s)) } else { cells.append(.text(s[...])) }
                }
            }
            if tabbed { i = j + 1 } else { i = j }
            if !tabbed, j >= n { break }
        }
        if !tabbed, cells.isEmpty { return CellLine(number: number, layout: .spaced, cells: []) }
        return CellLine(number: number, layout: tabbed ? .tabbed : .spaced, cells: cells)
    }

    static func isPipeSeparator(_ s: Substring) -> Bool {
        s.unicodeScalars.allSatisfy { "|-: ".unicodeScalars.contains($0) } && s.utf8.contains(UInt8(ascii: "-"))
    }

    /// Splits on runs of white space, keeping a parenthesized note attached to its number.
    static func splitSpaced(_ s: Substring) -> [Substring] {
        splitBytes(s, 0x20).filter { !$0.isEmpty }
    }

    static func spacedNumbers(_ t: Substring) -> [RawCell]? {
        let parts = t.split(separator: " ")
        guard parts.count > 1 else { return nil }
        var out: [RawCell] = []
        for p in parts {
            let c = classify(p)
            guard case .value = c else { return nil }
            out.append(c)
        }
        return out
    }

    /// Trims white space on bytes (normalization already turned U+3000 and U+00A0 into spaces).
    static func trim(_ s: Substring) -> Substring {
        let u = s.utf8
        var a = u.startIndex, b = u.endIndex
        while a < b, isASCIISpace(u[a]) { a = u.index(after: a) }
        while b > a, isASCIISpace(u[u.index(before: b)]) { b = u.index(before: b) }
        return s[a..<b]
    }

    @inline(__always) static func isASCIISpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }

    /// Classifies one cell's text.
    static func classify(_ t: Substring) -> RawCell {
        if t.isEmpty { return .blank(placeholder: nil) }
        // Fast path: plain digits.
        if t.utf8.count <= 15, t.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            var v = 0.0
            for c in t.utf8 { v = v * 10 + Double(c - 0x30) }
            return .value(v, note: nil, yuan: false, raw: String(t))
        }
        // Label text (Chinese, no digits) needs no further look.
        if !t.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) {
            if t.utf8.count <= 9, placeholders.contains(String(t)) { return .blank(placeholder: String(t)) }
            return .text(t)
        }
        if t.utf8.count <= 9, placeholders.contains(String(t)) { return .blank(placeholder: String(t)) }
        if let v = parseNumber(t) { return v }
        // Digits with no Chinese around them, and not a numbering such as "1." or "(3)": unreadable.
        var digits = 0, cjk = 0
        for u in t.unicodeScalars {
            if u.value >= 0x30 && u.value <= 0x39 { digits += 1 } else if u.value >= 0x3400 { cjk += 1 }
        }
        if digits > 0, cjk == 0, !isNumbering(t) { return .unreadable(String(t)) }
        return .text(t)
    }

    static func isNumbering(_ t: Substring) -> Bool {
        let u = Array(t.unicodeScalars)
        let digits = u.filter { $0.value >= 0x30 && $0.value <= 0x39 }.count
        guard digits > 0, digits <= 2 else { return false }
        let rest = u.filter { !($0.value >= 0x30 && $0.value <= 0x39) }
        return !rest.isEmpty && rest.allSatisfy { ".、)(（）．:：".unicodeScalars.contains($0) }
    }

    /// `123`, `-3`, `+2`, `1,234`, `1237.40万元`, `251000元`, `22(其中修订16件)`, `45件`.
    static func parseNumber(_ t: Substring) -> RawCell? {
        let u = Array(t.unicodeScalars)
        var i = 0
        var sign = 1.0
        if i < u.count, u[i] == "-" || u[i] == "+" || u[i] == "−" {
            if u[i] != "+" { sign = -1 }
            i += 1
        }
        var intPart: Double = 0
        var sawDigit = false
        var groupDigits = -1  // digits since the last thousands comma, -1 when none
        while i < u.count {
            let c = u[i]
            if c.value >= 0x30 && c.value <= 0x39 {
                intPart = intPart * 10 + Double(c.value - 0x30)
                sawDigit = true
                if groupDigits >= 0 { groupDigits += 1 }
                i += 1
            } else if c == ",", sawDigit, groupDigits == -1 || groupDigits == 3 {
                groupDigits = 0
                i += 1
            } else { break }
        }
        guard sawDigit, groupDigits == -1 || groupDigits == 3 else { return nil }
        var value = intPart
        if i < u.count, u[i] == "." {
            var scale = 0.1
            var frac = false
            var j = i + 1
            while j < u.count, u[j].value >= 0x30 && u[j].value <= 0x39 {
                value += Double(u[j].value - 0x30) * scale
                scale /= 10
                frac = true
                j += 1
            }
            guard frac else { return nil }   // "1." is a numbering, not a number
            i = j
        }
        var rest = String(String.UnicodeScalarView(u[i...]))
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
            guard (rest.hasPrefix("(") && rest.hasSuffix(")")) || (rest.hasPrefix("（") && rest.hasSuffix("）")) else { return nil }
            note = String(rest.dropFirst().dropLast())
        }
        return .value(sign * value, note: note, yuan: yuan, raw: String(t))
    }
}

/// Label text as matched against the form's row labels: no white space, ASCII punctuation.
enum LabelText {
    /// Text is normalized already (full-width brackets and spaces are ASCII): dropping ASCII
    /// white space bytes is enough.
    static func squeeze(_ s: Substring) -> String {
        var t = s
        return t.withUTF8 { b in
            var out = [UInt8]()
            out.reserveCapacity(b.count)
            for c in b where !(c == 0x20 || (c >= 0x09 && c <= 0x0D)) { out.append(c) }
            return String(decoding: out, as: UTF8.self)
        }
    }

    static func squeeze(_ s: String) -> String { squeeze(s[...]) }

    static func squeezeScalars<S: StringProtocol>(_ s: S) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars where !u.isSpaceLike {
            switch u {
            case "（": out.append("(")
            case "）": out.append(")")
            case "，": out.append(",")
            case "：": out.append(":")
            case "、": out.append("、")
            default: out.append(u)
            }
        }
        return String(out)
    }
}
