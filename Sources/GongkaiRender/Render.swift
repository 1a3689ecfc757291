import GongkaiCore

/// Escaping for the two ways untrusted text (anything that came from a report file, a sidecar or
/// a file name) reaches a page: as Markdown text that cmark then renders, or as text inside the
/// trusted HTML that the portal generates. Nothing else is allowed.
public enum Escape {
    /// Text for an HTML element or a quoted attribute value.
    public static func html(_ s: String) -> String {
        // Checked on the string's UTF-8 storage (the UTF8View iterator costs several times more).
        var s = s
        let needs = s.withUTF8 { b -> Bool in
            for u in b where u == 0x26 || u == 0x3C || u == 0x3E || u == 0x22 || u == 0x27 || u < 0x20 || u == 0x7F { return true }
            return false
        }
        guard needs else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\n", "\t": out.unicodeScalars.append(u)
            default:
                if u.value < 0x20 || u.value == 0x7F { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Text for inline Markdown: every ASCII punctuation character is backslash-escaped (which
    /// CommonMark allows for all of them), line breaks become spaces, leading white space goes,
    /// control characters and the private-use characters that mark generated blocks are dropped.
    /// The result can never open a link, an emphasis, an HTML tag, an entity or a block.
    public static func markdown(_ s: String) -> String {
        var s = s
        return s.withUTF8 { markdownBytes($0) }
    }

    /// `markdown(_:)` on the (valid) UTF-8 bytes of a string, scalar by scalar without decoding.
    static func markdownBytes(_ u: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(u.count + u.count / 4 + 8)
        appendMarkdown(utf8: u, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `markdown(s)`'s UTF-8 bytes appended to `out` (no string made for each piece of text).
    public static func appendMarkdown(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { appendMarkdown(utf8: $0, to: &out) }
    }

    /// `markdown(_:)` of valid UTF-8 bytes, appended to `out`.
    static func appendMarkdown(utf8 u: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        // (`out` may already hold text: what this call wrote starts at `first`.)
        let first = out.count
        var space = false
        var i = 0
        let n = u.count
        // Bytes that go out as they are, from `run` up to `i`, are copied as one run.
        var run = 0
        func flush(_ upTo: Int) { if run < upTo { out.append(contentsOf: UnsafeBufferPointer(rebasing: u[run..<upTo])) } }
        while i < n {
            let b = u[i]
            if b < 0x80 {
                if b == 0x0A || b == 0x0D || b == 0x09 || b == 0x20 { flush(i); i += 1; run = i; space = out.count > first; continue }
                if b < 0x20 || b == 0x7F { flush(i); i += 1; run = i; continue }
                // (A pending space means the run is empty: it was flushed at the white space.)
                if space { out.append(0x20); space = false }
                if isASCIIPunctuation(b) { flush(i); out.append(0x5C); run = i }
                i += 1
                continue
            }
            // Most characters of a report: U+4000–U+DFFF (lead bytes E4–ED), none of them special.
            if b >= 0xE4 && b <= 0xED {
                if space { out.append(0x20); space = false }
                i = min(i + 3, n)
                continue
            }
            let len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2
            let end = min(i + len, n)
            // U+00A0 (C2 A0) and U+3000 (E3 80 80) are white space; U+E000–U+F8FF (EE xx xx,
            // EF 80–A3 xx) and U+FEFF (EF BB BF) are dropped.
            if len == 2, b == 0xC2, end > i + 1, u[i + 1] == 0xA0 { flush(i); i = end; run = i; space = out.count > first; continue }
            if len == 3 {
                let b1 = end > i + 1 ? u[i + 1] : 0, b2 = end > i + 2 ? u[i + 2] : 0
                if b == 0xE3, b1 == 0x80, b2 == 0x80 { flush(i); i = end; run = i; space = out.count > first; continue }
                if b == 0xEE || (b == 0xEF && b1 <= 0xA3) || (b == 0xEF && b1 == 0xBB && b2 == 0xBF) { flush(i); i = end; run = i; continue }
            }
            if space { out.append(0x20); space = false }
            i = end
        }
        flush(n)
    }

    @inline(__always)
    static func isASCIIPunctuation(_ b: UInt8) -> Bool {
        (0x21...0x2F).contains(b) || (0x3A...0x40).contains(b) || (0x5B...0x60).contains(b) || (0x7B...0x7E).contains(b)
    }

    /// Text for XML (sitemap, Atom).
    public static func xml(_ s: String) -> String { html(s) }

    /// A URL for an `href` that came from outside (a sidecar's source URL): only http and https.
    public static func externalURL(_ s: String) -> String? {
        let t = s.trimmingWhitespace()
        let lower = t.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else { return nil }
        guard !t.unicodeScalars.contains(where: { $0.value <= 0x20 || $0 == "\"" || $0 == "<" || $0 == ">" || $0 == "'" || $0 == "`" }) else { return nil }
        return t
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var u = unicodeScalars[...]
        while let f = u.first, f.properties.isWhitespace { u.removeFirst() }
        while let l = u.last, l.properties.isWhitespace { u.removeLast() }
        return String(String.UnicodeScalarView(u))
    }
}

/// Numbers as the portal prints them.
public enum Format {
    /// A figure as the report printed it (the data contract's number format).
    public static func number(_ v: Double) -> String { JSON.format(v) }

    /// `number` of `v` rounded to tenths (a chart's coordinates), from the digits of the tenths
    /// rather than by printing a `Double`.
    public static func tenths(_ v: Double) -> String {
        var out = ByteSink(capacity: 24)
        tenths(v, into: &out)
        return String(decoding: out.bytes(), as: UTF8.self)
    }

    /// `tenths(v)` onto a `ByteSink`.
    public static func tenths(_ v: Double, into out: inout ByteSink) {
        let t = (v * 10).rounded()
        guard t.isFinite, abs(t) < 1e15 else { out.put(utf8: number(t / 10)); return }
        let k = Int(t)
        if k % 10 == 0 { out.put(integer: k / 10); return }
        let a = Int(k.magnitude)
        if k < 0 { out.put(0x2D) }
        out.put(integer: a / 10); out.put(0x2E); out.put(integer: a % 10)
    }

    /// A ratio as a percentage with one decimal: 0.5634 → `56.3%`.
    public static func percent(_ r: Double) -> String {
        guard r.isFinite else { return "—" }
        let tenths = (r * 1000).rounded()
        // A change from a tiny amount (0.0001 万元) can be astronomically large: printed as a number.
        guard abs(tenths) < 1e15 else { return JSON.format(r * 100) + "%" }
        // Digits written backwards into a small buffer: interpolation cost five appends.
        var a = Int(abs(tenths))
        return String(unsafeUninitializedCapacity: 24) { p in
            var k = 23
            p[k] = 0x25; k -= 1                                     // %
            p[k] = UInt8(0x30 + a % 10); k -= 1; a /= 10            // tenths
            p[k] = 0x2E; k -= 1                                     // .
            repeat { p[k] = UInt8(0x30 + a % 10); k -= 1; a /= 10 } while a > 0
            if tenths < 0 { p[k] = 0x2D; k -= 1 }
            let n = 23 - k
            for j in 0..<n { p[j] = p[k + 1 + j] }
            return n
        }
    }

    /// A signed change: `+12`, `-3`, `0`.
    public static func signed(_ v: Double) -> String { v > 0 ? "+" + number(v) : number(v) }

    /// A signed percentage change: `+12.5%`.
    public static func signedPercent(_ r: Double) -> String { r > 0 ? "+" + percent(r) : percent(r) }
}
