/// Character-level normalization applied before matching: full-width ASCII to half-width,
/// ideographic and no-break spaces to spaces, carriage returns removed.
public enum Normalizer {
    /// Whether `s` needs `normalize` at all (most lines do not).
    @inline(__always)
    static func needsWork(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        return (0xFF01...0xFF5E).contains(v) || v == 0x3000 || v == 0x00A0 || v == 0x0D || v == 0xFEFF || v == 0x200B
    }

    public static func normalize(_ s: String) -> String {
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
