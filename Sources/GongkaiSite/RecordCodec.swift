import GongkaiCore
import GongkaiCheck

/// A small binary codec for the record cache of incremental builds (`.gongkai/records`):
/// LEB128 integers, doubles as their bit pattern (or an integer when whole), and strings
/// through a table local to one record (the first use writes the bytes, later uses an index),
/// so repeated messages cost a few bytes each; the form's row and group keys are written as
/// their places in the form. Foundation's coders are an order of magnitude slower for 10,000
/// records.
///
/// What a cached report keeps: everything aggregation, the data files and the diagnostics need
/// (metadata, every cell, diagnostics, sidecar, the number of identity breaks). Narrative
/// sections and identity results are left out (`LoadedReport.isPartial`): a report page that has
/// to be rendered again re-reads its file anyway (for the source view) and finds its narrative
/// there again, unless its record was read in this build and kept it (`BuildOptions.narrativeBudget`) or
/// wrote it aside (`NarrativeSpill`).
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// Strings written so far, by their bytes (a repeated one is written as a reference).
    private var strings: [UTF8Key: Int] = [:]

    public init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }

    public mutating func uint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }

    public mutating func int(_ v: Int) { uint(UInt64(bitPattern: Int64((v << 1) ^ (v >> 63)))) }

    public mutating func optInt(_ v: Int?) {
        if let v { u8(1); int(v) } else { u8(0) }
    }

    public mutating func double(_ d: Double) {
        // Whole numbers (nearly every figure) as an integer.
        if abs(d) < 1e15, let i = Int(exactly: d), !(d == 0 && d.sign == .minus) { u8(0); int(i) } else { u8(1); raw64(d.bitPattern) }
    }

    public mutating func raw64(_ v: UInt64) {
        for k in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))) }
    }

    public mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    public mutating func raw(_ b: ArraySlice<UInt8>) { bytes.append(contentsOf: b) }

    /// A string's bytes with their length (no string table).
    public mutating func utf8(_ s: String) {
        var s = s
        s.withUTF8 { uint(UInt64($0.count)); bytes.append(contentsOf: $0) }
    }

    /// Raw bytes with their length.
    public mutating func blob(_ b: [UInt8]) { uint(UInt64(b.count)); bytes.append(contentsOf: b) }

    public mutating func string(_ s: String) {
        let key = UTF8Key(s)
        if let i = strings[key] { uint(UInt64(i + 1)); return }
        strings[key] = strings.count
        uint(0)
        var s = s
        s.withUTF8 { buf in
            uint(UInt64(buf.count))
            bytes.append(contentsOf: buf)
        }
    }

    public mutating func optString(_ s: String?) {
        if let s { u8(1); string(s) } else { u8(0) }
    }
}

public struct CodecError: Error, CustomStringConvertible {
    public var description: String
    init(_ d: String) { description = d }
}

public struct ByteReader {
    let bytes: [UInt8]
    var pos: Int
    /// Reading stops here (a part of a larger buffer is read without copying it).
    let end: Int
    /// The strings read so far (a later use of one is its index).
    private var strings: [String] = []

    public init(_ bytes: [UInt8], at pos: Int = 0) { self.bytes = bytes; self.pos = pos; self.end = bytes.count }

    /// Reads `bytes[pos..<end]`.
    public init(_ bytes: [UInt8], at pos: Int, end: Int) {
        self.bytes = bytes; self.pos = pos; self.end = min(end, bytes.count)
    }

    public var atEnd: Bool { pos >= end }

    public mutating func u8() throws -> UInt8 {
        guard pos < end else { throw CodecError("truncated") }
        defer { pos += 1 }
        return bytes[pos]
    }

    public mutating func uint() throws -> UInt64 {
        // One byte (nearly every count, flag and small number) without the loop.
        if pos < end, bytes[pos] < 0x80 { pos += 1; return UInt64(bytes[pos - 1]) }
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard pos < end, shift < 64 else { throw CodecError("bad integer") }
            let b = bytes[pos]; pos += 1
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }

    public mutating func int() throws -> Int {
        let u = try uint()
        return Int(Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1))))
    }

    public mutating func count() throws -> Int {
        let n = try uint()
        guard n <= UInt64(max(0, end - pos)) * 8 + 64 else { throw CodecError("bad count") }
        return Int(n)
    }

    public mutating func optInt() throws -> Int? { try u8() == 0 ? nil : try int() }

    public mutating func raw64() throws -> UInt64 {
        guard pos + 8 <= end else { throw CodecError("truncated") }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[pos + k]) << (8 * UInt64(k)) }
        pos += 8
        return v
    }

    public mutating func double() throws -> Double {
        try u8() == 0 ? Double(try int()) : Double(bitPattern: try raw64())
    }

    /// A string as `ByteWriter.utf8` wrote it.
    public mutating func utf8() throws -> String {
        let n = try count()
        guard pos + n <= end else { throw CodecError("truncated") }
        defer { pos += n }
        return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[pos..<(pos + n)]), as: UTF8.self) }
    }

    public mutating func raw(_ n: Int) throws -> [UInt8] {
        guard n >= 0, pos + n <= end else { throw CodecError("truncated") }
        defer { pos += n }
        return Array(bytes[pos..<(pos + n)])
    }

    public mutating func blob() throws -> [UInt8] { try raw(try count()) }

    public mutating func string() throws -> String {
        let tag = try uint()
        if tag > 0 {
            let i = Int(tag) - 1
            guard i < strings.count else { throw CodecError("bad string reference") }
            return strings[i]
        }
        let n = try count()
        guard pos + n <= end else { throw CodecError("truncated") }
        let s = bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[pos..<(pos + n)]), as: UTF8.self) }
        pos += n
        strings.append(s)
        return s
    }

    public mutating func optString() throws -> String? { try u8() == 0 ? nil : try string() }
}

