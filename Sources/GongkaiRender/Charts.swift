import GongkaiCore

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
        var out = ByteSink(capacity: 4096)
        line(id: id, title: title, categories: categories, series: series, percent: percent, into: &out)
        return String(decoding: out.bytes(), as: UTF8.self)
    }

    /// `line` written onto `out`.
    public static func line(id: String, title: String, categories: [String], series: [Series],
                            percent: Bool = false, into out: inout ByteSink) {
        let w = 560.0, h = 220.0, left = 64.0, right = 20.0, top = 14.0, bottom = 30.0
        let fmt: (Double) -> String = { percent ? Format.percent($0) : Format.number($0) }
        let all = series.flatMap { $0.values.compactMap { $0 } }
        let maxV = niceMax(all.max() ?? 0, percent: percent)
        let n = categories.count
        func x(_ i: Int) -> Double { n <= 1 ? left + (w - left - right) / 2 : left + Double(i) * (w - left - right) / Double(n - 1) }
        func y(_ v: Double) -> Double { top + (h - top - bottom) * (1 - (maxV > 0 ? v / maxV : 0)) }
        func r(_ d: Double, _ out: inout ByteSink) { Format.tenths(d, into: &out) }
        func text(_ s: String, _ out: inout ByteSink) { out.put(utf8: Escape.html(s)) }

        out.put("<figure class=\"chart\"><svg viewBox=\"0 0 "); out.put(integer: Int(w)); out.put(" "); out.put(integer: Int(h))
        out.put("\" role=\"img\" aria-labelledby=\""); out.put(utf8: id); out.put("-t "); out.put(utf8: id); out.put("-d\" class=\"chart-svg\">")
        out.put("<title id=\""); out.put(utf8: id); out.put("-t\">"); text(title, &out)
        out.put("</title><desc id=\""); out.put(utf8: id); out.put("-d\">")
        // Each series in words: "label：category：value，…", series separated by "；" (escaped
        // piece by piece, which is escaping the whole: escaping maps each character alone).
        for (k, s) in series.enumerated() {
            if k > 0 { out.put("；") }
            text(s.label, &out); out.put("：")
            for (i, (c, v)) in zip(categories, s.values).enumerated() {
                if i > 0 { out.put("，") }
                text(c, &out); out.put("："); text(v.map(fmt) ?? "未填报", &out)
            }
        }
        out.put("</desc>")
        // Grid and axis labels.
        for k in 0...2 {
            let v = maxV * Double(k) / 2
            let yy = y(v)
            out.put("<line class=\"grid\" x1=\""); r(left, &out); out.put("\" x2=\""); r(w - right, &out)
            out.put("\" y1=\""); r(yy, &out); out.put("\" y2=\""); r(yy, &out); out.put("\"/>")
            out.put("<text class=\"axis\" x=\""); r(left - 6, &out); out.put("\" y=\""); r(yy + 4, &out)
            out.put("\" text-anchor=\"end\">"); text(fmt(v), &out); out.put("</text>")
        }
        for (i, c) in categories.enumerated() {
            out.put("<text class=\"axis\" x=\""); r(x(i), &out); out.put("\" y=\""); r(h - 10, &out)
            out.put("\" text-anchor=\"middle\">"); text(c, &out); out.put("</text>")
        }
        for (k, s) in series.enumerated() {
            // One path per run of known values.
            var runs: [[(Int, Double)]] = [[]]
            for (i, v) in s.values.enumerated() {
                if let v { runs[runs.count - 1].append((i, v)) } else if !runs[runs.count - 1].isEmpty { runs.append([]) }
            }
            for run in runs where run.count > 1 {
                out.put("<path class=\"s"); out.put(integer: k % 4); out.put("\" d=\"")
                for (j, p) in run.enumerated() {
                    if j > 0 { out.put(" ") }
                    out.put(j == 0 ? "M" : "L"); r(x(p.0), &out); out.put(" "); r(y(p.1), &out)
                }
                out.put("\"/>")
            }
            for (i, v) in s.values.enumerated() {
                guard let v else { continue }
                out.put("<circle class=\"s"); out.put(integer: k % 4); out.put("\" cx=\""); r(x(i), &out); out.put("\" cy=\""); r(y(v), &out)
                out.put("\" r=\"4\"><title>"); text(s.label, &out); out.put(" "); text(categories[i], &out); out.put("：")
                text(fmt(v), &out); out.put("</title></circle>")
            }
        }
        out.put("</svg><figcaption>"); text(title, &out)
        if series.count > 1 || !series.isEmpty {
            out.put("<span class=\"legend\">")
            for (k, s) in series.enumerated() { out.put(" <span class=\"key s"); out.put(integer: k % 4); out.put("\">"); text(s.label, &out); out.put("</span>") }
            out.put("</span>")
        }
        out.put("</figcaption></figure>")
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
