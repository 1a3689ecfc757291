import Foundation
import GongkaiCore

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
    typealias Skeleton = Skeletons.Skeleton

    private let theme: Theme
    private let name: String
    private let site: [String: Any]
    private let lock = NSLock()
    /// Skeletons by shape (`Skeletons.walk`'s bytes).
    private var cache: [UTF8Key: Skeleton?] = [:]

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
        var shape: [UInt8] = []
        guard Skeletons.values(page, values: &values, shape: &shape, style: .html) else {
            return theme.layoutBytes(name, body: body, context: context)
        }
        values.append(body)
        lock.lock()
        let key = UTF8Key(bytes: shape)
        let known = cache[key]
        lock.unlock()
        if let known {
            if let s = known { return Skeletons.fill(s, values, style: .html) }
            return theme.layoutBytes(name, body: body, context: context)
        }
        // First page of this shape: make the skeleton and check it against Mustache.
        var again: [[UInt8]] = [], sameShape: [UInt8] = []
        guard let marked = Skeletons.mark(page, values: &again, shape: &sameShape, style: .html) else {
            return theme.layoutBytes(name, body: body, context: context)
        }
        let real = theme.layoutBytes(name, body: body, context: context)
        var skeleton: Skeleton? = nil
        if let html = theme.layoutLibrary.render(["site": site, "page": marked, "body": Skeletons.Style.html.marker(values.count - 1)], withTemplate: "layouts/\(name)"),
           let s = Skeletons.parse(Array(html.utf8), count: values.count, style: .html), Skeletons.fill(s, values, style: .html) == real {
            skeleton = s
        }
        lock.lock()
        cache[key] = .some(skeleton)
        lock.unlock()
        return real
    }

}

/// A page body (`pages/<kind>.md`) rendered the same way as `LayoutSkeletons` renders layouts:
/// once per kind and shape through Mustache with markers for its strings (Markdown-escaped
/// markers, as page templates escape for Markdown), checked against a real render, then
/// filled in for every page of that shape. `site` (the same for every page of a build) stays in
/// the skeleton as text.
/// Text for a page template made as UTF-8 bytes (valid by construction): a page skeleton puts
/// the bytes in as they are, without making a string of them (a report's narrative is its
/// largest value). Mustache, where it renders the page, gets the string.
public struct TemplateText: Sendable, CustomStringConvertible {
    public let utf8: [UInt8]
    public init(utf8: [UInt8]) { self.utf8 = utf8 }
    public var description: String { String(decoding: utf8, as: UTF8.self) }

    /// `context` with every `TemplateText` value at its top level made a string, for Mustache.
    static func strings(_ context: [String: Any]) -> [String: Any] {
        var c = context
        for (k, v) in context { if let t = v as? TemplateText { c[k] = t.description } }
        return c
    }
}

public final class PageSkeletons: @unchecked Sendable {
    private let theme: Theme
    private let site: [String: Any]
    private let lock = NSLock()
    private var cache: [UTF8Key: Skeletons.Skeleton?] = [:]

    public init(theme: Theme, site: [String: Any]) {
        self.theme = theme
        self.site = site
    }

    /// The Markdown of a page body, as UTF-8: the same bytes as `Theme.pageMarkdown(kind, context)`
    /// with `site` added to `context`.
    public func render(_ kind: String, _ context: [String: Any]) throws -> [UInt8] {
        /// The page through Mustache.
        func mustache() throws -> [UInt8] {
            var full = TemplateText.strings(context)
            full["site"] = site
            return Array(try theme.pageMarkdown(kind, full).utf8)
        }
        guard theme.pagesAreSkeletonSafe, context["site"] == nil else { return try mustache() }
        var values: [[UInt8]] = []
        var shape = Array((kind + ":").utf8)
        guard Skeletons.values(context, values: &values, shape: &shape, style: .markdown) else {
            return try mustache()
        }
        lock.lock()
        let key = UTF8Key(bytes: shape)
        let known = cache[key]
        lock.unlock()
        if let known {
            if let s = known { return Skeletons.fill(s, values, style: .markdown) }
            return try mustache()
        }
        var again: [[UInt8]] = [], sameShape: [UInt8] = []
        guard var marked = Skeletons.mark(context, values: &again, shape: &sameShape, style: .markdown) else {
            return try mustache()
        }
        let real = try mustache()
        marked["site"] = site
        var skeleton: Skeletons.Skeleton? = nil
        if let text = try? theme.pageMarkdown(kind, marked), let s = Skeletons.parse(Array(text.utf8), count: values.count, style: .markdown),
           Skeletons.fill(s, values, style: .markdown) == real {
            skeleton = s
        }
        lock.lock()
        cache[key] = .some(skeleton)
        lock.unlock()
        return real
    }
}

