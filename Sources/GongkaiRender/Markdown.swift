import CCmark
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Trusted HTML blocks (tables, charts) that a page's Markdown refers to by placeholder.
///
/// A placeholder is a paragraph of its own holding `U+E000 gk<n> U+E001`. Untrusted text can never
/// produce one: `Escape.markdown` drops private-use characters. After cmark has parsed the
/// Markdown, each placeholder paragraph is replaced by a `CMARK_NODE_CUSTOM_BLOCK` whose
/// `on_enter` is the block's HTML, which cmark writes verbatim (its safe mode only touches raw
/// HTML and dangerous URLs written in the Markdown itself).
public struct HTMLBlocks: Sendable {
    /// The blocks' HTML as UTF-8 bytes (large blocks, like the source view, are built as bytes).
    public private(set) var parts: [[UInt8]] = []
    public init() {}

    public var blocks: [String] { parts.map { String(decoding: $0, as: UTF8.self) } }

    /// Stores `html` and returns the placeholder to put on a line of its own in the Markdown.
    public mutating func add(_ html: String) -> String {
        add(bytes: Array(html.utf8))
    }

    /// Stores HTML given as (valid UTF-8) bytes; see `add(_:)`.
    public mutating func add(bytes html: [UInt8]) -> String {
        parts.append(html)
        return HTMLBlocks.placeholder(parts.count - 1)
    }

    static func placeholder(_ i: Int) -> String { i < common.count ? common[i].placeholder : "\u{E000}gk\(i)\u{E001}" }

    /// The placeholders and markers of the first blocks, made once (a page has a dozen).
    static let common: [(placeholder: String, marker: String)] = (0..<32).map { ("\u{E000}gk\($0)\u{E001}", "\u{E000}<gk\($0)>\u{E001}") }

    /// The block index a paragraph's literal text (a C string) stands for: exactly
    /// U+E000 `gk` digits U+E001, read on bytes (every paragraph of a page is asked).
    static func index(ofCString p: UnsafePointer<CChar>) -> Int? {
        let b = UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self)
        // U+E000 is EE 80 80, U+E001 EE 80 81.
        guard b[0] == 0xEE, b[1] == 0x80, b[2] == 0x80, b[3] == 0x67, b[4] == 0x6B else { return nil }
        var i = 5, n = 0, digits = 0
        while b[i] >= 0x30 && b[i] <= 0x39 {
            guard digits < 18 else { return nil }
            n = n * 10 + Int(b[i] - 0x30); i += 1; digits += 1
        }
        guard digits > 0, b[i] == 0xEE, b[i + 1] == 0x80, b[i + 2] == 0x81, b[i + 3] == 0 else { return nil }
        return n
    }
}

/// Markdown → HTML through the system libcmark, in its default (safe) mode.
public enum CommonMark {
    public static var version: String { String(cString: cmark_version_string()) }

    /// Renders `markdown`, replacing block placeholders by their trusted HTML.
    public static func html(_ markdown: String, blocks: HTMLBlocks = HTMLBlocks()) -> String {
        String(decoding: htmlBytes(markdown, blocks: blocks), as: UTF8.self)
    }

    /// `html(_:blocks:)` as UTF-8 bytes. cmark is given a short marker as each block's
    /// `on_enter` (`U+E000 <gk<n>> U+E001`: cmark's own output can never hold a literal `<`
    /// outside the tags it writes, and escaped text never holds U+E000), and the blocks' bytes
    /// are put in place of the markers afterwards, so cmark never copies the large blocks.
    public static func htmlBytes(_ markdown: String, blocks: HTMLBlocks = HTMLBlocks()) -> [UInt8] {
        var markdown = markdown
        return markdown.withUTF8 { htmlBytes(utf8: $0, blocks: blocks) }
    }

    /// `htmlBytes(_:blocks:)` for Markdown given as (valid UTF-8) bytes.
    public static func htmlBytes(_ markdown: [UInt8], blocks: HTMLBlocks = HTMLBlocks()) -> [UInt8] {
        markdown.withUnsafeBufferPointer { htmlBytes(utf8: $0, blocks: blocks) }
    }

