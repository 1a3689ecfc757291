/// Links of the site. Every link is an absolute path under the base path (`/`, or `/portal/`
/// when the site is served from a sub-path), so it is right from any page, including 404.html.
/// Sitemap, feed and canonical links use the full base URL when the configuration gives one.
public struct SiteURLs: Sendable, Hashable {
    /// Always starts and ends with `/`.
    public let basePath: String
    /// `https://host/portal/` when known.
    public let absoluteBase: String?

    public init(base: String?) {
        var b = (base ?? "/").trimmingWhitespaceAndSlashes()
        var absolute: String? = nil
        if let r = b.range(of: "://") {
            // https://host/portal → path /portal/
            let afterScheme = b[r.upperBound...]
            let path = afterScheme.firstIndex(of: "/").map { String(afterScheme[$0...]) } ?? ""
            absolute = b + "/"
            b = path
        }
        let segments = b.split(separator: "/").filter { !$0.isEmpty && $0 != "." && $0 != ".." }.map { SiteURLs.encodeSegment(String($0)) }
        let path = segments.isEmpty ? "/" : "/" + segments.joined(separator: "/") + "/"
        basePath = path
        if let a = absolute, let r = a.range(of: "://") {
            // Scheme and host as given, the path rebuilt from its safe segments.
            let host = a[r.upperBound...].prefix { $0 != "/" }
            let safeHost = host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || ".-:[]".contains($0)) }
            absoluteBase = safeHost && !host.isEmpty ? String(a[..<r.upperBound]) + host + path : nil
        } else {
            absoluteBase = nil
        }
    }

    /// The link to a page or file, `rel` being its path in the output without a leading slash
    /// (`agencies/abc/`, `data/records.csv`; `""` is the home page).
    public func link(_ rel: String) -> String { basePath + rel }

    /// The full URL when the base URL is known, else the link.
    public func absolute(_ rel: String) -> String { (absoluteBase ?? basePath) + rel }

    /// Percent-encodes what a path segment must not hold as is.
    static func encodeSegment(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            let ok = (0x30...0x39).contains(b) || (0x41...0x5A).contains(b) || (0x61...0x7A).contains(b) || b == 0x2D || b == 0x2E || b == 0x5F || b == 0x7E
            if ok { out.unicodeScalars.append(Unicode.Scalar(b)) } else {
                let hex = String(b, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }
}

extension String {
    func trimmingWhitespaceAndSlashes() -> String {
        var u = unicodeScalars[...]
        while let f = u.first, f.properties.isWhitespace { u.removeFirst() }
        while let l = u.last, l.properties.isWhitespace || l == "/" { u.removeLast() }
        return String(String.UnicodeScalarView(u))
    }
}

/// Slugs: ASCII only, from a hash of the normalized name, so they are stable (the same name
/// gives the same slug in every build), safe (never `/`, `.` or `..`) and independent of how a
/// name is written (white space). Readability comes from the page, not the URL: Chinese names
/// have no ASCII transliteration without a pinyin dictionary.
public enum Slug {
    /// FNV-1a 64-bit hash as 10 base-32 characters (50 bits).
    public static func hash(_ s: String, length: Int = 10) -> String {
        var h: UInt64 = 0xcbf29ce484222325
        var s = s
        s.withUTF8 { for b in $0 { h ^= UInt64(b); h = h &* 0x100000001b3 } }
        return String(unsafeUninitializedCapacity: length) { out in
            for k in 0..<length {
                out[k] = alphabet[Int(h & 31)]
                h >>= 5
            }
            return length
        }
    }
    static let alphabet: [UInt8] = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)

    /// Lowercase ASCII letters and digits of `s` with `-` between runs, at most `max` characters.
    public static func ascii(_ s: String, max: Int = 24) -> String {
        var out = ""
        var dash = false
        for u in s.lowercased().unicodeScalars {
            if (u >= "a" && u <= "z") || (u >= "0" && u <= "9") {
                if dash && !out.isEmpty { out += "-" }
                dash = false
                out.unicodeScalars.append(u)
                if out.count >= max { break }
            } else { dash = true }
        }
        return out
    }
}
