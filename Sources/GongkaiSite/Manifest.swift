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
            // Every property is set by now, so `deinit` runs after the throw: it must not close
            // the descriptor again (by then its number may be another thread's file).
            held = false
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

/// The manifest of the previous build. Format 2: five text lines (format, tool version, global
/// digest, inputs digest, counts), then binary: the units in build order, each with its name, key
/// (16 bytes) and output files (path and the XXH3-128 of their content, `OutputHash`).
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

/// What a build takes from the last manifest: per unit, whether its key is the one recorded then,
/// and per output file where the manifest holds its hash — unless it is not to be trusted (another
/// version of the tool, a path a killed build may have left half-written, a file it does not list).
/// Units listed in the same order with the same files are matched in place; otherwise by name.
struct ManifestMatch {
    /// Whether unit `i`'s key is the one the last build recorded.
    var sameKey: [Bool]
    /// Units' files one after another: unit `i`'s are `firstOutput[i]..<firstOutput[i + 1]`.
    var firstOutput: [Int]
    /// Per output file, where its hash starts in `old.bytes`; -1: not trusted.
    var trusted: [Int]
    /// The same units, in the same order, with the same files as the last build.
    var sameLayout: Bool

    init(units: [SiteRenderer.RenderUnit], old: Manifest, trustOld: Bool, distrusted: Set<String>) {
        var sameKey = [Bool](repeating: false, count: units.count)
        var firstOutput = [Int](repeating: 0, count: units.count + 1)
        for (i, u) in units.enumerated() { firstOutput[i + 1] = firstOutput[i] + u.paths.count }
        var trusted = [Int](repeating: -1, count: firstOutput[units.count])
        // Units in the same order as last time, with the same files, are matched in place.
        var sameLayout = old.units.count == units.count && old.legacyOutputs.isEmpty
        var oldUnitIndex: [String: Int]? = nil
        var oldOutputIndex: [String: Int]? = nil
        /// The old manifest's files by path, made the first time it is needed.
        func outputIndex() -> [String: Int] {
            if let d = oldOutputIndex { return d }
            var d: [String: Int] = [:]
            for (j, o) in old.outputs.enumerated() { d[old.string(o.path)] = j }
            oldOutputIndex = d
            return d
        }
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
                        let index = outputIndex()
                        for (j, p) in u.paths.enumerated() { if let x = index[p] { trusted[base + j] = old.outputs[x].hash.lowerBound } }
                    }
                } else if !old.outputs.isEmpty {
                    let index = outputIndex()
                    for (j, p) in u.paths.enumerated() { if let x = index[p] { trusted[base + j] = old.outputs[x].hash.lowerBound } }
                }
                if !trustOld { for j in u.paths.indices { trusted[base + j] = -1 } }
                if !distrusted.isEmpty { for (j, p) in u.paths.enumerated() where distrusted.contains(p) { trusted[base + j] = -1 } }
            }
        }
        (self.sameKey, self.firstOutput, self.trusted, self.sameLayout) = (sameKey, firstOutput, trusted, sameLayout)
    }

    /// Whether every file of unit `i` has a trusted hash.
    func allTrusted(_ i: Int) -> Bool {
        for j in firstOutput[i]..<firstOutput[i + 1] where trusted[j] < 0 { return false }
        return true
    }
}
