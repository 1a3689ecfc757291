#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import GongkaiCore

/// One line of a report as the extractor sees it: normalized text and the 1-based line of the
/// source file it came from. HTML table rows become one line each, cells separated by tabs.
public struct SourceLine: Hashable, Sendable {
    /// A slice of the report's normalized text (no copy per line).
    public var text: Substring
    public var number: Int
    public init(_ text: Substring, number: Int) { self.text = text; self.number = number }
    public init(_ text: String, number: Int) { self.text = text[...]; self.number = number }
}

public enum SourceFormat: String, Sendable { case text, html }

/// A report file read into normalized logical lines.
public struct SourceText: Sendable {
    /// The lines, in one buffer.
    public var store: LineStore
    public var encoding: SourceEncoding
    public var format: SourceFormat
    public var convertedFromTraditional: Bool

    /// The lines as `SourceLine`s (made on demand: the extractor reads `store`).
    public var lines: [SourceLine] { store.lines }

    public init(lines: [SourceLine], encoding: SourceEncoding = .utf8, format: SourceFormat = .text, convertedFromTraditional: Bool = false) {
        self.init(store: LineStore(lines), encoding: encoding, format: format, convertedFromTraditional: convertedFromTraditional)
    }

    public init(store: LineStore, encoding: SourceEncoding = .utf8, format: SourceFormat = .text, convertedFromTraditional: Bool = false) {
        self.store = store
        self.encoding = encoding
        self.format = format
        self.convertedFromTraditional = convertedFromTraditional
    }
}

public enum SourceReader {
    /// Decodes, converts and normalizes a report's bytes. Findings go to `diagnostics`;
    /// `nil` means the file could not be read as text at all.
    public static func read(bytes: [UInt8], diagnostics: inout Diagnostics) -> SourceText? {
        if let text = readPlainUTF8(bytes, diagnostics: &diagnostics) { return text }
        let decoded: (text: String, encoding: SourceEncoding)
        do { decoded = try SourceDecoder.decode(bytes) } catch {
            diagnostics.error(error.description, zh: error.zh)
            return nil
        }
        return read(text: decoded.text, encoding: decoded.encoding, diagnostics: &diagnostics)
    }

    /// `read(bytes:)` for the usual file, plain text or HTML in UTF-8 without a byte order mark,
    /// read from its bytes without making a string of it. Plain text is normalized first and
    /// the result validated: normalizing replaces or drops only whole well-formed characters
    /// and leaves every other byte as it is, so the result is valid UTF-8 exactly when the file
    /// is (a test holds this on random bytes). `nil` for any other file, which takes the
    /// general path.
    static func readPlainUTF8(_ bytes: [UInt8], diagnostics: inout Diagnostics) -> SourceText? {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) || bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) { return nil }
        let isHTML = bytes.withUnsafeBufferPointer { HTMLFlattener.looksLikeHTML(bytes: $0) }
        if isHTML {
            // What decoding and `read(text:)` would do, on the file's bytes.
            guard UTF8Check.isValid(bytes) else { return nil }
            let (store, traditional) = bytes.withUnsafeBufferPointer { (HTMLFlattener.flatten($0), TraditionalConverter.traditionalCount(bytes: $0)) }
            return finish(store, traditional: traditional, encoding: .utf8, format: .html, diagnostics: &diagnostics)
        }
        let scan = bytes.withUnsafeBufferPointer { Normalizer.scanPlain($0) }
        // Without work to do, the store shares the file's bytes (no copy).
        let normalized = scan.rewritten ?? bytes
        guard UTF8Check.isValid(normalized) else { return nil }
        return finish(LineStore(normalized, breaks: scan.breaks), traditional: scan.traditional, encoding: .utf8, format: .text, diagnostics: &diagnostics)
    }

    public static func read(text: String, encoding: SourceEncoding = .utf8, diagnostics: inout Diagnostics) -> SourceText {
        let format: SourceFormat = HTMLFlattener.looksLikeHTML(text) ? .html : .text
        let store: LineStore
        switch format {
        case .html: store = HTMLFlattener.store(of: text)
        case .text: store = LineStore(splitting: Array(Normalizer.normalize(text).utf8))
        }
        return finish(store, traditional: TraditionalConverter.traditionalCount(text), encoding: encoding, format: format, diagnostics: &diagnostics)
    }

    /// Converts traditional characters (when the file holds at least three) and blanks page footers.
    private static func finish(_ store: LineStore, traditional: Int, encoding: SourceEncoding, format: SourceFormat, diagnostics: inout Diagnostics) -> SourceText {
        var store = store
        var converted = false
        if traditional >= 3 {
            if TraditionalConverter.shared.convertShortLines(&store) {
                converted = true
            } else {
                let why = TraditionalConverter.shared.failure ?? "OpenCC failed"
                diagnostics.warning("the report is in traditional characters but could not be converted: \(why)", zh: "报告为繁体字，但未能转换为简体：\(why)")
            }
        }
        let footers = store.withView { v in v.indices.filter { PageFooter.matches(v[$0]) } }
        for i in footers { store.clear(i) }
        return SourceText(store: store, encoding: encoding, format: format, convertedFromTraditional: converted)
    }
}

