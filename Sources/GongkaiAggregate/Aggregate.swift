import GongkaiCore
import GongkaiCheck
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Configuration

/// Which tier of reporting a report belongs to. Aggregates never add the two together:
/// a 人民政府 / 管委会 report may already include the figures of the departments below it
/// (seed 002 counts “全区” applications), so it is a *roll-up* and is totalled apart from the
/// departments' own reports.
public enum Level: String, Hashable, Sendable, CaseIterable, Comparable {
    /// A government as a whole: the name ends in 人民政府, 管委会 or 管理委员会 (not 人民政府办公室).
    case rollup
    /// A department or office reporting on itself.
    case department

    public var label: String {
        switch self {
        case .rollup: return "政府（汇总）报告"
        case .department: return "部门报告"
        }
    }
    public static func < (a: Level, b: Level) -> Bool { a == .department && b == .rollup }

    static let rollupSuffixes: [[UInt8]] = ["人民政府", "管委会", "管理委员会"].map { Array($0.utf8) }

    /// The level a name implies (the configuration may override it).
    public static func infer(_ normalizedName: String) -> Level {
        // A name without spaces whose characters are each one `Character`: suffixes are byte
        // suffixes.
        if TextOrder.isPlain(normalizedName), !normalizedName.utf8.contains(0x20) {
            var s = normalizedName
            return s.withUTF8 { b in
                for suffix in Level.rollupSuffixes where b.count >= suffix.count {
                    if memcmp(b.baseAddress! + b.count - suffix.count, suffix, suffix.count) == 0 { return .rollup }
                }
                return .department
            }
        }
        let tail = normalizedName.split(separator: " ").last.map(String.init) ?? normalizedName
        for suffix in ["人民政府", "管委会", "管理委员会"] where tail.hasSuffix(suffix) || normalizedName.hasSuffix(suffix) {
            return .rollup
        }
        return .department
    }
}

/// A configured region rule: a name containing `match` belongs to `region`.
public struct RegionRule: Hashable, Sendable {
    public var match: String
    public var region: String
    public init(match: String, region: String) { self.match = match; self.region = region }
}

public struct AggregateConfiguration: Sendable {
    /// Normalized alias → canonical agency name.
    public var aliases: [String: String]
    /// Checked in order before the name's own 省/市/区/县 prefix.
    public var regionRules: [RegionRule]
    /// Normalized name → level, overriding `Level.infer`.
    public var levels: [String: Level]

    public init(aliases: [String: [String]] = [:], regionRules: [RegionRule] = [], levels: [String: Level] = [:]) {
        var a: [String: String] = [:]
        for (canonical, names) in aliases {
            a[AgencyName.normalize(canonical)] = canonical
            for n in names { a[AgencyName.normalize(n)] = canonical }
        }
        self.aliases = a
        self.regionRules = regionRules
        var l: [String: Level] = [:]
        for (k, v) in levels { l[AgencyName.normalize(k)] = v }
        self.levels = l
    }
}

// MARK: - Names and regions

public enum AgencyName {
    /// The identity of a name: white space removed, full-width ASCII made half-width.
    /// (Names come from the extractor already in simplified characters.)
    public static func normalize(_ s: String) -> String {
        // Nearly every name is CJK ideographs and printable ASCII already: nothing to change.
        var plain = true
        for b in s.utf8 where b < 0x21 || b == 0x7F { plain = false; break }
        if plain {
            for u in s.unicodeScalars where u.value >= 0x80 && !(0x4E00...0x9FFF).contains(u.value) { plain = false; break }
        }
        if plain { return s }
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars {
            // CJK unified ideographs (nearly every character of a name) are never white space:
            // skip the property lookup for them.
            if !(0x4E00...0x9FFF).contains(u.value),
               u.properties.isWhitespace || u.value == 0x3000 || u.value == 0xA0 || u.value == 0x200B || u.value == 0xFEFF { continue }
            if (0xFF01...0xFF5E).contains(u.value) { out.append(Unicode.Scalar(u.value - 0xFEE0)!); continue }
            out.append(u)
        }
        return String(out)
    }

    /// `regionChain` on the UTF-8 bytes, for the usual name: its last part (after the last
    /// space) printable ASCII and CJK unified ideographs only, which `normalize` leaves as it is.
    /// Nil for any other name (the general path decides).
    static func plainRegionChain(_ name: String) -> [String]? {
        var name = name
        return name.withUTF8 { b -> [String]? in
            // The last run of bytes without a space, as `split(separator: " ").last` finds it.
            var end = b.count
            while end > 0 && b[end - 1] == 0x20 { end -= 1 }
            guard end > 0 else { return nil }
            var start = end
            while start > 0 && b[start - 1] != 0x20 { start -= 1 }
            // Scalars and where each starts.
            var u: [UInt32] = [], at: [Int] = []
            u.reserveCapacity((end - start) / 2 + 1); at.reserveCapacity((end - start) / 2 + 1)
            var i = start
            while i < end {
                let c = b[i]
                if c < 0x80 {
                    guard c >= 0x21 && c != 0x7F else { return nil }
                    u.append(UInt32(c)); at.append(i); i += 1; continue
                }
                guard c & 0xF0 == 0xE0, i + 2 < end else { return nil }
                let v = (UInt32(c & 0x0F) << 12) | (UInt32(b[i + 1] & 0x3F) << 6) | UInt32(b[i + 2] & 0x3F)
                guard (0x4E00...0x9FFF).contains(v) else { return nil }
                u.append(v); at.append(i); i += 3
            }
            return markEnds(u).map { f in
                String(decoding: UnsafeBufferPointer(rebasing: b[start..<(f + 1 < at.count ? at[f + 1] : end)]), as: UTF8.self)
            }
        }
    }

    /// The marks of each tier of `regionChain` and how far each may be from the previous one.
    static let tiers: [([[UInt32]], Int)] = [([["省"]], 8), ([["市"], ["州", "盟"]], 6), ([["区", "县", "旗"]], 6)].map { sets, reach in
        (sets.map { $0.map { ($0 as Unicode.Scalar).value } }, reach)
    }
    static let notAMark: [UInt32] = (["场", "域", "级", "直", "属", "委"] as [Unicode.Scalar]).map(\.value)

    /// The administrative area a body's name starts with: `青禾市石桥区教育局` → (`青禾市`, `青禾市石桥区`).
    /// Returns the chain from the widest to the narrowest area; empty when the name has none.
    public static func regionChain(_ name: String) -> [String] {
        if let chain = plainRegionChain(name) { return chain }
        // A body with two names (`某开发区管委会 某市某区人民政府`) is placed by its last name.
        let last = name.split(separator: " ").last.map(String.init) ?? name
        let u = Array(AgencyName.normalize(last).unicodeScalars)
        return markEnds(u.map(\.value)).map { String(String.UnicodeScalarView(u[0...$0])) }
    }

