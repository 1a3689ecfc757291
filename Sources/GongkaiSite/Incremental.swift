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
/// - `records`: the record cache (binary, `RecordCodec`): per report file its path, size,
///   modification time and SHA-256, the same for its sidecar, and the record. A file whose size
///   and time match is not read; one whose bytes hash the same is not parsed.
/// - `manifest` (text): `u <key> <unit>` per unit — the SHA-256 (first 128 bits) of every input the
///   unit reads — and `o <hash> <path>` per output file. A unit whose key is unchanged is not
///   rendered; a rendered file whose hash is unchanged is not written.
/// - `pending`: written before the first output of a build is touched, listing every path the
///   build may write or delete; removed after the manifest. When a build is killed, the next one
///   distrusts exactly those paths (renders their units, rewrites them, deletes the stale ones).
///   The manifest itself is replaced last, atomically, and only lists files that were written.
///
/// Keys (`DependencyKeys`) are built from content digests: every key starts from the global
/// digest (tool version, `gongkai.yml`, every template file of every layer, `--base-url`, and the
/// report and agency counts when a template shows them on every page). An agency's digest covers
/// the paths and content of all its reports (its aggregate, its reports' slugs, duplicates and
/// cross-year findings are functions of them). A report page reads its agency's digest; a year
/// page the digests of the agencies reporting that year or the year before (like-for-like
/// change) and the list of years; a region page those of the agencies in its subtree; per-year
/// data files those of their reports' agencies; home, the indexes, the corpus-wide aggregates,
/// sitemap and feed the digest of the whole corpus.
struct DependencyKeys {
    let global: [UInt8]
    let corpus: [UInt8]
    let years: [UInt8]
    let ownerDigests: [[UInt8]]
    let agency: [String: [UInt8]]
    let byYear: [Int: [Int]]
    /// Per report, what its row in the data files shows: its content and the few aggregate
    /// values printed beside it (agency name and id, level, region, error and break counts).
    let rowDigests: [[UInt8]]

    static let none = DependencyKeys(global: [], corpus: [], years: [], ownerDigests: [], agency: [:], byYear: [:], rowDigests: [])

    init(global: [UInt8], corpus: [UInt8], years: [UInt8], ownerDigests: [[UInt8]], agency: [String: [UInt8]], byYear: [Int: [Int]], rowDigests: [[UInt8]]) {
        self.global = global; self.corpus = corpus; self.years = years
        self.ownerDigests = ownerDigests; self.agency = agency; self.byYear = byYear; self.rowDigests = rowDigests
    }

    func rows(_ indices: [Int]) -> [UInt8] {
        var h = SHA256()
        for i in indices { h.update(data: rowDigests[i]) }
        return Array(h.finalize())
    }

    /// `content[i]`: the digest of report `i`'s file and sidecar.
    init(global: [UInt8], reports: [LoadedReport], content: [[UInt8]], aggregates agg: Aggregates) {
        self.global = global
        var c = SHA256()
        for (i, r) in reports.enumerated() { c.feed(Array(r.relativePath.utf8)); c.feed(content[i]) }
        corpus = Array(c.finalize())
        var y = SHA256()
        for ya in agg.years { y.feed(Array("\(ya.year)".utf8)) }
        years = Array(y.finalize())
        var agency: [String: [UInt8]] = [:]
        for a in agg.agencies {
            var h = SHA256()
            h.feed(Array(a.key.utf8))
            for j in a.entries { h.feed(Array(reports[j].relativePath.utf8)); h.feed(content[j]) }
            agency[a.key] = Array(h.finalize())
        }
        self.agency = agency
        var owners: [[UInt8]] = []
        owners.reserveCapacity(reports.count)
        var byYear: [Int: [Int]] = [:]
        var rows: [[UInt8]] = []
        rows.reserveCapacity(reports.count)
        for e in agg.entries {
            var h = SHA256()
            h.feed(Array(reports[e.index].relativePath.utf8)); h.feed(content[e.index])
            h.feed(Array((e.agencyKey ?? "\u{0}").utf8)); h.feed(Array((e.agencyName ?? "\u{0}").utf8)); h.feed(Array((e.regionKey ?? "\u{0}").utf8))
            h.feed(Array("\(e.level.rawValue) \(e.errorCount) \(e.identityBreaks)".utf8))
            rows.append(Array(h.finalize()))
            if let k = e.agencyKey, let d = agency[k] { owners.append(d) } else {
                var h = SHA256()
                h.feed(Array("solo".utf8)); h.feed(Array(reports[e.index].relativePath.utf8)); h.feed(content[e.index])
                owners.append(Array(h.finalize()))
            }
            if let y = e.year { byYear[y, default: []].append(e.index) }
        }
        ownerDigests = owners
        self.byYear = byYear
        rowDigests = rows
    }

