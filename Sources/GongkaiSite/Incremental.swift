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

/// Incremental builds. State lives in `OUTPUT/.gongkai/`:
///
/// - `lock`: `flock`ed for the whole build; a second build of the same folder fails at once.
/// - `records`: the record cache (`RecordCache`, binary): per report file its path, size,
///   modification time and SHA-256, the same for its sidecar, and the record (head, then
///   tables). A file whose size and time match is not read; one whose bytes hash the same is not
///   parsed.
/// - `manifest` (`Manifest`; text header, then binary): per unit its key — the SHA-256 (first
///   128 bits) of every input the unit reads — and per output file the hash of its bytes. A unit
///   whose key is unchanged is not rendered; a rendered file whose hash is unchanged is not
///   written.
/// - `pending`: written before the first output of a build is touched, listing every path the
///   build may write or delete; removed after the manifest. When a build is killed, the next one
///   distrusts exactly those paths (renders their units, rewrites them, deletes the stale ones).
///   The manifest itself is replaced last, atomically, and only lists files that were written.
///
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

struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
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

/// `flock` on `OUTPUT/.gongkai/lock`: one build per output folder at a time.
public final class OutputLock {
    let fd: Int32
    public let path: String

    public init(output: String) throws {
        let dir = (output.hasSuffix("/") ? output : output + "/") + ".gongkai"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        path = dir + "/lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BuildError("\(path): cannot open the build lock: \(String(cString: strerror(errno)))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            close(fd)
            if e == EWOULDBLOCK {
                throw BuildError("another gongkai build is writing \(output) (it holds \(path)); wait for it to finish, or build into another folder")
            }
            throw BuildError("\(path): cannot lock: \(String(cString: strerror(e)))")
        }
    }

    private var held = true

    /// Releases the lock (also done when the object goes away).
    public func release() {
        guard held else { return }
        held = false
        flock(fd, LOCK_UN)
        close(fd)
    }

    deinit { release() }
}

/// Size and modification time, the pre-check before hashing a file.
struct FileStamp: Equatable {
    var size: Int
    var seconds: Int
    var nanoseconds: Int

    init(size: Int, seconds: Int, nanoseconds: Int) { self.size = size; self.seconds = seconds; self.nanoseconds = nanoseconds }

    /// The stamp of a `stat` result, nil when it is not a regular file.
    init?(_ st: stat) {
        guard (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        #if canImport(Darwin)
        self.init(size: Int(st.st_size), seconds: Int(st.st_mtimespec.tv_sec), nanoseconds: Int(st.st_mtimespec.tv_nsec))
        #else
        self.init(size: Int(st.st_size), seconds: Int(st.st_mtim.tv_sec), nanoseconds: Int(st.st_mtim.tv_nsec))
        #endif
    }

    static func of(_ path: String) -> FileStamp? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileStamp(st)
    }
}

/// One report file as the cache knows it.
struct CacheEntry {
    var stamp: FileStamp
    /// (Hashes are slices: of the cache file's bytes for an entry read from it, no copy each.)
    var hash: ArraySlice<UInt8>
    /// The sidecar's stamp and hash, nil when there is none.
    var sidecarStamp: FileStamp?
    var sidecarHash: ArraySlice<UInt8>?
    var record: LoadedReport
    /// What aggregation reads of the record.
    var input: AggregateInput
    /// SHA-256 of the record's head (`RecordCache.encodeHead`): what pages that show only
    /// metadata, findings and aggregates read of it.
    var summary: ArraySlice<UInt8>
    /// The record's bytes in the cache file it was read from: an unchanged entry is written
    /// back as these bytes, not encoded again.
    var encoded: ArraySlice<UInt8>? = nil
}

/// The record cache (`.gongkai/records`, format 6): a header, an index (per report: its path in
/// the corpus, stamps and hashes of file and sidecar, the digest of its record's head, the length
/// of its record), then the records,
/// each encoded on its own (string table seeded with the form's keys) as a head — metadata,
/// diagnostics, sidecar, identity breaks, the figures aggregation reads — and the whole record
/// (`RecordCodec`). A build decodes the heads of the reports whose stamps match; a record's tables
/// are decoded only if a rendered unit reads them (`RecordGate`); unchanged records are written
/// back byte for byte. A file of another format or tool version is ignored (everything is read
/// again).
enum RecordCache {
    static let magic: [UInt8] = Array("GKRC6\n".utf8)
    /// Strings every record repeats: the string table of each record starts with them.
    static let seed: [String] = FormSchema.applicationRows.map(\.key) + FormSchema.reviewGroups.map(\.key)
    static let seededWriter = ByteWriter(capacity: 0, seed: seed)

    struct Slot {
        var path: Range<Int>
        var stamp: FileStamp
        var hash: ArraySlice<UInt8>
        var sidecarStamp: FileStamp?
        var sidecarHash: ArraySlice<UInt8>?
        /// The SHA-256 of the record's head (`CacheEntry.summary`), kept so a build that reads
        /// the head need not hash it again.
        var summary: ArraySlice<UInt8>
        var record: Range<Int>
    }

    /// A cache file as read: its bytes and index; records are decoded when asked for.
    struct File {
        let bytes: [UInt8]
        let slots: [Slot]

        static let empty = File(bytes: [], slots: [])

        /// Slot of each relative path in `rels`, nil where the cache has none. Paths usually come
        /// in the order the cache holds them: compared in place, a dictionary only when not.
        func lookup(_ rels: [String]) -> [Int?] {
            var out = [Int?](repeating: nil, count: rels.count)
            var inOrder = true
            bytes.withUnsafeBufferPointer { b in
                for (i, rel) in rels.enumerated() {
                    guard i < slots.count else { inOrder = false; return }
                    let r = slots[i].path
                    var rel = rel
                    let same = rel.withUTF8 { u in u.count == r.count && memcmp(u.baseAddress!, b.baseAddress! + r.lowerBound, r.count) == 0 }
                    if same { out[i] = i } else { inOrder = false; return }
                }
            }
            if inOrder { return out }
            var index: [String: Int] = [:]
            index.reserveCapacity(slots.count)
            for (k, s) in slots.enumerated() { index[String(decoding: bytes[s.path], as: UTF8.self)] = k }
            return rels.map { index[$0] }
        }

        /// Entry `k`: with only its head decoded (its record then has no tables; see `full`), or
        /// whole.
        func entry(_ k: Int, source: String, headOnly: Bool) throws -> CacheEntry {
            let s = slots[k]
            var r = ByteReader(bytes, at: s.record.lowerBound, end: s.record.upperBound, seed: RecordCache.seed)
            let head = try RecordCache.decodeHead(&r, source: source)
            let record: LoadedReport
            if headOnly {
                record = LoadedReport(partial: head.report, relativePath: String(decoding: bytes[s.path], as: UTF8.self), sidecar: head.sidecar,
                                      identityBreaks: head.input.identityBreaks)
            } else {
                record = try RecordCodec.decodeReport(&r, source: { _ in source })
                guard r.atEnd, record.relativePath.utf8.elementsEqual(bytes[s.path]) else { throw CodecError("bad record") }
            }
            return CacheEntry(stamp: s.stamp, hash: s.hash, sidecarStamp: s.sidecarStamp, sidecarHash: s.sidecarHash,
                              record: record, input: head.input, summary: s.summary, encoded: bytes[s.record])
        }

        /// SHA-256 of entry `k`'s head (`CacheEntry.summary`).
        func headSummary(_ k: Int) -> ArraySlice<UInt8>? {
            let s = slots[k]
            var r = ByteReader(bytes, at: s.record.lowerBound, end: s.record.upperBound, seed: RecordCache.seed)
            guard (try? RecordCache.decodeHead(&r, source: "")) != nil else { return nil }
            return s.summary
        }

