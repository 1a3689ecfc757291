import GongkaiCore

/// One line of a report as the extractor sees it: normalized text and the 1-based line of the
/// source file it came from. HTML table rows become one line each, cells separated by tabs.
public struct SourceLine: Hashable, Sendable {
    public var text: String
    public var number: Int
    public init(_ text: String, number: Int) { self.text = text; self.number = number }
}

public enum SourceFormat: String, Sendable { case text, html }

/// A report file read into normalized logical lines.
public struct SourceText: Sendable {
    public var lines: [SourceLine]
    public var encoding: SourceEncoding
    public var format: SourceFormat
    public var convertedFromTraditional: Bool

    public init(lines: [SourceLine], encoding: SourceEncoding = .utf8, format: SourceFormat = .text, convertedFromTraditional: Bool = false) {
        self.lines = lines
        self.encoding = encoding
        self.format = format
        self.convertedFromTraditional = convertedFromTraditional
    }
}

public enum SourceReader {
    /// Decodes, converts and normalizes a report's bytes. Findings go to `diagnostics`;
    /// `nil` means the file could not be read as text at all.
    public static func read(bytes: [UInt8], diagnostics: inout Diagnostics) -> SourceText? {
        let decoded: (text: String, encoding: SourceEncoding)
        do { decoded = try SourceDecoder.decode(bytes) } catch {
            diagnostics.error(error.description)
            return nil
        }
        return read(text: decoded.text, encoding: decoded.encoding, diagnostics: &diagnostics)
    }

    public static func read(text: String, encoding: SourceEncoding = .utf8, diagnostics: inout Diagnostics) -> SourceText {
        var text = text
        var converted = false
        if TraditionalConverter.traditionalCount(text) >= 3 {
            if let simplified = TraditionalConverter.shared.convert(text) {
                text = simplified
                converted = true
            } else {
                diagnostics.warning("the report is in traditional characters but could not be converted: \(TraditionalConverter.shared.failure ?? "OpenCC failed")")
            }
        }
        let format: SourceFormat = HTMLFlattener.looksLikeHTML(text) ? .html : .text
        var lines: [SourceLine]
        switch format {
        case .html: lines = HTMLFlattener.lines(of: text)
        case .text:
            lines = splitLines(text)
        }
        for i in lines.indices where PageFooter.matches(lines[i].text) { lines[i].text = "" }
        return SourceText(lines: lines, encoding: encoding, format: format, convertedFromTraditional: converted)
    }
}

/// Splits on LF (a CR before it is dropped by normalization), on bytes rather than characters.
func splitLines(_ text: String) -> [SourceLine] {
    var text = text
    return text.withUTF8 { b in
        var out: [SourceLine] = []
        out.reserveCapacity(b.count / 32 + 1)
        var start = 0
        var n = 0
        for i in 0...b.count where i == b.count || b[i] == 0x0A {
            n += 1
            let line = String(decoding: UnsafeBufferPointer(rebasing: b[start..<i]), as: UTF8.self)
            out.append(SourceLine(Normalizer.normalize(line), number: n))
            start = i + 1
        }
        return out
    }
}

/// Page footers and headers left by PDF extraction: `-2-`, `— 3 —`, `第 2 页 共 5 页`, `2 / 5`.
public enum PageFooter {
    private static let dashes: Set<UInt32> = [0x2D, 0x2014, 0x2013, 0x2012, 0x2015, 0xFF0D, 0x2212, 0x2500, 0x2501]
    private static func isDigit(_ u: Unicode.Scalar) -> Bool { u.value >= 0x30 && u.value <= 0x39 }

    public static func matches(_ line: String) -> Bool {
        guard line.utf8.count <= 64, line.utf8.contains(where: { $0 >= 0x30 && $0 <= 0x39 }) else { return false }
        let s = line.unicodeScalars.filter { !$0.isSpaceLike }
        guard !s.isEmpty, s.contains(where: isDigit) else { return false }
        // -2-, — 3 —, --12--
        if let f = s.first, let l = s.last, dashes.contains(f.value), dashes.contains(l.value) {
            let inner = s.filter { !dashes.contains($0.value) }
            if !inner.isEmpty, inner.allSatisfy(isDigit) { return true }
        }
        // 第 2 页, 第2页 共5页, 第2页/共5页
        if s.first == "第", s.last == "页" {
            let inner = s.filter { !"第页共/,，".unicodeScalars.contains($0) }
            if !inner.isEmpty, inner.allSatisfy(isDigit) { return true }
        }
        // 2 / 5
        if let slash = s.firstIndex(of: "/") {
            let a = s[..<slash], b = s[s.index(after: slash)...]
            if !a.isEmpty, !b.isEmpty, a.allSatisfy(isDigit), b.allSatisfy(isDigit) { return true }
        }
        return false
    }
}
