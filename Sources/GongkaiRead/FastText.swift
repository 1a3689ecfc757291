#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension String {
    /// Substring test on UTF-8 bytes. (With Foundation imported, `contains(_: String)` goes
    /// through NSString and is some 20 times slower; extraction calls this per line.)
    @inlinable
    public func includes(_ needle: String) -> Bool {
        var hay = self
        return hay.withUTF8 { h in FastText.find(needle, in: h) }
    }
}

extension Substring {
    @inlinable
    public func includes(_ needle: String) -> Bool {
        withBytes { h in FastText.find(needle, in: h) }
    }

    /// Calls `body` with the UTF-8 bytes. Lines are slices of native strings, whose bytes are
    /// contiguous: read in place, without the copy (and retain) that `withUTF8` needs.
    @inlinable
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        if let r = try utf8.withContiguousStorageIfAvailable(body) { return r }
        var copy = self
        return try copy.withUTF8(body)
    }
}

public enum FastText {
    @inlinable
    public static func find(_ needle: String, in h: UnsafeBufferPointer<UInt8>) -> Bool {
            var pin = needle
            return pin.withUTF8 { n in
                guard n.count > 0 else { return true }
                guard h.count >= n.count else { return false }
                let first = Int32(n[0])
                var start = h.baseAddress!
                let end = h.baseAddress! + (h.count - n.count + 1)
                while start < end {
                    guard let hit = memchr(start, first, end - start) else { return false }
                    let p = hit.assumingMemoryBound(to: UInt8.self)
                    if memcmp(p, n.baseAddress!, n.count) == 0 { return true }
                    start = UnsafePointer(p) + 1
                }
                return false
            }
    }
}

extension Unicode.Scalar {
    /// White space as it occurs in report text, without the Unicode property tables.
    @inlinable
    public var isSpaceLike: Bool {
        switch value {
        case 0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0xA0, 0x1680, 0x2000...0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: return true
        default: return false
        }
    }
}
