import Foundation
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

/// A report as the site uses it: the checked record, its path inside the corpus, its source
/// text (for the line-numbered view) and its sidecar.
public struct LoadedReport: Sendable {
    /// The checked record, in a box: a record from the incremental build's cache may have its
    /// tables decoded only when something reads them (see `RecordGate`).
    private var storage: RecordStorage
    public var checked: CheckedReport {
        get { storage.checked }
        set { storage = RecordStorage(newValue) }
    }
    /// Path relative to the corpus folder, `/`-separated (shown on pages and in the data).
    public var relativePath: String
    /// The decoded text of the file, lines as in the file (nil when it could not be decoded).
    public var sourceText: String?
    public var sidecar: Sidecar?
    /// Broken identities (kept apart from `checked.identities`, which a cached record lacks).
    public var identityBreaks: Int
    /// A record reloaded from the incremental build's cache: no narrative sections and no
    /// identity results (the report page extracts the file again when it is rendered).
    public var isPartial: Bool
    /// A partial record that kept its narrative sections (within `BuildOptions.narrativeBudget`).
    var keepsNarrative = false
    /// Where a partial record's narrative sections were written when they did not fit the
    /// budget (see `NarrativeSpill`).
    var spilledNarrative: NarrativeSpill.Ref?
    /// The file's bytes as read in this build, when they are UTF-8 without a byte order mark
    /// (so they are the decoded text) and fit `BuildOptions.sourceBudget`: the page's source view.
    var sourceBytes: [UInt8]?

    public init(checked: CheckedReport, relativePath: String, sourceText: String?, sidecar: Sidecar? = nil) {
        self.storage = RecordStorage(checked)
        self.relativePath = relativePath
        self.sourceText = sourceText
        self.sidecar = sidecar
        self.identityBreaks = checked.identities.reduce(0) { $0 + ($1.isBreak ? 1 : 0) }
        self.isPartial = false
    }

    static let emptyChecked = CheckedReport(Report(source: ""))

    /// A record from the cache (see `RecordCodec`).
    public init(partial report: Report, relativePath: String, sidecar: Sidecar?, identityBreaks: Int) {
        var c = LoadedReport.emptyChecked
        c.report = report
        self.storage = RecordStorage(c)
        self.relativePath = relativePath
        self.sourceText = nil
        self.sidecar = sidecar
        self.identityBreaks = identityBreaks
        self.isPartial = true
    }

    /// A record from the cache of which only the head is decoded: until `gate` opens it reads as
    /// `head` (no tables); after, as the whole record, which `full` decodes the first time.
    init(head: LoadedReport, gate: RecordGate, full: @escaping @Sendable () -> Report?) {
        self = head
        storage = RecordStorage(head: head.checked, gate: gate, full: full)
    }

    public var report: Report { checked.report }
}

/// Opened by the incremental build once it has laid out the site's units and collected the
/// findings, which read only the records' heads (paths, metadata, findings). Before, a record
/// whose tables were not decoded reads as its head; after, as the whole record (rendering reads
/// tables), decoded on first use.
final class RecordGate: @unchecked Sendable {
    private let lock = NSLock()
    private var isOpen = false
    var open: Bool { lock.lock(); defer { lock.unlock() }; return isOpen }
    func openNow() { lock.lock(); isOpen = true; lock.unlock() }
}

final class RecordStorage: @unchecked Sendable {
    private var value: CheckedReport
    private var pending: (@Sendable () -> Report?)?
    private let gate: RecordGate?
    /// Few records are decoded this way (those a rendered unit reads): a few locks for all.
    private static let locks = (0..<16).map { _ in NSLock() }

    init(_ checked: CheckedReport) { value = checked; pending = nil; gate = nil }

    init(head: CheckedReport, gate: RecordGate, full: @escaping @Sendable () -> Report?) {
        value = head; pending = full; self.gate = gate
    }

    var checked: CheckedReport {
        guard let gate else { return value }
        let lock = RecordStorage.locks[Int(bitPattern: UInt(bitPattern: ObjectIdentifier(self).hashValue) >> 4) & 15]
        lock.lock(); defer { lock.unlock() }
        if let decode = pending, gate.open {
            // `full` reads the file again when the cache cannot give the tables; nil only if
            // that fails too, and a page without its tables is worse than a stopped build.
            guard let r = decode() else { fatalError("a record could not be read again; build again with --clean") }
            value.report = r
            pending = nil
        }
        return value
    }
}

