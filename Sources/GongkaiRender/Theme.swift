import Foundation
import Mustache

/// Mustache escaping for Markdown page templates: `{{value}}` is escaped as Markdown text
/// (`Escape.markdown`), `{{{value}}}` is inserted as is (only for block placeholders and
/// Markdown the portal generated itself).
struct MarkdownContentType: MustacheContentType {
    func escapeText(_ text: String) -> String { Escape.markdown(text) }
}

/// The layouts, page templates, prose pages and assets of a site, loaded in layers the way Hugo
/// lets a site override a theme: the templates compiled into the binary, then `./Templates` when
/// it exists, then `--templates DIR`; a file in a later layer replaces the file of the same
/// relative path in an earlier one.
///
/// Layout of a template folder:
/// - `layouts/*.mustache`, `partials/*.mustache`: HTML (values HTML-escaped); partials are named
///   by path without extension, `{{> partials/header}}`.
/// - `pages/<kind>.md`: the Markdown body of each kind of page (values Markdown-escaped).
/// - `content/<name>.md`: prose pages rendered at `<name>/` (about, methodology …), also Mustache.
/// - `assets/*`: copied to the output's `assets/` (CSS).
public struct Theme: Sendable {
    public enum LoadError: Error, CustomStringConvertible {
        case parse(file: String, line: Int?, column: Int?, message: String)
        case missing(String)
        public var description: String {
            switch self {
            case .parse(let f, let line?, let column?, let m): return "\(f):\(line):\(column): error: template: \(m)"
            case .parse(let f, _, _, let m): return "\(f): error: template: \(m)"
            case .missing(let f): return "template \(f) is missing"
            }
        }
    }

    /// Mustache's parser errors in words.
    static func explain(_ error: Error) -> String {
        guard let e = error as? MustacheTemplate.Error else { return "\(error)" }
        switch e {
        case .sectionCloseNameIncorrect: return "the closing tag does not match the section it closes"
        case .unfinishedName: return "a tag is not closed"
        case .expectedSectionEnd: return "a section is opened ({{#…}} or {{^…}}) but never closed"
        case .invalidSetDelimiter: return "badly formed set-delimiter tag"
        case .transformAppliedToInheritanceSection: return "a transform cannot apply to an inherited section"
        case .illegalTokenInsideInheritSection: return "illegal tag inside an inherited section"
        case .textInsideInheritSection: return "text inside an inherited section"
        case .invalidConfigVariableSyntax: return "badly formed configuration variable"
        case .unrecognisedConfigVariable: return "unknown configuration variable"
        @unknown default: return "\(e)"
        }
    }

    /// Relative path → text of every template file, after layering.
    public let files: [String: String]
    /// Where each file came from (`built-in`, or the folder), for messages.
    public let origins: [String: String]
    let library: MustacheLibrary
    /// The library layouts are rendered with (see `prerenderingPartials`).
    private(set) var layoutLibrary: MustacheLibrary
    let pages: [String: MustacheTemplate]
    let content: [String: MustacheTemplate]
    /// The layouts and partials use `body` only as `{{{body}}}` (and never change delimiters),
    /// so a layout can be rendered around a marker and the body's bytes put in its place.
    let bodyIsPlain: Bool
    /// No layout or partial changes delimiters or content type or applies a transform, so a
    /// value's text in a page is its escaped self (see `LayoutSkeletons`).
    let layoutsAreSkeletonSafe: Bool
    /// The same for page bodies (`PageSkeletons`): the pages and every partial they could include.
    let pagesAreSkeletonSafe: Bool

    static let registerMarkdown: Void = {
        MustacheContentTypes.register(MarkdownContentType(), named: "MARKDOWN")
    }()

    /// Loads the layers: built-in defaults, then each folder that exists, in order.
    public static func load(folders: [String]) throws -> Theme {
        var files = DefaultTemplates.files
        var origins = files.mapValues { _ in "built-in" }
        for folder in folders {
            for (path, text) in try readFolder(folder) {
                files[path] = text
                origins[path] = folder
            }
        }
        return try Theme(files: files, origins: origins)
    }