    /// Where each area of `regionChain` ends in the scalars of a name: 省 within 8 characters,
    /// then 市 (or else 州 / 盟) within 6, then 区 / 县 / 旗 within 6. Marks are tried in order,
    /// so 广州市 is the city 广州市, not 广州.
    static func markEnds(_ u: [UInt32]) -> [Int] {
        var ends: [Int] = []
        var start = 0
        for (markSets, reach) in tiers {
            let end = min(u.count - 1, start + reach)
            guard start + 1 <= end else { break }
            var found: Int? = nil
            search: for marks in markSets {
                for i in (start + 1)...end where marks.contains(u[i]) {
                    // Not the first character of a longer word such as 市场, 区域, 县域.
                    if i + 1 < u.count, notAMark.contains(u[i + 1]) { continue }
                    found = i
                    break search
                }
            }
            if let f = found {
                ends.append(f)
                start = f + 1
            }
        }
        return ends
    }
}

/// The order of `String`'s `<`, without its cost on the common case: for text whose every
/// character is unchanged by NFC normalization and combines with nothing (ASCII and Latin-1,
/// CJK unified ideographs and punctuation, full-width forms), that order is the order of the
/// UTF-8 bytes, compared directly; any other pair is compared by `<` itself.
public enum TextOrder {
    public static func less(_ a: String, _ b: String) -> Bool { order(a, b) < 0 }

    /// Negative when `a < b`, 0 when `a == b`, positive when `b < a`.
    public static func order(_ a: String, _ b: String) -> Int {
        var a = a, b = b
        let fast = a.withUTF8 { x in b.withUTF8 { y -> Int? in
            guard plain(x), plain(y) else { return nil }
            let n = min(x.count, y.count)
            for i in 0..<n where x[i] != y[i] { return x[i] < y[i] ? -1 : 1 }
            return x.count < y.count ? -1 : (x.count > y.count ? 1 : 0)
        } }
        if let fast { return fast }
        return a < b ? -1 : (b < a ? 1 : 0)
    }

    /// Each string's rank in the order of `<` (equal strings share the lower rank): sorting
    /// by rank sorts by text, with every comparison an integer one.
    public static func ranks(_ strings: [String]) -> [Int] {
        let n = strings.count
        // One buffer of every string's bytes; `plain` strings compare by them.
        var bytes: [UInt8] = []
        var start = [Int](repeating: 0, count: n + 1)
        var allPlain = true
        for (i, s) in strings.enumerated() {
            var s = s
            s.withUTF8 { u in
                if allPlain && !plain(u) { allPlain = false }
                bytes.append(contentsOf: u)
            }
            start[i + 1] = bytes.count
        }
        let order: [Int]
        if allPlain {
            order = bytes.withUnsafeBufferPointer { b in
                strings.indices.sorted { x, y in
                    let lx = start[x + 1] - start[x], ly = start[y + 1] - start[y]
                    let c = memcmp(b.baseAddress! + start[x], b.baseAddress! + start[y], min(lx, ly))
                    return c != 0 ? c < 0 : lx < ly
                }
            }
        } else {
            order = strings.indices.sorted { strings[$0] < strings[$1] }
        }
        var rank = [Int](repeating: 0, count: n)
        for (k, id) in order.enumerated() {
            let p = k > 0 ? order[k - 1] : -1
            let same = p >= 0 && (allPlain
                ? bytes[start[p]..<start[p + 1]].elementsEqual(bytes[start[id]..<start[id + 1]])
                : !(strings[p] < strings[id]))
            rank[id] = same ? rank[p] : k
        }
        return rank
    }

    /// Whether `s` is made of the characters `plain` admits.
    public static func isPlain(_ s: String) -> Bool {
        var s = s
        return s.withUTF8 { plain($0) }
    }

    /// Every scalar below U+0300, in U+3000–U+303F, U+4E00–U+9FFF or U+FF00–U+FFEF (but for the
    /// few of those that combine): characters that NFC leaves as they are, each its own
    /// `Character`.
    static func plain(_ u: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < u.count {
            let b = u[i]
            if b < 0x80 { i += 1; continue }
            if b < 0xE0 {
                // Two bytes: U+0080–U+07FF; below U+0300 means a lead byte below 0xCC.
                guard b < 0xCC else { return false }
                i += 2; continue
            }
            guard b < 0xF0, i + 2 < u.count else { return false }
            let v = (UInt32(b & 0x0F) << 12) | (UInt32(u[i + 1] & 0x3F) << 6) | UInt32(u[i + 2] & 0x3F)
            // Not the ideographic tone marks (U+302A–U+302F, which combine and reorder) nor the
            // half-width sound marks (U+FF9E–U+FF9F, which extend the character before them).
            guard (0x3000...0x3029).contains(v) || (0x3030...0x303F).contains(v) || (0x4E00...0x9FFF).contains(v)
                    || (0xFF00...0xFF9D).contains(v) || (0xFFA0...0xFFEF).contains(v) else { return false }
            i += 3
        }
        return true
    }
}

