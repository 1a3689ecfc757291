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
    public private(set) var blocks: [String] = []
    public init() {}

    /// Stores `html` and returns the placeholder to put on a line of its own in the Markdown.
    public mutating func add(_ html: String) -> String {
        blocks.append(html)
        return HTMLBlocks.placeholder(blocks.count - 1)
    }

    static let open: Unicode.Scalar = "\u{E000}"
    static let close: Unicode.Scalar = "\u{E001}"

    static func placeholder(_ i: Int) -> String { "\u{E000}gk\(i)\u{E001}" }

    /// The block index a paragraph's literal text stands for.
    static func index(of literal: String) -> Int? {
        let u = literal.unicodeScalars
        guard u.first == open, u.last == close else { return nil }
        let inner = String(String.UnicodeScalarView(u.dropFirst().dropLast()))
        guard inner.hasPrefix("gk") else { return nil }
        return Int(inner.dropFirst(2))
    }
}

/// Markdown → HTML through the system libcmark, in its default (safe) mode.
public enum CommonMark {
    public static var version: String { String(cString: cmark_version_string()) }

    /// Renders `markdown`, replacing block placeholders by their trusted HTML.
    public static func html(_ markdown: String, blocks: HTMLBlocks = HTMLBlocks()) -> String {
        let options = CMARK_OPT_DEFAULT
        guard let parser = cmark_parser_new(options) else { return "" }
        defer { cmark_parser_free(parser) }
        markdown.utf8CString.withUnsafeBufferPointer { buf in
            // The buffer ends with a NUL that is not part of the text.
            cmark_parser_feed(parser, buf.baseAddress!, buf.count - 1)
        }
        guard let root = cmark_parser_finish(parser) else { return "" }
        defer { cmark_node_free(root) }
        if !blocks.blocks.isEmpty { substitute(root, blocks) }
        guard let out = cmark_render_html(root, options) else { return "" }
        defer { free(out) }
        return String(cString: out)
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
                      let i = HTMLBlocks.index(of: String(cString: lit)), i < blocks.blocks.count,
                      let custom = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK) else { continue }
                _ = blocks.blocks[i].withCString { cmark_node_set_on_enter(custom, $0) }
                _ = cmark_node_replace(node, custom)
                cmark_node_free(node)
            } else if type == CMARK_NODE_BLOCK_QUOTE || type == CMARK_NODE_LIST || type == CMARK_NODE_ITEM {
                substitute(node, blocks)
            }
        }
    }
}