    public init(files: [String: String], origins: [String: String] = [:]) throws {
        _ = Theme.registerMarkdown
        self.files = files
        self.origins = origins
        var library = MustacheLibrary()
        var pages: [String: MustacheTemplate] = [:]
        var content: [String: MustacheTemplate] = [:]
        for (path, text) in files.sorted(by: { $0.key < $1.key }) {
            do {
                if path.hasSuffix(".mustache") && (path.hasPrefix("layouts/") || path.hasPrefix("partials/")) {
                    library.register(try MustacheTemplate(string: text), named: String(path.dropLast(".mustache".count)))
                } else if path.hasPrefix("pages/") && path.hasSuffix(".md") {
                    pages[String(path.dropFirst("pages/".count).dropLast(3))] = try MustacheTemplate(string: "{{% CONTENT_TYPE: MARKDOWN}}" + text)
                } else if path.hasPrefix("content/") && path.hasSuffix(".md") {
                    content[String(path.dropFirst("content/".count).dropLast(3))] = try MustacheTemplate(string: "{{% CONTENT_TYPE: MARKDOWN}}" + text)
                }
            } catch {
                let file = (origins[path].map { $0 == "built-in" ? "(built-in) " : $0 + "/" } ?? "") + path
                guard let e = error as? MustacheTemplate.ParserError else { throw LoadError.parse(file: file, line: nil, column: nil, message: "\(error)") }
                // Pages are parsed behind a one-line-free prefix: only columns of line 1 shift.
                let prefix = path.hasSuffix(".md") ? "{{% CONTENT_TYPE: MARKDOWN}}".count : 0
                let column = e.context.lineNumber == 1 ? max(1, e.context.columnNumber - prefix) : e.context.columnNumber
                throw LoadError.parse(file: file, line: e.context.lineNumber, column: column, message: Self.explain(e.error))
            }
        }
        guard library.getTemplate(named: "layouts/base") != nil else { throw LoadError.missing("layouts/base.mustache") }
        self.library = library
        self.layoutLibrary = library
        self.pages = pages
        self.content = content
        self.bodyIsPlain = files.allSatisfy { path, text in
            guard path.hasSuffix(".mustache") && (path.hasPrefix("layouts/") || path.hasPrefix("partials/")) else { return true }
            return Theme.usesBodyPlainly(text)
        }
        self.pagesAreSkeletonSafe = files.allSatisfy { path, text in
            guard (path.hasPrefix("pages/") && path.hasSuffix(".md")) || (path.hasPrefix("partials/") && path.hasSuffix(".mustache")) else { return true }
            return Theme.hasOnlyPlainTags(text)
        }
        self.layoutsAreSkeletonSafe = files.allSatisfy { path, text in
            guard path.hasSuffix(".mustache") && (path.hasPrefix("layouts/") || path.hasPrefix("partials/")) else { return true }
            return Theme.hasOnlyPlainTags(text)
        }
    }

    /// Whether any tag of `text` — the part between `{{` and `}}`, or to the end when a tag is
    /// not closed — satisfies `test`.
    static func anyTag(in text: Substring, _ test: (Substring) -> Bool) -> Bool {
        var s = text
        while let open = s.range(of: "{{") {
            let after = s[open.upperBound...]
            guard let close = after.range(of: "}}") else { return test(after) }
            if test(after[..<close.lowerBound]) { return true }
            s = after[close.upperBound...]
        }
        return false
    }

    /// No `{{=`, no `{{%` pragma, and no tag with a transform (`(`).
    static func hasOnlyPlainTags(_ text: String) -> Bool {
        if text.contains("{{=") || text.contains("{{%") || text.contains("CONTENT_TYPE") { return false }
        return !anyTag(in: text[...]) { $0.contains("(") && !$0.hasPrefix("!") }
    }

    /// No `{{=`, and every tag that mentions `body` is `{{{body}}}`.
    static func usesBodyPlainly(_ text: String) -> Bool {
        if text.contains("{{=") { return false }
        return !anyTag(in: text.replacingOccurrences(of: "{{{body}}}", with: "")[...]) { $0.contains("body") }
    }

