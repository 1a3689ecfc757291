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
///   128 bits) of every input the unit reads — and per output file the hash of its bytes
///   (`OutputHash`, XXH3-128; before "gongkai-site 3" it was SHA-256's first 128 bits). A unit
///   whose key is unchanged is not rendered; a rendered file whose hash is unchanged is not
///   written.
/// - `pending`: written before the first output of a build is touched, listing every path the
///   build may write or delete; removed after the manifest. When a build is killed, the next one
///   distrusts exactly those paths (renders their units, rewrites them, deletes the stale ones).
///   The manifest itself is replaced last, atomically, and only lists files that were written.
///
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
        var v = "gongkai-site 3"
        if let s = FileStamp.of("/proc/self/exe") ?? CommandLine.arguments.first.flatMap(FileStamp.of) {
            v += " \(s.size)-\(s.seconds).\(s.nanoseconds)"
        }
        return v
    }()

    /// Units rendered between two waits for both cores (errors are seen at the end of a batch).
    static let batch = 1 << 20

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
        func cpu() -> Double {
            var u = rusage()
            getrusage(RUSAGE_SELF.rawValue, &u)
            return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3
        }
        var lastCPU = IncrementalBuild.timing ? cpu() : 0
        func mark(_ step: String) {
            guard IncrementalBuild.timing else { return }
            let now = DispatchTime.now().uptimeNanoseconds
            let c = cpu()
            defer { lastCPU = c }
            var rss = ""
            if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
               let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }), let now = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) {
                rss = "  peak " + line.dropFirst(6).trimmingCharacters(in: .whitespaces) + ", now " + now.dropFirst(6).trimmingCharacters(in: .whitespaces)
            }
            FileHandle.standardError.write(Data(String(format: "%-10@ %7.1f ms (CPU %7.1f ms)%@\n", step as NSString, Double(now - last) / 1e6, c - lastCPU, rss as NSString).utf8))
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
        let stage = Stage(), configuration = config, stateFolder = state
        // (A thread of its own, not `concurrentPerform`: work `DependencyKeys` spreads with
        // `concurrentPerform` would run on one thread if nested in another.)
        let other = DispatchGroup()
        other.enter()
        Thread {
            recordsReady.wait()
            (stage.reports, stage.broken) = (records.reports, records.broken)
            if stage.broken == nil {
                stage.renderer = SiteRenderer(reports: stage.reports, aggregates: aggregates, configuration: configuration, theme: theme, spillFolder: stateFolder)
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
        let match = ManifestMatch(units: units, old: old, trustOld: trustOld, distrusted: distrusted)
        let trusted = match.trusted, firstOutput = match.firstOutput, sameLayout = match.sameLayout
        mark("manifest")

        var dirty: [Int] = []
        let stale: [String]
        if sameLayout {
            // The same units with the same files as the last build (which checked them for
            // clashes): only files a killed build may have left are stale.
            for i in units.indices where renderAll || !match.sameKey[i] || !match.allTrusted(i) { dirty.append(i) }
            var current = Set<String>()
            if !pendingPaths.isEmpty || !legacyPaths.isEmpty { for u in units { current.formUnion(u.paths) } }
            stale = Set(pendingPaths + legacyPaths).filter { !current.contains($0) && SiteWriter.isSafe($0) }.sorted()
        } else {
            var current = Set<String>()
            for (i, u) in units.enumerated() {
                for p in u.paths {
                    guard current.insert(p).inserted else { throw BuildError("two outputs at \(p)") }
                }
                if renderAll || !match.sameKey[i] || !match.allTrusted(i) { dirty.append(i) }
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
                return OutputHash.of(bytes).elementsEqual(oldBytes[at..<(at + 16)]) ? bytes : nil
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

        // Render and write the units whose keys changed.
        let done = try IncrementalBuild.renderAndWrite(dirty, units: units, match: match, oldBytes: old.bytes, root: root, keepFiles: options.keepFiles)

        var summary = WriteSummary()
        mark("render")
        if IncrementalBuild.timing {
            for (k, v) in IncrementalBuild.unitTimes.ms.sorted(by: { $0.value.0 > $1.value.0 }).prefix(8) {
                FileHandle.standardError.write(Data("  units \(k): \(v.1) in \(Int(v.0)) ms\n".utf8))
            }
        }
        summary.removed = IncrementalBuild.remove(stale, root: root)

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
        let header = Manifest.headerBytes(version: version, global: globalHex, inputs: inputsHex, fileCount: outputCount, pageCount: pageCount)
        let manifestBytes = IncrementalBuild.manifest(header: header, units: units, rendered: done, dirty: dirty, match: match, old: old,
                                                      patch: sameLayout && trustOld && !old.units.isEmpty)
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

    /// What rendering a unit left: per file its path, the hash of its bytes (the first 128 bits)
    /// and whether it was written; the files themselves when the caller keeps them.
    struct RenderedUnit { var outputs: [(path: String, hash: [UInt8], written: Bool)]; var files: [OutputFile] }

    /// Renders units `dirty`, a batch at a time on every core, and writes each file whose bytes
    /// are not what the last manifest recorded for it (or that is not on disk); results by unit.
    static func renderAndWrite(_ dirty: [Int], units: [SiteRenderer.RenderUnit], match: ManifestMatch, oldBytes: [UInt8],
                               root: String, keepFiles: Bool) throws -> [Int: RenderedUnit] {
        var done: [Int: RenderedUnit] = [:]
        // All on both cores at once (each unit writes its files as it goes, so nothing large is
        // held), report pages last: many small units even out the end, where a few large ones
        // (the year's records files) would leave one core idle. The records files still come
        // after the agency files that hand them their rows.
        let isReport = dirty.map { units[$0].paths.first?.hasPrefix("reports/") ?? false }
        let order = dirty.indices.filter { !isReport[$0] }.map { dirty[$0] } + dirty.indices.filter { isReport[$0] }.map { dirty[$0] }
        let folders = OutputFolders(root: root)
        var start = 0
        while start < order.count {
            let slice = Array(order[start..<min(start + IncrementalBuild.batch, order.count)])
            let slots = Slots<Result<RenderedUnit, Error>>(count: slice.count)
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
                    // The folder the last file was written in, open (see `OutputFolders`).
                    var folder: (path: Substring, fd: Int32, owned: Bool)? = nil
                    defer { if let f = folder, f.owned { close(f.fd) } }
                    for f in files {
                        let h = OutputHash.of(f.bytes)
                        let j = unit.paths.firstIndex(of: f.path)!
                        let at = match.trusted[match.firstOutput[slice[k]] + j]
                        if at >= 0, oldBytes[at..<(at + 16)].elementsEqual(h), FileStamp.of(root + f.path) != nil {
                            outs.append((f.path, h, false))
                        } else {
                            let slash = f.path.lastIndex(of: "/")
                            let dir = slash.map { f.path[..<$0] } ?? ""
                            if folder?.path != dir {
                                if let old = folder, old.owned { close(old.fd) }
                                folder = nil
                                let opened = try folders.folder(dir)
                                folder = (dir, opened.fd, opened.owned)
                            }
                            let name = slash.map { String(f.path[f.path.index(after: $0)...]) } ?? f.path
                            try SiteWriter.writeAtomically(in: folder!.fd, name, f.bytes, path: root + f.path)
                            outs.append((f.path, h, true))
                        }
                    }
                    return RenderedUnit(outputs: outs, files: keepFiles ? files : [])
                })
            }
            for (k, r) in slots.values.enumerated() { done[slice[k]] = try r.get() }
            start += IncrementalBuild.batch
        }
        return done
    }

    /// The new manifest: `header`, then per unit its key and its files' hashes (those of the
    /// units rendered now, the last manifest's for the rest). With `patch` (the same units and
    /// files as the last manifest, whose hashes are all trusted) the last manifest's bytes are
    /// copied and only the rendered units' keys and hashes replaced.
    static func manifest(header: [UInt8], units: [SiteRenderer.RenderUnit], rendered: [Int: RenderedUnit], dirty: [Int],
                         match: ManifestMatch, old: Manifest, patch: Bool) -> [UInt8] {
        /// The hash of unit `i`'s file `j` for the new manifest, in the order the unit declares them.
        func newHash(_ i: Int, _ j: Int) -> [UInt8] {
            if let d = rendered[i] { return d.outputs.first { $0.path == units[i].paths[j] }!.hash }
            let at = match.trusted[match.firstOutput[i] + j]
            return Array(old.bytes[at..<(at + 16)])
        }
        if patch {
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
            return out
        } else {
            return Manifest.encode(header: header, units: units.indices.map { i in
                (units[i].name, units[i].key, units[i].paths.indices.map { (units[i].paths[$0], newHash(i, $0)) })
            })
        }
    }

    /// Deletes the files of `stale` (paths under `root`) and the folders they leave empty; the
    /// paths that are gone.
    static func remove(_ stale: [String], root: String) -> [String] {
        var removed: [String] = []
        for p in stale where unlink(root + p) == 0 || errno == ENOENT {
            if FileStamp.of(root + p) == nil { removed.append(p) }
            var parts = p.split(separator: "/").dropLast()
            while !parts.isEmpty, rmdir(root + parts.joined(separator: "/")) == 0 { parts = parts.dropLast() }
        }
        return removed
    }

    /// A report read and extracted from its file (`bytes`, nil when it could not be read).
    static func extract(_ path: String, rel: String, bytes: [UInt8]?, hash: [UInt8], stamp: FileStamp?, sidecarStamp: FileStamp?,
                        sidecarBytes: [UInt8]?, sidecarHash: [UInt8]?, extractor: ReportExtractor, narrative: Budget? = nil,
                        spill: SpillFile? = nil, whole: Budget? = nil, sources: Budget? = nil) -> CacheEntry {
        var report: Report
        var keptBytes: [UInt8]? = nil
        if let bytes {
            var diagnostics = Diagnostics()
            if let text = SourceReader.read(bytes: bytes, diagnostics: &diagnostics) {
                report = extractor.extract(text, source: path, diagnostics: diagnostics)
                // UTF-8 without a byte order mark: the bytes are valid and are the decoded text.
                if text.encoding == .utf8, sources?.take(bytes.count) == true { keptBytes = bytes }
            } else {
                report = Report(source: path, diagnostics: diagnostics.all)
            }
        } else {
            report = Report(source: path, diagnostics: [FileBytes.unreadable(path)])
        }
        let (sidecar, sd) = sidecarBytes.map { Sidecar.parse(bytes: $0, path: Sidecar.path(for: path)) } ?? (nil, [])
        report.diagnostics += sd
        let extracted = LoadedReport(checked: CheckedReport(report), relativePath: rel, sourceText: nil, sidecar: sidecar)
        let keepsNarrative = narrative?.take(Budget.narrativeSize(report.sections)) ?? false
        var lr: LoadedReport
        if keepsNarrative, let whole, whole.take() {
            // Kept as extracted, narrative and all: compacting costs an encoding and a decoding.
            // (Not its identity results: the report page works them out again either way.)
            lr = extracted
            lr.checked.identities = []
        } else {
            lr = RecordCodec.compact(extracted)
            if keepsNarrative {
                lr.checked.report.sections = report.sections
                lr.keepsNarrative = true
            } else if let file = spill?.file {
                lr.spilledNarrative = file.put(report.sections)
            }
        }
        lr.sourceBytes = keptBytes
        let input = AggregateInput(lr.report, identityBreaks: lr.identityBreaks)
        var w = ByteWriter(capacity: 512)
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
        let narrative = Budget(options.narrativeBudget)
        let whole = Budget(options.wholeRecords)
        let sources = Budget(options.sourceBudget)
        // Made when the first narrative does not fit.
        let spill = SpillFile(folder: options.spillNarrative ? (options.output.hasSuffix("/") ? options.output : options.output + "/") + ".gongkai/" : nil)
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
                                                    sidecarBytes: sidecarBytes, sidecarHash: sidecarHash, extractor: extractor, narrative: narrative,
                                                    spill: spill, whole: whole, sources: sources))
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

struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