public struct BuildOptions: Sendable {
    public var corpus: String
    public var output: String
    /// Template folders layered over the built-in templates, in order.
    public var templateFolders: [String]
    /// Overrides the configuration's base URL.
    public var baseURL: String?
    /// Ignore the previous build's manifest and record cache: read every report, render and
    /// write every file.
    public var clean: Bool
    /// Render every unit and return all files in `BuildResult.files` (tests); writing is still
    /// incremental.
    public var keepFiles: Bool
    /// How many bytes of narrative freshly read records keep for their pages (`Budget`).
    var narrativeBudget = 192 << 20
    /// Whether narratives past the budget are written to a temporary file for their pages
    /// (`NarrativeSpill`) rather than found again in the reports' files.
    var spillNarrative = true
    /// How many freshly extracted records are kept whole rather than compacted (`Budget`).
    var wholeRecords = 12_000
    /// How many bytes of report files read in this build are kept for their pages' source view,
    /// which otherwise reads and decodes each file again (`Budget`).
    var sourceBudget = 128 << 20

    public init(corpus: String = "Corpus", output: String = "Output", templateFolders: [String] = [], baseURL: String? = nil,
                clean: Bool = false, keepFiles: Bool = false) {
        self.corpus = corpus
        self.output = output
        self.templateFolders = templateFolders
        self.baseURL = baseURL
        self.clean = clean
        self.keepFiles = keepFiles
    }
}

public struct BuildResult: Sendable {
    /// The records and aggregates; after a build that found nothing changed they are read from the
    /// cache and aggregated only when asked for.
    public var reports: [LoadedReport] { lazy.reports }
    public var aggregates: Aggregates { lazy.aggregates }
    public var reportCount: Int
    /// Every file's bytes, only when `BuildOptions.keepFiles` asked for them.
    public var files: [OutputFile]
    /// Every output path of the site, sorted.
    public var paths: [String] { lazy.paths }
    public var fileCount: Int
    public var pages: Int
    /// Units rendered (an incremental build skips those whose inputs did not change).
    public var rendered: Int
    public var write: WriteSummary
    /// Every finding, as `path:line: severity: message` lines would print them: per report
    /// (extraction, identities, sidecar) and across reports (duplicates, cross-year breaks),
    /// plus the configuration's.
    public var diagnostics: [(path: String, diagnostic: Diagnostic)]
    let lazy: LazyRecords
    public var errors: Int { diagnostics.reduce(0) { $0 + ($1.diagnostic.severity == .error ? 1 : 0) } }
    public var warnings: Int { diagnostics.reduce(0) { $0 + ($1.diagnostic.severity == .warning ? 1 : 0) } }
}

/// Records and aggregates, computed on first use.
final class LazyRecords: @unchecked Sendable {
    private let lock = NSLock()
    private var _reports: [LoadedReport]?
    private var _aggregates: Aggregates?
    private let loadReports: @Sendable () -> [LoadedReport]
    private let aggregate: @Sendable ([LoadedReport]) -> Aggregates
    private var _paths: [String]?
    private let loadPaths: @Sendable () -> [String]

    init(reports: [LoadedReport], aggregates: Aggregates, paths: @escaping @Sendable () -> [String]) {
        _reports = reports; _aggregates = aggregates
        loadReports = { [] }; aggregate = { _ in fatalError() }; loadPaths = paths
    }

    init(load: @escaping @Sendable () -> [LoadedReport], aggregate: @escaping @Sendable ([LoadedReport]) -> Aggregates,
         paths: @escaping @Sendable () -> [String]) {
        loadReports = load; self.aggregate = aggregate; loadPaths = paths
    }

    var paths: [String] {
        lock.lock(); defer { lock.unlock() }
        if let p = _paths { return p }
        let p = loadPaths()
        _paths = p
        return p
    }

    var reports: [LoadedReport] {
        lock.lock(); defer { lock.unlock() }
        if let r = _reports { return r }
        let r = loadReports()
        _reports = r
        return r
    }

    var aggregates: Aggregates {
        let r = reports
        lock.lock(); defer { lock.unlock() }
        if let a = _aggregates { return a }
        let a = aggregate(r)
        _aggregates = a
        return a
    }
}

public struct BuildError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}