    /// When the layouts and partials are the built-in ones (whose partials read only `site`),
    /// a copy whose layouts include each partial as its text rendered once with `context` (the
    /// `site` values) instead of rendering it again on every page. Page bodies keep the
    /// original partials (they render Markdown-escaped). Otherwise the theme itself.
    public func prerenderingPartials(_ context: [String: Any]) -> Theme {
        func isLayoutFile(_ p: String) -> Bool { p.hasSuffix(".mustache") && (p.hasPrefix("layouts/") || p.hasPrefix("partials/")) }
        let mine = files.filter { isLayoutFile($0.key) }
        let builtIn = DefaultTemplates.files.filter { isLayoutFile($0.key) }
        guard mine == builtIn else { return self }
        var lib = library
        for path in mine.keys.sorted() where path.hasPrefix("partials/") {
            let name = String(path.dropLast(".mustache".count))
            guard let t = library.getTemplate(named: name) else { return self }
            let text = t.render(context, library: library)
            guard !text.contains("{{"), let literal = try? MustacheTemplate(string: text),
                  literal.render([String: Any](), library: nil) == text else { return self }
            lib.register(literal, named: name)
        }
        var copy = self
        copy.layoutLibrary = lib
        return copy
    }

    static let bodyMarker = "\u{E000}<GkBody>\u{E001}"

    /// `layout(_:body:context:)` as UTF-8 bytes, with `body` given as (valid UTF-8) bytes: the
    /// layout is rendered around a marker and the body put in its place, so the page's largest
    /// part is copied once. Falls back to rendering with the body itself unless the marker
    /// comes out exactly once, verbatim.
    public func layoutBytes(_ name: String = "base", body: [UInt8], context: [String: Any]) -> [UInt8] {
        if bodyIsPlain && !body.isEmpty {
            var c = context
            c["body"] = Theme.bodyMarker
            if let html = layoutLibrary.render(c, withTemplate: "layouts/\(name)") {
                let bytes = Array(html.utf8)
                let m = Array(Theme.bodyMarker.utf8)
                var found: [Int] = []
                var i = 0
                let last = bytes.count - m.count
                while i <= last {
                    if bytes[i] == m[0] && bytes[i + 1] == m[1] && bytes[i + 2] == m[2] && bytes[i..<(i + m.count)].elementsEqual(m) {
                        found.append(i)
                        i += m.count
                    } else { i += 1 }
                }
                if found.count == 1 {
                    var out: [UInt8] = []
                    out.reserveCapacity(bytes.count - m.count + body.count)
                    out.append(contentsOf: bytes[..<found[0]])
                    out.append(contentsOf: body)
                    out.append(contentsOf: bytes[(found[0] + m.count)...])
                    return out
                }
            }
        }
        return Array(layout(name, body: String(decoding: body, as: UTF8.self), context: context).utf8)
    }

    /// Files below `folder`, relative paths with `/`, hidden files skipped.
    static func readFolder(_ folder: String) throws -> [(String, String)] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else { return [] }
        let base = URL(fileURLWithPath: folder).standardizedFileURL
        guard let e = fm.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]) else { return [] }
        var out: [(String, String)] = []
        for case let url as URL in e {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let full = url.standardizedFileURL.path
            guard full.hasPrefix(base.path + "/") else { continue }
            let rel = String(full.dropFirst(base.path.count + 1))
            guard let data = fm.contents(atPath: full), let text = String(data: data, encoding: .utf8) else { continue }
            out.append((rel, text))
        }
        return out.sorted { $0.0 < $1.0 }
    }

    /// Names of the prose pages (`content/<name>.md`), sorted.
    public var contentNames: [String] { content.keys.sorted() }

    public func hasPage(_ kind: String) -> Bool { pages[kind] != nil }

    /// The Markdown of a page body.
    public func pageMarkdown(_ kind: String, _ context: [String: Any]) throws -> String {
        guard let t = pages[kind] else { throw LoadError.missing("pages/\(kind).md") }
        return t.render(context, library: library)
    }

    public func contentMarkdown(_ name: String, _ context: [String: Any]) -> String? {
        content[name]?.render(context, library: library)
    }

    /// The whole page: `layouts/<layout>` with `body` (trusted HTML) and the rest of `context`.
    public func layout(_ name: String = "base", body: String, context: [String: Any]) -> String {
        var c = context
        c["body"] = body
        return layoutLibrary.render(c, withTemplate: "layouts/\(name)") ?? body
    }

    /// Assets (`assets/…`) to copy, by relative path.
    public var assets: [(String, String)] {
        files.filter { $0.key.hasPrefix("assets/") }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
