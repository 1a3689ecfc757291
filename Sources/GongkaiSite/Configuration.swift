import Foundation
import GongkaiRead
import Yams
import GongkaiCore
import GongkaiAggregate

/// `gongkai.yml` in the corpus folder. Every key is optional:
///
/// ```yaml
/// title: 青禾市政府信息公开年度报告门户
/// base_url: https://example.org/portal/   # or a path: /portal/
/// language: zh-CN
/// description: 一句话介绍
/// fictional: true          # shows a banner: the data is made up
/// notice: 本站数据均为虚构   # the banner's text
/// aliases:                 # canonical name: [other names of the same body]
///   青禾市石桥区人民政府: [石桥区人民政府]
/// regions:                 # a name containing `match` belongs to `region`
///   - match: 青禾高新区
///     region: 青禾市石桥区
/// levels:                  # override the roll-up rule for a body: rollup | department
///   青禾市某某管委会: department
/// ```
public struct SiteConfiguration: Sendable {
    public var title = "政府信息公开工作年度报告"
    public var baseURL: String? = nil
    public var language = "zh-CN"
    public var description = "政府信息公开工作年度报告的数据、核对结果与比较。"
    public var fictional = false
    public var notice: String? = nil
    public var aliases: [String: [String]] = [:]
    public var regionRules: [RegionRule] = []
    public var levels: [String: Level] = [:]

    public init() {}

    public var aggregateConfiguration: AggregateConfiguration {
        AggregateConfiguration(aliases: aliases, regionRules: regionRules, levels: levels)
    }

    public static let fileName = "gongkai.yml"

    /// Reads `gongkai.yml` from the corpus folder; a missing file is the defaults. Problems are
    /// returned as diagnostics of the file (the build goes on with the defaults for that key).
    public static func load(corpus: String) -> (SiteConfiguration, [Diagnostic]) {
        let path = (corpus.hasSuffix("/") ? corpus : corpus + "/") + fileName
        guard let data = FileManager.default.contents(atPath: path) else { return (SiteConfiguration(), []) }
        guard let text = String(data: data, encoding: .utf8) else {
            return (SiteConfiguration(), [.error("the configuration is not UTF-8 text")])
        }
        return parse(text)
    }

    public static func parse(_ text: String) -> (SiteConfiguration, [Diagnostic]) {
        var c = SiteConfiguration()
        var d: [Diagnostic] = []
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            return (c, [.error("the configuration is not valid YAML: \(error)")])
        }
        guard let root, let map = root.mapping else {
            if root != nil { d.append(.error("the configuration must be a mapping of keys to values")) }
            return (c, d)
        }
        let known: Set<String> = ["title", "base_url", "language", "description", "fictional", "notice", "aliases", "regions", "levels"]
        for (k, _) in map {
            if let key = k.string, !known.contains(key) { d.append(.warning("unknown configuration key '\(key)' (known: \(known.sorted().joined(separator: ", ")))", line: k.mark.map { $0.line })) }
        }
        func string(_ key: String) -> String? { map[key]?.string.flatMap { $0.isEmpty ? nil : $0 } }
        if let v = string("title") { c.title = v }
        if let v = string("base_url") { c.baseURL = v }
        if let v = string("language") {
            if v.unicodeScalars.allSatisfy({ ($0.value < 0x80) && ($0.properties.isAlphabetic || $0 == "-" || ("0"..."9").contains($0)) }) { c.language = v }
            else { d.append(.warning("language '\(v)' is not a language tag such as zh-CN; zh-CN is used")) }
        }
        if let v = string("description") { c.description = v }
        if let v = map["fictional"]?.bool { c.fictional = v }
        if let v = string("notice") { c.notice = v }
        if let a = map["aliases"] {
            if let m = a.mapping {
                for (k, v) in m {
                    guard let canonical = k.string else { continue }
                    if let list = v.sequence { c.aliases[canonical] = list.compactMap(\.string) }
                    else if let one = v.string { c.aliases[canonical] = [one] }
                }
            } else { d.append(.warning("aliases must map a name to a list of other names", line: a.mark.map { $0.line })) }
        }
        if let r = map["regions"] {
            if let seq = r.sequence {
                for item in seq {
                    guard let m = item["match"]?.string, let region = item["region"]?.string, !m.isEmpty, !region.isEmpty else {
                        d.append(.warning("each region rule needs match: and region:", line: item.mark.map { $0.line }))
                        continue
                    }
                    c.regionRules.append(RegionRule(match: m, region: region))
                }
            } else { d.append(.warning("regions must be a list of {match, region}", line: r.mark.map { $0.line })) }
        }
        if let l = map["levels"]?.mapping {
            for (k, v) in l {
                guard let name = k.string else { continue }
                if let s = v.string, let level = Level(rawValue: s) { c.levels[name] = level }
                else { d.append(.warning("level of \(name) must be rollup or department", line: v.mark.map { $0.line })) }
            }
        }
        return (c, d)
    }
}

