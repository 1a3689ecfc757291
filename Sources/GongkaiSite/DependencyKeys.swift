import Foundation
import Crypto
import GongkaiCore
import GongkaiRead
import GongkaiExtract
import GongkaiCheck
import GongkaiAggregate
import GongkaiRender
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keys (`DependencyKeys`) are built from digests: every key starts from the global digest (tool
/// version, `gongkai.yml`, `--base-url`, and the report and agency counts when a template shows
/// them on every page) and the digest of the template files its unit reads (`TemplateDigests`: a
/// page its kind's template, the layouts and partials). A report's content digest covers its
/// file and sidecar; its head digest what the cache keeps in front of its tables (metadata,
/// findings, sidecar, identity breaks, the figures aggregation reads). An agency unit (its page
/// and data files print every cell) reads the content of all its reports; a report page its own
/// content and the heads of its agency's reports; a year page the heads of the agencies
/// reporting that year or the year before (like-for-like change) and the list of years; a
/// region page those of the agencies in its subtree; per-year data files the content of their
/// reports and their agencies' few values; home, the indexes, the corpus-wide aggregates,
/// sitemap and feed the heads of the whole corpus. So a cell that no aggregate reads, when it
/// changes, re-renders only its report, its agency and its year's data files.
struct DependencyKeys {
    /// The tool's version, the configuration, `--base-url` (and the counts, when a template shows
    /// them): what every unit reads.
    let global: [UInt8]
    /// What each kind of unit reads of the templates (`TemplateDigests`).
    let templates: TemplateDigests
    /// Every report's path and head: what the corpus-wide pages read.
    let corpus: [UInt8]
    let years: [UInt8]
    /// Flat arrays of 32-byte digests, by entry (= report index) or agency position:
    /// per report, its agency's summary digest (or its own when it has no agency); per report,
    /// what its row in the data files shows (its content and the few aggregate values printed
    /// beside it: agency name and id, level, region, error and break counts); per agency, the
    /// summary digest (paths and heads of all its reports).
    let ownerDigests: [UInt8]
    let rowDigests: [UInt8]
    let agencySummaries: [UInt8]
    /// Unit keys (16 bytes each), computed with the digests: per report its page's, per agency
    /// (position) its page and data files'.
    let reportKeys: [UInt8]
    let agencyKeys: [UInt8]
    let byYear: [Int: [Int]]
    /// Per report, what its owner digest is made from: its agency (position), or itself (-1 - index).
    let ownerIds: [Int]

    static let none = DependencyKeys()

    private init() {
        global = []; templates = .none; corpus = []; years = []; ownerDigests = []; rowDigests = []; agencySummaries = []; reportKeys = []; agencyKeys = []
        byYear = [:]; ownerIds = []
    }

    var isEmpty: Bool { global.isEmpty }

    func rows(_ indices: [Int]) -> [UInt8] {
        var h = SHA256()
        rowDigests.withUnsafeBytes { b in for i in indices { h.update(bufferPointer: UnsafeRawBufferPointer(rebasing: b[(i * 32)..<(i * 32 + 32)])) } }
        return Array(h.finalize())
    }

    /// A report's content digest: its file's hash and its sidecar's (or none), each
    /// length-prefixed, from the flat array of `init`.
    static func feedContent(_ h: inout SHA256, _ i: Int, _ c: UnsafeBufferPointer<UInt8>) {
        var len = UInt64(32).littleEndian
        withUnsafeBytes(of: &len) { h.update(bufferPointer: $0) }
        h.update(bufferPointer: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(c)[(i * 65)..<(i * 65 + 32)]))
        var sl = UInt64(c[i * 65 + 32] == 1 ? 32 : 0).littleEndian
        withUnsafeBytes(of: &sl) { h.update(bufferPointer: $0) }
        if c[i * 65 + 32] == 1 { h.update(bufferPointer: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(c)[(i * 65 + 33)..<(i * 65 + 65)])) }
    }

    /// A report's summary (32 bytes of the flat array), length-prefixed.
    static func feedSummary(_ h: inout SHA256, _ i: Int, _ sm: UnsafeBufferPointer<UInt8>) {
        var len = UInt64(32).littleEndian
        withUnsafeBytes(of: &len) { h.update(bufferPointer: $0) }
        h.update(bufferPointer: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(sm)[(i * 32)..<(i * 32 + 32)]))
    }

    /// `entries[i]`: report `i`'s cache entry (the hashes of its file and sidecar, the digest of
    /// its head).
    ///
    /// Which digest a unit's key takes is a statement about what the unit reads:
    /// - an agency's content digest and `rows` (agency pages and data files, which print every
    ///   cell): the content of the files;
    /// - `corpus` (home, the indexes, the corpus-wide data, sitemap, feed), `owners(year:)` (year
    ///   pages) and `agencies` (region pages): the heads only — metadata, findings, sidecar and
    ///   the figures aggregation reads — since they show aggregates and metadata, never a cell
    ///   aggregation does not read;
    /// - a report's page: its own content and its agency's heads (the other years it links to
    ///   and the cross-year checks).
    /// A page that starts printing a cell of another report must take a content digest.
    init(global: [UInt8], templates: TemplateDigests, reports: [LoadedReport], entries: [CacheEntry], aggregates agg: Aggregates) {
        self.global = global
        self.templates = templates
        let agencyTemplates = templates.page("agency"), reportTemplates = templates.page("report")
        // What the digests read, in flat arrays (the loops below run on every core and must not
        // copy records or share reference counts).
        let n = reports.count
        let rel = reports.indices.map { reports[$0].relativePath }
        var content = [UInt8](repeating: 0, count: n * 65)
        var summary = [UInt8](repeating: 0, count: n * 32)
        for i in 0..<n {
            entries[i].hash.withUnsafeBufferPointer { h in for k in 0..<32 { content[i * 65 + k] = h[k] } }
            if let sh = entries[i].sidecarHash { content[i * 65 + 32] = 1; sh.withUnsafeBufferPointer { h in for k in 0..<32 { content[i * 65 + 33 + k] = h[k] } } }
            entries[i].summary.withUnsafeBufferPointer { h in for k in 0..<32 { summary[i * 32 + k] = h[k] } }
        }
        // The bytes `feed(rel[i])` and `feedSummary` would feed, for every report, hashed at once.
        var all = ByteBuffer(capacity: n * 100)
        for i in 0..<n {
            all.lengthPrefixed(rel[i])
            all.lengthPrefixed(summary[(i * 32)..<(i * 32 + 32)])
        }
        var c = SHA256()
        all.bytes.withUnsafeBytes { c.update(bufferPointer: $0) }
        corpus = Array(c.finalize())
        var y = SHA256()
        for ya in agg.years { y.feed("\(ya.year)") }
        years = Array(y.finalize())
        // Per agency and per report, on every core.
        let agencyCount = agg.agencies.count
        let agencyNames = agg.agencies.indices.map { agg.agencies[$0].key }
        let agencyEntries = agg.agencies.indices.map { agg.agencies[$0].entries }
        var agencyUnitKeys = [UInt8](repeating: 0, count: agencyCount * 16)
        var agencySummaries = [UInt8](repeating: 0, count: agencyCount * 32)
        let m = agg.entries.count
        var rowDigests = [UInt8](repeating: 0, count: m * 32)
        var ownerDigests = [UInt8](repeating: 0, count: m * 32)
        var reportUnitKeys = [UInt8](repeating: 0, count: m * 16)
        var ownerAgency = [Int](repeating: -1, count: m)
        // Entries of one agency are in `agg.agencies[a].entries`.
        for (a, list) in agencyEntries.enumerated() { for k in list { ownerAgency[k] = a } }
        let indexOf = agg.entries.indices.map { agg.entries[$0].index }
        let owners = ownerAgency
        /// The few values of entry `k` its data-file row prints beside its cells.
        @Sendable func feedRow(_ h: inout SHA256, _ k: Int) {
            func part(_ s: String?) { if let s { h.feed(s) } else { h.feed("\u{0}") } }
            part(agg.entries[k].agencyKey); part(agg.entries[k].agencyName); part(agg.entries[k].regionKey)
            var v = (Int64(agg.entries[k].level == .rollup ? 1 : 0), Int64(agg.entries[k].errorCount), Int64(agg.entries[k].identityBreaks))
            withUnsafeBytes(of: &v) { h.update(bufferPointer: $0) }
        }
        content.withUnsafeBufferPointer { cbp in
            summary.withUnsafeBufferPointer { sbp in
                let cb = UncheckedSendable(cbp), sb = UncheckedSendable(sbp)
                agencyUnitKeys.withUnsafeMutableBytes { akp in
                    agencySummaries.withUnsafeMutableBufferPointer { asp in
                        let ak = UncheckedSendable(akp), asm = UncheckedSendable(asp)
                        let parts = max(1, min(agencyCount, 8))
                        DispatchQueue.concurrentPerform(iterations: parts) { part in
                            for k in (part * agencyCount / parts)..<((part + 1) * agencyCount / parts) {
                                // The agency unit's key: the content of its reports (what its
                                // pages print); its summary: their heads.
                                var h = SHA256(), hs = SHA256()
                                h.feed(global); h.feed("agency"); h.feed(agencyTemplates)
                                h.feed(agencyNames[k]); hs.feed(agencyNames[k])
                                for j in agencyEntries[k] {
                                    h.feed(rel[j]); DependencyKeys.feedContent(&h, j, cb.value)
                                    hs.feed(rel[j]); DependencyKeys.feedSummary(&hs, j, sb.value)
                                }
                                h.finalize().withUnsafeBytes { for b in 0..<16 { ak.value[k * 16 + b] = $0[b] } }
                                hs.finalize().withUnsafeBytes { for b in 0..<32 { asm.value[k * 32 + b] = $0[b] } }
                            }
                        }
                    }
                }
                let asums = agencySummaries
                rowDigests.withUnsafeMutableBufferPointer { rdp in
                    ownerDigests.withUnsafeMutableBufferPointer { odp in
                        reportUnitKeys.withUnsafeMutableBytes { rkp in
                            let rd = UncheckedSendable(rdp), od = UncheckedSendable(odp), rk = UncheckedSendable(rkp)
                            let parts = max(1, min(m, 8))
                            DispatchQueue.concurrentPerform(iterations: parts) { part in
                                for k in (part * m / parts)..<((part + 1) * m / parts) {
                                    let i = indexOf[k]
                                    var h = SHA256()
                                    h.feed(rel[i]); DependencyKeys.feedContent(&h, i, cb.value)
                                    feedRow(&h, k)
                                    h.finalize().withUnsafeBytes { for b in 0..<32 { rd.value[k * 32 + b] = $0[b] } }
                                    if owners[k] >= 0 {
                                        for b in 0..<32 { od.value[k * 32 + b] = asums[owners[k] * 32 + b] }
                                    } else {
                                        var h = SHA256()
                                        h.feed("solo"); h.feed(rel[i]); DependencyKeys.feedSummary(&h, i, sb.value)
                                        h.finalize().withUnsafeBytes { for b in 0..<32 { od.value[k * 32 + b] = $0[b] } }
                                    }
                                    // The report page's key: what it reads, its own content and its
                                    // owner's digest.
                                    var o = SHA256()
                                    o.feed(global); o.feed("report"); o.feed(reportTemplates); o.feed(rel[i])
                                    DependencyKeys.feedContent(&o, i, cb.value)
                                    o.update(bufferPointer: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(od.value)[(k * 32)..<(k * 32 + 32)]))
                                    o.finalize().withUnsafeBytes { for b in 0..<16 { rk.value[i * 16 + b] = $0[b] } }
                                }
                            }
                        }
                    }
                }
            }
        }
        self.agencyKeys = agencyUnitKeys
        self.agencySummaries = agencySummaries
        var byYear: [Int: [Int]] = [:]
        for e in agg.entries { if let y = e.year { byYear[y, default: []].append(e.index) } }
        self.ownerDigests = ownerDigests
        self.reportKeys = reportUnitKeys
        self.byYear = byYear
        self.rowDigests = rowDigests
        ownerIds = (0..<m).map { owners[$0] >= 0 ? owners[$0] : -1 - $0 }
    }

    func key(_ kind: String, _ parts: [UInt8]...) -> [UInt8] {
        var h = SHA256()
        h.feed(global)
        h.feed(kind)
        for p in parts { h.feed(p) }
        return h.finalize().withUnsafeBytes { Array($0.prefix(16)) }
    }

    /// The key of report `i`'s page (from its path, its content and its owner's digest).
    func reportKey(_ i: Int) -> [UInt8] { isEmpty ? [] : Array(reportKeys[(i * 16)..<(i * 16 + 16)]) }

    /// The key of the agency at `position` (from the paths and content of its reports).
    func agencyKey(_ position: Int) -> [UInt8] { isEmpty ? [] : Array(agencyKeys[(position * 16)..<(position * 16 + 16)]) }

    /// The distinct owner digests of `indices`, in a canonical order.
    func owners(_ indices: [Int], agg: Aggregates) -> [UInt8] {
        // Reports of one agency share their owner digest: one look per agency.
        var seen = Set<Int>()
        var list: [ArraySlice<UInt8>] = []
        for i in indices where seen.insert(ownerIds[i]).inserted { list.append(ownerDigests[(i * 32)..<(i * 32 + 32)]) }
        return DependencyKeys.sortedDistinct(list)
    }

    /// Digests sorted, each distinct one once (as with a set of digests), joined.
    static func sortedDistinct(_ digests: [ArraySlice<UInt8>]) -> [UInt8] {
        let list = digests.sorted { $0.lexicographicallyPrecedes($1) }
        var out: [UInt8] = []
        out.reserveCapacity(list.count * 32)
        var last: ArraySlice<UInt8>? = nil
        for d in list where last == nil || !d.elementsEqual(last!) { out += d; last = d }
        return out
    }

    func owners(year: Int, agg: Aggregates) -> [UInt8] { owners(byYear[year] ?? [], agg: agg) }

    /// The summary digests of the agencies at `positions`, sorted.
    func agencies(_ positions: [Int]) -> [UInt8] {
        guard !isEmpty else { return [] }
        var list = positions.map { agencySummaries[($0 * 32)..<($0 * 32 + 32)] }
        list.sort { $0.lexicographicallyPrecedes($1) }
        return Array(list.joined())
    }
}