        /// The whole record of entry `k` (its tables too).
        func full(_ k: Int, source: String) -> LoadedReport? { try? entry(k, source: source, headOnly: false).record }
    }

    /// The head of a record: what aggregation, the diagnostics and the site's layout read.
    static func encodeHead(_ lr: LoadedReport, _ input: AggregateInput, _ w: inout ByteWriter) {
        let r = lr.report
        w.optString(r.metadata.agency)
        w.optInt(r.metadata.year)
        w.optString(r.metadata.template?.rawValue)
        w.optInt(r.metadata.titleLine)
        RecordCodec.encodeFindings(lr, &w)
        for v in input.figures.values { if let v { w.u8(1); w.double(v) } else { w.u8(0) } }
        w.optInt(input.carriedOverLine)
    }

    static func decodeHead(_ r: inout ByteReader, source: String) throws -> (report: Report, sidecar: Sidecar?, input: AggregateInput) {
        var meta = ReportMetadata()
        meta.agency = try r.optString()
        meta.year = try r.optInt()
        meta.template = try r.optString().flatMap(Template.init(rawValue:))
        meta.titleLine = try r.optInt()
        let (diags, sidecar, breaks) = try RecordCodec.decodeFindings(&r)
        let errors = diags.reduce(0) { $0 + ($1.severity == .error ? 1 : 0) }
        let warnings = diags.count - errors
        var values = [Double?](repeating: nil, count: Metric.allCases.count)
        for m in values.indices { if try r.u8() == 1 { values[m] = try r.double() } }
        let line = try r.optInt()
        let report = Report(source: source, metadata: meta, diagnostics: diags)
        return (report, sidecar, AggregateInput(source: source, agency: meta.agency, year: meta.year, figures: Figures(values: values),
                                                 errorCount: errors, warningCount: warnings, identityBreaks: breaks, carriedOverLine: line))
    }

    static func read(_ path: String, version: String) -> File {
        guard let bytes = SiteWriter.readFile(path), bytes.starts(with: magic) else { return .empty }
        var r = ByteReader(bytes, at: magic.count)
        do {
            guard String(decoding: try r.blob(), as: UTF8.self) == version else { return .empty }
            let n = try r.count()
            var slots: [Slot] = []
            slots.reserveCapacity(n)
            var lengths: [Int] = []
            lengths.reserveCapacity(n)
            for _ in 0..<n {
                let len = try r.count()
                guard r.pos + len <= bytes.count else { return .empty }
                let p = r.pos..<(r.pos + len)
                r.pos += len
                func stamp() throws -> FileStamp { FileStamp(size: try r.int(), seconds: try r.int(), nanoseconds: try r.int()) }
                let st = try stamp()
                func digest() throws -> ArraySlice<UInt8> {
                    guard r.pos + 32 <= bytes.count else { throw CodecError("truncated") }
                    defer { r.pos += 32 }
                    return bytes[r.pos..<(r.pos + 32)]
                }
                let h = try digest()
                var ss: FileStamp? = nil, sh: ArraySlice<UInt8>? = nil
                if try r.u8() == 1 { ss = try stamp(); sh = try digest() }
                let sm = try digest()
                lengths.append(try r.count())
                slots.append(Slot(path: p, stamp: st, hash: h, sidecarStamp: ss, sidecarHash: sh, summary: sm, record: 0..<0))
            }
            var at = r.pos
            for k in 0..<n {
                guard lengths[k] <= bytes.count - at else { return .empty }
                slots[k].record = at..<(at + lengths[k])
                at += lengths[k]
            }
            guard at == bytes.count else { return .empty }
            return File(bytes: bytes, slots: slots)
        } catch { return .empty }
    }

    /// Every record of the file, by relative path, with `prefix` + path as its source (the build
    /// that found nothing changed, when its records are asked for).
    static func all(_ file: File, prefix: String) -> [String: LoadedReport] {
        var out: [String: LoadedReport] = [:]
        for k in file.slots.indices {
            let rel = String(decoding: file.bytes[file.slots[k].path], as: UTF8.self)
            if let e = try? file.entry(k, source: prefix + rel, headOnly: false) { out[rel] = e.record }
        }
        return out
    }

    static func encodeRecord(_ e: CacheEntry) -> [UInt8] {
        var w = seededWriter
        encodeHead(e.record, e.input, &w)
        RecordCodec.encode(e.record, &w)
        return w.bytes
    }

    /// The file's parts: the header and index, then each record's bytes (most of them slices of
    /// the file that was read, in order: written as long runs, not copied into one array).
    static func parts(_ entries: [CacheEntry], version: String) -> (head: [UInt8], records: [ArraySlice<UInt8>]) {
        // Records read from the old file are copied; the others are encoded, on every core when many.
        let missing = entries.indices.filter { entries[$0].encoded == nil }
        var fresh: [Int: [UInt8]] = [:]
        if missing.count > 64 {
            let parts = 16
            let slots = Slots<[[UInt8]]>(count: parts)
            DispatchQueue.concurrentPerform(iterations: parts) { k in
                let range = (k * missing.count / parts)..<((k + 1) * missing.count / parts)
                slots.set(k, range.map { encodeRecord(entries[missing[$0]]) })
            }
            for (k, e) in zip(missing, slots.values.joined()) { fresh[k] = e }
        } else {
            for k in missing { fresh[k] = encodeRecord(entries[k]) }
        }
        var records: [ArraySlice<UInt8>] = []
        records.reserveCapacity(entries.count)
        for k in entries.indices { records.append(entries[k].encoded ?? fresh[k]![...]) }
        var w = ByteWriter(capacity: entries.count * 96 + 64)
        w.raw(magic)
        w.utf8(version)
        w.uint(UInt64(entries.count))
        for k in entries.indices {
            w.utf8(entries[k].record.relativePath)
            func stamp(_ s: FileStamp) { w.int(s.size); w.int(s.seconds); w.int(s.nanoseconds) }
            stamp(entries[k].stamp)
            w.raw(entries[k].hash)
            if let ss = entries[k].sidecarStamp, let sh = entries[k].sidecarHash { w.u8(1); stamp(ss); w.raw(sh) } else { w.u8(0) }
            w.raw(entries[k].summary)
            w.uint(UInt64(records[k].count))
        }
        return (w.bytes, records)
    }

    /// Writes the cache to `path` (through a temporary file renamed over it).
    static func write(_ entries: [CacheEntry], version: String, to path: String) throws {
        let (head, records) = parts(entries, version: version)
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let tmp = dir + "/." + name + ".tmp-\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BuildError("\(tmp): cannot write the record cache: \(String(cString: strerror(errno)))") }
        func put(_ p: UnsafeRawBufferPointer) -> Bool {
            var at = 0
            while at < p.count {
                #if canImport(Glibc)
                let n = Glibc.write(fd, p.baseAddress! + at, p.count - at)
                #else
                let n = Darwin.write(fd, p.baseAddress! + at, p.count - at)
                #endif
                if n < 0 { if errno == EINTR { continue }; return false }
                at += n
            }
            return true
        }
        var ok = head.withUnsafeBytes { put($0) }
        // Runs of records that follow each other in one buffer go out in one write.
        var k = 0
        while ok, k < records.count {
            var j = k + 1
            let base = records[k].withUnsafeBytes { $0.baseAddress }
            var end = records[k].count
            while j < records.count, records[j].withUnsafeBytes({ $0.baseAddress }) == base.map({ $0 + end }) { end += records[j].count; j += 1 }
            if let base { ok = put(UnsafeRawBufferPointer(start: base, count: end)) } else { ok = records[k].withUnsafeBytes { put($0) } }
            // The buffers stay alive: `records` holds them until this function returns.
            withExtendedLifetime(records) {}
            k = j
        }
        close(fd)
        guard ok, rename(tmp, path) == 0 else {
            let e = errno
            unlink(tmp)
            throw BuildError("\(path): cannot write the record cache: \(String(cString: strerror(e)))")
        }
    }
}