    static func htmlBytes(utf8 markdown: UnsafeBufferPointer<UInt8>, blocks: HTMLBlocks) -> [UInt8] {
        let options = CMARK_OPT_DEFAULT
        guard let parser = cmark_parser_new(options) else { return [] }
        defer { cmark_parser_free(parser) }
        if let base = markdown.baseAddress, markdown.count > 0 {
            base.withMemoryRebound(to: CChar.self, capacity: markdown.count) { cmark_parser_feed(parser, $0, markdown.count) }
        }
        guard let root = cmark_parser_finish(parser) else { return [] }
        defer { cmark_node_free(root) }
        if !blocks.parts.isEmpty { substitute(root, blocks) }
        guard let out = cmark_render_html(root, options) else { return [] }
        defer { free(out) }
        let raw = UnsafeRawBufferPointer(start: out, count: strlen(out))
        if blocks.parts.isEmpty { return Array(raw) }
        return splice(raw, blocks)
    }

    static func marker(_ i: Int) -> String { i < HTMLBlocks.common.count ? HTMLBlocks.common[i].marker : "\u{E000}<gk\(i)>\u{E001}" }

    /// cmark's output with each marker replaced by its block. cmark writes a custom block as
    /// `cr`, `on_enter`, `cr` (`cr`: a newline unless the output already ends with one), so the
    /// newline after a marker is dropped when the block is empty or ends with a newline. As
    /// before, a block ends at its first NUL (cmark took it as a C string).
    static func splice(_ raw: UnsafeRawBufferPointer, _ blocks: HTMLBlocks) -> [UInt8] {
        var total = raw.count
        for p in blocks.parts { total += p.count }
        var result: [UInt8] = []
        result.reserveCapacity(total)
        let n = raw.count
        var i = 0
        var copied = 0
        while i < n {
            // U+E000 is EE 80 80; U+E001 is EE 80 81. Other text never holds an EE byte in cmark's
            // output except in other private-use characters: `memchr` skips to the next one.
            guard let p = memchr(raw.baseAddress! + i, 0xEE, n - i) else { break }
            i = raw.baseAddress!.distance(to: UnsafeRawPointer(p))
            guard i + 6 < n, raw[i + 1] == 0x80, raw[i + 2] == 0x80, raw[i + 3] == 0x3C,
                  raw[i + 4] == 0x67, raw[i + 5] == 0x6B else { i += 1; continue }
            var j = i + 6
            var k = 0
            var digits = 0
            while j < n, raw[j] >= 0x30, raw[j] <= 0x39, digits < 9 { k = k * 10 + Int(raw[j] - 0x30); j += 1; digits += 1 }
            guard digits > 0, j + 3 < n, raw[j] == 0x3E, raw[j + 1] == 0xEE, raw[j + 2] == 0x80, raw[j + 3] == 0x81,
                  k < blocks.parts.count else { i += 1; continue }
            var end = j + 4
            result.append(contentsOf: raw[copied..<i])
            let part = blocks.parts[k]
            let nul = part.withUnsafeBytes { b in b.baseAddress.flatMap { memchr($0, 0, b.count) }.map { b.baseAddress!.distance(to: UnsafeRawPointer($0)) } }
            let body = nul.map { part[..<$0] } ?? part[...]
            result.append(contentsOf: body)
            if (body.isEmpty || body.last == 0x0A), end < n, raw[end] == 0x0A { end += 1 }
            copied = end
            i = end
        }
        result.append(contentsOf: raw[copied..<n])
        return result
    }

    /// Replaces top-level placeholder paragraphs (and those inside block quotes and list items).
    static func substitute(_ parent: OpaquePointer, _ blocks: HTMLBlocks) {
        var child = cmark_node_first_child(parent)
        while let node = child {
            child = cmark_node_next(node)
            let type = cmark_node_get_type(node)
            if type == CMARK_NODE_PARAGRAPH {
                guard let text = cmark_node_first_child(node), cmark_node_next(text) == nil,
                      cmark_node_get_type(text) == CMARK_NODE_TEXT,
                      let lit = cmark_node_get_literal(text),
                      let i = HTMLBlocks.index(ofCString: lit), i < blocks.parts.count,
                      let custom = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK) else { continue }
                _ = marker(i).withCString { cmark_node_set_on_enter(custom, $0) }
                _ = cmark_node_replace(node, custom)
                cmark_node_free(node)
            } else if type == CMARK_NODE_BLOCK_QUOTE || type == CMARK_NODE_LIST || type == CMARK_NODE_ITEM {
                substitute(node, blocks)
            }
        }
    }
}
