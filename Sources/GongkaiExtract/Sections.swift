import GongkaiRead

/// The six parts of the form, found by their headings.
enum Part: Int, CaseIterable, Sendable {
    case overview = 1, active, applications, review, problems, other

    var title: String {
        switch self {
        case .overview: return "一、总体情况"
        case .active: return "二、主动公开政府信息情况"
        case .applications: return "三、收到和处理政府信息公开申请情况"
        case .review: return "四、政府信息公开行政复议、行政诉讼情况"
        case .problems: return "五、存在的主要问题及改进情况"
        case .other: return "六、其他需要报告的事项"
        }
    }
}

struct Heading: Sendable { let part: Part; let index: Int; let line: Int }

enum SectionFinder {
    /// Which part a line heads, if it is a heading (a short line with the part's words).
    static func part(of b: UnsafeBufferPointer<UInt8>) -> Part? {
        guard b.count <= 150, b.count >= 6 else { return nil }
        let f = b[0]
        guard f >= 0x80 || f == 0x20 || f == 0x23 || f == 0x2A || (f >= 0x30 && f <= 0x39) || f == 0x09 else { return nil }
        // Every heading holds 情, 问, 事 or 报 (情况, 问题, 事项, 报告); most lines hold none.
        // 情 E6 83 85, 问 E9 97 AE, 事 E4 BA 8B, 报 E6 8A A5: looked for character by character.
        var hasWord = false
        var i = 0
        while i + 2 < b.count {
            let c = b[i]
            if c == 0xE6 || c == 0xE9 || c == 0xE4 {
                let c1 = b[i + 1], c2 = b[i + 2]
                if (c == 0xE6 && c1 == 0x83 && c2 == 0x85) || (c == 0xE9 && c1 == 0x97 && c2 == 0xAE) ||
                   (c == 0xE4 && c1 == 0xBA && c2 == 0x8B) || (c == 0xE6 && c1 == 0x8A && c2 == 0xA5) { hasWord = true; break }
            }
            i += UTF8Scan.length(lead: c)
        }
        guard hasWord else { return nil }
        let s = LabelText.squeezedBytes(b)
        guard !s.isEmpty, s.scalarCount <= 40 else { return nil }
        // Searches that share a beginning are made only when it is there; "收到和处理政府信息公开"
        // is in every line holding "收到和处理政府信息公开申请", so it alone decides.
        if s.includes("主动公开政府信息"), s.includes("主动公开政府信息情况") || s.includes("主动公开政府信息的情况") { return .active }
        if s.includes("收到和处理政府信息公开") { return .applications }
        if s.includes("行政复议"), s.includes("行政诉讼"), s.includes("情况") { return .review }
        if s.includes("存在的主要问题") || s.includes("存在问题") || s.includes("主要问题及改进") { return .problems }
        if s.includes("其他需要报告"), s.includes("其他需要报告的事项") || s.includes("其他需要报告事项") { return .other }
        if s.includes("总体情况"), s.scalarCount <= 12 { return .overview }
        return nil
    }

    /// Headings in document order; a later heading of a part seen already is ignored.
    static func headings(_ lines: LineView) -> [Heading] {
        var out: [Heading] = []
        var seen = Set<Part>()
        for i in lines.indices {
            guard let p = part(of: lines[i]), !seen.contains(p) else { continue }
            // Parts come in order: a heading for an earlier part after a later one is text.
            if let last = out.last, p.rawValue < last.part.rawValue { continue }
            seen.insert(p)
            out.append(Heading(part: p, index: i, line: lines.number(i)))
        }
        return out
    }

    /// Line index range of a part's body (after its heading, up to the next heading).
    static func range(of part: Part, in headings: [Heading], lineCount: Int) -> Range<Int>? {
        guard let k = headings.firstIndex(where: { $0.part == part }) else { return nil }
        let start = headings[k].index + 1
        let end = k + 1 < headings.count ? headings[k + 1].index : lineCount
        return start..<max(start, end)
    }
}