/// What layout and page skeletons share: marking a context's strings, splitting a rendered
/// skeleton at its markers, filling one in.
enum Skeletons {
    enum Piece {
        case literal([UInt8])
        case value(Int, escaped: Bool)
    }
    struct Skeleton { let pieces: [Piece] }

    /// How the templates escape a value, and so which marker survives the escaping whole: a
    /// marker is `open`, the value's number, `&` (escaped: `&amp;` in HTML, `\&` in Markdown),
    /// `close`.
    enum Style {
        /// Layouts: HTML-escaped; markers in private-use characters (U+E000, U+E001).
        case html
        /// Page bodies: Markdown-escaped (`Escape.markdown`, which drops private-use characters
        /// and would leave no marker); markers in ⟦ ⟧ (U+27E6, U+27E7).
        case markdown

        var open: [UInt8] { self == .html ? [0xEE, 0x80, 0x80] : [0xE2, 0x9F, 0xA6] }
        var close: [UInt8] { self == .html ? [0xEE, 0x80, 0x81] : [0xE2, 0x9F, 0xA7] }
        var scalars: (Unicode.Scalar, Unicode.Scalar) { self == .html ? ("\u{E000}", "\u{E001}") : ("\u{27E6}", "\u{27E7}") }
        func marker(_ i: Int) -> String { "\(scalars.0)\(i)&\(scalars.1)" }
    }

    /// `page` with each string replaced by a marker (its text appended to `values`), and its
    /// shape; nil when it holds a value of another type or a string that holds a marker's bytes.
    static func mark(_ page: [String: Any], values: inout [[UInt8]], shape: inout [UInt8], style: Style) -> [String: Any]? {
        var out: [String: Any]? = [:]
        return walk(page, values: &values, shape: &shape, style: style, marked: &out) ? out : nil
    }

    /// `mark` without the marked page: only the values and the shape (what a page of a shape
    /// already known needs). False where `mark` is nil.
    static func values(_ page: [String: Any], values: inout [[UInt8]], shape: inout [UInt8], style: Style) -> Bool {
        var none: [String: Any]? = nil
        return walk(page, values: &values, shape: &shape, style: style, marked: &none)
    }

    /// What a page's shape says of each value (after its key).
    static let shapeTrue = Array("=1;".utf8), shapeFalse = Array("=0;".utf8), shapeEmpty = Array("=e;".utf8),
               shapeString = Array("=s;".utf8), shapeInt = Array("=i;".utf8), shapeList = Array("=[".utf8), shapeListEnd = Array("];".utf8)

    /// The walk `mark` and `values` share; `marked` is filled in when it is not nil.
    private static func walk(_ page: [String: Any], values: inout [[UInt8]], shape: inout [UInt8], style: Style, marked: inout [String: Any]?) -> Bool {
        for key in page.keys.sorted() {
            shape.append(contentsOf: key.utf8)
            switch kind(of: page[key]!) {
            case .bool(let b):
                marked?[key] = b
                shape.append(contentsOf: b ? Self.shapeTrue : Self.shapeFalse)
            case .string(let s):
                if s.isEmpty { marked?[key] = ""; shape.append(contentsOf: Self.shapeEmpty); continue }
                let bytes = Array(s.utf8)
                if containsMarkerScalar(bytes, style) { return false }
                if marked != nil { marked![key] = style.marker(values.count) }
                values.append(bytes)
                shape.append(contentsOf: Self.shapeString)
            case .text(let t):
                // As the string it stands for.
                if t.utf8.isEmpty { marked?[key] = ""; shape.append(contentsOf: Self.shapeEmpty); continue }
                if containsMarkerScalar(t.utf8, style) { return false }
                if marked != nil { marked![key] = style.marker(values.count) }
                values.append(t.utf8)
                shape.append(contentsOf: Self.shapeString)
            case .int(let n):
                // Mustache prints an integer as its description and treats it as true in a
                // section, as it does a string that is not empty.
                if marked != nil { marked![key] = style.marker(values.count) }
                values.append(Array(String(n).utf8))
                shape.append(contentsOf: Self.shapeInt)
            case .list(let list):
                shape.append(contentsOf: Self.shapeList); shape.append(contentsOf: String(list.count).utf8)
                var items: [[String: Any]] = []
                for item in list {
                    var m: [String: Any]? = marked == nil ? nil : [:]
                    guard walk(item, values: &values, shape: &shape, style: style, marked: &m) else { return false }
                    if let m { items.append(m) }
                }
                shape.append(contentsOf: Self.shapeListEnd)
                if marked != nil { marked![key] = items }
            case .other:
                return false
            }
        }
        return true
    }