/// The manifest of the previous build. Format 2: five text lines (format, tool version, global
/// digest, inputs digest, counts), then binary: the units in build order, each with its name, key
/// (16 bytes) and output files (path and the first 16 bytes of the SHA-256 of their content).
/// Names and paths stay byte ranges of the file: a build whose units come in the same order
/// compares them in place. Format 1 (all text) is still read, for the files it lists.
struct Manifest {
    static let header = "gongkai-manifest 2"
    static let header1 = "gongkai-manifest 1"
    var version = ""
    var global = ""
    var inputs = ""
    var fileCount = 0
    var pageCount = 0

    struct Unit { var name: Range<Int>; var key: Range<Int>; var outputs: Range<Int> }
    struct Output { var path: Range<Int>; var hash: Range<Int> }
    var bytes: [UInt8] = []
    /// Where the units start in `bytes` (after the header lines).
    var bodyStart = 0
    var units: [Unit] = []
    var outputs: [Output] = []
    /// Format 1's files and their hashes (as 16 bytes).
    var legacyOutputs: [String: [UInt8]] = [:]

    func string(_ r: Range<Int>) -> String { String(decoding: bytes[r], as: UTF8.self) }

    /// Every file the manifest lists.
    var outputPaths: [String] { legacyOutputs.isEmpty ? outputs.map { string($0.path) } : Array(legacyOutputs.keys) }

    /// The header lines (version, digests, counts) and where they end: all a build that changes
    /// nothing reads.
    static func header(_ bytes: [UInt8]) -> Manifest? { parseHeader(bytes)?.0 }

    static func parseHeader(_ bytes: [UInt8]) -> (Manifest, Int, Bool)? {
        var m = Manifest()
        var lines = 0
        var start = 0
        var i = 0
        var legacy = false
        while i < bytes.count, lines < 5 {
            if bytes[i] == 0x0A {
                let s = String(decoding: bytes[start..<i], as: UTF8.self)
                if lines == 0 {
                    if s == header1 { legacy = true } else { guard s == header else { return nil } }
                } else {
                    let parts = s.split(separator: " ", maxSplits: 2)
                    if parts.count == 3 {
                        switch parts[0] {
                        case "v": m.version = String(parts[1]) + " " + parts[2]
                        case "g": m.global = String(parts[1])
                        case "i": m.inputs = String(parts[1])
                        case "c": m.fileCount = Int(parts[1]) ?? 0; m.pageCount = Int(parts[2]) ?? 0
                        default: break
                        }
                    }
                }
                lines += 1
                start = i + 1
            }
            i += 1
        }
        return lines > 0 ? (m, start, legacy) : nil
    }

    static func read(_ bytes: [UInt8]) -> Manifest? {
        guard let parsed = parseHeader(bytes) else { return nil }
        var m = parsed.0
        let start = parsed.1, legacy = parsed.2
        if legacy {
            // Format 1: `o <hash> <path>` lines (units are not needed: a new format means a new
            // tool, whose builds render every unit).
            for line in bytes[start...].split(separator: 0x0A) where line.first == UInt8(ascii: "o") {
                let parts = String(decoding: line, as: UTF8.self).split(separator: " ", maxSplits: 2)
                guard parts.count == 3 else { continue }
                m.legacyOutputs[String(parts[2])] = []
            }
            return m
        }
        m.bytes = bytes
        m.bodyStart = start
        var r = ByteReader(bytes, at: start)
        do {
            let n = try r.count()
            m.units.reserveCapacity(n)
            for _ in 0..<n {
                func range(_ len: Int) throws -> Range<Int> {
                    guard len >= 0, r.pos + len <= bytes.count else { throw CodecError("truncated") }
                    defer { r.pos += len }
                    return r.pos..<(r.pos + len)
                }
                let name = try range(try r.count())
                let key = try range(16)
                let k = try r.count()
                let first = m.outputs.count
                for _ in 0..<k {
                    let p = try range(try r.count())
                    m.outputs.append(Output(path: p, hash: try range(16)))
                }
                m.units.append(Unit(name: name, key: key, outputs: first..<m.outputs.count))
            }
            guard r.atEnd else { return nil }
        } catch { return nil }
        return m
    }

    static func same(_ s: String, _ b: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        var s = s
        return s.withUTF8 { u in u.count == r.count && (r.isEmpty || memcmp(u.baseAddress!, b.baseAddress! + r.lowerBound, r.count) == 0) }
    }

    /// The header lines of a build's manifest.
    static func headerBytes(version: String, global: String, inputs: String, fileCount: Int, pageCount: Int) -> [UInt8] {
        Array((header + "\nv " + version + "\ng \(global) -\ni \(inputs) -\nc \(fileCount) \(pageCount)\n").utf8)
    }

    /// Writes the manifest of a build, after its header lines.
    static func encode(header: [UInt8], units: [(name: String, key: [UInt8], outputs: [(path: String, hash: [UInt8])])]) -> [UInt8] {
        var w = ByteWriter(capacity: units.count * 120 + 256)
        w.raw(header)
        w.uint(UInt64(units.count))
        for u in units {
            w.utf8(u.name)
            w.raw(u.key)
            w.uint(UInt64(u.outputs.count))
            for o in u.outputs { w.utf8(o.path); w.raw(o.hash) }
        }
        return w.bytes
    }
}

/// The build (see `SiteBuilder`): scan, load (cache first), aggregate, keys, render the units
/// whose keys changed on every core in batches (each writes its files as soon as they are
/// rendered, so the site is never held in memory), delete stale files, then the cache and the
/// manifest.
struct IncrementalBuild {
    let options: BuildOptions
    let progress: (@Sendable (Int, Int) -> Void)?

    /// Changes whenever the binary changes (size and time of the running executable), so a new
    /// build of gongkai never trusts pages rendered by an older one.
    static let toolVersion: String = {
        var v = "gongkai-site 2"
        if let s = FileStamp.of("/proc/self/exe") ?? CommandLine.arguments.first.flatMap(FileStamp.of) {
            v += " \(s.size)-\(s.seconds).\(s.nanoseconds)"
        }
        return v
    }()

    static let batch = 512

    /// The last build's records, aggregates, units and state, kept until the next build: a
    /// process that ends after one build then ends without freeing ten thousand records one by
    /// one (tens of milliseconds at 10,000 reports); a server that builds again frees them then.
    final class Parking: @unchecked Sendable {
        private let lock = NSLock()
        private var held: [Any] = []
        func park(_ objects: [Any]) {
            lock.lock()
            let old = held
            held = objects
            lock.unlock()
            _ = old  // freed here, outside the lock
        }
    }
    static let parking = Parking()

    /// The record cache, read on another thread from the start of a build (`file`); then, once
    /// the build knows it needs every record whole (`decodeAll`), decoded there in the file's
    /// order (`finish` decodes the rest on the calling thread too and returns them by slot). A
    /// build that stops early, or needs few records whole, cancels it (`stop`).
    final class CachePrefetch: @unchecked Sendable {
        private let read = DispatchGroup(), decoded = DispatchGroup(), decision = DispatchSemaphore(value: 0)
        private var loaded = RecordCache.File.empty
        private var work = WorkQueue(count: 0, chunk: 64)
        private var results: Slots<[LoadedReport?]>? = nil
        private let stop = NSLock()
        private var cancelled = false
        let prefix: String

        /// Every record's head, by chunk of slots: decoded on this thread while the corpus is
        /// scanned, and by the build's thread too once it needs them (`finishHeads`). A chunk
        /// is nil until decoded; a slot nil where it did not decode, or when cancelled first.
        private var headWork = WorkQueue(count: 0, chunk: 256)
        private var headChunks: Slots<[CacheEntry?]>? = nil
        /// Left once the file is read and every chunk taken from `headWork` is decoded.
        private let headsDone = DispatchGroup()

