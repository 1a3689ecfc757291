import COpenCC
import Foundation
import GongkaiCore

/// Traditional → simplified conversion through OpenCC (`t2s`, character by character), then the
/// Taiwan phrasing of the form's own vocabulary (規範性檔案 → 规范性文件, 政府資訊 → 政府信息).
/// OpenCC's phrase-level `tw2sp` is not used: it rewrites prose (查詢 → 查找, 網絡 → 网路 …), and
/// narrative text is shown as the agency wrote it. OpenCC is slow (about 8 MB/s), so only text
/// that holds traditional characters is converted.
public final class TraditionalConverter: @unchecked Sendable {
    public static let shared = TraditionalConverter()

    /// One OpenCC handle per worker: a handle is not safe to share between threads, and one
    /// handle behind a lock made the build's two workers wait on each other.
    private let handles: [opencc_t]
    private let locks: [NSLock]
    private let next = Atomic()
    public let failure: String?

    private init() {
        var handles: [opencc_t] = []
        let wanted = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        for _ in 0..<wanted {
            guard let h = opencc_open("t2s.json"), Int(bitPattern: h) != -1 else { break }
            handles.append(h)
        }
        self.handles = handles
        self.locks = handles.map { _ in NSLock() }
        self.failure = handles.isEmpty ? "OpenCC could not load its t2s configuration (install opencc data: apt-get install libopencc-dev)" : nil
    }

