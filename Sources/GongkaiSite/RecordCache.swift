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

/// The record cache (`.gongkai/records`, format 9): a header, an index (per report: its path in
/// the corpus, stamps and hashes of file and sidecar, the digest of its record's head, the length
/// of its record), then the records,
/// each encoded on its own (its own string table) as a head — metadata,
/// diagnostics, sidecar, identity breaks, the figures aggregation reads — and the whole record
/// (`RecordCodec`). A build decodes the heads of the reports whose stamps match; a record's tables
/// are decoded only if a rendered unit reads them (`RecordGate`); unchanged records are written
/// back byte for byte. A file of another format or tool version is ignored (everything is read
/// again).
enum RecordCache {
    static let magic: [UInt8] = Array("GKRC9\n".utf8)

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
            var r = ByteReader(bytes, at: s.record.lowerBound, end: s.record.upperBound)
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
            var r = ByteReader(bytes, at: s.record.lowerBound, end: s.record.upperBound)
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
        var w = ByteWriter(capacity: 2048)
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

/// The findings of the last build (`.gongkai/diagnostics`), for a build that changes nothing.
/// Paths are kept relative to the corpus folder.
enum DiagnosticsFile {
    static func encode(_ list: [(String, Diagnostic)], prefix: String) -> [UInt8] {
        var w = ByteWriter()
        w.uint(UInt64(list.count))
        for (path, d) in list {
            w.string(path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path)
            w.diagnostic(d)
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
                out.append((prefix + p, try r.diagnostic()))
            }
            return out
        } catch { return nil }
    }
}

/// What the workers loading reports may still keep in memory of one kind, counted down as they
/// take from it:
///
/// - `BuildOptions.narrativeBudget`, bytes of narrative (`Budget.narrativeSize`): a page whose
///   record kept its narrative does not find it again in the file (a second pass of the reader
///   over the whole text, about a third of what extraction costs);
/// - `BuildOptions.sourceBudget`, bytes of report files (`LoadedReport.sourceBytes`), from which
///   their pages' source view is made without reading and decoding the file again;
/// - `BuildOptions.wholeRecords`, records kept as the extractor made them rather than compacted
///   (`RecordCodec.compact`, an encoding and a decoding each; about 5 KB more each).
///
/// Past a budget, records are kept as before it existed, so a large corpus costs no more memory.
final class Budget: @unchecked Sendable {
    private let lock = NSLock()
    private var left: Int

    init(_ amount: Int) { left = amount }

    /// Whether `amount` more still fits; if so it is counted.
    func take(_ amount: Int = 1) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard amount <= left else { return false }
        left -= amount
        return true
    }

    /// What narrative sections count against `narrativeBudget`: about their UTF-8 size plus a
    /// small overhead per string.
    static func narrativeSize(_ sections: [NarrativeSection]) -> Int {
        var size = 0
        for s in sections {
            size += s.title.utf8.count + 64
            for p in s.paragraphs { size += p.text.utf8.count + 48 }
        }
        return size
    }
}

/// Narrative sections that did not fit the narrative budget, written to a temporary file in
/// the output's state folder (removed from the folder as soon as it is open, so nothing is left
/// behind) and read back by their report pages: a page then reads the sections instead of
/// running the reader over its file again. At 100,000 reports, two thirds of the narratives
/// are past the budget; this keeps a full build's time growing with the corpus, not faster.
final class NarrativeSpill: @unchecked Sendable {
    private let file: SpillBytes

    /// Where a record's sections are in the file.
    struct Ref: Sendable {
        let spill: NarrativeSpill
        let offset: Int
        let count: Int
    }

    /// A new file in `folder`, or nil when one cannot be made there.
    init?(folder: String) {
        guard let file = SpillBytes(folder: folder, name: "narrative") else { return nil }
        self.file = file
    }

    /// Writes `sections`; nil when they could not be written (the page finds them in its file).
    func put(_ sections: [NarrativeSection]) -> Ref? {
        var w = ByteWriter(capacity: 8192)
        w.uint(UInt64(sections.count))
        for sec in sections {
            // (Without the string table: hashing every paragraph to find repeats costs more
            // than the few repeats save.)
            w.utf8(sec.title); w.int(sec.line)
            w.uint(UInt64(sec.paragraphs.count))
            for p in sec.paragraphs { w.int(p.line); w.utf8(p.text) }
        }
        let bytes = w.bytes
        guard let offset = bytes.withUnsafeBytes({ file.put($0) }) else { return nil }
        return Ref(spill: self, offset: offset, count: bytes.count)
    }

    /// The sections `put` wrote at `ref`; nil when they cannot be read back whole.
    func get(_ ref: Ref) -> [NarrativeSection]? {
        var bytes: [UInt8] = []
        guard file.read(offset: ref.offset, count: ref.count, appendingTo: &bytes) else { return nil }
        var r = ByteReader(bytes)
        do {
            let n = try r.count()
            var sections: [NarrativeSection] = []
            sections.reserveCapacity(n)
            for _ in 0..<n {
                let title = try r.utf8(), line = try r.int()
                let m = try r.count()
                var ps: [NarrativeSection.Paragraph] = []
                ps.reserveCapacity(m)
                for _ in 0..<m { let l = try r.int(); ps.append(.init(line: l, text: try r.utf8())) }
                sections.append(NarrativeSection(title: title, line: line, paragraphs: ps))
            }
            return r.atEnd ? sections : nil
        } catch { return nil }
    }
}

/// A temporary file in the output's state folder for what a build writes aside when it does not
/// fit in memory and reads back later in the same build. It is removed from the folder as soon
/// as it is open, so even a killed build leaves nothing behind.
final class SpillBytes: @unchecked Sendable {
    private let fd: Int32
    private let lock = NSLock()
    private var end = 0

    /// A new file in `folder` (`name` tells what it holds), or nil when one cannot be made there.
    init?(folder: String, name: String) {
        let path = folder + (folder.hasSuffix("/") ? "" : "/") + ".\(name)-\(getpid()).tmp"
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return nil }
        unlink(path)
        self.fd = fd
    }

    deinit { close(fd) }

    /// Writes `bytes` at the end of the file: their offset, nil when they could not be written.
    func put(_ bytes: UnsafeRawBufferPointer) -> Int? {
        lock.lock()
        let offset = end
        end += bytes.count
        lock.unlock()
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
            if n <= 0 { return nil }
            done += n
        }
        return offset
    }

    /// Appends the `count` bytes at `offset` to `out`; false (and `out` as it was) when they
    /// cannot be read back whole.
    func read(offset: Int, count: Int, appendingTo out: inout [UInt8]) -> Bool {
        let start = out.count
        var ok = true
        out.append(contentsOf: repeatElement(0, count: count))
        out.withUnsafeMutableBytes { b in
            var done = 0
            while done < count {
                let n = pread(fd, b.baseAddress! + start + done, count - done, off_t(offset + done))
                if n <= 0 { ok = false; return }
                done += n
            }
        }
        if !ok { out.removeSubrange(start...) }
        return ok
    }
}

/// A `NarrativeSpill` made on first use (a build whose narratives all fit never makes one).
final class SpillFile: @unchecked Sendable {
    private let folder: String?
    private let lock = NSLock()
    private var made = false
    private var spill: NarrativeSpill?

    /// `folder`: where to make it (nil: never).
    init(folder: String?) { self.folder = folder }

    var file: NarrativeSpill? {
        lock.lock(); defer { lock.unlock() }
        if !made { made = true; spill = folder.flatMap { NarrativeSpill(folder: $0) } }
        return spill
    }
}
