import GongkaiCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The text encodings report files arrive in.
public enum SourceEncoding: String, Sendable {
    case utf8 = "UTF-8"
    case utf8BOM = "UTF-8 with BOM"
    case utf16LE = "UTF-16LE"
    case utf16BE = "UTF-16BE"
    case gb18030 = "GB18030"
}

public struct DecodeError: Error, Sendable, CustomStringConvertible {
    public let description: String
    /// The same in Chinese, for the portal's pages.
    public let zh: String
}

/// Decodes report bytes: UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK.
/// Never guesses silently: text that is none of these is an error, not mojibake.
public enum SourceDecoder {
    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> (text: String, encoding: SourceEncoding) {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            let body = bytes[3...]
            guard let s = String(validating: body, as: UTF8.self) else {
                throw DecodeError(description: "the file starts with a UTF-8 byte order mark but is not valid UTF-8",
                                  zh: "文件以 UTF-8 字节顺序标记开头，但不是有效的 UTF-8 文本")
            }
            return (s, .utf8BOM)
        }
        if bytes.starts(with: [0xFF, 0xFE]) { return (try utf16(bytes.dropFirst(2), littleEndian: true), .utf16LE) }
        if bytes.starts(with: [0xFE, 0xFF]) { return (try utf16(bytes.dropFirst(2), littleEndian: false), .utf16BE) }
        if let s = String(validating: bytes, as: UTF8.self) { return (s, .utf8) }
        if bytes.contains(0) {
            throw DecodeError(description: "the file is binary or UTF-16 without a byte order mark; save it as UTF-8",
                              zh: "文件是二进制文件或没有字节顺序标记的 UTF-16 文本，请另存为 UTF-8")
        }
        if let s = gb18030(bytes), looksLikeChinese(s) { return (s, .gb18030) }
        throw DecodeError(description: "the file is not valid UTF-8, UTF-16 or GB18030 text; save it as UTF-8",
                          zh: "文件不是有效的 UTF-8、UTF-16 或 GB18030 文本，请另存为 UTF-8")
    }

    private static func utf16<C: Collection>(_ bytes: C, littleEndian: Bool) throws(DecodeError) -> String where C.Element == UInt8 {
        guard bytes.count % 2 == 0 else { throw DecodeError(description: "UTF-16 text with an odd number of bytes", zh: "UTF-16 文本的字节数为奇数") }
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var it = bytes.makeIterator()
        while let a = it.next(), let b = it.next() {
            units.append(littleEndian ? UInt16(a) | UInt16(b) << 8 : UInt16(a) << 8 | UInt16(b))
        }
        guard let s = String(validating: units, as: UTF16.self) else {
            throw DecodeError(description: "invalid UTF-16 text (unpaired surrogate)", zh: "无效的 UTF-16 文本（代理项不成对）")
        }
        return s
    }

    /// GB18030 (a superset of GBK and GB2312) through the C library's iconv.
    static func gb18030(_ bytes: [UInt8]) -> String? {
        let cd = iconv_open("UTF-8", "GB18030")
        guard cd != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(cd) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: bytes.count * 2 + 16)
        let outCount = output.count
        let written: Int? = input.withUnsafeMutableBufferPointer { inBuf -> Int? in
            output.withUnsafeMutableBufferPointer { outBuf -> Int? in
                var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                var inLeft = inBuf.count
                var outLeft = outBuf.count
                let r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                if r == -1 || inLeft != 0 { return nil }
                return outCount - outLeft
            }
        }
        guard let written else { return nil }
        output.removeSubrange(written...)
        return String(validating: output, as: UTF8.self)
    }

    /// A GB18030 decoding of random bytes is rarely mostly CJK.
    static func looksLikeChinese(_ s: String) -> Bool {
        var cjk = 0, other = 0
        for u in s.unicodeScalars {
            if (0x4E00...0x9FFF).contains(u.value) || (0x3000...0x303F).contains(u.value) || (0xFF00...0xFFEF).contains(u.value) { cjk += 1 }
            else if u.value >= 0x80 { other += 1 }
        }
        return cjk > 0 && cjk >= other * 4
    }
}