    /// A counter shared by the workers, to spread them over the handles.
    private final class Atomic: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() -> Int { lock.lock(); defer { lock.unlock() }; value &+= 1; return value }
    }

    /// Characters that exist only in traditional writing and are common in these reports.
    static let traditionalMarkerList: [UInt32] = Array("開關於為與這個們國務門發會來時實現說對從問過進應數據處條請結轉總維護複審訴訟機構組織廳辦區縣書報資訊規範檔體統權責費購額項製產業經濟內無讓義議認識務況權覆舉徵單據舊業處決達項現階層級維繫顯總標準價問題較導運營術務變貫徹範圍屬規劃廣東蘇臺灣號鑑".unicodeScalars.map(\.value))

    /// The markers as a bitmap over U+4E00…U+9FFF: one test per character, no hashing.
    static let markerBits: [UInt64] = {
        var bits = [UInt64](repeating: 0, count: (0xA000 - 0x4E00) / 64 + 1)
        for v in traditionalMarkerList where v >= 0x4E00 && v < 0xA000 {
            let k = Int(v - 0x4E00)
            bits[k >> 6] |= 1 << UInt64(k & 63)
        }
        return bits
    }()

    /// How many traditional-only characters `s` holds (stops counting at `limit`).
    public static func traditionalCount<S: StringProtocol>(_ s: S, limit: Int = 8) -> Int {
        // U+4E00…U+9FFF is E4 B8 80 … E9 BF BF in UTF-8: decode only those three-byte sequences.
        let scan = { (b: UnsafeBufferPointer<UInt8>) -> Int in
            markerBits.withUnsafeBufferPointer { bits in count(in: b, bits: bits, limit: limit) }
        }
        if let r = s.utf8.withContiguousStorageIfAvailable(scan) { return r }
        var copy = String(s)
        return copy.withUTF8(scan)
    }

    /// `traditionalCount` of UTF-8 bytes.
    static func traditionalCount(bytes: UnsafeBufferPointer<UInt8>, limit: Int = 8) -> Int {
        markerBits.withUnsafeBufferPointer { bits in count(in: bytes, bits: bits, limit: limit) }
    }

    private static func count(in b: UnsafeBufferPointer<UInt8>, bits: UnsafeBufferPointer<UInt64>, limit: Int) -> Int {
        var n = 0
        var i = 0
        let count = b.count
        while i + 2 < count {
            let c = b[i]
            guard c >= 0xE4, c <= 0xE9 else { i += 1; continue }
            let v = (UInt32(c & 0x0F) << 12) | (UInt32(b[i + 1] & 0x3F) << 6) | UInt32(b[i + 2] & 0x3F)
            i += 3
            guard v >= 0x4E00, v < 0xA000 else { continue }
            let k = Int(v - 0x4E00)
            if bits[k >> 6] & (1 << UInt64(k & 63)) != 0 {
                n += 1
                if n >= limit { break }
            }
        }
        return n
    }

    /// Converts, in one OpenCC call, the lines short enough to be titles, headings or table
    /// cells and holding traditional characters. Long narrative lines stay as printed.
    ///
    /// A line converted before (headings, the form's labels on lines of their own, the
    /// form's notes) is taken from `lineCache`. That gives the same text as converting it again:
    /// OpenCC matches phrases of its dictionaries, whose entries hold no line feed (it separates
    /// the dictionary files' entries), and `formVocabulary`'s phrases hold none either.
    public func convertShortLines(_ lines: inout [SourceLine]) -> Bool {
        var store = LineStore(lines)
        guard convertShortLines(&store) else { return false }
        lines = store.lines
        return true
    }

    /// `convertShortLines` on a report's line store.
    public func convertShortLines(_ store: inout LineStore) -> Bool {
        var picked: [Int] = []
        var joined = ""
        var known: [(Int, String)] = []
        // Any CJK character (UTF-8 lead byte E3–E9) may need converting: 許, 萬, 強 are not markers.
        store.withView { v in
            for i in v.indices {
                let b = v[i]
                guard b.count <= 400, b.contains(where: { $0 >= 0xE3 && $0 <= 0xE9 }) else { continue }
                if let k = lineCache.get(b) { known.append((i, k)); continue }
                if !picked.isEmpty { joined += "\n" }
                joined += String(decoding: b, as: UTF8.self)
                picked.append(i)
            }
        }
        for (i, k) in known { store.replace(i, with: k[...]) }
        guard !picked.isEmpty else { return true }
        guard let converted = convert(joined) else { return false }
        let parts = Self.lines(of: converted)
        guard parts.count == picked.count else { return false }
        var learned: [(String, String)] = []
        learned.reserveCapacity(picked.count)
        for (k, i) in picked.enumerated() {
            learned.append((store.text(i), String(parts[k])))
            store.replace(i, with: parts[k])
        }
        lineCache.put(learned)
        return true
    }

    /// Lines already converted, and what they became (at most `limit` of them, kept for the
    /// life of the process: a few hundred bytes each).
    final class LineCache: @unchecked Sendable {
        private let lock = NSLock()
        /// Lines by their bytes (`UTF8Key`): `String` keys cost as much as the cache saved.
        private var known: [UTF8Key: String] = [:]
        let limit: Int
        init(limit: Int) { self.limit = limit }

        func get(_ line: UnsafeBufferPointer<UInt8>) -> String? {
            let key = UTF8Key(bytes: Array(line))
            lock.lock(); defer { lock.unlock() }
            return known[key]
        }

        func put(_ pairs: [(String, String)]) {
            lock.lock(); defer { lock.unlock() }
            for (line, converted) in pairs where known.count < limit { known[UTF8Key(line)] = converted }
        }
    }

    let lineCache = LineCache(limit: 50_000)

    /// `s.split(separator: "\n", omittingEmptySubsequences: false)`, on bytes. A line feed is a
    /// character of its own unless a carriage return comes before it; text holding one is split
    /// by characters.
    static func lines(of s: String) -> [Substring] {
        var copy = s
        let breaks: [Int]? = copy.withUTF8 { b in
            guard !b.contains(0x0D) else { return nil }
            return b.indices.filter { b[$0] == 0x0A }
        }
        guard let breaks else { return s.split(separator: "\n", omittingEmptySubsequences: false) }
        var out: [Substring] = []
        out.reserveCapacity(breaks.count + 1)
        let u = s.utf8
        var start = u.startIndex
        var offset = 0
        for br in breaks {
            let end = u.index(start, offsetBy: br - offset)
            out.append(s[start..<end])
            start = u.index(after: end)
            offset = br + 1
        }
        out.append(s[start..<u.endIndex])
        return out
    }

    public func convert(_ s: String) -> String? {
        guard !handles.isEmpty else { return nil }
        // A free handle if there is one, else wait for the one the counter points at.
        var k = -1
        for i in locks.indices where locks[i].try() { k = i; break }
        if k < 0 { k = next.increment() % handles.count; locks[k].lock() }
        defer { locks[k].unlock() }
        let handle = handles[k]
        return s.withCString { cs -> String? in
            guard let out = opencc_convert_utf8(handle, cs, strlen(cs)) else { return nil }
            defer { opencc_convert_utf8_free(out) }
            return TraditionalConverter.formVocabulary(String(cString: out))
        }
    }

    /// Taiwan wording of the form's labels, after character conversion.
    static let taiwanPhrases: [(String, String)] = [("规范性档案", "规范性文件"), ("政府资讯", "政府信息"), ("资讯公开", "信息公开")]

    /// On UTF-8 bytes: Foundation's `contains` and `replacingOccurrences` go through NSString
    /// and cost more than OpenCC itself on a converted report.
    static func formVocabulary(_ s: String) -> String {
        var s = s
        for (tw, cn) in taiwanPhrases where s.includes(tw) { s = replacingAll(tw, with: cn, in: s) }
        return s
    }

    /// `s` with every occurrence of `needle` (left to right, not overlapping) replaced.
    static func replacingAll(_ needle: String, with replacement: String, in s: String) -> String {
        var s = s
        let n = Array(needle.utf8), r = Array(replacement.utf8)
        return s.withUTF8 { b -> String in
            var out: [UInt8] = []
            out.reserveCapacity(b.count + 16)
            var i = 0
            while i < b.count {
                if b[i] == n[0], i + n.count <= b.count, (0..<n.count).allSatisfy({ b[i + $0] == n[$0] }) {
                    out.append(contentsOf: r)
                    i += n.count
                } else {
                    out.append(b[i])
                    i += 1
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