/// Decisions, in one place:
/// - **Agency identity**: the title's name with white space removed (names arrive in simplified
///   characters); `aliases` in `gongkai.yml` merge renamed bodies and bodies with two names.
///   Two reports for one agency and year: an error naming both files, both published, neither
///   counted in totals (the portal cannot tell which is right).
/// - **Levels**: names ending in 人民政府 / 管委会 / 管理委员会 are roll-up reports (they may
///   include their departments' figures); all others are department reports. Totals are kept per
///   level and never added together; `levels` in `gongkai.yml` overrides a body's level.
/// - **Regions**: the 省 / 市 / 区·县 prefix of the (last) name, or `regions` rules; region totals
///   include sub-regions.
/// - **Slugs**: `agencies/<hash>/`, `reports/<agency hash>-<year>/` (plus a hash of the file's path
///   when an agency-year is duplicated), `regions/<hash>/`, `years/<year>/`: FNV-1a of the
///   normalized name in base 32 — ASCII, stable across builds, never a path outside the output.
/// - **Sidecar**: `NAME.meta.yml` beside `NAME.txt` with `source_url` (http/https only) and
///   `published` (YYYY-MM-DD, used for the feed; else 31 January of the next year).
/// - **Templates**: built into the binary (`DefaultTemplates.swift`, generated from `Templates/`
///   by `scripts/embed-templates.py`; a test keeps them in sync), layered under `./Templates`
///   and `--templates DIR`.
///
/// - **Data files**: records per year (`data/<year>/records.csv|json`, `data/undated/`), per agency
///   (`agencies/<slug>/records.*`, `aggregates.*`) and per region (`regions/<slug>/aggregates.*`);
///   `data/aggregates.*` holds the grand and yearly totals and lists the agency and region files.
///   One file of all records (28 MB of JSON at 10,000 reports) or of all region totals (50 MB)
///   would be rewritten on every change.
/// - **Footer**: shows no corpus counts — every page would then depend on every report. A
///   template that shows `site.reportCount` / `site.agencyCount` still works: the counts then
///   enter every page's key (see `IncrementalBuild.templatesShowCounts`).
///
/// Incremental builds (`Incremental.swift`; keys in `DependencyKeys.swift`, state in
/// `RecordCache.swift` and `Manifest.swift`): `render` is split into units (a page and its data
/// files), each with a key — the digest of every input it reads; a build renders only units whose
/// key changed, writes only files whose hash changed, keeps records in a cache and stops after
/// checking stamps when nothing changed. The state is in `OUTPUT/.gongkai/` (lock, manifest,
/// records, diagnostics, and a journal while files are being written).
///
/// The site build as named steps, each usable on its own (tests render without touching disk):
///
/// 1. `scan`      — the corpus folder → report paths (sorted)
/// 2. `load`      — paths → extracted and checked records, source text, sidecars (on every core)
/// 3. `aggregate` — records → agencies, years, regions, totals, rates, cross-year checks
/// 4. `render`    — everything → units of files (deterministic: no clock, no randomness; the same
///                  inputs give the same bytes), rendered on every core in batches
/// 5. `write`     — each unit's files as soon as they are rendered, atomically, unchanged files
///                  untouched; then stale files removed, the cache and the manifest written
public enum SiteBuilder {
    /// The build, incremental by default (see `IncrementalBuild`): the steps below, with
    /// unchanged reports taken from the cache and only units whose inputs changed rendered.
    public static func build(_ options: BuildOptions, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> BuildResult {
        try IncrementalBuild(options: options, progress: progress).run()
    }

    // MARK: 1. scan

    /// Report files below `corpus` at any depth (`CorpusScanner`'s rules: its extensions, hidden
    /// files and folders skipped), sorted. Read with `readdir`, which is much faster than
    /// Foundation's enumerator for 100,000 files.
    public static func scan(_ corpus: String) throws -> [String] {
        try scanStamped(corpus).map(\.path)
    }

    /// A report file found by the scan: its path, its stamp and its sidecar's (the sidecar is
    /// looked for only in folders whose listing has a `.meta.yml` file).
    struct Scanned: Sendable {
        var path: String
        var stamp: FileStamp?
        var sidecar: FileStamp?
    }

    /// `scan`, with each report's stamp taken while its folder is open (`fstatat`, no path lookup
    /// from the root).
    static func scanStamped(_ corpus: String) throws -> [Scanned] {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: corpus, isDirectory: &isDir), isDir.boolValue else {
            throw BuildError("\(corpus): no such corpus folder")
        }
        let prefix = corpus.hasSuffix("/") ? corpus : corpus + "/"
        var out: [Scanned] = []
        // Folder by folder, a level of the tree at a time, the folders of a level on every core.
        // Folders by their bytes (a name need not be UTF-8: the reports in such a folder are
        // listed, and reading them says why they cannot be read) and as shown.
        var level: [Folder] = [Folder(raw: [], shown: "")]
        while !level.isEmpty {
            let results = Slots<([Scanned], [Folder])>(count: level.count)
            let folders = level
            DispatchQueue.concurrentPerform(iterations: folders.count) { k in
                results.set(k, scanFolder(prefix: prefix, folders[k]))
            }
            level = []
            for (files, subfolders) in results.values {
                out += files
                level += subfolders
            }
        }
        // Each folder's files and subfolders come sorted, so a corpus whose reports are all at
        // one depth is usually in order already.
        var sorted = true
        for k in out.indices.dropFirst() where !(out[k - 1].path < out[k].path) { sorted = false; break }
        if !sorted { out.sort { $0.path < $1.path } }
        return out
    }