/// Whether bytes are valid UTF-8, without making a string of them.
enum UTF8Check {
    static func isValid(_ bytes: [UInt8]) -> Bool {
        if #available(macOS 26, iOS 26, *) {
            return (try? UTF8Span(validating: bytes.span)) != nil
        }
        return String(validating: bytes, as: UTF8.self) != nil
    }
}

/// Page footers and headers left by PDF extraction: `-2-`, `— 3 —`, `第 2 页 共 5 页`, `2 / 5`.
public enum PageFooter {
    /// On bytes, without allocating: most lines are rejected by their length or by having no digit.
    static let dashes: [[UInt8]] = [[0x2D], [0xE2, 0x80, 0x94], [0xE2, 0x80, 0x93], [0xE2, 0x80, 0x92], [0xE2, 0x80, 0x95],
                                    [0xEF, 0xBC, 0x8D], [0xE2, 0x88, 0x92], [0xE2, 0x94, 0x80], [0xE2, 0x94, 0x81]]

    public static func matches(_ line: Substring) -> Bool {
        guard line.utf8.count <= 64 else { return false }
        return line.withBytes(matches)
    }

    static func matches(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard b.count <= 64 else { return false }
        // A footer starts with a dash, 第, or a digit (2/5); a bare number is a table cell.
        guard let first = b.first(where: { $0 != 0x20 && $0 != 0x09 }),
              first == 0x2D || first == 0xE2 || first == 0xEF || first == 0xE7 || (first >= 0x30 && first <= 0x39),
              b.contains(where: { $0 == 0x2F || $0 >= 0x80 || $0 == 0x2D }) else { return false }
        var bytes: [UInt8] = []   // the line without spaces; at most 64 bytes
        bytes.reserveCapacity(b.count)
        var digits = 0
        for c in b where c != 0x20 && c != 0x09 {
            bytes.append(c)
            if c >= 0x30 && c <= 0x39 { digits += 1 }
        }
        guard digits > 0, !bytes.isEmpty else { return false }
        let dashes = Self.dashes
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        // Strip dashes at both ends: -2-, — 3 —, --12--
        var a = 0, b = bytes.count
        var lead = false, trail = false
        var progress = true
        while progress {
            progress = false
            for d in dashes where a + d.count <= b && bytes[a..<(a + d.count)].elementsEqual(d) { a += d.count; lead = true; progress = true }
            for d in dashes where b - d.count >= a && bytes[(b - d.count)..<b].elementsEqual(d) { b -= d.count; trail = true; progress = true }
        }
        if lead, trail, a < b, bytes[a..<b].allSatisfy(isDigit) { return true }
        // 第 2 页, 第2页 共5页, 第2页/共5页
        let di: [UInt8] = [0xE7, 0xAC, 0xAC], ye: [UInt8] = [0xE9, 0xA1, 0xB5], gong: [UInt8] = [0xE5, 0x85, 0xB1]
        if bytes.count >= 7, Array(bytes.prefix(3)) == di, Array(bytes.suffix(3)) == ye {
            var k = 3
            var ok = true
            while k < bytes.count - 3 {
                if isDigit(bytes[k]) || bytes[k] == 0x2F || bytes[k] == 0x2C { k += 1; continue }
                let three = k + 3 <= bytes.count ? Array(bytes[k..<(k + 3)]) : []
                if three == ye || three == gong || three == di { k += 3; continue }
                ok = false
                break
            }
            if ok { return true }
        }
        // 2/5: a page of a count, so 1 ≤ page ≤ count; "12/3" or "2023/12" is some other figure.
        if let slash = bytes.firstIndex(of: 0x2F), slash > 0, slash < bytes.count - 1, slash <= 4, bytes.count - slash - 1 <= 4,
           bytes[..<slash].allSatisfy(isDigit), bytes[(slash + 1)...].allSatisfy(isDigit) {
            let number = { (d: ArraySlice<UInt8>) in d.reduce(0) { $0 * 10 + Int($1 - 0x30) } }
            let page = number(bytes[..<slash]), count = number(bytes[(slash + 1)...])
            return page >= 1 && page <= count
        }
        return false
    }
}