    /// A context value by the types `walk` knows.
    private enum ValueKind { case bool(Bool), string(String), text(TemplateText), int(Int), list([[String: Any]]), other }

    private static let stringType = ObjectIdentifier(String.self), textType = ObjectIdentifier(TemplateText.self),
                       boolType = ObjectIdentifier(Bool.self), intType = ObjectIdentifier(Int.self)

    /// The value's kind, told first by its dynamic type (one comparison): a cast from `Any`
    /// that fails searches the type's conformances, and most values are strings that were
    /// asked whether they are a `Bool` first. Any other type goes through the casts.
    private static func kind(of v: Any) -> ValueKind {
        let t = ObjectIdentifier(type(of: v))
        if t == stringType { return .string(v as! String) }
        if t == textType { return .text(v as! TemplateText) }
        if t == boolType { return .bool(v as! Bool) }
        if t == intType { return .int(v as! Int) }
        switch v {
        case let b as Bool: return .bool(b)
        case let s as String: return .string(s)
        case let t as TemplateText: return .text(t)
        case let n as Int: return .int(n)
        case let list as [[String: Any]]: return .list(list)
        default: return .other
        }
    }

    /// Whether UTF-8 `bytes` hold the style's opening or closing character (its first two bytes
    /// found with `memchr`, then the third compared).
    static func containsMarkerScalar(_ bytes: [UInt8], _ style: Style) -> Bool {
        let open = style.open, close = style.close
        return bytes.withUnsafeBufferPointer { b in
            guard let base = b.baseAddress else { return false }
            var i = 0
            let n = b.count
            while i + 2 < n, let p = memchr(base + i, Int32(open[0]), n - i - 2) {
                i = base.distance(to: p.assumingMemoryBound(to: UInt8.self))
                if b[i + 1] == open[1], b[i + 2] == open[2] || b[i + 2] == close[2] { return true }
                i += 1
            }
            return false
        }
    }

    /// Splits a rendered skeleton at its markers; nil unless every marker came out whole, as
    /// `&` (inserted as is) or escaped.
    static func parse(_ bytes: [UInt8], count: Int, style: Style) -> Skeleton? {
        var pieces: [Piece] = []
        var literal: [UInt8] = []
        var i = 0
        let n = bytes.count
        let open = style.open, close = style.close
        while i < n {
            if bytes[i] == open[0], i + 2 < n, bytes[i + 1] == open[1], bytes[i + 2] == open[2] {
                var j = i + 3
                var id = 0
                var digits = 0
                while j < n, bytes[j] >= 0x30, bytes[j] <= 0x39, digits < 9 { id = id * 10 + Int(bytes[j] - 0x30); j += 1; digits += 1 }
                guard digits > 0, id < count, j < n else { return nil }
                let escaped: Bool
                switch style {
                case .html:
                    guard bytes[j] == 0x26 else { return nil }
                    if j + 4 < n, bytes[j + 1] == 0x61, bytes[j + 2] == 0x6D, bytes[j + 3] == 0x70, bytes[j + 4] == 0x3B { escaped = true; j += 5 } else { escaped = false; j += 1 }
                case .markdown:
                    if bytes[j] == 0x26 { escaped = false; j += 1 } else if bytes[j] == 0x5C, j + 1 < n, bytes[j + 1] == 0x26 { escaped = true; j += 2 } else { return nil }
                }
                guard j + 2 < n, bytes[j] == close[0], bytes[j + 1] == close[1], bytes[j + 2] == close[2] else { return nil }
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

    static func fill(_ s: Skeleton, _ values: [[UInt8]], style: Style) -> [UInt8] {
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
                if !escaped { out.append(contentsOf: values[i]) }
                else if style == .html { htmlEscape(values[i], into: &out) }
                else { values[i].withUnsafeBufferPointer { Escape.appendMarkdown(utf8: $0, to: &out) } }
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
