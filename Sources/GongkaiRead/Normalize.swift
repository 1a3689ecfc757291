/// Character-level normalization applied before matching: full-width ASCII to half-width,
/// ideographic and no-break spaces to spaces, carriage returns removed.
public enum Normalizer {
    /// Whether `s` needs `normalize` at all (most lines do not).
    @inline(__always)
    static func needsWork(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        return (0xFF01...0xFF5E).contains(v) || v == 0x3000 || v == 0x00A0 || v == 0x0D || v == 0xFEFF || v == 0x200B
    }

    /// Byte-level test for the few sequences `normalize` rewrites (full-width forms EF BC xx /
    /// EF BD xx, BOM EF BB BF, U+3000 E3 80 80, U+00A0 C2 A0, U+200B E2 80 8B, CR).
    static func mayNeedWork(_ s: String) -> Bool {
        var s = s
        return s.withUTF8(mayNeedWork)
    }

    static func mayNeedWork(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c < 0x80 { if c == 0x0D { return true }; i += 1; continue }
            switch c {
            case 0xEF: if i + 1 < n, b[i + 1] == 0xBC || b[i + 1] == 0xBD || b[i + 1] == 0xBB { return true }
            case 0xE3: if i + 2 < n, b[i + 1] == 0x80, b[i + 2] == 0x80 { return true }
            case 0xE2: if i + 2 < n, b[i + 1] == 0x80, b[i + 2] == 0x8B { return true }
            case 0xC2: if i + 1 < n, b[i + 1] == 0xA0 { return true }
            default: break
            }
            i += c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1
        }
        return false
    }

    public static func normalize(_ s: String) -> String {
        guard mayNeedWork(s) else { return s }
        var s = s
        return s.withUTF8(rewrite)
    }

    /// `normalize(String(decoding: b, as: UTF8.self))` for valid UTF-8, making one string, not two.
    public static func normalize(bytes b: UnsafeBufferPointer<UInt8>) -> String {
        mayNeedWork(b) ? rewrite(b) : String(decoding: b, as: UTF8.self)
    }

    /// The rewrite itself: unchanged runs are copied whole.
    static func rewrite(_ b: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: rewriteBytes(b), as: UTF8.self)
    }

    /// `rewrite` without making a string, on any bytes. Only whole well-formed characters are
    /// replaced or dropped, so the result is valid UTF-8 exactly when `b` is.
    static func rewriteBytes(_ b: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(b.count)
        var i = 0
        var run = 0          // start of the bytes copied unchanged
        let n = b.count
        func flush(_ upTo: Int) { if upTo > run { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[run..<upTo])) } }
        while i < n {
            let c = b[i]
            if c < 0xC2 && c != 0x0D { i += 1; continue }
            if c >= 0xE4 && c <= 0xE9 { i += 3; continue }   // CJK: nothing to rewrite
            var replacement: UInt8? = nil
            var width = 0
            if c == 0x0D { width = 1 }
            else if c == 0xEF, i + 2 < n {
                let c1 = b[i + 1], c2 = b[i + 2]
                if c1 == 0xBB && c2 == 0xBF { width = 3 }                                           // U+FEFF
                // (`c2` a continuation byte: broken text must stay broken, see `rewriteBytes`.)
                else if c1 == 0xBC, c2 >= 0x81, c2 <= 0xBF { width = 3; replacement = c2 - 0x80 + 0x20 }       // U+FF01–FF3F
                else if c1 == 0xBD, c2 >= 0x80, c2 <= 0x9E { width = 3; replacement = c2 - 0x80 + 0x60 }       // U+FF40–FF5E
            } else if c == 0xE3, i + 2 < n, b[i + 1] == 0x80, b[i + 2] == 0x80 { width = 3; replacement = 0x20 }  // U+3000
            else if c == 0xE2, i + 2 < n, b[i + 1] == 0x80, b[i + 2] == 0x8B { width = 3 }                          // U+200B
            else if c == 0xC2, i + 1 < n, b[i + 1] == 0xA0 { width = 2; replacement = 0x20 }                       // U+00A0
            if width == 0 { i += c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2; continue }   // a lead byte: skip its character
            flush(i)
            if let r = replacement { out.append(r) }
            i += width
            run = i
        }
        flush(n)
        return out
    }

    /// The scalar-by-scalar form of `normalize`, kept as its specification for tests.
    public static func normalizeScalars(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: needsWork) else { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            let v = u.value
            switch v {
            case 0xFF01...0xFF5E: out.append(Unicode.Scalar(v - 0xFEE0)!)
            case 0x3000, 0x00A0: out.append(" ")
            case 0x0D, 0xFEFF, 0x200B: continue
            default: out.append(u)
            }
        }
        return String(out)
    }
}