    func key(_ kind: String, _ parts: [UInt8]...) -> [UInt8] {
        var h = SHA256()
        h.feed(global)
        h.feed(Array(kind.utf8))
        for p in parts { h.feed(p) }
        return Array(h.finalize().prefix(16))
    }

    func owner(_ i: Int, agg: Aggregates) -> [UInt8] { ownerDigests[i] }

    /// The distinct owner digests of `indices`, in a canonical order.
    func owners(_ indices: [Int], agg: Aggregates) -> [UInt8] {
        var seen = Set<[UInt8]>()
        var list: [[UInt8]] = []
        for i in indices where seen.insert(ownerDigests[i]).inserted { list.append(ownerDigests[i]) }
        list.sort { $0.lexicographicallyPrecedes($1) }
        return Array(list.joined())
    }

    func owners(year: Int, agg: Aggregates) -> [UInt8] { owners(byYear[year] ?? [], agg: agg) }

    func agencies(_ keys: [String]) -> [UInt8] {
        var list = keys.compactMap { agency[$0] }
        list.sort { $0.lexicographicallyPrecedes($1) }
        return Array(list.joined())
    }
}

extension SHA256 {
    /// Length-prefixed, so the concatenation of parts is unambiguous.
    mutating func feed(_ bytes: [UInt8]) {
        var n = UInt64(bytes.count).littleEndian
        withUnsafeBytes(of: &n) { update(bufferPointer: $0) }
        update(data: bytes)
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

    static func of(_ path: String) -> FileStamp? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        #if canImport(Darwin)
        return FileStamp(size: Int(st.st_size), seconds: Int(st.st_mtimespec.tv_sec), nanoseconds: Int(st.st_mtimespec.tv_nsec))
        #else
        return FileStamp(size: Int(st.st_size), seconds: Int(st.st_mtim.tv_sec), nanoseconds: Int(st.st_mtim.tv_nsec))
        #endif
    }
}

/// One report file as the cache knows it.
struct CacheEntry {
    var stamp: FileStamp
    var hash: [UInt8]
    /// The sidecar's stamp and hash, nil when there is none.
    var sidecarStamp: FileStamp?
    var sidecarHash: [UInt8]?
    var record: LoadedReport

    /// The digest of the report's inputs (file and sidecar).
    var content: [UInt8] {
        var h = SHA256()
        h.feed(hash)
        h.feed(sidecarHash ?? [])
        return Array(h.finalize())
    }
}

/// The record cache: a header, then chunks that each have their own string table, so they are
/// encoded and decoded on every core.
enum RecordCache {
    static let magic: [UInt8] = Array("GKRC2\n".utf8)
    static let chunks = 16

    static func read(_ path: String, version: String) -> [String: CacheEntry] {
        guard let bytes = SiteWriter.readFile(path), bytes.starts(with: magic) else { return [:] }
        var r = ByteReader(bytes, at: magic.count)
        var blobs: [[UInt8]] = []
        do {
            guard try r.string() == version else { return [:] }
            let n = try r.count()
            for _ in 0..<n { blobs.append(try r.blob()) }
        } catch { return [:] }
        let parts = blobs
        let slots = Slots<[CacheEntry]?>(count: parts.count)
        DispatchQueue.concurrentPerform(iterations: parts.count) { k in
            slots.set(k, try? decodeChunk(parts[k]))
        }
        var out: [String: CacheEntry] = [:]
        for chunk in slots.values {
            guard let chunk else { return [:] }
            for e in chunk { out[e.record.relativePath] = e }
        }
        return out
    }

