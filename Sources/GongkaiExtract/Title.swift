import GongkaiRead

/// Agency and year from the report's title, which may span two lines, hold stray spaces
/// (`2023 年政府 信息公开`), or put the year first.
enum TitleReader {
    struct Title { var agency: String?; var year: Int?; var line: Int }

    static func read(_ lines: LineView, before limit: Int) -> Title? {
        // Non-empty lines near the top, up to the first heading.
        var candidates: [(text: String, number: Int)] = []
        for i in 0..<min(limit, lines.count) {
            let text = lines.text(i)
            guard !text.unicodeScalars.allSatisfy(\.isSpaceLike) else { continue }
            candidates.append((text, lines.number(i)))
            if candidates.count >= 12 { break }
        }
        let squeezed = candidates.map { LabelText.squeeze($0.text) }
        for k in squeezed.indices {
            // The title may wrap anywhere, even inside 年度报告: try the line alone, then joined
            // with the next line, then with the previous one.
            var tries: [(text: String, line: Int)] = [(squeezed[k], candidates[k].number)]
            if k + 1 < squeezed.count { tries.append((squeezed[k] + squeezed[k + 1], candidates[k].number)) }
            if k > 0 { tries.append((squeezed[k - 1] + squeezed[k], candidates[k - 1].number)) }
            for (text, line) in tries {
                guard text.includes("年度报告") || text.includes("工作报告") || text.includes("年报") else { continue }
                guard text.unicodeScalars.count <= 90 else { continue }
                let t = parse(text)
                if t.agency != nil && t.year != nil { return Title(agency: t.agency, year: t.year, line: line) }
            }
        }
        // A title that names only one of the two is still better than none.
        for k in squeezed.indices where squeezed[k].includes("年度报告") || squeezed[k].includes("工作报告") {
            let t = parse(squeezed[k])
            if t.agency != nil || t.year != nil { return Title(agency: t.agency, year: t.year, line: candidates[k].number) }
        }
        return nil
    }

    /// Splits a squeezed title into agency and year.
    static func parse(_ s: String) -> (agency: String?, year: Int?) {
        let u = Array(s.unicodeScalars)
        // Find a four-digit year followed by 年.
        var yearRange: Range<Int>? = nil
        var i = 0
        while i + 4 < u.count {
            if (0..<4).allSatisfy({ isDigit(u[i + $0]) }), u[i + 4] == "年", i == 0 || !isDigit(u[i - 1]) {
                yearRange = i..<(i + 5)
                break
            }
            i += 1
        }
        guard let yr = yearRange else { return (nil, nil) }
        let year = Int(String(String.UnicodeScalarView(u[yr.lowerBound..<(yr.lowerBound + 4)])))
        let validYear = year.flatMap { (2000...2100).contains($0) ? $0 : nil }
        var agency = String(String.UnicodeScalarView(u[..<yr.lowerBound]))
        // Markdown or list marks before the name: "# ", "**", "《".
        while let f = agency.unicodeScalars.first, f.value < 0x80 || "《【〔".unicodeScalars.contains(f), !(f.properties.isAlphabetic) {
            agency.unicodeScalars.removeFirst()
        }
        if agency.isEmpty {
            // "2023年广州市某局政府信息公开工作年度报告"
            var rest = String(String.UnicodeScalarView(u[yr.upperBound...]))
            if rest.hasPrefix("度") { rest.removeFirst() }
            if let r = rest.range(of: "政府信息公开") { agency = String(rest[..<r.lowerBound]) }
            else if let r = rest.range(of: "信息公开") { agency = String(rest[..<r.lowerBound]) }
        }
        // Markdown or list marks before the name: "# ", "**", "《".
        while let f = agency.unicodeScalars.first, f.value < 0x80 || "《【〔".unicodeScalars.contains(f), !(f.properties.isAlphabetic) {
            agency.unicodeScalars.removeFirst()
        }
        if agency.hasPrefix("关于") { agency.removeFirst(2) }
        agency = agency.trimmingSuffix(["的", "关于"])
        return (agency.isEmpty ? nil : agency, validYear)
    }

    static func isDigit(_ u: Unicode.Scalar) -> Bool { u.value >= 0x30 && u.value <= 0x39 }

    /// The agency as the original title spells it: white space collapsed to single spaces
    /// only where it separates two names (seed titles print one body under two names).
    static func displayAgency(_ squeezed: String, original: LineView, titleLine: Int) -> String {
        guard let i = original.indices.first(where: { original.number($0) == titleLine }) else { return squeezed }
        let text = original.text(i)
        // Walk the original text, matching the squeezed name, keeping single spaces between words.
        var out = String.UnicodeScalarView()
        var target = Array(squeezed.unicodeScalars)[...]
        var pendingSpace = false
        for u in text.unicodeScalars {
            guard let next = target.first else { break }
            if u.isSpaceLike { pendingSpace = !out.isEmpty; continue }
            if u == next {
                // Keep a space only between two names of two characters or more, not inside one.
                if pendingSpace, out.count >= 4, target.count >= 4, endsName(out) { out.append(" ") }
                pendingSpace = false
                out.append(u)
                target.removeFirst()
            } else if !out.isEmpty { break }
        }
        return target.isEmpty ? String(out) : squeezed
    }

    /// A name ends in a body's kind: 会, 府, 局, 委, 室, 厅, 院, 办 …
    static func endsName(_ s: String.UnicodeScalarView) -> Bool {
        guard let last = s.last else { return false }
        return "会府局委室厅院办处部所站队司中心馆组".unicodeScalars.contains(last)
    }
}

extension String {
    func trimmingSuffix(_ suffixes: [String]) -> String {
        var s = self
        for x in suffixes where s.hasSuffix(x) { s.removeLast(x.count) }
        return s
    }
}