        init(path: String?, version: String, prefix: String) {
            self.prefix = prefix
            read.enter()
            headsDone.enter()
            decoded.enter()
            guard let path else { read.leave(); headsDone.leave(); decoded.leave(); return }
            DispatchQueue.global().async {
                let file = self.isCancelled ? .empty : RecordCache.read(path, version: version)
                self.loaded = file
                self.work = WorkQueue(count: file.slots.count, chunk: 64)
                self.results = Slots(count: (file.slots.count + 63) / 64)
                self.headWork = WorkQueue(count: file.slots.count, chunk: 256)
                self.headChunks = Slots(count: (file.slots.count + 255) / 256)
                self.read.leave()
                self.decodeHeads()
                self.headsDone.leave()
                self.decision.wait()
                self.decodeChunks()
                self.decoded.leave()
            }
        }

        var isCancelled: Bool { stop.lock(); defer { stop.unlock() }; return cancelled }
        private var decided = false
        private func decide() {
            stop.lock()
            let first = !decided
            decided = true
            stop.unlock()
            if first { decision.signal() }
        }
        func cancel() { stop.lock(); cancelled = true; stop.unlock(); decide() }
        /// Every record will be read whole: decode them all, starting now.
        func decodeAll() { decide() }

        /// The file as read (waits for it).
        var file: RecordCache.File { read.wait(); return loaded }

        /// Decodes chunks of heads until none is left (on this thread while the corpus is scanned:
        /// the scan keeps both cores busy meanwhile; then on the build's thread too).
        private func decodeHeads() {
            guard let chunks = headChunks else { return }
            let file = loaded, prefix = prefix
            while let range = headWork.next() {
                var out = [CacheEntry?](repeating: nil, count: range.count)
                if !isCancelled {
                    for k in range {
                        out[k - range.lowerBound] = try? file.entry(k, source: prefix + String(decoding: file.bytes[file.slots[k].path], as: UTF8.self), headOnly: true)
                    }
                }
                chunks.set(range.lowerBound / 256, out)
            }
        }

        /// Every head, decoded (the calling thread helps): slot `k`'s entry as `file.entry(k,
        /// source: prefix + its path, headOnly: true)` gives it, nil where that fails.
        func finishHeads() -> [CacheEntry?] {
            read.wait()
            decodeHeads()
            headsDone.wait()
            guard let chunks = headChunks else { return [] }
            return Array(chunks.values.joined())
        }

        private func decodeChunks() {
            guard let results else { return }
            while !isCancelled, let range = work.next() {
                let file = loaded
                let part = range.map { k in file.full(k, source: prefix + String(decoding: file.bytes[file.slots[k].path], as: UTF8.self)) }
                results.set(range.lowerBound / 64, part)
            }
        }

        /// Every record whole, by slot (nil where it did not decode).
        func finish() -> [LoadedReport?] {
            decide()
            read.wait()
            decodeChunks()
            decoded.wait()
            guard let results else { return [] }
            return Array(results.values.joined())
        }
    }

    /// Hands out ranges of `0..<count` to whichever thread asks next.
    final class WorkQueue: @unchecked Sendable {
        private let lock = NSLock()
        private var at = 0
        let count: Int, chunk: Int
        init(count: Int, chunk: Int) { self.count = count; self.chunk = chunk }
        func next() -> Range<Int>? {
            lock.lock(); defer { lock.unlock() }
            guard at < count else { return nil }
            let r = at..<min(count, at + chunk)
            at = r.upperBound
            return r
        }
    }

    final class Totals: @unchecked Sendable {
        let lock = NSLock()
        var ms: [String: (Double, Int)] = [:]
        func add(_ k: String, _ v: Double) { lock.lock(); let o = ms[k] ?? (0, 0); ms[k] = (o.0 + v, o.1 + 1); lock.unlock() }
    }
    static let unitTimes = Totals()

    /// The temporary files a killed build may have left beside the files it was writing
    /// (`.NAME.tmp-PID`, see `SiteWriter.writeAtomically`).
    static func removeTemporaryFiles(root: String, near paths: [String]) {
        var folders = Set<String>()
        for p in paths where SiteWriter.isSafe(p) {
            folders.insert(p.lastIndex(of: "/").map { String(p[..<$0]) + "/" } ?? "")
        }
        for f in folders {
            guard let dir = opendir(root + f) else { continue }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name = withUnsafePointer(to: entry.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
                if name.hasPrefix("."), name.contains(".tmp-") { unlink(root + f + name) }
            }
        }
    }

    /// glibc's `malloc_trim(0)` (not in the Swift Glibc module), when it is there.
    static func trimMemory() {
        #if canImport(Glibc)
        if let f = dlsym(nil, "malloc_trim") {
            _ = unsafeBitCast(f, to: (@convention(c) (Int) -> Int32).self)(0)
        }
        #endif
    }

    /// `GONGKAI_TIMING=1` prints the time of each step to standard error.
    static let timing = ProcessInfo.processInfo.environment["GONGKAI_TIMING"] != nil