/// A value shared with the closures of `concurrentPerform`, each of which touches its own part.
/// Which template files a unit reads, as digests for its key, so that a template change renders
/// only the units that read the changed file (their outputs are then compared as always): a page
/// of kind `k` reads `pages/<k>.md` and the shared files (`layouts/`, `partials/`, and any file
/// outside `pages/`, `content/` and `assets/`); a content page `content/<name>.md` and the shared
/// files; an asset only itself; data files, the feed, the sitemap and `robots.txt` no template.
struct TemplateDigests: Sendable {
    private let shared: [UInt8]
    private let files: [String: [UInt8]]

    static let none = TemplateDigests()
    private init() { shared = []; files = [:] }

    init(_ theme: Theme) {
        var files: [String: [UInt8]] = [:]
        var shared = SHA256()
        for (path, text) in theme.files.sorted(by: { $0.key < $1.key }) {
            var h = SHA256()
            h.feed(path); h.feed(text)
            let digest = Array(h.finalize())
            files[path] = digest
            if !(path.hasPrefix("pages/") || path.hasPrefix("content/") || path.hasPrefix("assets/")) { shared.feed(digest) }
        }
        self.shared = Array(shared.finalize())
        self.files = files
    }

    /// One digest of the shared files and `paths` (a path the theme lacks counts as missing).
    private func digest(_ paths: [String], shared withShared: Bool) -> [UInt8] {
        var h = SHA256()
        if withShared { h.feed(shared) }
        for p in paths { h.feed(p); h.feed(files[p] ?? []) }
        return Array(h.finalize())
    }

