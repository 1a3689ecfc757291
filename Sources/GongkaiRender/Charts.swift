/// Inline SVG charts: no script, a `<title>` and a `<desc>` that says every value in words (the
/// text alternative), and a legend in HTML. Labels are escaped; values are numbers.
public enum SVGChart {
    public struct Series: Sendable {
        public var label: String
        public var values: [Double?]
        public init(label: String, values: [Double?]) { self.label = label; self.values = values }
    }

    /// A line chart of `series` over `categories` (years). Gaps (`nil`) break the line and are
    /// said to be missing in the description, never drawn as 0.
    public static func line(id: String, title: String, categories: [String], series: [Series],
                            percent: Bool = false) -> String {
        let w = 560.0, h = 220.0, left = 64.0, right = 20.0, top = 14.0, bottom = 30.0
        let fmt: (Double) -> String = { percent ? Format.percent($0) : Format.number($0) }
        let all = series.flatMap { $0.values.compactMap { $0 } }
        let maxV = niceMax(all.max() ?? 0, percent: percent)
        let n = categories.count
        func x(_ i: Int) -> Double { n <= 1 ? left + (w - left - right) / 2 : left + Double(i) * (w - left - right) / Double(n - 1) }
        func y(_ v: Double) -> Double { top + (h - top - bottom) * (1 - (maxV > 0 ? v / maxV : 0)) }
        func r(_ d: Double) -> String { Format.tenths(d) }

        var desc: [String] = []
        for s in series {
            let parts = zip(categories, s.values).map { c, v in "\(c)：\(v.map(fmt) ?? "未填报")" }
            desc.append("\(s.label)：\(parts.joined(separator: "，"))")
        }
        var svg = "<figure class=\"chart\"><svg viewBox=\"0 0 \(Int(w)) \(Int(h))\" role=\"img\" aria-labelledby=\"\(id)-t \(id)-d\" class=\"chart-svg\">"
        svg += "<title id=\"\(id)-t\">\(Escape.html(title))</title><desc id=\"\(id)-d\">\(Escape.html(desc.joined(separator: "；")))</desc>"
        // Grid and axis labels.
        for k in 0...2 {
            let v = maxV * Double(k) / 2
            let yy = y(v)
            svg += "<line class=\"grid\" x1=\"\(r(left))\" x2=\"\(r(w - right))\" y1=\"\(r(yy))\" y2=\"\(r(yy))\"/>"
            svg += "<text class=\"axis\" x=\"\(r(left - 6))\" y=\"\(r(yy + 4))\" text-anchor=\"end\">\(Escape.html(fmt(v)))</text>"
        }
        for (i, c) in categories.enumerated() {
            svg += "<text class=\"axis\" x=\"\(r(x(i)))\" y=\"\(r(h - 10))\" text-anchor=\"middle\">\(Escape.html(c))</text>"
        }
        for (k, s) in series.enumerated() {
            // One path per run of known values.
            var runs: [[(Int, Double)]] = [[]]
            for (i, v) in s.values.enumerated() {
                if let v { runs[runs.count - 1].append((i, v)) } else if !runs[runs.count - 1].isEmpty { runs.append([]) }
            }
            for run in runs where run.count > 1 {
                let d = run.enumerated().map { j, p in "\(j == 0 ? "M" : "L")\(r(x(p.0))) \(r(y(p.1)))" }.joined(separator: " ")
                svg += "<path class=\"s\(k % 4)\" d=\"\(d)\"/>"
            }
            for (i, v) in s.values.enumerated() {
                guard let v else { continue }
                svg += "<circle class=\"s\(k % 4)\" cx=\"\(r(x(i)))\" cy=\"\(r(y(v)))\" r=\"4\"><title>\(Escape.html("\(s.label) \(categories[i])：\(fmt(v))"))</title></circle>"
            }
        }
        svg += "</svg><figcaption>\(Escape.html(title))"
        if series.count > 1 || !series.isEmpty {
            svg += "<span class=\"legend\">"
            for (k, s) in series.enumerated() { svg += " <span class=\"key s\(k % 4)\">\(Escape.html(s.label))</span>" }
            svg += "</span>"
        }
        svg += "</figcaption></figure>"
        return svg
    }

    /// 1, 2 or 5 × 10^k at or above `v`; percentages top out at 100%.
    static func niceMax(_ v: Double, percent: Bool) -> Double {
        guard v > 0 else { return 1 }
        if percent { return min(1, niceMax(v * 100, percent: false) / 100) }
        var p = 1.0
        while p * 10 <= v { p *= 10 }
        for m in [1.0, 2.0, 5.0, 10.0] where m * p >= v { return m * p }
        return 10 * p
    }
}