    func run() throws -> BuildResult {
        let fm = FileManager.default
        var last = DispatchTime.now().uptimeNanoseconds
        func mark(_ step: String) {
            guard IncrementalBuild.timing else { return }
            let now = DispatchTime.now().uptimeNanoseconds
            var rss = ""
            if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
               let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }), let now = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) {
                rss = "  peak " + line.dropFirst(6).trimmingCharacters(in: .whitespaces) + ", now " + now.dropFirst(6).trimmingCharacters(in: .whitespaces)
            }
            FileHandle.standardError.write(Data(String(format: "%-10@ %7.1f ms%@\n", step as NSString, Double(now - last) / 1e6, rss as NSString).utf8))
            last = now
        }
        let output = options.output
        let root = output.hasSuffix("/") ? output : output + "/"
        let state = root + ".gongkai/"
        // The record cache is read and decoded on another thread meanwhile (unless this build
        // stops early, when nothing changed).
        let prefetch = CachePrefetch(path: options.clean ? nil : state + "records", version: IncrementalBuild.toolVersion,
                                     prefix: options.corpus.hasSuffix("/") ? options.corpus : options.corpus + "/")
        defer { prefetch.cancel() }
        // Fail before the lock on a missing corpus (and do not leave an output folder behind).
        // The scan also takes every report's stamp, and its sidecar's (only where the folder
        // listing shows a sidecar at all).
        // Configuration and templates: read in full each time (small), hashed into the global key;
        // read meanwhile on another thread.
        let corpusPrefix = options.corpus.hasSuffix("/") ? options.corpus : options.corpus + "/"
        final class Settings: @unchecked Sendable {
            var configBytes: [UInt8]? = nil
            var config = SiteConfiguration()
            var configDiagnostics: [Diagnostic] = []
            var theme: Result<Theme, Error> = .failure(BuildError("templates not read"))
        }
        // (A thread of its own, not a global-queue task: the build waits for it while the cache
        // reader may be holding a queue thread, waiting for the build.)
        let settings = Settings(), settingsRead = DispatchGroup(), opts = options
        settingsRead.enter()
        Thread {
            settings.configBytes = SiteWriter.readFile(corpusPrefix + SiteConfiguration.fileName)
            (settings.config, settings.configDiagnostics) = SiteConfiguration.load(corpus: opts.corpus)
            settings.theme = Result { try Theme.load(folders: opts.templateFolders) }
            settingsRead.leave()
        }.start()
        let scanned: [SiteBuilder.Scanned]
        do { scanned = try SiteBuilder.scanStamped(options.corpus) } catch { settingsRead.wait(); throw error }
        let paths = scanned.map(\.path)
        let stamps = scanned.map { ($0.stamp, $0.sidecar) }
        settingsRead.wait()
        let lock = try OutputLock(output: output)
        mark("scan")
        defer { lock.release() }

        let configBytes = settings.configBytes
        var config = settings.config
        let configDiagnostics = settings.configDiagnostics
        if let b = options.baseURL { config.baseURL = b }
        let theme = try settings.theme.get()
        let version = IncrementalBuild.toolVersion
        mark("theme")

        // With the configuration, templates and tool, the stamps decide whether anything at all
        // changed since the last build.
        // (`g`, what every unit reads, goes on into the keys; the manifest's global digest also
        // covers every template file.)
        var g = SHA256()
        g.feed(Array(version.utf8))
        g.feed(configBytes ?? Array("(none)".utf8))
        g.feed(Array((options.baseURL ?? "(none)").utf8))
        var globalBase = g
        for (path, text) in theme.files.sorted(by: { $0.key < $1.key }) { globalBase.feed(Array(path.utf8)); globalBase.feed(Array(text.utf8)) }
        let globalHex = Hex.string(globalBase.finalize())
        // Every path and stamp, in one buffer hashed at once.
        var stampBytes = ByteBuffer(capacity: paths.count * 120)
        for (i, p) in paths.enumerated() {
            stampBytes.lengthPrefixed(p)
            func stamp(_ s: FileStamp?) {
                guard let s else { stampBytes.u64(0); return }
                stampBytes.u64(1); stampBytes.u64(UInt64(bitPattern: Int64(s.size)))
                stampBytes.u64(UInt64(bitPattern: Int64(s.seconds))); stampBytes.u64(UInt64(bitPattern: Int64(s.nanoseconds)))
            }
            stamp(stamps[i].0)
            stamp(stamps[i].1)
        }
        var inputs = SHA256()
        stampBytes.bytes.withUnsafeBytes { inputs.update(bufferPointer: $0) }
        let inputsHex = Hex.string(inputs.finalize())
        let oldManifestBytes = SiteWriter.readFile(state + "manifest")
        let oldHeader = oldManifestBytes.flatMap(Manifest.header) ?? Manifest()
        let pendingBytes = SiteWriter.readFile(state + "pending")
        let legacyBytes = SiteWriter.readFile(root + SiteWriter.manifestName)
        mark("stamps")

        // Nothing changed: done, without reading a record.
        if !options.clean, !options.keepFiles, oldManifestBytes != nil, pendingBytes == nil, legacyBytes == nil,
           oldHeader.version == version, oldHeader.global == globalHex, oldHeader.inputs == inputsHex,
           let diagnostics = DiagnosticsFile.read(state + "diagnostics", prefix: corpusPrefix) {
            let cachePath = state + "records"
            let manifestBytes = oldManifestBytes!
            let lazy = LazyRecords(load: {
                let cache = RecordCache.all(RecordCache.read(cachePath, version: version), prefix: corpusPrefix)
                return paths.compactMap { p in
                    let rel = p.hasPrefix(corpusPrefix) ? String(p.dropFirst(corpusPrefix.count)) : p
                    return cache[rel]
                }
            }, aggregate: { [config] in SiteBuilder.aggregate($0, configuration: config) },
               paths: { (Manifest.read(manifestBytes)?.outputPaths.sorted()) ?? [] })
            mark("no change")
            return BuildResult(reportCount: paths.count, files: [], fileCount: oldHeader.fileCount, pages: oldHeader.pageCount, rendered: 0,
                               write: WriteSummary(written: [], unchanged: oldHeader.fileCount, removed: []),
                               diagnostics: diagnostics, lazy: lazy)
        }

        // Load: from the cache when the stamp (or else the hash) matches.
        let previous = prefetch.file
        mark("cache")
        let finished = prefetch.finishHeads()
        let (heads, entries, headOnly, slotOf, cacheChanged) = load(paths, stamps: stamps, prefix: corpusPrefix, cache: previous, cachedHeads: finished)
        // Whether the records' heads are all as the last build left them (same files, same
        // configuration and templates, and every changed file's head the same): then the pages
        // that read heads only do not change, few units render, and the rest of a record is
        // decoded only when one reads it. Otherwise every record is decoded, on both cores.
        var narrow = !options.clean && !options.keepFiles && oldHeader.version == version && oldHeader.global == globalHex
            && previous.slots.count == paths.count && !slotOf.contains(nil)
        if narrow {
            for i in entries.indices where headOnly[i] == nil {
                guard let k = slotOf[i], let before = previous.headSummary(k), before.elementsEqual(entries[i].summary) else { narrow = false; break }
            }
        }
        let gate = RecordGate()
        if narrow { prefetch.cancel() } else { prefetch.decodeAll() }
        // Extraction leaves freed memory scattered between the records it keeps; give it back.
        let reused = headOnly.reduce(0) { $0 + ($1 != nil ? 1 : 0) }
        if entries.count - reused > 256 { IncrementalBuild.trimMemory() }
        // Records from the cache have their heads only (what aggregation, the keys and the units'
        // layout read). Their tables are being decoded on the other core (`prefetch`), and by
        // this one too once it is done (`decodeRest`).
        let cacheWriting = DispatchGroup()
        // The record cache: its records are known now (a killed build leaves a cache that is
        // right for the files it read; the manifest comes last).
        let cacheWrite = Slots<Result<Void, Error>>(count: 1)
        let writeCache = cacheChanged || options.clean
        let cachePath = state + "records"
        cacheWriting.enter()
        // However this build ends, the cache is whole before the lock goes.
        defer { cacheWriting.wait() }
        DispatchQueue.global().async {
            cacheWrite.set(0, Result {
                if writeCache { try RecordCache.write(entries, version: version, to: cachePath) }
            })
            cacheWriting.leave()
        }
        /// Every record (heads read whole when they are read), and the first whose tables do
        /// not decode.
        let isNarrow = narrow
        @Sendable func decodeRest() -> (reports: [LoadedReport], broken: String?) {
            if isNarrow {
                return (heads.indices.map { i in
                    guard let k = headOnly[i] else { return heads[i] }
                    let source = paths[i], rel = heads[i].relativePath
                    return LoadedReport(head: heads[i], gate: gate, full: {
                        if let f = previous.full(k, source: source) { return f.report }
                        // Damaged after its head (which decoded): read from the file instead, and
                        // let the next build start without the cache (once this one wrote it).
                        cacheWriting.wait()
                        unlink(cachePath)
                        var r = IncrementalBuild.extract(source, rel: rel, bytes: FileBytes.read(source), hash: [], stamp: nil, sidecarStamp: nil,
                                                         sidecarBytes: FileBytes.read(Sidecar.path(for: source)), sidecarHash: nil,
                                                         extractor: ReportExtractor()).record.report
                        r.sections = []
                        return r
                    })
                }, nil)
            }
            let full = prefetch.finish()
            var broken: String? = nil
            let reports = heads.indices.map { i in
                guard let k = headOnly[i] else { return heads[i] }
                if k < full.count, let f = full[k] { return f }
                // A record whose head decoded but whose tables do not: a damaged cache, whose
                // figures cannot be trusted either.
                if broken == nil { broken = paths[i] }
                return heads[i]
            }
            return (reports, broken)
        }
        mark("load")
        // The records (heads read whole when they are read; every record decoded when the cache
        // is not narrow) on a thread of their own, meanwhile.
        final class Records: @unchecked Sendable { var reports: [LoadedReport] = []; var broken: String? = nil }
        let records = Records(), recordsReady = DispatchGroup()
        recordsReady.enter()
        Thread { (records.reports, records.broken) = decodeRest(); recordsReady.leave() }.start()
        let aggregates = SiteBuilder.aggregate(inputs: entries.indices.map { entries[$0].input }, labels: heads.indices.map { heads[$0].relativePath },
                                               configuration: config)
        mark("aggregate")

        if IncrementalBuild.templatesShowCounts(theme) { g.feed(Array("\(heads.count) \(aggregates.agencies.count)".utf8)) }
        let global = Array(g.finalize())
        // On one core the keys and the findings (which read records' heads only); on the other
        // the records and the renderer's tables of paths and names.
        final class Stage: @unchecked Sendable {
            var keys = DependencyKeys.none
            var findings: [(String, Diagnostic)] = []
            var reports: [LoadedReport] = []
            var broken: String? = nil
            var renderer: SiteRenderer? = nil
        }
        let stage = Stage(), configuration = config
        // (A thread of its own, not `concurrentPerform`: work `DependencyKeys` spreads with
        // `concurrentPerform` would run on one thread if nested in another.)
        let other = DispatchGroup()
        other.enter()
        Thread {
            recordsReady.wait()
            (stage.reports, stage.broken) = (records.reports, records.broken)
            if stage.broken == nil {
                stage.renderer = SiteRenderer(reports: stage.reports, aggregates: aggregates, configuration: configuration, theme: theme)
            }
            other.leave()
        }.start()
        stage.keys = DependencyKeys(global: global, templates: TemplateDigests(theme), reports: heads, entries: entries, aggregates: aggregates)
        stage.findings = SiteBuilder.collectDiagnostics(heads, aggregates)
        other.wait()
        let keys = stage.keys, reports = stage.reports
        var diagnostics: [(String, Diagnostic)] = configDiagnostics.map { (corpusPrefix + SiteConfiguration.fileName, $0) }
        diagnostics += stage.findings
        mark("digests")
        guard stage.broken == nil, let renderer = stage.renderer else {
            // Nothing is written yet: start again without the cache (written anew at the end).
            cacheWriting.wait()
            unlink(state + "records")
            lock.release()
            return try IncrementalBuild(options: options, progress: progress).run()
        }
        let units = renderer.units(keys)
        // From here on a record reads whole (rendering reads tables).
        gate.openNow()
        mark("keys")

        // What the previous build left, and which of its claims to trust: per unit, whether its key
        // is the same, and per output file the hash the manifest gives it (nil: not trusted).
        let old = oldManifestBytes.flatMap(Manifest.read) ?? Manifest()
        let pendingPaths = pendingBytes.map { String(decoding: $0, as: UTF8.self).split(separator: "\n").map(String.init) } ?? []
        let legacyPaths = legacyBytes.map { String(decoding: $0, as: UTF8.self).split(separator: "\n").map(String.init) } ?? []
        if !pendingPaths.isEmpty { IncrementalBuild.removeTemporaryFiles(root: root, near: pendingPaths) }
        let renderAll = options.clean || options.keepFiles
        let trustOld = !options.clean && old.version == version && old.legacyOutputs.isEmpty
        let distrusted = Set(pendingPaths)
        var sameKey = [Bool](repeating: false, count: units.count)
        // Per output file (units' files one after another, from `firstOutput[i]`), where its
        // hash is in `old.bytes`; -1: not trusted.
        var firstOutput = [Int](repeating: 0, count: units.count + 1)
        for (i, u) in units.enumerated() { firstOutput[i + 1] = firstOutput[i] + u.paths.count }
        var trusted = [Int](repeating: -1, count: firstOutput[units.count])
        // Units in the same order as last time, with the same files, are matched in place.
        var sameLayout = old.units.count == units.count && old.legacyOutputs.isEmpty
        var oldUnitIndex: [String: Int]? = nil
        var oldOutputIndex: [String: Int]? = nil
        old.bytes.withUnsafeBufferPointer { ob in
            for (i, u) in units.enumerated() {
                let base = firstOutput[i]
                var k: Int? = nil
                if i < old.units.count, Manifest.same(u.name, ob, old.units[i].name) { k = i } else {
                    sameLayout = false
                    if oldUnitIndex == nil {
                        var d: [String: Int] = [:]
                        for (j, x) in old.units.enumerated() { d[old.string(x.name)] = j }
                        oldUnitIndex = d
                    }
                    k = oldUnitIndex![u.name]
                }
                if let k {
                    let ou = old.units[k]
                    sameKey[i] = ou.key.count == u.key.count && u.key.withUnsafeBufferPointer { memcmp(ob.baseAddress! + ou.key.lowerBound, $0.baseAddress!, u.key.count) == 0 }
                    let outs = old.outputs[ou.outputs]
                    if outs.count == u.paths.count, zip(outs, u.paths).allSatisfy({ Manifest.same($1, ob, $0.path) }) {
                        for (j, o) in outs.enumerated() { trusted[base + j] = o.hash.lowerBound }
                    } else {
                        sameLayout = false
                        if oldOutputIndex == nil {
                            var d: [String: Int] = [:]
                            for (j, o) in old.outputs.enumerated() { d[old.string(o.path)] = j }
                            oldOutputIndex = d
                        }
                        for (j, p) in u.paths.enumerated() { if let x = oldOutputIndex![p] { trusted[base + j] = old.outputs[x].hash.lowerBound } }
                    }
                } else if oldOutputIndex != nil || !old.outputs.isEmpty {
                    if oldOutputIndex == nil {
                        var d: [String: Int] = [:]
                        for (j, o) in old.outputs.enumerated() { d[old.string(o.path)] = j }
                        oldOutputIndex = d
                    }
                    for (j, p) in u.paths.enumerated() { if let x = oldOutputIndex![p] { trusted[base + j] = old.outputs[x].hash.lowerBound } }
                }
                if !trustOld { for j in u.paths.indices { trusted[base + j] = -1 } }
                if !distrusted.isEmpty { for (j, p) in u.paths.enumerated() where distrusted.contains(p) { trusted[base + j] = -1 } }
            }
        }
        /// Whether every file of unit `i` has a trusted hash.
        func allTrusted(_ i: Int) -> Bool {
            for j in firstOutput[i]..<firstOutput[i + 1] where trusted[j] < 0 { return false }
            return true
        }
        mark("manifest")
        let trustedOutputs = trusted, outputStart = firstOutput, oldBytes = old.bytes

        var dirty: [Int] = []
        let stale: [String]
        if sameLayout {
            // The same units with the same files as the last build (which checked them for
            // clashes): only files a killed build may have left are stale.
            for i in units.indices where renderAll || !sameKey[i] || !allTrusted(i) { dirty.append(i) }
            var current = Set<String>()
            if !pendingPaths.isEmpty || !legacyPaths.isEmpty { for u in units { current.formUnion(u.paths) } }
            stale = Set(pendingPaths + legacyPaths).filter { !current.contains($0) && SiteWriter.isSafe($0) }.sorted()
        } else {
            var current = Set<String>()
            for (i, u) in units.enumerated() {
                for p in u.paths {
                    guard current.insert(p).inserted else { throw BuildError("two outputs at \(p)") }
                }
                if renderAll || !sameKey[i] || !allTrusted(i) { dirty.append(i) }
            }
            var owned = Set(old.outputPaths)
            owned.formUnion(pendingPaths)
            owned.formUnion(legacyPaths)
            stale = owned.filter { !current.contains($0) && SiteWriter.isSafe($0) }.sorted()
        }

        // When only records changed that no aggregate reads, a year's records files are rebuilt
        // from the files the last build wrote (the other records' parts are copied), provided
        // those files are on disk as the manifest says (their hash is checked).
        if narrow {
            var trustedAt: [String: Int] = [:]
            for (i, u) in units.enumerated() where u.paths.count == 1 && u.name.hasPrefix("data/")
                && (u.name.hasSuffix("/records.csv") || u.name.hasSuffix("/records.json")) {
                trustedAt[u.paths[0]] = trusted[firstOutput[i]]
            }
            let oldBytes = old.bytes, rootPath = root, trustedOffsets = trustedAt
            renderer.previous.file = { path in
                guard let at = trustedOffsets[path], at >= 0, let bytes = SiteWriter.readFile(rootPath + path) else { return nil }
                return SHA256.hash(data: bytes).prefix(16).elementsEqual(oldBytes[at..<(at + 16)]) ? bytes : nil
            }
            var fresh = Set<Int>()
            for i in headOnly.indices where headOnly[i] == nil { fresh.insert(i) }
            let freshSet = fresh
            renderer.previous.fresh = { freshSet.contains($0) }
        }

        // Journal before touching anything.
        if !dirty.isEmpty || !stale.isEmpty {
            var list = stale
            for i in dirty { list += units[i].paths }
            try SiteWriter.writeAtomically(state + "pending", Array((list.joined(separator: "\n") + "\n").utf8))
        }

        // Render and write, a batch at a time on every core; results placed by unit index.
        struct Done { var outputs: [(path: String, hash: [UInt8], written: Bool)]; var files: [OutputFile] }
        var done: [Int: Done] = [:]
        var start = 0
        while start < dirty.count {
            let slice = Array(dirty[start..<min(start + IncrementalBuild.batch, dirty.count)])
            let slots = Slots<Result<Done, Error>>(count: slice.count)
            let keep = options.keepFiles
            DispatchQueue.concurrentPerform(iterations: slice.count) { k in
                slots.set(k, Result {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    let unit = units[slice[k]]
                    let files = try SiteRenderer.checked(unit)
                    if IncrementalBuild.timing {
                        let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
                        if ms > 50 { FileHandle.standardError.write(Data("  slow unit \(unit.name): \(Int(ms)) ms\n".utf8)) }
                        IncrementalBuild.unitTimes.add(String(unit.name.prefix { $0 != "/" }), ms)
                    }
                    var outs: [(String, [UInt8], Bool)] = []
                    var folder: Substring? = nil
                    for f in files {
                        let h = Array(SHA256.hash(data: f.bytes).prefix(16))
                        let j = unit.paths.firstIndex(of: f.path)!
                        let at = trustedOutputs[outputStart[slice[k]] + j]
                        if at >= 0, oldBytes[at..<(at + 16)].elementsEqual(h), FileStamp.of(root + f.path) != nil {
                            outs.append((f.path, h, false))
                        } else {
                            // A file the last build did not write: its folder is made first, once
                            // per unit (in a new site, rather than a failed open per folder).
                            if at < 0, let slash = f.path.lastIndex(of: "/"), folder != f.path[..<slash] {
                                folder = f.path[..<slash]
                                try SiteWriter.makeFolder(root + f.path[..<slash])
                            }
                            try SiteWriter.writeAtomically(root + f.path, f.bytes, makeFolders: true)
                            outs.append((f.path, h, true))
                        }
                    }
                    return Done(outputs: outs, files: keep ? files : [])
                })
            }
            for (k, r) in slots.values.enumerated() { done[slice[k]] = try r.get() }
            start += IncrementalBuild.batch
        }

        var summary = WriteSummary()
        mark("render")
        if IncrementalBuild.timing {
            for (k, v) in IncrementalBuild.unitTimes.ms.sorted(by: { $0.value.0 > $1.value.0 }).prefix(8) {
                FileHandle.standardError.write(Data("  units \(k): \(v.1) in \(Int(v.0)) ms\n".utf8))
            }
        }
        for p in stale where unlink(root + p) == 0 || errno == ENOENT {
            if FileStamp.of(root + p) == nil { summary.removed.append(p) }
            var parts = p.split(separator: "/").dropLast()
            while !parts.isEmpty, rmdir(root + parts.joined(separator: "/")) == 0 { parts = parts.dropLast() }
        }

        // The cache, then the manifest (last, atomically), then the journal goes.
        cacheWriting.wait()
        try cacheWrite.values[0].get()
        var outputCount = 0, pageCount = 0
        var files: [OutputFile] = []
        var written: [String] = []
        for (i, u) in units.enumerated() {
            outputCount += u.paths.count
            for p in u.paths where p.hasUTF8Suffix(OutputFile.pageSuffix) { pageCount += 1 }
            if let d = done[i] {
                for p in u.paths where d.outputs.first(where: { $0.path == p })!.written { written.append(p) }
                files += d.files
            }
        }
        /// The hash of unit `i`'s file `j` for the new manifest, in the order the unit declares them.
        func newHash(_ i: Int, _ j: Int) -> [UInt8] {
            if let d = done[i] { return d.outputs.first { $0.path == units[i].paths[j] }!.hash }
            let at = trusted[firstOutput[i] + j]
            return Array(old.bytes[at..<(at + 16)])
        }
        let header = Manifest.headerBytes(version: version, global: globalHex, inputs: inputsHex, fileCount: outputCount, pageCount: pageCount)
        let manifestBytes: [UInt8]
        if sameLayout, trustOld, !old.units.isEmpty {
            // The same units and files as the last manifest: its bytes, with the new header and the
            // keys and hashes of the units rendered now.
            var out = header
            let delta = header.count - old.bodyStart
            out += old.bytes[old.bodyStart...]
            for i in dirty {
                let ou = old.units[i]
                out.replaceSubrange((ou.key.lowerBound + delta)..<(ou.key.upperBound + delta), with: units[i].key)
                for (j, o) in old.outputs[ou.outputs].enumerated() {
                    out.replaceSubrange((o.hash.lowerBound + delta)..<(o.hash.upperBound + delta), with: newHash(i, j))
                }
            }
            manifestBytes = out
        } else {
            manifestBytes = Manifest.encode(header: header, units: units.indices.map { i in
                (units[i].name, units[i].key, units[i].paths.indices.map { (units[i].paths[$0], newHash(i, $0)) })
            })
        }
        if manifestBytes != oldManifestBytes || FileStamp.of(state + "diagnostics") == nil {
            // The findings first: a manifest that lets the next build stop early must find them.
            try SiteWriter.writeAtomically(state + "diagnostics", DiagnosticsFile.encode(diagnostics, prefix: corpusPrefix))
            try SiteWriter.writeAtomically(state + "manifest", manifestBytes)
        }
        unlink(state + "pending")
        mark("finish")
        if !legacyPaths.isEmpty { unlink(root + SiteWriter.manifestName) }

        written.sort()
        summary.written = written
        summary.unchanged = outputCount - written.count
        files.sort { $0.path < $1.path }
        _ = fm
        let lazyPaths: @Sendable () -> [String] = { units.flatMap(\.paths).sorted() }
        let lazy = LazyRecords(reports: reports, aggregates: aggregates, paths: lazyPaths)
        IncrementalBuild.parking.park([lazy, entries, previous, old, keys, units, done])
        return BuildResult(reportCount: reports.count, files: files, fileCount: outputCount, pages: pageCount, rendered: dirty.count,
                           write: summary, diagnostics: diagnostics, lazy: lazy)
    }

    /// A report read and extracted from its file (`bytes`, nil when it could not be read).
    static func extract(_ path: String, rel: String, bytes: [UInt8]?, hash: [UInt8], stamp: FileStamp?, sidecarStamp: FileStamp?,
                        sidecarBytes: [UInt8]?, sidecarHash: [UInt8]?, extractor: ReportExtractor, narrative: NarrativeBudget? = nil) -> CacheEntry {
        var report: Report
        if let bytes {
            report = extractor.extract(bytes: bytes, source: path)
        } else {
            report = Report(source: path, diagnostics: [.error("cannot read the file", zh: "无法读取文件")])
        }
        let (sidecar, sd) = sidecarBytes.map { Sidecar.parse(bytes: $0, path: Sidecar.path(for: path)) } ?? (nil, [])
        report.diagnostics += sd
        var lr = RecordCodec.compact(LoadedReport(checked: CheckedReport(report), relativePath: rel, sourceText: nil, sidecar: sidecar))
        if let narrative, narrative.take(report.sections) {
            lr.checked.report.sections = report.sections
            lr.keepsNarrative = true
        }
        let input = AggregateInput(lr.report, identityBreaks: lr.identityBreaks)
        var w = RecordCache.seededWriter
        RecordCache.encodeHead(lr, input, &w)
        return CacheEntry(stamp: stamp ?? FileStamp(size: -1, seconds: 0, nanoseconds: 0), hash: hash.isEmpty ? Array(repeating: 0, count: 32)[...] : hash[...],
                          sidecarStamp: sidecarStamp, sidecarHash: sidecarHash?[...], record: lr, input: input, summary: Array(SHA256.hash(data: w.bytes))[...])
    }


    /// Whether a template shows the number of reports or agencies on pages that otherwise do not
    /// depend on the whole corpus (then every page's key includes them).
    static func templatesShowCounts(_ theme: Theme) -> Bool {
        for (path, text) in theme.files where !path.hasPrefix("assets/") {
            var t = text
            if t.withUTF8(showsCounts) { return true }
        }
        return false
    }

    /// Whether a template's text names `site.reportCount` or `site.agencyCount`, or opens a
    /// section over `site` (`{{#site}}`, `{{^ site }}`), read on bytes (a regular expression over
    /// every template took a few milliseconds of each build).
    static func showsCounts(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = b.count
        func at(_ i: Int, _ s: StaticString) -> Bool {
            let c = s.utf8CodeUnitCount
            return i + c <= n && memcmp(b.baseAddress! + i, s.utf8Start, c) == 0
        }
        func space(_ j: Int) -> Int {
            var j = j
            while j < n, b[j] == 0x20 || (b[j] >= 0x09 && b[j] <= 0x0D) { j += 1 }
            return j
        }
        var i = 0
        while i < n {
            if b[i] == 0x73, at(i, "site.reportCount") || at(i, "site.agencyCount") { return true }
            if b[i] == 0x7B, i + 1 < n, b[i + 1] == 0x7B {
                var j = space(i + 2)
                if j < n, b[j] == 0x23 || b[j] == 0x5E {
                    j = space(j + 1)
                    if at(j, "site"), at(space(j + 4), "}}") { return true }
                }
            }
            i += 1
        }
        return false
    }

    /// Reports from the cache or the file, in path order; the cache entries to keep; whether
    /// anything differs from the cache that was read.
    /// `cachedHeads[k]`: what `cache.entry(k, source: prefix + path of slot k, headOnly: true)`
    /// gives.
    func load(_ paths: [String], stamps: [(FileStamp?, FileStamp?)], prefix: String, cache: RecordCache.File,
              cachedHeads: [CacheEntry?]) -> ([LoadedReport], [CacheEntry], [Int?], [Int?], Bool) {
        let rels = paths.map { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
        let slotOf = cache.lookup(rels)
        // In parts (a record's head from the cache takes a microsecond or two), each part's
        // results kept together.
        let parts = min(paths.count, max(1, min(64, paths.count / 64)))
        let results = Slots<([CacheEntry], Bool)>(count: parts)
        let extracted = Slots<Bool>(count: 1)
        let extractor = ReportExtractor()
        let narrative = NarrativeBudget(bytes: options.narrativeBudget)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let range = (part * paths.count / parts)..<((part + 1) * paths.count / parts)
            var out: [CacheEntry] = []
            out.reserveCapacity(range.count)
            var anyChanged = false
            for i in range {
                let path = paths[i]
                let rel = rels[i]
                let (stamp, sidecarStamp) = stamps[i]
                let slot = slotOf[i]
                // (`slotOf` matched the paths: slot `slot` is this report's, under this prefix.)
                if let slot, let stamp, cache.slots[slot].stamp == stamp, cache.slots[slot].sidecarStamp == sidecarStamp,
                   let c = path.hasPrefix(prefix) && slot < cachedHeads.count ? cachedHeads[slot] : (try? cache.entry(slot, source: path, headOnly: true)) {
                    out.append(c)
                    continue
                }
                anyChanged = true
                let sidecarPath = Sidecar.path(for: path)
                let bytes = FileBytes.read(path)
                let sidecarBytes = sidecarStamp == nil ? nil : FileBytes.read(sidecarPath)
                let hash = bytes.map { Array(SHA256.hash(data: $0)) } ?? []
                let sidecarHash = sidecarBytes.map { Array(SHA256.hash(data: $0)) }
                if let slot, let stamp, !hash.isEmpty, cache.slots[slot].hash.elementsEqual(hash),
                   cache.slots[slot].sidecarHash.map(Array.init) == sidecarHash,
                   var c = try? cache.entry(slot, source: path, headOnly: true) {
                    // Touched, not changed.
                    c.stamp = stamp
                    c.sidecarStamp = sidecarStamp
                    out.append(c)
                    continue
                }
                out.append(IncrementalBuild.extract(path, rel: rel, bytes: bytes, hash: hash, stamp: stamp, sidecarStamp: sidecarStamp,
                                                    sidecarBytes: sidecarBytes, sidecarHash: sidecarHash, extractor: extractor, narrative: narrative))
                progress?(extracted.increment(), paths.count)
            }
            results.set(part, (out, anyChanged))
        }
        var entries: [CacheEntry] = []
        entries.reserveCapacity(paths.count)
        var anyChanged = cache.slots.count != paths.count
        for (part, changed) in results.values { entries += part; anyChanged = anyChanged || changed }
        // Records taken from the cache have only their heads: which slot holds the rest.
        let headOnly = (0..<paths.count).map { entries[$0].encoded != nil ? slotOf[$0] : nil }
        return (entries.indices.map { entries[$0].record }, entries, headOnly, slotOf, anyChanged)
    }
}

