import COpenCC
import Foundation

/// Traditional → simplified conversion through OpenCC (`t2s`, character by character), then the
/// Taiwan phrasing of the form's own vocabulary (規範性檔案 → 规范性文件, 政府資訊 → 政府信息).
/// OpenCC's phrase-level `tw2sp` is not used: it rewrites prose (查詢 → 查找, 網絡 → 网路 …), and
/// narrative text is shown as the agency wrote it. OpenCC is slow (about 8 MB/s), so only text
/// that holds traditional characters is converted.
public final class TraditionalConverter: @unchecked Sendable {
    public static let shared = TraditionalConverter()

    private let handle: opencc_t?
    private let lock = NSLock()
    public let failure: String?

    private init() {
        var h: opencc_t? = nil
        var failure: String? = nil
        for config in ["t2s.json"] {
            let candidate = opencc_open(config)
            if let candidate, Int(bitPattern: candidate) != -1 { h = candidate; break }
        }
        if h == nil { failure = "OpenCC could not load its t2s configuration (install opencc data: apt-get install libopencc-dev)" }
        self.handle = h
        self.failure = failure
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
    public static func traditionalCount(_ s: String, limit: Int = 8) -> Int {
        var n = 0
        let bits = markerBits
        for u in s.unicodeScalars {
            let v = u.value
            guard v >= 0x4E00, v < 0xA000 else { continue }
            let k = Int(v - 0x4E00)
            if bits[k >> 6] & (1 << UInt64(k & 63)) != 0 {
                n += 1
                if n >= limit { break }
            }
        }
        return n
    }

    public func convert(_ s: String) -> String? {
        guard let handle else { return nil }
        lock.lock(); defer { lock.unlock() }
        return s.withCString { cs -> String? in
            guard let out = opencc_convert_utf8(handle, cs, strlen(cs)) else { return nil }
            defer { opencc_convert_utf8_free(out) }
            return TraditionalConverter.formVocabulary(String(cString: out))
        }
    }

    /// Taiwan wording of the form's labels, after character conversion.
    static let taiwanPhrases: [(String, String)] = [("规范性档案", "规范性文件"), ("政府资讯", "政府信息"), ("资讯公开", "信息公开")]

    static func formVocabulary(_ s: String) -> String {
        var s = s
        for (tw, cn) in taiwanPhrases where s.contains(tw) { s = s.replacingOccurrences(of: tw, with: cn) }
        return s
    }
}
