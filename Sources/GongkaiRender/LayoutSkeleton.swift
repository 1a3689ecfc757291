import Foundation

/// A layout rendered once per *shape* of page — which flags are set, which strings are empty,
/// how many breadcrumbs — with a marker in place of every string of the page and of the body;
/// a page of that shape is then its literal pieces with its own strings put in (escaped as
/// Mustache escapes them). Rendering the layout through Mustache for each of 10,000 pages costs
/// more than the rest of the page; this costs a copy.
///
/// Used only when nothing in the layouts can make a value's text differ from its escaped self
/// (no transforms, no content-type or delimiter changes; see `Theme.layoutsAreSkeletonSafe`),
/// and each skeleton is checked against a real render of the first page of its shape: on any
/// difference that shape is always rendered through Mustache.
public final class LayoutSkeletons: @unchecked Sendable {
    enum Piece {
        case literal([UInt8])
        case value(Int, escaped: Bool)
    }
    struct Skeleton { let pieces: [Piece] }

    private let theme: Theme
    private let name: String
    private let site: [String: Any]
    private let lock = NSLock()
    private var cache: [String: Skeleton?] = [:]

    /// Skeletons of layout `name` for pages that share `site` (one build's site values).
    public init(theme: Theme, name: String = "base", site: [String: Any]) {
        self.theme = theme
        self.name = name
        self.site = site
    }

    /// The page: `layouts/<name>` with `site`, `page` and `body`, the same bytes as
    /// `Theme.layoutBytes`.
    public func render(page: [String: Any], body: [UInt8]) -> [UInt8] {
        let context: [String: Any] = ["site": site, "page": page]
        guard theme.layoutsAreSkeletonSafe else { return theme.layoutBytes(name, body: body, context: context) }
        var values: [[UInt8]] = []
        var shape = ""
        guard let marked = LayoutSkeletons.mark(page, values: &values, shape: &shape) else {
            return theme.layoutBytes(name, body: body, context: context)
        }
        values.append(body)
        lock.lock()
        let known = cache[shape]
        lock.unlock()
        if let known {
            if let s = known { return LayoutSkeletons.fill(s, values) }
            return theme.layoutBytes(name, body: body, context: context)
        }
        // First page of this shape: make the skeleton and check it against Mustache.
        let real = theme.layoutBytes(name, body: body, context: context)
        var skeleton: Skeleton? = nil
        if let html = theme.layoutLibrary.render(["site": site, "page": marked, "body": LayoutSkeletons.marker(values.count - 1)], withTemplate: "layouts/\(name)"),
           let s = LayoutSkeletons.parse(Array(html.utf8), count: values.count), LayoutSkeletons.fill(s, values) == real {
            skeleton = s
        }
        lock.lock()
        cache[shape] = .some(skeleton)
        lock.unlock()
        return real
    }

    static func marker(_ i: Int) -> String { "\u{E000}\(i)&\u{E001}" }

    /// `page` with each string replaced by a marker (its text appended to `values`), and its
    /// shape; nil when it holds a value of another type or a string that holds a marker's bytes.
    static func mark(_ page: [String: Any], values: inout [[UInt8]], shape: inout String) -> [String: Any]? {
        var out: [String: Any] = [:]
        for key in page.keys.sorted() {
            shape += key
            switch page[key]! {
            case let b as Bool:
                out[key] = b
                shape += b ? "=1;" : "=0;"
            case let s as String:
                if s.unicodeScalars.contains(where: { $0 == "\u{E000}" || $0 == "\u{E001}" }) { return nil }
                if s.isEmpty { out[key] = ""; shape += "=e;"; continue }
                out[key] = marker(values.count)
                values.append(Array(s.utf8))
                shape += "=s;"
            case let list as [[String: Any]]:
                shape += "=[\(list.count)"
                var items: [[String: Any]] = []
                for item in list {
                    guard let m = mark(item, values: &values, shape: &shape) else { return nil }
                    items.append(m)
                }
                shape += "];"
                out[key] = items
            default:
                return nil
            }
        }
        return out
    }

    /// Splits a rendered skeleton at its markers; nil unless every marker came out whole, as
    /// `&` (inserted as is) or `&amp;` (escaped).
    static func parse(_ bytes: [UInt8], count: Int) -> Skeleton? {
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        var i = 0
        let n = bytes.count
        while i < n {
            if bytes[i] == 0xEE, i + 2 < n, bytes[i + 1] == 0x80, bytes[i + 2] == 0x80 {
                var j = i + 3
                var id = 0
                var digits = 0
                while j < n, bytes[j] >= 0x30, bytes[j] <= 0x39 { id = id * 10 + Int(bytes[j] - 0x30); j += 1; digits += 1 }
                guard digits > 0, id < count, j < n, bytes[j] == 0x26 else { return nil }
                let escaped: Bool
                if j + 4 < n, bytes[j + 1] == 0x61, bytes[j + 2] == 0x6D, bytes[j + 3] == 0x70, bytes[j + 4] == 0x3B { escaped = true; j += 5 } else { escaped = false; j += 1 }
                guard j + 2 < n, bytes[j] == 0xEE, bytes[j + 1] == 0x80, bytes[j + 2] == 0x81 else { return nil }
                if !literal.isEmpty { pieces.append(.literal(literal)); literal = [] }
                pieces.append(.value(id, escaped: escaped))
                i = j + 3
            } else {
                literal.append(bytes[i])
                i += 1
            }
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        return Skeleton(pieces: pieces)
    }

    static func fill(_ s: Skeleton, _ values: [[UInt8]]) -> [UInt8] {
        var size = 0
        for p in s.pieces {
            switch p {
            case .literal(let b): size += b.count
            case .value(let i, _): size += values[i].count + 16
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(size)
        for p in s.pieces {
            switch p {
            case .literal(let b): out.append(contentsOf: b)
            case .value(let i, let escaped):
                if escaped { htmlEscape(values[i], into: &out) } else { out.append(contentsOf: values[i]) }
            }
        }
        return out
    }

    /// Mustache's HTML escaping (swift-mustache replaces the characters `<`, `>`, `&`, `"`, `'`,
    /// character by character — so `&` with a combining mark stays as it is).
    static func htmlEscape(_ b: [UInt8], into out: inout [UInt8]) {
        if !b.contains(where: { $0 == 0x3C || $0 == 0x3E || $0 == 0x26 || $0 == 0x22 || $0 == 0x27 }) {
            out.append(contentsOf: b)
            return
        }
        for c in String(decoding: b, as: UTF8.self) {
            switch c {
            case "<": out.append(contentsOf: "&lt;".utf8)
            case ">": out.append(contentsOf: "&gt;".utf8)
            case "&": out.append(contentsOf: "&amp;".utf8)
            case "\"": out.append(contentsOf: "&quot;".utf8)
            case "'": out.append(contentsOf: "&#39;".utf8)
            default: out.append(contentsOf: String(c).utf8)
            }
        }
    }
}