    /// Tests on the bytes of a folder entry's name (`scanFolder`).
    enum ScanName {
        static let sidecarSuffix: [UInt8] = Array(".meta.yml".utf8)

        static func endsWith(_ b: UnsafeBufferPointer<UInt8>, _ suffix: [UInt8]) -> Bool {
            b.count >= suffix.count && suffix.withUnsafeBufferPointer { memcmp(b.baseAddress! + b.count - suffix.count, $0.baseAddress!, suffix.count) == 0 }
        }
    }

    /// A folder below the corpus: its path's bytes (relative, ending in `/`) and as shown.
    struct Folder: Sendable { var raw: [UInt8]; var shown: String }

    /// One folder of `scanStamped`: its report files with their stamps, and its subfolders.
    static func scanFolder(prefix: String, _ folder: Folder) -> ([Scanned], [Folder]) {
        var out: [Scanned] = []
        var folders: [Folder] = []
        let rel = folder.shown
        guard let dir = (Array(prefix.utf8) + folder.raw + [0]).withUnsafeBufferPointer({
            opendir(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self))
        }) else { return ([], []) }
        defer { closedir(dir) }
        let fd = dirfd(dir)
        var hasSidecar = false
        let baseShown = prefix + rel
        while let entry = readdir(dir) {
            // The name's bytes, looked at before any string is made of them.
            let (skip, isSidecar, isReport, name): (Bool, Bool, Bool, [UInt8]) = withUnsafePointer(to: entry.pointee.d_name) { p in
                p.withMemoryRebound(to: UInt8.self, capacity: 256) { c in
                    let n = strlen(UnsafeRawPointer(c).assumingMemoryBound(to: CChar.self))
                    let b = UnsafeBufferPointer(start: c, count: n)
                    guard n > 0, b[0] != 0x2E else { return (true, false, false, []) }
                    return (false, ScanName.endsWith(b, ScanName.sidecarSuffix), CorpusScanner.hasReportExtension(b), Array(b))
                }
            }
            guard !skip else { continue }
            if isSidecar { hasSidecar = true }
            func statName(_ st: inout stat) -> Bool {
                withUnsafePointer(to: entry.pointee.d_name) { p in
                    p.withMemoryRebound(to: CChar.self, capacity: 256) { fstatat(fd, $0, &st, 0) == 0 }
                }
            }
            var type = Int32(entry.pointee.d_type)
            var st = stat()
            var statted = false
            if type == Int32(DT_UNKNOWN) || type == Int32(DT_LNK) {
                guard statName(&st) else {
                    // A link that leads nowhere, named as a report: listed, so that reading it
                    // fails with a finding instead of the report going missing without a word.
                    if isReport, type == Int32(DT_LNK) { out.append(Scanned(path: baseShown + CorpusScanner.shownName(name), stamp: nil, sidecar: nil)) }
                    continue
                }
                statted = true
                let fmt = st.st_mode & S_IFMT
                // As in `CorpusScanner.reportFiles`, a link to a folder is not followed.
                type = fmt == S_IFREG ? Int32(DT_REG) : (fmt == S_IFDIR && type != Int32(DT_LNK)) ? Int32(DT_DIR) : -1
            }
            if type == Int32(DT_DIR) {
                folders.append(Folder(raw: folder.raw + name + [0x2F], shown: rel + CorpusScanner.shownName(name) + "/"))
            } else if type == Int32(DT_REG) {
                guard isReport else { continue }
                if !statted { statted = statName(&st) }
                out.append(Scanned(path: baseShown + CorpusScanner.shownName(name), stamp: statted ? FileStamp(st) : nil, sidecar: nil))
            }
        }
        if hasSidecar {
            for k in out.indices { out[k].sidecar = FileStamp.of(Sidecar.path(for: out[k].path)) }
        }
        out.sort { $0.path < $1.path }
        folders.sort { $0.shown < $1.shown }
        return (out, folders)
    }

    // MARK: 2. load

    public static func load(_ paths: [String], corpus: String, progress: (@Sendable (Int, Int) -> Void)? = nil) -> [LoadedReport] {
        let extractor = ReportExtractor()
        let prefix = corpus.hasSuffix("/") ? corpus : corpus + "/"
        let box = Slots<LoadedReport>(count: paths.count)
        DispatchQueue.concurrentPerform(iterations: paths.count) { i in
            let path = paths[i]
            let rel = path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
            var report: Report
            var text: String? = nil
            if let bytes = FileBytes.read(path) {
                report = extractor.extract(bytes: bytes, source: path)
                text = try? SourceDecoder.decode(bytes).text
            } else {
                report = Report(source: path, diagnostics: [FileBytes.unreadable(path)])
            }
            let (sidecar, sd) = Sidecar.load(for: path)
            report.diagnostics += sd
            box.set(i, LoadedReport(checked: CheckedReport(report), relativePath: rel, sourceText: text, sidecar: sidecar))
            progress?(box.increment(), paths.count)
        }
        return box.values
    }

    // MARK: 3. aggregate

    /// The same, from what aggregation reads of each record (kept in the record cache).
    static func aggregate(inputs: [AggregateInput], labels: [String], configuration: SiteConfiguration) -> Aggregates {
        Aggregator.aggregate(inputs: inputs, configuration: configuration.aggregateConfiguration, labels: labels)
    }

    public static func aggregate(_ reports: [LoadedReport], configuration: SiteConfiguration) -> Aggregates {
        // What aggregation reads of each record, on every core (figures come from the cells).
        let parts = min(8, max(1, reports.count / 512))
        let slots = Slots<[AggregateInput]>(count: parts)
        DispatchQueue.concurrentPerform(iterations: parts) { k in
            let range = (k * reports.count / parts)..<((k + 1) * reports.count / parts)
            slots.set(k, range.map { AggregateInput(reports[$0].report, identityBreaks: reports[$0].identityBreaks) })
        }
        return Aggregator.aggregate(inputs: slots.values.flatMap { $0 }, configuration: configuration.aggregateConfiguration,
                                    labels: reports.map(\.relativePath))
    }

    // MARK: 4. render

    public static func render(_ reports: [LoadedReport], aggregates: Aggregates, configuration: SiteConfiguration, theme: Theme,
                              limits: ListLimits = ListLimits()) throws -> [OutputFile] {
        try SiteRenderer(reports: reports, aggregates: aggregates, configuration: configuration, theme: theme, limits: limits).render()
    }

    // MARK: 5. write

    public static func write(_ files: [OutputFile], to output: String) throws -> WriteSummary {
        try SiteWriter.write(files, to: output)
    }

    /// Report findings in report order, each report's cross-report findings after its own.
    public static func collectDiagnostics(_ reports: [LoadedReport], _ aggregates: Aggregates) -> [(path: String, diagnostic: Diagnostic)] {
        var extra: [String: [Diagnostic]] = [:]
        for f in aggregates.findings { extra[f.source, default: []].append(f.diagnostic) }
        var out: [(String, Diagnostic)] = []
        for r in reports {
            for d in r.report.diagnostics { out.append((r.report.source, d)) }
            for d in extra[r.report.source] ?? [] { out.append((r.report.source, d)) }
        }
        return out
    }
}

final class Slots<T: Sendable>: @unchecked Sendable {
    private var storage: [T?]
    private var done = 0
    private let lock = NSLock()
    init(count: Int) { storage = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: T) { lock.lock(); storage[i] = v; lock.unlock() }
    func increment() -> Int { lock.lock(); defer { lock.unlock() }; done += 1; return done }
    var values: [T] { lock.lock(); defer { lock.unlock() }; return storage.map { $0! } }
}
