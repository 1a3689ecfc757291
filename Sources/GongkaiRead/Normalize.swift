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
            let (width, replacement) = rewriting(b, at: i)
            if width == 0 { i += c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2; continue }   // a lead byte: skip its character
            flush(i)
            if let r = replacement { out.append(r) }
            i += width
            run = i
        }
        flush(n)
        return out
    }

    /// What reading a plain UTF-8 file needs from one pass over its bytes.
    struct PlainScan {
        /// The normalized bytes (`rewriteBytes`), or nil when normalizing changes nothing.
        var rewritten: [UInt8]?
        /// Where the line feeds are in the normalized bytes.
        var breaks: [Int] = []
        /// `TraditionalConverter.traditionalCount` of the bytes (counted up to 8).
        var traditional = 0
    }

    /// `rewriteBytes`, the line feeds and the traditional-character count of `b` in one pass
    /// (three passes before). The count and the line feeds are those of valid UTF-8: on other
    /// bytes the caller takes the general path and uses neither.
    static func scanPlain(_ b: UnsafeBufferPointer<UInt8>) -> PlainScan {
        var scan = PlainScan()
        scan.breaks.reserveCapacity(b.count / 48 + 1)
        var out = [UInt8]()
        var rewrote = false
        var i = 0
        var run = 0          // start of the bytes copied unchanged
        var removed = 0      // bytes dropped so far: input offset minus output offset
        let n = b.count
        func flush(_ upTo: Int) { if upTo > run { out.append(contentsOf: UnsafeBufferPointer(rebasing: b[run..<upTo])) } }
        TraditionalConverter.markerBits.withUnsafeBufferPointer { bits in
            while i < n {
                let c = b[i]
                if c < 0xC2 && c != 0x0D {
                    if c == 0x0A { scan.breaks.append(i - removed) }
                    i += 1
                    continue
                }
                if c >= 0xE4 && c <= 0xE9 {   // CJK: nothing to rewrite; a traditional-only character?
                    if scan.traditional < 8, i + 2 < n {
                        let v = (UInt32(c & 0x0F) << 12) | (UInt32(b[i + 1] & 0x3F) << 6) | UInt32(b[i + 2] & 0x3F)
                        if v >= 0x4E00, v < 0xA000 {
                            let k = Int(v - 0x4E00)
                            if bits[k >> 6] & (1 << UInt64(k & 63)) != 0 { scan.traditional += 1 }
                        }
                    }
                    i += 3
                    continue
                }
                let (width, replacement) = rewriting(b, at: i)
                if width == 0 { i += c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2; continue }   // a lead byte: skip its character
                if !rewrote { out.reserveCapacity(n); rewrote = true }
                flush(i)
                if let r = replacement { out.append(r) }
                removed += replacement == nil ? width : width - 1
                i += width
                run = i
            }
        }
        if rewrote {
            flush(n)
            scan.rewritten = out
        }
        return scan
    }

    /// What `rewriteBytes` does with the character at `i` (lead byte `b[i]` ≥ C2 or a CR): how
    /// many bytes it replaces (0: none) and the byte that replaces them (nil: dropped).
    @inline(__always)
    static func rewriting(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> (width: Int, replacement: UInt8?) {
        let c = b[i], n = b.count
        if c == 0x0D { return (1, nil) }
        if c == 0xEF, i + 2 < n {
            let c1 = b[i + 1], c2 = b[i + 2]
            if c1 == 0xBB && c2 == 0xBF { return (3, nil) }                                       // U+FEFF
            // (`c2` a continuation byte: broken text must stay broken, see `rewriteBytes`.)
            if c1 == 0xBC, c2 >= 0x81, c2 <= 0xBF { return (3, c2 - 0x80 + 0x20) }               // U+FF01–FF3F
            if c1 == 0xBD, c2 >= 0x80, c2 <= 0x9E { return (3, c2 - 0x80 + 0x60) }               // U+FF40–FF5E
        } else if c == 0xE3, i + 2 < n, b[i + 1] == 0x80, b[i + 2] == 0x80 { return (3, 0x20) }  // U+3000
        else if c == 0xE2, i + 2 < n, b[i + 1] == 0x80, b[i + 2] == 0x8B { return (3, nil) }     // U+200B
        else if c == 0xC2, i + 1 < n, b[i + 1] == 0xA0 { return (2, 0x20) }                      // U+00A0
        return (0, nil)
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
