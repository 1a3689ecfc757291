/// A JSON value that keeps object keys in the order they were added, so records print in
/// the data contract's order.
public indirect enum JSON: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (a: JSON, b: JSON) -> Bool { a.serialized() == b.serialized() }
    public func hash(into h: inout Hasher) { h.combine(serialized()) }

    public func serialized(pretty: Bool = false) -> String {
        var out = ""
        write(into: &out, pretty: pretty, indent: 0)
        return out
    }

    public func write(into out: inout String, pretty: Bool, indent: Int) {
        var bytes: [UInt8] = []
        write(into: &bytes, pretty: pretty, indent: indent)
        out += String(decoding: bytes, as: UTF8.self)
    }

    /// The value as JSON onto UTF-8 bytes; pretty: two-space indents, arrays of scalars on one
    /// line (tables read better that way).
    public func write(into out: inout [UInt8], pretty: Bool, indent: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): JSON.appendInteger(i, to: &out)
        case .double(let d): JSON.appendNumber(d, to: &out)
        case .string(let s): JSON.quote(s, into: &out)
        case .array(let items):
            if items.isEmpty { out.append(contentsOf: "[]".utf8); return }
            let flat = !pretty || items.allSatisfy { !$0.isContainer }
            out.append(0x5B)
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(0x2C); if flat && pretty { out.append(0x20) } }
                if !flat { JSON.newline(&out, indent + 1) }
                item.write(into: &out, pretty: pretty, indent: indent + 1)
            }
            if !flat { JSON.newline(&out, indent) }
            out.append(0x5D)
        case .object(let members):
            if members.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(0x7B)
            for (i, (k, v)) in members.enumerated() {
                if i > 0 { out.append(0x2C) }
                if pretty { JSON.newline(&out, indent + 1) }
                JSON.quote(k, into: &out)
                if pretty { out.append(0x3A); out.append(0x20) } else { out.append(0x3A) }
                v.write(into: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { JSON.newline(&out, indent) }
            out.append(0x7D)
        }
    }

    /// The value pretty-printed with a final newline, as the data files hold it.
    public var prettyFileBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        write(into: &out, pretty: true, indent: 0)
        out.append(0x0A)
        return out
    }

    private var isContainer: Bool {
        switch self { case .array, .object: return true; default: return false }
    }


    /// A number as the contract prints it: whole numbers without a fraction, at most 6 decimals.
    public static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if abs(d) < 1e15, let i = Int(exactly: d) { return String(i) }
        // Round to 6 decimals to avoid binary noise such as 25.099999999999998.
        let r = (d * 1_000_000).rounded() / 1_000_000
        return "\(r)"
    }

    /// Whether `s` holds nothing `quote` escapes (checked on bytes: most strings are copied whole).
    private static func isPlain(_ s: String) -> Bool {
        var s = s
        return s.withUTF8(isPlain)
    }

    /// Bits 0…63: the bytes below 0x40 that `quote` escapes (control characters, `"`, `&`, `<`, `>`).
    private static let escapedBelow40: UInt64 = 0xFFFF_FFFF | (1 << 0x22) | (1 << 0x26) | (1 << 0x3C) | (1 << 0x3E)

    private static func isPlain(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = u.count
        var i = 0
        while i < n {
            let b = u[i]
            if b < 0x40 {
                if (escapedBelow40 >> UInt64(b)) & 1 != 0 { return false }
            } else if b == 0x5C {
                return false
            } else if b == 0xE2, i + 2 < n, u[i + 1] == 0x80, u[i + 2] == 0xA8 || u[i + 2] == 0xA9 {
                return false   // U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
            }
            i += 1
        }
        return true
    }

    /// `quote` onto UTF-8 bytes (the same bytes). A string with nothing to escape is checked and
    /// copied from its UTF-8 storage (one pass, no iterator).
    public static func quote(_ s: String, into out: inout [UInt8]) {
        var s = s
        let copied = s.withUTF8 { u -> Bool in
            guard isPlain(u) else { return false }
            out.append(0x22)
            out.append(contentsOf: u)
            out.append(0x22)
            return true
        }
        if copied { return }
        var t = ""
        quote(s, into: &t)
        out.append(contentsOf: t.utf8)
    }

    /// `quote` onto a `ByteSink`.
    public static func quote(_ s: String, into out: inout ByteSink) {
        var s = s
        let copied = s.withUTF8 { u -> Bool in
            guard isPlain(u) else { return false }
            out.put(0x22)
            out.put(u)
            out.put(0x22)
            return true
        }
        if copied { return }
        var t = ""
        quote(s, into: &t)
        out.put(utf8: t)
    }

    /// The decimal digits of `n` onto bytes (the bytes of `String(n)`, without making the string).
    /// `format(d)` onto bytes, whole numbers written as digits directly (no string made).
    public static func appendNumber(_ d: Double, to out: inout [UInt8]) {
        if abs(d) < 1e15, let i = Int(exactly: d) { appendInteger(i, to: &out) } else { out.append(contentsOf: format(d).utf8) }
    }

    public static func appendInteger(_ n: Int, to out: inout [UInt8]) {
        if n >= 0 && n < 10 { out.append(0x30 + UInt8(n)); return }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for any Int's 20 digits
        var m = n.magnitude, count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat { d[23 - count] = 0x30 + UInt8(m % 10); m /= 10; count += 1 } while m > 0
            if n < 0 { out.append(0x2D) }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[(24 - count)...]))
        }
    }

    /// A newline and `indent` levels of two spaces, onto bytes.
    public static func newline(_ out: inout [UInt8], _ indent: Int) {
        out.append(0x0A)
        indentation(indent) { out.append(contentsOf: $0) }
    }

    /// The spaces of `indent` levels (two each), in pieces of at most 64.
    static func indentation(_ indent: Int, _ put: (UnsafeBufferPointer<UInt8>) -> Void) {
        let spaces: StaticString = "                                                                "
        var n = 2 * indent
        while n > 0 {
            let k = min(n, spaces.utf8CodeUnitCount)
            put(UnsafeBufferPointer(start: spaces.utf8Start, count: k))
            n -= k
        }
    }

    public static func quote(_ s: String, into out: inout String) {
        out += "\""
        if isPlain(s) {
            out += s
            out += "\""
            return
        }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "<": out += "\\u003c"   // safe to embed in HTML <script> or attributes
            case ">": out += "\\u003e"
            case "&": out += "\\u0026"
            default:
                if u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}