    /// What a page of these kinds reads (`pages/<kind>.md` each, and the shared files).
    func page(_ kinds: String...) -> [UInt8] { digest(kinds.map { "pages/\($0).md" }, shared: true) }
    /// What the content page `content/<name>.md` reads.
    func content(_ name: String) -> [UInt8] { digest(["content/\(name).md"], shared: true) }
    /// An asset reads only itself.
    func asset(_ path: String) -> [UInt8] { digest([path], shared: false) }
}

/// Bytes gathered to be hashed at once, laid out as `SHA256.feed` feeds them.
struct ByteBuffer {
    var bytes: [UInt8] = []
    init(capacity: Int) { bytes.reserveCapacity(capacity) }
    mutating func u64(_ v: UInt64) {
        var x = v.littleEndian
        withUnsafeBytes(of: &x) { bytes.append(contentsOf: $0) }
    }
    /// As `feed(_: String)`: the length, then the UTF-8 bytes.
    mutating func lengthPrefixed(_ s: String) {
        var s = s
        s.withUTF8 { u in u64(UInt64(u.count)); bytes.append(contentsOf: u) }
    }
    mutating func lengthPrefixed(_ b: ArraySlice<UInt8>) {
        u64(UInt64(b.count))
        bytes.append(contentsOf: b)
    }
}

extension SHA256 {
    /// Length-prefixed, so the concatenation of parts is unambiguous.
    mutating func feed(_ bytes: [UInt8]) {
        var n = UInt64(bytes.count).littleEndian
        withUnsafeBytes(of: &n) { update(bufferPointer: $0) }
        bytes.withUnsafeBytes { update(bufferPointer: $0) }
    }

    /// A string's UTF-8 bytes, length-prefixed (the same as `feed(Array(s.utf8))`).
    mutating func feed(_ s: String) {
        var s = s
        s.withUTF8 { u in
            var n = UInt64(u.count).littleEndian
            withUnsafeBytes(of: &n) { update(bufferPointer: $0) }
            update(bufferPointer: UnsafeRawBufferPointer(u))
        }
    }
}

enum Hex {
    static let digits = Array("0123456789abcdef".utf8)
    static func string(_ b: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        for x in b { out.append(digits[Int(x >> 4)]); out.append(digits[Int(x & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}