    static func decodeChunk(_ bytes: [UInt8]) throws -> [CacheEntry] {
        var r = ByteReader(bytes)
        let n = try r.count()
        var out: [CacheEntry] = []
        out.reserveCapacity(n)
        for _ in 0..<n {
            func stamp() throws -> FileStamp { FileStamp(size: try r.int(), seconds: try r.int(), nanoseconds: try r.int()) }
            let s = try stamp()
            let h = try r.raw(32)
            var ss: FileStamp? = nil, sh: [UInt8]? = nil
            if try r.u8() == 1 { ss = try stamp(); sh = try r.raw(32) }
            let rec = try RecordCodec.decodeReport(&r, source: { $0 })
            out.append(CacheEntry(stamp: s, hash: h, sidecarStamp: ss, sidecarHash: sh, record: rec))
        }
        return out
    }

    static func encode(_ entries: [CacheEntry], version: String) -> [UInt8] {
        let per = max(1, (entries.count + chunks - 1) / chunks)
        let n = entries.isEmpty ? 0 : (entries.count + per - 1) / per
        let slots = Slots<[UInt8]>(count: n)
        DispatchQueue.concurrentPerform(iterations: n) { k in
            var w = ByteWriter(capacity: per * 1200 + 64)
            let part = entries[(k * per)..<min(entries.count, (k + 1) * per)]
            w.uint(UInt64(part.count))
            for e in part {
                func stamp(_ s: FileStamp) { w.int(s.size); w.int(s.seconds); w.int(s.nanoseconds) }
                stamp(e.stamp)
                w.raw(e.hash)
                if let ss = e.sidecarStamp, let sh = e.sidecarHash { w.u8(1); stamp(ss); w.raw(sh) } else { w.u8(0) }
                RecordCodec.encode(e.record, &w)
            }
            slots.set(k, w.bytes)
        }
        var w = ByteWriter(capacity: entries.count * 1200 + 64)
        w.raw(magic)
        w.string(version)
        w.uint(UInt64(n))
        for b in slots.values { w.blob(b) }
        return w.bytes
    }
}

/// The manifest of the previous build.
struct Manifest {
    static let header = "gongkai-manifest 1"
    var version = ""
    var global = ""
    var inputs = ""
    var fileCount = 0
    var pageCount = 0
    var units: [String: String] = [:]
    var outputs: [String: String] = [:]