/// Encoding and decoding of the records the site keeps between builds.
public enum RecordCodec {
    /// Every active-disclosure item spec of both forms, so an item is stored as an index.
    static let activeSpecs: [ActiveItemSpec] = FormSchema.activeItems(.form2021) + FormSchema.activeItems(.form2019)
    /// Per item key, where its specs are in `activeSpecs` (a key's spec can differ between the
    /// forms): hashing the key alone, not the whole spec with its labels and fields.
    static let activeSpecsByKey: [String: [Int]] = {
        var d: [String: [Int]] = [:]
        for (i, s) in activeSpecs.enumerated() { d[s.key, default: []].append(i) }
        return d
    }()

    static func activeSpecIndex(_ spec: ActiveItemSpec) -> Int {
        activeSpecsByKey[spec.key]?.first { activeSpecs[$0] == spec } ?? 0
    }

    /// A table 三 row's or table 四 group's key: its place in the form (1 + index), or 0 and
    /// the key itself for a key the form does not have.
    static func encodeKey(_ key: String, index: Int?, _ w: inout ByteWriter) {
        if let index { w.uint(UInt64(index + 1)) } else { w.uint(0); w.string(key) }
    }

    static func decodeKey(_ r: inout ByteReader, _ keys: (Int) -> String?) throws -> String {
        let tag = try r.uint()
        if tag == 0 { return try r.string() }
        guard tag <= UInt64(Int.max), let key = keys(Int(tag) - 1) else { throw CodecError("bad key") }
        return key
    }

    static func encode(_ c: Cell, _ w: inout ByteWriter) {
        var flags: UInt8 = 0
        // (A cell without a text is never unreadable and has no note: its strings are not asked for.)
        let text = c.hasText
        let state = c.state
        switch state {
        case .number: flags = 0
        case .blank: flags = 1
        case .unreadable: flags = 2
        case .missing: flags = 3
        }
        let value = c.value, line = c.line, note = text ? c.note : nil
        if value != nil { flags |= 0x10 }
        if line != nil { flags |= 0x20 }
        if note != nil { flags |= 0x40 }
        w.u8(flags)
        if let value { w.double(value) }
        if let line { w.int(line) }
        if let note { w.string(note) }
        if case .unreadable(let t) = state { w.string(t) }
    }

    static func decodeCell(_ r: inout ByteReader) throws -> Cell {
        let flags = try r.u8()
        let value = flags & 0x10 != 0 ? try r.double() : nil
        let line = flags & 0x20 != 0 ? try r.int() : nil
        let note = flags & 0x40 != 0 ? try r.string() : nil
        let state: Cell.State
        switch flags & 0x0F {
        case 0: state = .number
        case 1: state = .blank
        case 2: state = .unreadable(try r.string())
        case 3: state = .missing
        default: throw CodecError("bad cell")
        }
        return Cell(value: value, state: state, line: line, note: note)
    }

    static func encodeCells(_ cells: [Cell], _ w: inout ByteWriter) {
        w.uint(UInt64(cells.count))
        for c in cells { encode(c, &w) }
    }