/// The optional sidecar of a report: `NAME.meta.yml` beside `NAME.txt` (or `.html`, `.md`):
///
/// ```yaml
/// source_url: https://www.example.gov.cn/xxgk/ndbg/2023.html
/// published: 2024-01-31
/// ```
public struct Sidecar: Hashable, Sendable {
    public var sourceURL: String?
    /// `YYYY-MM-DD`.
    public var published: String?

    public init(sourceURL: String? = nil, published: String? = nil) { self.sourceURL = sourceURL; self.published = published }

    /// The sidecar path of a report file.
    public static func path(for report: String) -> String {
        // The name without its extension (what follows the last dot of the last component,
        // unless that dot begins the name or ends it), on bytes: called once per report.
        let u = report.utf8
        let name = u.lastIndex(of: 0x2F).map { u.index(after: $0) } ?? u.startIndex
        if let dot = u[name...].lastIndex(of: 0x2E), dot != name, u.index(after: dot) != u.endIndex {
            return String(report[..<dot]) + ".meta.yml"
        }
        return report + ".meta.yml"
    }

    public static func load(for report: String) -> (Sidecar?, [Diagnostic]) {
        let p = path(for: report)
        guard let bytes = FileBytes.read(p) else { return (nil, []) }
        return parse(bytes: bytes, path: p)
    }

    /// The sidecar at `path`, already read.
    public static func parse(bytes: [UInt8], path: String) -> (Sidecar?, [Diagnostic]) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let text = String(validating: bytes, as: UTF8.self) else { return (nil, [.warning("\(name) is not UTF-8 text; ignored", zh: "\(name) 不是 UTF-8 文本，已忽略")]) }
        return parse(text, name: name)
    }

    public static func parse(_ text: String, name: String) -> (Sidecar?, [Diagnostic]) {
        var d: [Diagnostic] = []
        guard let node = try? Yams.compose(yaml: text), let map = node.mapping else {
            return (nil, [.warning("\(name) is not a YAML mapping; ignored", zh: "\(name) 不是 YAML 键值表，已忽略")])
        }
        var s = Sidecar()
        if let u = map["source_url"]?.string {
            let t = u.trimmingCharacters(in: .whitespaces)
            let lower = t.lowercased()
            if (lower.hasPrefix("https://") || lower.hasPrefix("http://")), !t.contains(where: { $0.isWhitespace || "\"'<>`".contains($0) }) {
                s.sourceURL = t
            } else { d.append(.warning("\(name): source_url must be an http(s) address; ignored", zh: "\(name)：source_url 须为 http(s) 地址，已忽略")) }
        }
        if let p = map["published"]?.string {
            let u = Array(p.utf8)
            let ok = u.count == 10 && u[4] == 0x2D && u[7] == 0x2D && u.enumerated().allSatisfy { i, b in i == 4 || i == 7 || (0x30...0x39).contains(b) }
            if ok { s.published = p } else { d.append(.warning("\(name): published must be a date YYYY-MM-DD; ignored", zh: "\(name)：published 须为 YYYY-MM-DD 格式的日期，已忽略")) }
        }
        return (s, d)
    }
}