    /// The header lines only (version, digests, counts): all a build that changes nothing reads.
    static func header(_ bytes: [UInt8]) -> Manifest? {
        var m = Manifest()
        var lines = 0
        var start = 0
        var i = 0
        while i < bytes.count, lines < 6 {
            if bytes[i] == 0x0A {
                let s = String(decoding: bytes[start..<i], as: UTF8.self)
                if lines == 0 { guard s == header else { return nil } } else {
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
        return lines > 0 ? m : nil
    }

    static func read(_ bytes: [UInt8]) -> Manifest? {
        var m = Manifest()
        var first = true
        for line in bytes.split(separator: 0x0A) {
            let s = String(decoding: line, as: UTF8.self)
            if first {
                guard s == header else { return nil }
                first = false
                continue
            }
            let parts = s.split(separator: " ", maxSplits: 2)
            guard parts.count == 3 else { continue }
            switch parts[0] {
            case "v": m.version = String(parts[1]) + " " + parts[2]
            case "g": m.global = String(parts[1])
            case "i": m.inputs = String(parts[1])
            case "c": m.fileCount = Int(parts[1]) ?? 0; m.pageCount = Int(parts[2]) ?? 0
            case "u": m.units[String(parts[2])] = String(parts[1])
            case "o": m.outputs[String(parts[2])] = String(parts[1])
            default: continue
            }
        }
        return first ? nil : m
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
        // Fail before the lock on a missing corpus (and do not leave an output folder behind).
        let paths = try SiteBuilder.scan(options.corpus)
        let lock = try OutputLock(output: output)
        mark("scan")
        defer { lock.release() }

        // Configuration and templates: read in full each time (small), hashed into the global key.
        let corpusPrefix = options.corpus.hasSuffix("/") ? options.corpus : options.corpus + "/"
        let configBytes = SiteWriter.readFile(corpusPrefix + SiteConfiguration.fileName)
        var (config, configDiagnostics) = SiteConfiguration.load(corpus: options.corpus)
        if let b = options.baseURL { config.baseURL = b }
        let theme = try Theme.load(folders: options.templateFolders)
        let version = IncrementalBuild.toolVersion
        mark("theme")

        // Stamps of every report and sidecar; with the configuration, templates and tool, they
        // decide whether anything at all changed since the last build.
        let stampSlots = Slots<(FileStamp?, FileStamp?)>(count: paths.count)
        DispatchQueue.concurrentPerform(iterations: paths.count) { i in
            stampSlots.set(i, (FileStamp.of(paths[i]), FileStamp.of(Sidecar.path(for: paths[i]))))
        }
        let stamps = stampSlots.values
        var g = SHA256()
        g.feed(Array(version.utf8))
        g.feed(configBytes ?? Array("(none)".utf8))
        g.feed(Array((options.baseURL ?? "(none)").utf8))
        for (path, text) in theme.files.sorted(by: { $0.key < $1.key }) { g.feed(Array(path.utf8)); g.feed(Array(text.utf8)) }
        let globalBase = g
        let globalHex = Hex.string(globalBase.finalize())
        var inputs = SHA256()
        for (i, p) in paths.enumerated() {
            inputs.feed(Array(p.utf8))
            for s in [stamps[i].0, stamps[i].1] { inputs.feed(s.map { Array("\($0.size) \($0.seconds) \($0.nanoseconds)".utf8) } ?? []) }
        }
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
                let cache = RecordCache.read(cachePath, version: version)
                return paths.compactMap { p in
                    let rel = p.hasPrefix(corpusPrefix) ? String(p.dropFirst(corpusPrefix.count)) : p
                    guard var r = cache[rel]?.record else { return nil }
                    r.checked.report.source = p
                    return r
                }
            }, aggregate: { [config] in SiteBuilder.aggregate($0, configuration: config) },
               paths: { (Manifest.read(manifestBytes)?.outputs.keys.sorted()) ?? [] })
            mark("no change")
            return BuildResult(reportCount: paths.count, files: [], fileCount: oldHeader.fileCount, pages: oldHeader.pageCount, rendered: 0,
                               write: WriteSummary(written: [], unchanged: oldHeader.fileCount, removed: []),
                               diagnostics: diagnostics, lazy: lazy)
        }

        // Load: from the cache when the stamp (or else the hash) matches.
        let previous = options.clean ? [:] : RecordCache.read(state + "records", version: version)
        mark("cache")
        let (reports, entries, cacheChanged) = load(paths, stamps: stamps, prefix: corpusPrefix, cache: previous)
        // Extraction leaves freed memory scattered between the records it keeps; give it back.
        IncrementalBuild.trimMemory()
        mark("load")
        let aggregates = SiteBuilder.aggregate(reports, configuration: config)
        mark("aggregate")

        if IncrementalBuild.templatesShowCounts(theme) { g.feed(Array("\(reports.count) \(aggregates.agencies.count)".utf8)) }
        let keys = DependencyKeys(global: Array(g.finalize()), reports: reports, content: entries.map(\.content), aggregates: aggregates)

        let renderer = SiteRenderer(reports: reports, aggregates: aggregates, configuration: config, theme: theme)
        let units = renderer.units(keys)
        mark("keys")

        // What the previous build left, and which of its claims to trust.
        let old = oldManifestBytes.flatMap(Manifest.read) ?? Manifest()
        let pendingPaths = pendingBytes.map { String(decoding: $0, as: UTF8.self).split(separator: "\n").map(String.init) } ?? []
        let legacyPaths = legacyBytes.map { String(decoding: $0, as: UTF8.self).split(separator: "\n").map(String.init) } ?? []
        var trusted = (options.clean || old.version != version) ? [:] : old.outputs
        for p in pendingPaths { trusted[p] = nil }
        if !pendingPaths.isEmpty { IncrementalBuild.removeTemporaryFiles(root: root, near: pendingPaths) }
        let renderAll = options.clean || options.keepFiles
        mark("manifest")
        let trustedOutputs = trusted

        var current = Set<String>()
        var dirty: [Int] = []
        for (i, u) in units.enumerated() {
            for p in u.paths {
                guard current.insert(p).inserted else { throw BuildError("two outputs at \(p)") }
            }
            if renderAll || old.units[u.name] != Hex.string(u.key) || u.paths.contains(where: { trusted[$0] == nil }) { dirty.append(i) }
        }
        var owned = Set(old.outputs.keys)
        owned.formUnion(pendingPaths)
        owned.formUnion(legacyPaths)
        let stale = owned.filter { !current.contains($0) && SiteWriter.isSafe($0) }.sorted()

        // Journal before touching anything.
        if !dirty.isEmpty || !stale.isEmpty {
            var list = stale
            for i in dirty { list += units[i].paths }
            try SiteWriter.writeAtomically(state + "pending", Array((list.joined(separator: "\n") + "\n").utf8))
        }

        // Render and write, a batch at a time on every core; results placed by unit index.
        struct Done { var outputs: [(path: String, hash: String, written: Bool)]; var files: [OutputFile] }
        var done: [Int: Done] = [:]
        var start = 0
        while start < dirty.count {
            let slice = Array(dirty[start..<min(start + IncrementalBuild.batch, dirty.count)])
            let slots = Slots<Result<Done, Error>>(count: slice.count)
            let keep = options.keepFiles
            DispatchQueue.concurrentPerform(iterations: slice.count) { k in
                slots.set(k, Result {
                    let t0 = DispatchTime.now().uptimeNanoseconds
                    let files = try SiteRenderer.checked(units[slice[k]])
                    if IncrementalBuild.timing {
                        let ms = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
                        if ms > 50 { FileHandle.standardError.write(Data("  slow unit \(units[slice[k]].name): \(Int(ms)) ms\n".utf8)) }
                        IncrementalBuild.unitTimes.add(String(units[slice[k]].name.prefix { $0 != "/" }), ms)
                    }
                    var outs: [(String, String, Bool)] = []
                    for f in files {
                        let h = Hex.string(SHA256.hash(data: f.bytes).prefix(16))
                        if trustedOutputs[f.path] == h, FileStamp.of(root + f.path) != nil {
                            outs.append((f.path, h, false))
                        } else {
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
        if cacheChanged || options.clean {
            try SiteWriter.writeAtomically(state + "records", RecordCache.encode(entries, version: version))
        }
        let outputCount = units.reduce(0) { $0 + $1.paths.count }
        let pageCount = units.reduce(0) { $0 + $1.paths.reduce(0) { $0 + ($1.hasSuffix(".html") ? 1 : 0) } }
        var manifest = Manifest.header + "\n" + "v " + version + "\n" + "g \(globalHex) -\n" + "i \(inputsHex) -\n" + "c \(outputCount) \(pageCount)\n"
        var files: [OutputFile] = []
        var allPaths: [String] = []
        var written: [String] = []
        for (i, u) in units.enumerated() {
            manifest += "u \(Hex.string(u.key)) \(u.name)\n"
            if let d = done[i] {
                for o in d.outputs {
                    manifest += "o \(o.hash) \(o.path)\n"
                    if o.written { written.append(o.path) }
                }
                files += d.files
            } else {
                for p in u.paths { manifest += "o \(trusted[p]!) \(p)\n" }
            }
            allPaths += u.paths
        }
        var diagnostics: [(String, Diagnostic)] = configDiagnostics.map { (corpusPrefix + SiteConfiguration.fileName, $0) }
        diagnostics += SiteBuilder.collectDiagnostics(reports, aggregates)
        let manifestBytes = Array(manifest.utf8)
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
        summary.unchanged = allPaths.count - written.count
        files.sort { $0.path < $1.path }
        allPaths.sort()
        _ = fm
        return BuildResult(reportCount: reports.count, files: files, fileCount: outputCount, pages: pageCount, rendered: dirty.count,
                           write: summary, diagnostics: diagnostics, lazy: LazyRecords(reports: reports, aggregates: aggregates, paths: allPaths))
    }

    /// Whether a template shows the number of reports or agencies on pages that otherwise do not
    /// depend on the whole corpus (then every page's key includes them).
    static func templatesShowCounts(_ theme: Theme) -> Bool {
        for (path, text) in theme.files where !path.hasPrefix("assets/") {
            if text.contains("site.reportCount") || text.contains("site.agencyCount") { return true }
            if text.range(of: #"\{\{\s*[#^]\s*site\s*\}\}"#, options: .regularExpression) != nil { return true }
        }
        return false
    }

    /// Reports from the cache or the file, in path order; the cache entries to keep; whether
    /// anything differs from the cache that was read.
    func load(_ paths: [String], stamps: [(FileStamp?, FileStamp?)], prefix: String, cache: [String: CacheEntry]) -> ([LoadedReport], [CacheEntry], Bool) {
        let slots = Slots<CacheEntry>(count: paths.count)
        let changed = Slots<Bool>(count: paths.count)
        let extractor = ReportExtractor()
        DispatchQueue.concurrentPerform(iterations: paths.count) { i in
            let path = paths[i]
            let rel = path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
            let sidecarPath = Sidecar.path(for: path)
            let (stamp, sidecarStamp) = stamps[i]
            if var c = cache[rel], let stamp, c.stamp == stamp, c.sidecarStamp == sidecarStamp {
                c.record.checked.report.source = path
                slots.set(i, c)
                changed.set(i, false)
                return
            }
            let bytes = FileManager.default.contents(atPath: path).map { [UInt8]($0) }
            let sidecarBytes = sidecarStamp == nil ? nil : FileManager.default.contents(atPath: sidecarPath).map { [UInt8]($0) }
            let hash = bytes.map { Array(SHA256.hash(data: $0)) } ?? []
            let sidecarHash = sidecarBytes.map { Array(SHA256.hash(data: $0)) }
            if var c = cache[rel], let stamp, !hash.isEmpty, c.hash == hash, c.sidecarHash == sidecarHash {
                // Touched, not changed.
                c.stamp = stamp
                c.sidecarStamp = sidecarStamp
                c.record.checked.report.source = path
                slots.set(i, c)
                changed.set(i, true)
                return
            }
            var report: Report
            if let bytes {
                report = extractor.extract(bytes: bytes, source: path)
            } else {
                report = Report(source: path, diagnostics: [.error("cannot read the file")])
            }
            let (sidecar, sd) = Sidecar.load(for: path)
            report.diagnostics += sd
            let lr = RecordCodec.compact(LoadedReport(checked: CheckedReport(report), relativePath: rel, sourceText: nil, sidecar: sidecar))
            slots.set(i, CacheEntry(stamp: stamp ?? FileStamp(size: -1, seconds: 0, nanoseconds: 0), hash: hash.isEmpty ? Array(repeating: 0, count: 32) : hash,
                                    sidecarStamp: sidecarStamp, sidecarHash: sidecarHash, record: lr))
            changed.set(i, true)
            progress?(changed.increment(), paths.count)
        }
        let entries = slots.values
        let anyChanged = changed.values.contains(true) || cache.count != paths.count
        return (entries.map(\.record), entries, anyChanged)
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
                out.append((prefix + p, Diagnostic(sev, line: line, try r.string())))
            }
            return out
        } catch { return nil }
    }
}