    static func decodeCells(_ r: inout ByteReader) throws -> [Cell] {
        let n = try r.count()
        var out: [Cell] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try decodeCell(&r)) }
        return out
    }

    /// A report's record without its source text and narrative (its page finds those in the file,
    /// or in what this build kept for it).
    public static func encode(_ lr: LoadedReport, _ w: inout ByteWriter) {
        let r = lr.report
        w.string(lr.relativePath)
        w.optString(r.metadata.agency)
        w.optInt(r.metadata.year)
        w.optString(r.metadata.template?.rawValue)
        w.optInt(r.metadata.titleLine)
        if let a = r.activeDisclosure {
            w.u8(1)
            w.uint(UInt64(a.items.count))
            for item in a.items {
                w.uint(UInt64(activeSpecIndex(item.spec)))
                encodeCells(item.cells, &w)
            }
        } else { w.u8(0) }
        if let a = r.applications {
            w.u8(1)
            w.uint(UInt64(a.rows.count))
            var previous: Int? = nil
            for row in a.rows {
                let i = FormSchema.applicationRowIndex(row.key, after: previous)
                if i != nil { previous = i }
                encodeKey(row.key, index: i, &w)
                encodeCells(row.cells, &w)
            }
        } else { w.u8(0) }
        if let v = r.reviewLitigation {
            w.u8(1)
            w.uint(UInt64(v.groups.count))
            for g in v.groups { encodeKey(g.key, index: FormSchema.reviewGroupIndex(g.key), &w); encodeCells(g.cells, &w) }
        } else { w.u8(0) }
        encodeFindings(lr, &w)
        // The end: a record damaged in its last part does not decode.
        w.u8(0)
    }

    /// The same record in as little memory as it can take: arrays exactly as long as they are,
    /// repeated strings shared. A full build keeps every record until the pages are written;
    /// records straight from the extractor take several times more.
    public static func compact(_ lr: LoadedReport) -> LoadedReport {
        var w = ByteWriter(capacity: 4096)
        encode(lr, &w)
        var r = ByteReader(w.bytes)
        // Identity results and the narrative are not kept: the report page computes the first
        // again from the cells and reads the second from the file, which it reads anyway.
        guard var out = try? decodeReport(&r, source: { _ in lr.report.source }) else { return lr }
        out.isPartial = true
        return out
    }

    /// A record's findings, sidecar and number of broken identities, as the cache keeps them (in
    /// the whole record and in its head alike).
    static func encodeFindings(_ lr: LoadedReport, _ w: inout ByteWriter) {
        w.uint(UInt64(lr.report.diagnostics.count))
        for d in lr.report.diagnostics { w.diagnostic(d) }
        if let s = lr.sidecar { w.u8(1); w.optString(s.sourceURL); w.optString(s.published) } else { w.u8(0) }
        w.int(lr.identityBreaks)
    }

    static func decodeFindings(_ r: inout ByteReader) throws -> (diagnostics: [Diagnostic], sidecar: Sidecar?, identityBreaks: Int) {
        let nd = try r.count()
        var diags: [Diagnostic] = []
        diags.reserveCapacity(nd)
        for _ in 0..<nd { diags.append(try r.diagnostic()) }
        var sidecar: Sidecar? = nil
        if try r.u8() == 1 { sidecar = Sidecar(sourceURL: try r.optString(), published: try r.optString()) }
        return (diags, sidecar, try r.int())
    }

    /// The record as `encode` kept it; `source` is the path the file was read from.
    public static func decodeReport(_ r: inout ByteReader, source: (String) -> String) throws -> LoadedReport {
        let rel = try r.string()
        var meta = ReportMetadata()
        meta.agency = try r.optString()
        meta.year = try r.optInt()
        meta.template = try r.optString().flatMap(Template.init(rawValue:))
        meta.titleLine = try r.optInt()
        var report = Report(source: source(rel), metadata: meta)
        if try r.u8() == 1 {
            let n = try r.count()
            var items: [ActiveDisclosure.Item] = []
            items.reserveCapacity(n)
            for _ in 0..<n {
                let i = Int(try r.uint())
                guard i < activeSpecs.count else { throw CodecError("bad item") }
                items.append(.init(spec: activeSpecs[i], cells: try decodeCells(&r)))
            }
            report.activeDisclosure = ActiveDisclosure(items: items)
        }
        if try r.u8() == 1 {
            let n = try r.count()
            var rows: [Applications.Row] = []
            rows.reserveCapacity(n)
            let specs = FormSchema.applicationRows
            for _ in 0..<n {
                let key = try decodeKey(&r) { $0 < specs.count ? specs[$0].key : nil }
                rows.append(.init(key: key, cells: try decodeCells(&r)))
            }
            report.applications = Applications(rows: rows)
        }
        if try r.u8() == 1 {
            let n = try r.count()
            var groups: [ReviewLitigation.Group] = []
            let specs = FormSchema.reviewGroups
            for _ in 0..<n {
                let key = try decodeKey(&r) { $0 < specs.count ? specs[$0].key : nil }
                groups.append(.init(key: key, cells: try decodeCells(&r)))
            }
            report.reviewLitigation = ReviewLitigation(groups: groups)
        }
        let (diags, sidecar, breaks) = try decodeFindings(&r)
        report.diagnostics = diags
        guard try r.u8() == 0 else { throw CodecError("bad record end") }
        return LoadedReport(partial: report, relativePath: rel, sidecar: sidecar, identityBreaks: breaks)
    }
}

extension ByteWriter {
    /// A finding: its severity and kind in one byte, its line, its English and Chinese wording.
    public mutating func diagnostic(_ d: Diagnostic) {
        u8(d.kind.rawValue << 1 | (d.severity == .error ? 1 : 0))
        optInt(d.line)
        string(d.message)
        optString(d.zh)
    }
}

extension ByteReader {
    /// A finding as `ByteWriter.diagnostic` wrote it.
    public mutating func diagnostic() throws -> Diagnostic {
        let tag = try u8()
        guard let kind = Diagnostic.Kind(rawValue: tag >> 1) else { throw CodecError("bad finding") }
        let line = try optInt()
        let message = try string()
        return Diagnostic(tag & 1 == 1 ? .error : .warning, line: line, message, zh: try optString(), kind: kind)
    }
}