/// The findings of the last build (`.gongkai/diagnostics`), for a build that changes nothing.
/// Paths are kept relative to the corpus folder.
enum DiagnosticsFile {
    static func encode(_ list: [(String, Diagnostic)], prefix: String) -> [UInt8] {
        var w = ByteWriter()
        w.uint(UInt64(list.count))
        for (path, d) in list {
            w.string(path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path)
            w.u8(d.severity == .error ? 1 : 0)
            w.optInt(d.line)
            w.string(d.message)
            w.optString(d.zh)
        }
        return w.bytes
    }

    static func read(_ path: String, prefix: String) -> [(path: String, diagnostic: Diagnostic)]? {
        guard let bytes = SiteWriter.readFile(path) else { return nil }
        var r = ByteReader(bytes)
        do {
            let n = try r.count()
            var out: [(path: String, diagnostic: Diagnostic)] = []
            out.reserveCapacity(n)
            for _ in 0..<n {
                let p = try r.string()
                let sev: Diagnostic.Severity = try r.u8() == 1 ? .error : .warning
                let line = try r.optInt()
                let message = try r.string()
                out.append((prefix + p, Diagnostic(sev, line: line, message, zh: try r.optString())))
            }
            return out
        } catch { return nil }
    }
}

/// How much narrative text freshly extracted records may keep for their report pages. A page
/// whose record kept its narrative does not find it again in the file (a second pass of the
/// reader over the whole text, about a third of what extraction costs); past the budget, records
/// are kept without it, so a large corpus costs no more memory than before.
final class NarrativeBudget: @unchecked Sendable {
    private let lock = NSLock()
    private var left: Int

    init(bytes: Int) { left = bytes }

    /// Whether `sections` (about their UTF-8 size plus a small overhead per string) still fit.
    func take(_ sections: [NarrativeSection]) -> Bool {
        var size = 0
        for s in sections {
            size += s.title.utf8.count + 64
            for p in s.paragraphs { size += p.text.utf8.count + 48 }
        }
        lock.lock(); defer { lock.unlock() }
        guard size <= left else { return false }
        left -= size
        return true
    }
}