/// A string as a dictionary key: hashed and compared by its UTF-8 bytes when `bytes` (which
/// must be the same for every key of one dictionary, and only when all are `TextOrder.plain`),
/// else as the String itself.
struct TextKey: Hashable {
    let string: String
    let bytes: Bool
    init(_ string: String, bytes: Bool) { self.string = string; self.bytes = bytes }
    static func == (a: TextKey, b: TextKey) -> Bool {
        guard a.bytes else { return a.string == b.string }
        var x = a.string, y = b.string
        return x.withUTF8 { p in y.withUTF8 { q in p.count == q.count && (p.count == 0 || memcmp(p.baseAddress!, q.baseAddress!, p.count) == 0) } }
    }
    func hash(into h: inout Hasher) {
        guard bytes else { h.combine(string); return }
        var s = string
        s.withUTF8 { h.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

// MARK: - Figures

/// The figures a report gives, from the 总计 column of table 三 and from tables 二 and 四.
/// A figure that depends on a blank or unreadable cell is `nil`, never 0.
public enum Metric: Int, CaseIterable, Sendable, Hashable {
    case received, carriedOver, granted, partiallyGranted, denied, unavailable, notHeld, notProcessed, otherHandling
    case handled, carriedForward
    case reviewTotal, reviewCorrected
    case litigationDirectTotal, litigationDirectCorrected, litigationAfterTotal, litigationAfterCorrected
    case licensing, penalty, coercion

    public var key: String {
        switch self {
        case .received: return "received"
        case .carriedOver: return "carried_over"
        case .granted: return "granted"
        case .partiallyGranted: return "partially_granted"
        case .denied: return "denied"
        case .unavailable: return "unavailable"
        case .notHeld: return "unavailable_not_held"
        case .notProcessed: return "not_processed"
        case .otherHandling: return "other_handling"
        case .handled: return "total"
        case .carriedForward: return "carried_forward"
        case .reviewTotal: return "review_total"
        case .reviewCorrected: return "review_corrected"
        case .litigationDirectTotal: return "litigation_direct_total"
        case .litigationDirectCorrected: return "litigation_direct_corrected"
        case .litigationAfterTotal: return "litigation_after_review_total"
        case .litigationAfterCorrected: return "litigation_after_review_corrected"
        case .licensing: return "licensing_decisions"
        case .penalty: return "penalty_decisions"
        case .coercion: return "coercion_decisions"
        }
    }

    public var label: String {
        switch self {
        case .received: return "本年新收申请"
        case .carriedOver: return "上年结转"
        case .granted: return "予以公开"
        case .partiallyGranted: return "部分公开"
        case .denied: return "不予公开"
        case .unavailable: return "无法提供"
        case .notHeld: return "本机关不掌握"
        case .notProcessed: return "不予处理"
        case .otherHandling: return "其他处理"
        case .handled: return "办理结果总计"
        case .carriedForward: return "结转下年度"
        case .reviewTotal: return "行政复议总计"
        case .reviewCorrected: return "行政复议结果纠正"
        case .litigationDirectTotal: return "行政诉讼（直接起诉）总计"
        case .litigationDirectCorrected: return "行政诉讼（直接起诉）结果纠正"
        case .litigationAfterTotal: return "行政诉讼（复议后起诉）总计"
        case .litigationAfterCorrected: return "行政诉讼（复议后起诉）结果纠正"
        case .licensing: return "行政许可处理决定"
        case .penalty: return "行政处罚处理决定"
        case .coercion: return "行政强制处理决定"
        }
    }

    /// How the figure is computed from the record, for the methodology page.
    public var definition: String {
        switch self {
        case .denied: return "表三“（三）不予公开”1–8 项总计列之和"
        case .unavailable: return "表三“（四）无法提供”1–3 项总计列之和"
        case .notProcessed: return "表三“（五）不予处理”1–5 项总计列之和"
        case .otherHandling: return "表三“（六）其他处理”总计列（分三项填报的取三项之和）"
        case .licensing, .penalty, .coercion: return "表二该项的（本年）处理决定数量"
        case .reviewTotal, .reviewCorrected: return "表四行政复议对应栏"
        case .litigationDirectTotal, .litigationDirectCorrected, .litigationAfterTotal, .litigationAfterCorrected: return "表四行政诉讼对应栏"
        default: return "表三该行的总计列"
        }
    }

    /// The figures shown as headline and ranked on year pages.
    public static let key: [Metric] = [.received, .handled, .granted, .denied, .unavailable, .notProcessed, .carriedForward, .reviewTotal, .penalty]
}

/// A derived rate: a sum of figures over a sum of figures. Each rate is `nil` for a report when
/// any figure it needs is null, or when its denominator is 0.
public enum Rate: Int, CaseIterable, Sendable, Hashable {
    case disclosure, denial, unavailable, notHeld, notProcessed, carryForward, reviewCorrection, litigationCorrection

    public var key: String {
        switch self {
        case .disclosure: return "disclosure_rate"
        case .denial: return "denial_rate"
        case .unavailable: return "unavailable_rate"
        case .notHeld: return "not_held_rate"
        case .notProcessed: return "not_processed_rate"
        case .carryForward: return "carry_forward_rate"
        case .reviewCorrection: return "review_correction_rate"
        case .litigationCorrection: return "litigation_correction_rate"
        }
    }

    public var label: String {
        switch self {
        case .disclosure: return "公开率"
        case .denial: return "不予公开率"
        case .unavailable: return "无法提供率"
        case .notHeld: return "本机关不掌握率"
        case .notProcessed: return "不予处理率"
        case .carryForward: return "结转率"
        case .reviewCorrection: return "行政复议纠错率"
        case .litigationCorrection: return "行政诉讼纠错率"
        }
    }

    public var numerator: [Metric] {
        switch self {
        case .disclosure: return [.granted, .partiallyGranted]
        case .denial: return [.denied]
        case .unavailable: return [.unavailable]
        case .notHeld: return [.notHeld]
        case .notProcessed: return [.notProcessed]
        case .carryForward: return [.carriedForward]
        case .reviewCorrection: return [.reviewCorrected]
        case .litigationCorrection: return [.litigationDirectCorrected, .litigationAfterCorrected]
        }
    }

    public var denominator: [Metric] {
        switch self {
        case .disclosure, .denial, .unavailable, .notHeld, .notProcessed: return [.handled]
        case .carryForward: return [.received, .carriedOver]
        case .reviewCorrection: return [.reviewTotal]
        case .litigationCorrection: return [.litigationDirectTotal, .litigationAfterTotal]
        }
    }

    /// The formula in words, for the methodology page.
    public var formula: String {
        let n = numerator.map(\.label).joined(separator: " + ")
        let d = denominator.map(\.label).joined(separator: " + ")
        return "(\(n)) ÷ (\(d))"
    }

    public var note: String {
        switch self {
        case .notHeld: return "无法提供中因本机关不掌握相关政府信息而无法提供的部分，占全部办理结果的比例；它是无法提供率的一部分。"
        case .carryForward: return "本年需办理的申请（新收 + 上年结转）中，结转下年度继续办理的比例。"
        case .litigationCorrection: return "未经复议直接起诉与复议后起诉两类行政诉讼合并计算。"
        case .reviewCorrection: return "行政复议结果纠正占行政复议总计的比例。"
        default: return "以表三“（七）总计”为分母。"
        }
    }
}

public struct Figures: Hashable, Sendable {
    public var values: [Double?]
    public init(values: [Double?]) { self.values = values }
    public subscript(m: Metric) -> Double? { values[m.rawValue] }

    public func rate(_ r: Rate) -> Double? {
        guard let (n, d) = parts(r), d != 0 else { return nil }
        return n / d
    }

    /// Numerator and denominator, when every figure they need is known.
    public func parts(_ r: Rate) -> (Double, Double)? {
        let p = Figures.rateParts[r.rawValue]
        var n = 0.0, d = 0.0
        for m in p.numerator { guard let v = values[m] else { return nil }; n += v }
        for m in p.denominator { guard let v = values[m] else { return nil }; d += v }
        return (n, d)
    }

    /// Each rate's numerator and denominator metrics, as indices (computed once: the hot loops of
    /// aggregation must not allocate).
    static let rateParts: [(numerator: [Int], denominator: [Int])] = Rate.allCases.map { r in (r.numerator.map(\.rawValue), r.denominator.map(\.rawValue)) }
    static let metricCount = Metric.allCases.count
    static let rateCount = Rate.allCases.count

    /// Table 三 rows read for the figures, by row key → slot.
    static let applicationSlots: [String: Int] = {
        let keys = ["received", "carried_over", "granted", "partially_granted",
                    "denied_state_secret", "denied_law_prohibited", "denied_security_stability", "denied_third_party",
                    "denied_internal_affairs", "denied_process_info", "denied_enforcement_file", "denied_query_matter",
                    "unavailable_not_held", "unavailable_needs_creation", "unavailable_unclear",
                    "not_processed_petition", "not_processed_duplicate", "not_processed_publication", "not_processed_excessive", "not_processed_confirmation",
                    "other", "other_no_supplement", "other_fee_unpaid", "other_misc", "total", "carried_forward"]
        var d: [String: Int] = [:]
        for (i, k) in keys.enumerated() { d[k] = i }
        return d
    }()

    /// Table 三's row keys in the form's order (the slots of `applicationSlots`).
    static let applicationKeys: [String] = {
        var keys = [String](repeating: "", count: applicationSlots.count)
        for (k, i) in applicationSlots { keys[i] = k }
        return keys
    }()

    public static func of(_ report: Report) -> Figures { of(report, carriedOverLine: nil) }

    /// The figures, and (when asked) the source line of table 三's `carried_over` row's last cell
    /// (the first such row, as `applications["carried_over"]` finds it).
    static func of(_ report: Report, carriedOverLine: UnsafeMutablePointer<Int?>?) -> Figures {
        var v = [Double?](repeating: nil, count: metricCount)
        func set(_ m: Metric, _ x: Double?) { v[m.rawValue] = x }
        if let a = report.applications {
            let t = Applications.columnCount - 1
            // One pass over the rows; the first row of a key wins, as `a[key]` would. Rows are
            // nearly always in the form's order, so the key is first compared with the next
            // expected one (string equality, no hashing).
            let keys = applicationKeys
            var present = [Bool](repeating: false, count: 26)
            var value = [Double?](repeating: nil, count: 26)
            var expected = 0
            for row in a.rows {
                let slot: Int
                if expected < keys.count, row.key == keys[expected] { slot = expected } else if let s = applicationSlots[row.key] { slot = s } else { continue }
                expected = slot + 1
                guard !present[slot] else { continue }
                present[slot] = true
                if slot == 1, let p = carriedOverLine { p.pointee = row.cells.last?.line }
                if t < row.cells.count, row.cells[t].isNumber { value[slot] = row.cells[t].value }
            }
            func sum(_ slots: ClosedRange<Int>) -> Double? {
                var s = 0.0
                for k in slots { guard let x = value[k] else { return nil }; s += x }
                return s
            }
            set(.received, value[0])
            set(.carriedOver, value[1])
            set(.granted, value[2])
            set(.partiallyGranted, value[3])
            set(.denied, sum(4...11))
            set(.unavailable, sum(12...14))
            set(.notHeld, value[12])
            set(.notProcessed, sum(15...19))
            if present[20] { set(.otherHandling, value[20]) } else { set(.otherHandling, sum(21...23)) }
            set(.handled, value[24])
            set(.carriedForward, value[25])
        }
        if let r = report.reviewLitigation {
            func cell(_ g: String, _ k: Int) -> Double? {
                guard let c = r[g]?[k], c.isNumber else { return nil }
                return c.value
            }
            set(.reviewTotal, cell("review", 4)); set(.reviewCorrected, cell("review", 1))
            set(.litigationDirectTotal, cell("litigation_direct", 4)); set(.litigationDirectCorrected, cell("litigation_direct", 1))
            set(.litigationAfterTotal, cell("litigation_after_review", 4)); set(.litigationAfterCorrected, cell("litigation_after_review", 1))
        }
        if let a = report.activeDisclosure {
            func decisions(_ key: String) -> Double? {
                guard let c = a[key]?["decisions"], c.isNumber else { return nil }
                return c.value
            }
            set(.licensing, decisions("administrative_licensing"))
            set(.penalty, decisions("administrative_penalty"))
            set(.coercion, decisions("administrative_coercion"))
        }
        return Figures(values: v)
    }
}

// MARK: - Totals with coverage

/// A sum over the reports of a group that printed the figure, with how many did.
public struct Total: Hashable, Sendable {
    public var value: Double
    /// Reports that contributed (the figure was known).
    public var covered: Int
    /// Reports in the group.
    public var of: Int
    public var isComplete: Bool { covered == of }
    /// `nil` when no report gave the figure.
    public var known: Double? { covered > 0 ? value : nil }
    public var coverageText: String { "\(covered) / \(of) 份报告" }
}

/// A pooled rate: Σ numerators ÷ Σ denominators over the reports that gave every figure the rate needs.
public struct PooledRate: Hashable, Sendable {
    public var numerator: Double
    public var denominator: Double
    public var covered: Int
    public var of: Int
    public var value: Double? { covered > 0 && denominator != 0 ? numerator / denominator : nil }
    public var coverageText: String { "\(covered) / \(of) 份报告" }
}

/// Totals and pooled rates over a set of reports that may be added together (one level).
public struct GroupTotals: Hashable, Sendable {
    public var reportCount: Int
    public var totals: [Total]
    public var rates: [PooledRate]

    public subscript(m: Metric) -> Total { totals[m.rawValue] }
    public subscript(r: Rate) -> PooledRate { rates[r.rawValue] }

    public static func of(_ figures: [Figures]) -> GroupTotals {
        var acc = GroupAccumulator()
        for f in figures { acc.add(f) }
        return acc.totals
    }
}

/// Sums figures one report at a time, in the order given (the same sums, bit for bit, as
/// `GroupTotals.of` over the same list), without building the list.
struct GroupAccumulator {
    static let M = Figures.metricCount, R = Figures.rateCount
    var count = 0
    /// Per metric its sum, then per rate its numerator and denominator sums.
    var sums = [Double](repeating: 0, count: M + 2 * R)
    /// Per metric, then per rate, how many reports gave it.
    var covered = [Int](repeating: 0, count: M + R)

    /// Each rate's metrics, six slots per rate: count and up to two numerator metrics, count and
    /// up to two denominator metrics (a plain buffer: the hot loop reads it without retaining).
    nonisolated(unsafe) static let plan: UnsafeMutablePointer<Int> = {
        let p = UnsafeMutablePointer<Int>.allocate(capacity: 6 * R)
        p.initialize(repeating: 0, count: 6 * R)
        for (r, parts) in Figures.rateParts.enumerated() {
            precondition(parts.numerator.count <= 2 && parts.denominator.count <= 2)
            p[6 * r] = parts.numerator.count
            for (k, m) in parts.numerator.enumerated() { p[6 * r + 1 + k] = m }
            p[6 * r + 3] = parts.denominator.count
            for (k, m) in parts.denominator.enumerated() { p[6 * r + 4 + k] = m }
        }
        return p
    }()

    mutating func add(_ f: Figures) {
        f.values.withUnsafeBufferPointer { add($0[...]) }
    }

    /// One report's figures (`Figures.metricCount` values).
    mutating func add(_ v: UnsafeBufferPointer<Double?>.SubSequence) {
        count += 1
        sums.withUnsafeMutableBufferPointer { s in
            covered.withUnsafeMutableBufferPointer { c in GroupAccumulator.add(v, sums: s.baseAddress!, covered: c.baseAddress!) }
        }
    }

    /// Width of the sums and of the counts of one accumulator, for callers that keep many in
    /// flat buffers.
    static var sumWidth: Int { M + 2 * R }
    static var coveredWidth: Int { M + R }

    /// Adds one report's figures to sums and counts laid out as in an accumulator.
    static func add(_ v: UnsafeBufferPointer<Double?>.SubSequence, sums s: UnsafeMutablePointer<Double>, covered c: UnsafeMutablePointer<Int>) {
        let b = v.startIndex
        let M = GroupAccumulator.M, R = GroupAccumulator.R, plan = GroupAccumulator.plan
        for m in 0..<M { if let x = v[b + m] { s[m] += x; c[m] += 1 } }
        rates: for r in 0..<R {
            var n = 0.0, d = 0.0
            let q = plan + 6 * r
            for k in 0..<q[0] { guard let x = v[b + q[1 + k]] else { continue rates }; n += x }
            for k in 0..<q[3] { guard let x = v[b + q[4 + k]] else { continue rates }; d += x }
            s[M + 2 * r] += n; s[M + 2 * r + 1] += d; c[M + r] += 1
        }
    }

    var totals: GroupTotals {
        sums.withUnsafeBufferPointer { s in covered.withUnsafeBufferPointer { c in GroupAccumulator.totals(count: count, sums: s.baseAddress!, covered: c.baseAddress!) } }
    }

    static func totals(count: Int, sums: UnsafePointer<Double>, covered: UnsafePointer<Int>) -> GroupTotals {
        let M = GroupAccumulator.M, R = GroupAccumulator.R
        var t: [Total] = []
        t.reserveCapacity(M)
        for m in 0..<M { t.append(Total(value: sums[m], covered: covered[m], of: count)) }
        var r: [PooledRate] = []
        r.reserveCapacity(R)
        for k in 0..<R { r.append(PooledRate(numerator: sums[M + 2 * k], denominator: sums[M + 2 * k + 1], covered: covered[M + k], of: count)) }
        return GroupTotals(reportCount: count, totals: t, rates: r)
    }
}

/// A change from the year before over the agencies that gave the figure in both years.
public struct YearChange: Hashable, Sendable {
    public var metric: Metric
    public var current: Double
    public var previous: Double
    /// Agencies with the figure in both years.
    public var agencies: Int
    public var difference: Double { current - previous }
    public var ratio: Double? { previous != 0 ? (current - previous) / previous : nil }
}

// MARK: - Entities

/// One report as placed in the portal.
public struct ReportEntry: Hashable, Sendable {
    /// Position in the input array.
    public let index: Int
    public let source: String
    /// Normalized identity of the agency, `nil` when the title named none.
    public let agencyKey: String?
    public let agencyName: String?
    public let year: Int?
    public let level: Level
    public var regionKey: String?
    public let figures: Figures
    /// False when the report is left out of totals (a duplicate agency-year, or no agency or year).
    public var counted: Bool
    /// Another report for the same agency and year exists.
    public var duplicate: Bool
    public var errorCount: Int
    public var warningCount: Int
    public var identityBreaks: Int
}

public struct CrossYearCheck: Hashable, Sendable {
    public enum Status: Hashable, Sendable { case holds, breaks, notCheckable }
    public var year: Int
    /// 上年结转 (总计 column) printed in `year`.
    public var carriedOver: Double?
    /// 结转下年度 (总计 column) printed in `year - 1`.
    public var previousCarriedForward: Double?
    public var status: Status
    public var source: String
    public var previousSource: String
    public var line: Int?
    /// How messages name the report of `year - 1` (its path inside the corpus, on the site).
    public var previousLabel: String

    /// The check in words (built when asked: most checks hold and are never printed).
    public var message: String {
        let y = year
        guard let co = carriedOver, let cf = previousCarriedForward else {
            return "上年结转 (\(y)) = 结转下年度 (\(y - 1)) cannot be checked: \(carriedOver == nil ? "上年结转 (\(y))" : "结转下年度 (\(y - 1))") is blank"
        }
        return co == cf
            ? "上年结转 \(JSON.format(co)) (\(y)) = 结转下年度 \(JSON.format(cf)) (\(y - 1))"
            : "上年结转 is \(JSON.format(co)) in \(y), but the \(y - 1) report (\(previousLabel)) carried \(JSON.format(cf)) forward (结转下年度)"
    }

    /// `message` in Chinese, for the portal's pages.
    public var messageZH: String {
        let y = year
        guard let co = carriedOver, let cf = previousCarriedForward else {
            return "无法核对 \(y) 年“上年结转”＝\(y - 1) 年“结转下年度”：\(carriedOver == nil ? "\(y) 年“上年结转”" : "\(y - 1) 年“结转下年度”")为空"
        }
        return co == cf
            ? "\(y) 年“上年结转”\(JSON.format(co))＝\(y - 1) 年“结转下年度”\(JSON.format(cf))"
            : "\(y) 年“上年结转”为 \(JSON.format(co))，但 \(y - 1) 年报告（\(previousLabel)）的“结转下年度”为 \(JSON.format(cf))"
    }
}

public struct AgencyAggregate: Hashable, Sendable {
    public let key: String
    public var name: String
    /// Every name the agency's reports used, sorted.
    public var names: [String]
    public var level: Level
    public var regionKey: String?
    /// Entry indices (into `Aggregates.entries`), by year then source.
    public var entries: [Int]
    /// Years with exactly one counted report → that entry.
    public var byYear: [Int: Int]
    public var crossYear: [CrossYearCheck]
}

public struct YearAggregate: Hashable, Sendable {
    public let year: Int
    /// Entries of the year, by agency name.
    public var entries: [Int]
    public var totals: [Level: GroupTotals]
    /// Like-for-like change from `year - 1`, per level and key metric.
    public var changes: [Level: [YearChange]]
}

public struct RegionAggregate: Hashable, Sendable {
    public let key: String
    public var name: String
    public var parent: String?
    public var children: [String]
    /// Agencies placed directly in this region.
    public var agencies: [String]
    /// Per year, per level, over the agencies of this region and its sub-regions (summed when
    /// first read: a build that renders no region page never needs them).
    public var totals: [Int: [Level: GroupTotals]] {
        get { sums?.totals(position) ?? setTotals }
        set { setTotals = newValue; sums = nil }
    }
    public var reportCount: Int
    /// Where `totals` comes from: the aggregation's sums (by this region's position), or a value
    /// set.
    var sums: RegionSums? = nil
    var position = 0
    var setTotals: [Int: [Level: GroupTotals]] = [:]

    init(key: String, name: String, parent: String?, children: [String], agencies: [String], sums: RegionSums? = nil, position: Int = 0, reportCount: Int = 0) {
        self.key = key; self.name = name; self.parent = parent; self.children = children; self.agencies = agencies
        self.sums = sums; self.position = position; self.reportCount = reportCount
    }

    public static func == (a: RegionAggregate, b: RegionAggregate) -> Bool {
        a.key == b.key && a.name == b.name && a.parent == b.parent && a.children == b.children && a.agencies == b.agencies
            && a.reportCount == b.reportCount && a.totals == b.totals
    }

    public func hash(into h: inout Hasher) {
        h.combine(key); h.combine(name); h.combine(parent); h.combine(children); h.combine(agencies); h.combine(reportCount)
    }
}

/// Each region's totals, from the figures of the reports in it, summed for a region the first
/// time they are read (then kept).
final class RegionSums: @unchecked Sendable {
    let flat: [Double?]
    /// Per region, the reports counted in it (it or a sub-region), in report order.
    let entries: [[Int]]
    let entryYear: [Int], rollup: [Bool], years: [Int]
    private let lock = NSLock()
    private var done: [Int: [Int: [Level: GroupTotals]]] = [:]

    init(flat: [Double?], entries: [[Int]], entryYear: [Int], rollup: [Bool], years: [Int]) {
        self.flat = flat; self.entries = entries; self.entryYear = entryYear; self.rollup = rollup; self.years = years
    }

    func totals(_ r: Int) -> [Int: [Level: GroupTotals]] {
        lock.lock(); defer { lock.unlock() }
        if let t = done[r] { return t }
        let t = sum(r)
        done[r] = t
        return t
    }

    /// One accumulator per year and level, in one buffer; reports added in report order.
    private func sum(_ r: Int) -> [Int: [Level: GroupTotals]] {
        let M = Figures.metricCount, S = years.count * 2, SW = GroupAccumulator.sumWidth, CW = GroupAccumulator.coveredWidth
        var sums = [Double](repeating: 0, count: S * SW)
        var covered = [Int](repeating: 0, count: S * CW)
        var slotCount = [Int](repeating: 0, count: S)
        var out: [Int: [Level: GroupTotals]] = [:]
        flat.withUnsafeBufferPointer { fv in
            sums.withUnsafeMutableBufferPointer { sp in
                covered.withUnsafeMutableBufferPointer { cp in
                    let s = sp.baseAddress!, c = cp.baseAddress!
                    for i in entries[r] {
                        let k = entryYear[i] * 2 + (rollup[i] ? 0 : 1)
                        slotCount[k] += 1
                        GroupAccumulator.add(fv[(i * M)..<(i * M + M)], sums: s + k * SW, covered: c + k * CW)
                    }
                    for (yk, y) in years.enumerated() {
                        let a = yk * 2, b = a + 1
                        guard slotCount[a] > 0 || slotCount[b] > 0 else { continue }
                        var t: [Level: GroupTotals] = [:]
                        if slotCount[a] > 0 { t[.rollup] = GroupAccumulator.totals(count: slotCount[a], sums: s + a * SW, covered: c + a * CW) }
                        if slotCount[b] > 0 { t[.department] = GroupAccumulator.totals(count: slotCount[b], sums: s + b * SW, covered: c + b * CW) }
                        out[y] = t
                    }
                }
            }
        }
        return out
    }
}

/// A finding that belongs to a report but comes from comparing reports.
public struct AggregateFinding: Hashable, Sendable {
    public var source: String
    public var diagnostic: Diagnostic
}

public struct Aggregates: Sendable {
    public var entries: [ReportEntry]
    /// By name.
    public var agencies: [AgencyAggregate]
    public var agencyIndex: [String: Int]
    /// Ascending.
    public var years: [YearAggregate]
    /// By key (widest first within a chain).
    public var regions: [RegionAggregate]
    public var regionIndex: [String: Int]
    /// All years, per level.
    public var grand: [Level: GroupTotals]
    public var findings: [AggregateFinding]
    /// Reports counted / all reports.
    public var countedReports: Int { entries.reduce(0) { $0 + ($1.counted ? 1 : 0) } }

    public func agency(_ key: String) -> AgencyAggregate? { agencyIndex[key].map { agencies[$0] } }
    public func region(_ key: String) -> RegionAggregate? { regionIndex[key].map { regions[$0] } }
    public var latestYear: YearAggregate? { years.last }
}

// MARK: - Aggregation

/// What aggregation reads of one report (see `AggregateInput.init`): a few values per report, so
/// callers that keep records elsewhere (the site's record cache) need not build `CheckedReport`s.
public struct AggregateInput: Sendable {
    public var source: String
    public var agency: String?
    public var year: Int?
    public var figures: Figures
    public var errorCount: Int
    public var warningCount: Int
    public var identityBreaks: Int
    /// Line of the last cell of table 三's `carried_over` row (cited by cross-year findings).
    public var carriedOverLine: Int?

    public init(source: String, agency: String?, year: Int?, figures: Figures, errorCount: Int, warningCount: Int, identityBreaks: Int,
                carriedOverLine: Int?) {
        self.source = source; self.agency = agency; self.year = year; self.figures = figures
        self.errorCount = errorCount; self.warningCount = warningCount; self.identityBreaks = identityBreaks
        self.carriedOverLine = carriedOverLine
    }

    /// `identityBreaks` when the report's identity results were not kept; else they are counted.
    public init(_ r: Report, identities: [IdentityResult] = [], identityBreaks: Int? = nil) {
        source = r.source
        agency = r.agency
        year = r.year
        var line: Int? = nil
        figures = Figures.of(r, carriedOverLine: &line)
        carriedOverLine = line
        var e = 0, w = 0
        for d in r.diagnostics { if d.severity == .error { e += 1 } else if d.severity == .warning { w += 1 } }
        errorCount = e; warningCount = w
        self.identityBreaks = identityBreaks ?? identities.reduce(0) { $0 + ($1.isBreak ? 1 : 0) }
    }
}

public enum Aggregator {
    /// `labels` name the reports in messages (the site passes paths inside the corpus, so the
    /// pages do not depend on where the corpus was); by default their `source`.
    /// `identityBreaks` gives each report's number of broken identities when its `identities` were
    /// not kept (records reloaded from the incremental build's cache); by default they are counted.
    public static func aggregate(_ reports: [CheckedReport], configuration: AggregateConfiguration = .init(), labels: [String]? = nil,
                                 identityBreaks: [Int]? = nil) -> Aggregates {
        let inputs = reports.indices.map { i in AggregateInput(reports[i].report, identities: reports[i].identities, identityBreaks: identityBreaks?[i]) }
        return aggregate(inputs: inputs, configuration: configuration, labels: labels)
    }

    /// What a title names: the agency (an id) and the name used for it.
    struct Placement {
        var agency: Int
        var name: String
        /// The name's id (names equal as strings share one).
        var nameId: Int
    }

    public static func aggregate(inputs: [AggregateInput], configuration: AggregateConfiguration = .init(), labels: [String]? = nil) -> Aggregates {
        let label: (Int) -> String = { i in labels.map { $0[i] } ?? inputs[i].source }
        let n = inputs.count
        let M = Figures.metricCount
        // Names are normalized, aliased and placed once per distinct title (a corpus has a few
        // titles per agency, and thousands of reports).
        // (Memo tables keyed by bytes: two byte-different spellings of one name just compute the
        // same answer twice.)
        var placementOf: [TextKey: Int] = [:]
        var placements: [Placement] = []
        var titles: [String] = []               // placement → the title itself
        var keys: [String] = []                 // agency id → key
        // Keys and names are compared by their bytes when every title and configured name is
        // `TextOrder.plain` (then byte equality is String equality), else as Strings.
        var plainText = true
        for input in inputs where plainText { if let a = input.agency, !TextOrder.isPlain(a) { plainText = false } }
        for (alias, canonical) in configuration.aliases where plainText { if !TextOrder.isPlain(alias) || !TextOrder.isPlain(canonical) { plainText = false } }
        let byBytes = plainText
        var keyId: [TextKey: Int] = [:]
        keyId.reserveCapacity(n / 2)
        var levels: [Level] = []                // agency id → level
        var names: [String] = []                // name id → name
        var nameId: [TextKey: Int] = [:]
        nameId.reserveCapacity(n / 2)
        placementOf.reserveCapacity(n / 2)
        var entryPlacement = [Int](repeating: -1, count: n)
        var titleYear: [Int] = []               // placement → latest year seen (for display)
        var entries: [ReportEntry] = []
        entries.reserveCapacity(n)
        for i in 0..<n {
            var key: String? = nil, name: String? = nil
            var level = Level.department
            let year = inputs[i].year
            if let a = inputs[i].agency {
                let pi: Int
                if let known = placementOf[TextKey(a, bytes: true)] { pi = known } else {
                    let norm = AgencyName.normalize(a)
                    let k: String, nm: String
                    if !configuration.aliases.isEmpty, let canonical = configuration.aliases[norm] { k = AgencyName.normalize(canonical); nm = canonical } else { k = norm; nm = a }
                    let id: Int
                    if let x = keyId[TextKey(k, bytes: byBytes)] { id = x } else {
                        id = keys.count
                        keyId[TextKey(k, bytes: byBytes)] = id
                        keys.append(k)
                        levels.append((configuration.levels.isEmpty ? nil : configuration.levels[k]) ?? Level.infer(k))
                    }
                    let ni: Int
                    if let x = nameId[TextKey(nm, bytes: byBytes)] { ni = x } else { ni = names.count; nameId[TextKey(nm, bytes: byBytes)] = ni; names.append(nm) }
                    pi = placements.count
                    placements.append(Placement(agency: id, name: nm, nameId: ni))
                    titles.append(a)
                    titleYear.append(Int.min)
                    placementOf[TextKey(a, bytes: true)] = pi
                }
                let p = placements[pi]
                key = keys[p.agency]; name = p.name; level = levels[p.agency]
                entryPlacement[i] = pi
                titleYear[pi] = max(titleYear[pi], year ?? 0)
            }
            // The region is set below from the agency's chain (nil without an agency).
            entries.append(ReportEntry(index: i, source: inputs[i].source, agencyKey: key, agencyName: name, year: year, level: level,
                                       regionKey: nil, figures: inputs[i].figures, counted: key != nil && year != nil,
                                       duplicate: false, errorCount: inputs[i].errorCount, warningCount: inputs[i].warningCount,
                                       identityBreaks: inputs[i].identityBreaks))
        }
        let entryAgency = entryPlacement.map { $0 >= 0 ? placements[$0].agency : -1 }
        // The names the reports themselves use, with the latest year of each; the display name is
        // the configured canonical one, else the latest report's. (Per title, in the order the
        // titles first appear, as a dictionary updated report by report would keep them.)
        // (A short list per agency, not a dictionary: an agency has one to three titles.)
        var displayNames = [[(title: String, year: Int)]](repeating: [], count: keys.count)
        for (pi, p) in placements.enumerated() {
            let t = titles[pi], y = titleYear[pi]
            if let k = displayNames[p.agency].firstIndex(where: { $0.title == t }) {
                if displayNames[p.agency][k].year < y { displayNames[p.agency][k].year = y }
            } else {
                displayNames[p.agency].append((t, y))
            }
        }
        // Figures in one flat buffer (no array per access in the loops below).
        var flat = [Double?](repeating: nil, count: n * M)
        flat.withUnsafeMutableBufferPointer { f in
            for i in 0..<n { inputs[i].figures.values.withUnsafeBufferPointer { v in for m in 0..<M { f[i * M + m] = v[m] } } }
        }

        var findings: [AggregateFinding] = []

        // Agencies and duplicates.
        var byAgency = [[Int]](repeating: [], count: keys.count)
        for i in 0..<n where entryAgency[i] >= 0 { byAgency[entryAgency[i]].append(i) }
        var agencies: [AgencyAggregate] = []
        agencies.reserveCapacity(keys.count)
        for id in keys.indices {
            let key = keys[id]
            let list = byAgency[id]
            let sorted = list.count < 2 ? list : list.sorted { a, b in
                let ya = inputs[a].year ?? 0, yb = inputs[b].year ?? 0
                return ya != yb ? ya < yb : inputs[a].source < inputs[b].source
            }
            var byYear: [Int: [Int]] = [:]
            for i in sorted { if let y = inputs[i].year { byYear[y, default: []].append(i) } }
            var single: [Int: Int] = [:]
            for (y, list) in byYear {
                if list.count == 1 { single[y] = list[0]; continue }
                for i in list {
                    entries[i].duplicate = true
                    entries[i].counted = false
                    let others = list.filter { $0 != i }.map { label(entries[$0].index) }
                    let all = [label(entries[i].index)] + others
                    findings.append(AggregateFinding(source: entries[i].source, diagnostic: .error(
                        "\(list.count == 2 ? "two" : "\(list.count)") reports for \(entries[i].agencyName ?? key) \(y): \(all.joined(separator: list.count == 2 ? " and " : ", ")); \(list.count == 2 ? "both are" : "all \(list.count) are") published, none is counted in totals",
                        zh: "\(entries[i].agencyName ?? key) \(y) 年有 \(list.count) 份报告：\(all.joined(separator: "、"))；都已发布，均不计入合计", line: nil, kind: .duplicate)))
                }
            }
            let names = displayNames[id]
            let display = (configuration.aliases.isEmpty ? nil : configuration.aliases[key])
                ?? names.max { a, b in a.year != b.year ? a.year < b.year : a.title > b.title }?.title ?? key
            // Cross-year identity: 上年结转 in Y == 结转下年度 in Y−1 (总计 column).
            var checks: [CrossYearCheck] = []
            for (y, i) in single.sorted(by: { $0.key < $1.key }) {
                guard let p = single[y - 1] else { continue }
                let co = flat[i * M + Metric.carriedOver.rawValue], cf = flat[p * M + Metric.carriedForward.rawValue]
                let line = inputs[i].carriedOverLine
                let status: CrossYearCheck.Status
                if let co, let cf { status = co == cf ? .holds : .breaks } else { status = .notCheckable }
                let check = CrossYearCheck(year: y, carriedOver: co, previousCarriedForward: cf, status: status,
                                           source: inputs[i].source, previousSource: inputs[p].source, line: line, previousLabel: label(p))
                checks.append(check)
                if status == .breaks {
                    findings.append(AggregateFinding(source: inputs[i].source, diagnostic: .warning(check.message, zh: check.messageZH, line: line, kind: .crossYearBreak)))
                }
            }
            agencies.append(AgencyAggregate(key: key, name: display, names: names.count < 2 ? names.map(\.title) : names.map(\.title).sorted(), level: levels[id],
                                            regionKey: nil, entries: sorted, byYear: single, crossYear: checks))
        }
        // By name then key.
        let nameRanks = TextOrder.ranks(agencies.map(\.name)), keyRanks = TextOrder.ranks(keys)
        let byName = agencies.indices.sorted { nameRanks[$0] != nameRanks[$1] ? nameRanks[$0] < nameRanks[$1] : keyRanks[$0] < keyRanks[$1] }
        agencies = byName.map { agencies[$0] }
        var position = [Int](repeating: 0, count: keys.count)
        for (p, id) in byName.enumerated() { position[id] = p }
        var agencyIndex: [String: Int] = [:]
        agencyIndex.reserveCapacity(agencies.count)
        for (i, a) in agencies.enumerated() { agencyIndex[a.key] = i }
        // Per entry: its agency's position in `agencies` (-1 without one), counted, level.
        let entryPosition = entryAgency.map { $0 >= 0 ? position[$0] : -1 }
        var countedFlags = [Bool](repeating: false, count: n), rollupFlags = [Bool](repeating: false, count: n)
        for i in 0..<n { countedFlags[i] = entries[i].counted; rollupFlags[i] = entries[i].level == .rollup }
        let counted = countedFlags, rollup = rollupFlags

        // Years, entries by the name the report used: names ranked once, not compared per sort step.
        let nameRank = TextOrder.ranks(names)
        let rank = entryPlacement.map { $0 >= 0 ? nameRank[placements[$0].nameId] : -1 }
        var byYear: [Int: [Int]] = [:]
        for i in 0..<n where entryAgency[i] >= 0 { if let y = inputs[i].year { byYear[y, default: []].append(i) } }
        let singleByAgency = agencies.map(\.byYear)
        let flatValues = flat, byYearLists = byYear
        @Sendable func yearAggregates() -> [YearAggregate] {
          var years: [YearAggregate] = []
          flatValues.withUnsafeBufferPointer { fv in
            for y in byYearLists.keys.sorted() {
                let list = byYearLists[y]!.sorted { rank[$0] != rank[$1] ? rank[$0] < rank[$1] : inputs[$0].source < inputs[$1].source }
                var totals: [Level: GroupTotals] = [:]
                var changes: [Level: [YearChange]] = [:]
                for level in Level.allCases {
                    let isRollup = level == .rollup
                    let inLevel = list.filter { counted[$0] && rollup[$0] == isRollup }
                    guard !inLevel.isEmpty else { continue }
                    var acc = GroupAccumulator()
                    for i in inLevel { acc.add(fv[(i * M)..<(i * M + M)]) }
                    totals[level] = acc.totals
                    // Like-for-like: agencies with a counted report in both years.
                    let previous = inLevel.map { i in entryPosition[i] >= 0 ? singleByAgency[entryPosition[i]][y - 1] : nil }
                    var ch: [YearChange] = []
                    for metric in Metric.key {
                        let m = metric.rawValue
                        var cur = 0.0, prev = 0.0, k = 0
                        for (j, i) in inLevel.enumerated() {
                            guard let p = previous[j] else { continue }
                            guard let c = fv[i * M + m], let q = fv[p * M + m] else { continue }
                            cur += c; prev += q; k += 1
                        }
                        if k > 0 { ch.append(YearChange(metric: metric, current: cur, previous: prev, agencies: k)) }
                    }
                    changes[level] = ch
                }
                years.append(YearAggregate(year: y, entries: list, totals: totals, changes: changes))
            }
        }
          return years
        }

        // Regions: every area of every chain, agencies in their narrowest area. Areas are small
        // ids while they are collected (a name hashed by its bytes once), sorted by key at the end.
        let agencyNames = agencies.map(\.name), agencyKeys = agencies.map(\.key), agencyCount = agencies.count
        @Sendable func regionAggregates() -> (regions: [RegionAggregate], index: [String: Int], agencyRegion: [String?]) {
        var chainOf: [TextKey: [Int]] = [:]
        var areaId: [TextKey: Int] = [:]
        var areaKeys: [String] = []
        var areaParent: [Int] = []              // area id → parent id, -1 for none
        var areaAgencies: [[Int]] = []          // area id → agency positions placed in it
        var agencyChain = [[Int]](repeating: [], count: agencyCount)
        for ai in 0..<agencyCount {
            let name = agencyNames[ai]
            let chain: [Int]
            if let c = chainOf[TextKey(name, bytes: true)] { chain = c } else {
                var ids: [Int] = []
                for r in regionChain(for: name, rules: configuration.regionRules) {
                    if let x = areaId[TextKey(r, bytes: true)] { ids.append(x); continue }
                    // An area's parent is the area before it in the chain it first appears in.
                    let x = areaKeys.count
                    areaId[TextKey(r, bytes: true)] = x
                    areaKeys.append(r)
                    areaParent.append(ids.last ?? -1)
                    areaAgencies.append([])
                    ids.append(x)
                }
                chain = ids
                chainOf[TextKey(name, bytes: true)] = chain
            }
            agencyChain[ai] = chain
            if let narrowest = chain.last { areaAgencies[narrowest].append(ai) }
        }
        let areaOrder = areaKeys.indices.sorted { TextOrder.less(areaKeys[$0], areaKeys[$1]) }
        var areaPosition = [Int](repeating: 0, count: areaKeys.count)
        for (p, id) in areaOrder.enumerated() { areaPosition[id] = p }
        var regions: [RegionAggregate] = []
        regions.reserveCapacity(areaOrder.count)
        for id in areaOrder {
            regions.append(RegionAggregate(key: areaKeys[id], name: areaKeys[id], parent: areaParent[id] >= 0 ? areaKeys[areaParent[id]] : nil,
                                           children: [], agencies: areaAgencies[id].map { agencyKeys[$0] }))
        }
        var regionIndex: [String: Int] = [:]
        regionIndex.reserveCapacity(regions.count)
        for (i, r) in regions.enumerated() { regionIndex[r.key] = i }
        for id in areaOrder where areaParent[id] >= 0 { regions[areaPosition[areaParent[id]]].children.append(areaKeys[id]) }
        let chainIndices = agencyChain.map { $0.map { areaPosition[$0] } }
        // Totals per region include sub-regions (each report is in exactly one narrowest region).
        // Years as small indices.
        let yearList = Array(Set(inputs.compactMap(\.year))).sorted()
        var yearSlot: [Int: Int] = [:]
        for (k, y) in yearList.enumerated() { yearSlot[y] = k }
        let entryYear = inputs.map { $0.year.flatMap { yearSlot[$0] } ?? -1 }
        var regionEntries = [[Int]](repeating: [], count: regions.count)
        for i in 0..<n where counted[i] && entryPosition[i] >= 0 && entryYear[i] >= 0 {
            for r in chainIndices[entryPosition[i]] { regionEntries[r].append(i) }
        }
        let sums = RegionSums(flat: flatValues, entries: regionEntries, entryYear: entryYear, rollup: rollup, years: yearList)
        for r in regions.indices {
            regions[r].sums = sums
            regions[r].position = r
            regions[r].reportCount = regionEntries[r].count
        }
        return (regions, regionIndex, agencyChain.map { $0.last.map { areaKeys[$0] } })
        }

        // Years and regions read the same values and write nothing shared: one on each core.
        final class Results: @unchecked Sendable {
            var years: [YearAggregate] = []
            var regions: (regions: [RegionAggregate], index: [String: Int], agencyRegion: [String?]) = ([], [:], [])
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: 2) { k in
            if k == 0 { results.years = yearAggregates() } else { results.regions = regionAggregates() }
        }
        let years = results.years, regions = results.regions.regions, regionIndex = results.regions.index
        for i in agencies.indices { agencies[i].regionKey = results.regions.agencyRegion[i] }
        for i in 0..<n where entryPosition[i] >= 0 { entries[i].regionKey = results.regions.agencyRegion[entryPosition[i]] }
        // Grand totals over all years.
        var grand: [Level: GroupTotals] = [:]
        flat.withUnsafeBufferPointer { fv in
            for level in Level.allCases {
                let isRollup = level == .rollup
                var acc = GroupAccumulator()
                for i in 0..<n where counted[i] && rollup[i] == isRollup { acc.add(fv[(i * M)..<(i * M + M)]) }
                if acc.count > 0 { grand[level] = acc.totals }
            }
        }

        findings.sort { $0.source != $1.source ? $0.source < $1.source : $0.diagnostic.message < $1.diagnostic.message }
        return Aggregates(entries: entries, agencies: agencies, agencyIndex: agencyIndex, years: years, regions: regions,
                          regionIndex: regionIndex, grand: grand, findings: findings)
    }

    /// The narrowest region of a name: a configured rule first, else the name's own prefix.
    public static func regionKey(for name: String, rules: [RegionRule]) -> String? {
        regionChain(for: name, rules: rules).last
    }

    public static func regionChain(for name: String, rules: [RegionRule]) -> [String] {
        let n = rules.isEmpty ? "" : AgencyName.normalize(name)
        for rule in rules where n.contains(AgencyName.normalize(rule.match)) {
            // The configured region, with its own chain (a district's city).
            let chain = AgencyName.regionChain(rule.region)
            return chain.last == AgencyName.normalize(rule.region) ? chain : chain + [AgencyName.normalize(rule.region)]
        }
        return AgencyName.regionChain(name)
    }
}
