import GongkaiCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func sysRead(_ fd: Int32, _ buf: UnsafeMutableRawPointer?, _ n: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(fd, buf, n)
    #else
    Darwin.read(fd, buf, n)
    #endif
}

/// Whole files as bytes, through the C library (no Foundation `Data` on the hot path).
public enum FileBytes {
    /// The file's bytes, or nil when it cannot be opened or read.
    public static func read(_ path: String) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return readStream(fd) }
        // One read of the size `stat` gives, then to the end (the file may have grown).
        let size = Int(st.st_size)
        var out = [UInt8](unsafeUninitializedCapacity: size + 1) { buf, count in
            count = 0
            while count < size {
                let n = sysRead(fd, buf.baseAddress! + count, size + 1 - count)
                if n <= 0 { if n < 0 && errno == EINTR { continue }; break }
                count += n
            }
        }
        if out.count < size { return nil }   // shrank or failed
        if out.count > size {
            guard let rest = readStream(fd) else { return nil }
            out += rest
        }
        return out
    }

    /// The rest of `fd` read in blocks.
    static func readStream(_ fd: Int32) -> [UInt8]? {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buf.withUnsafeMutableBytes { sysRead(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return out }
            out.append(contentsOf: buf[0..<n])
        }
    }

    /// The finding for a report file that `read` could not read, saying why.
    public static func unreadable(_ path: String) -> Diagnostic {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        let e = fd < 0 ? errno : EIO
        if fd >= 0 { close(fd) }
        if e == ENOENT || e == EISDIR, path.unicodeScalars.contains("\u{FFFD}") {
            // A name (the file's or a folder's) was not UTF-8, shown with U+FFFD: no path reaches it.
            return .error("a name in this path is not UTF-8 (GBK names from a ZIP archive, often), so its reports cannot be read; rename it, e.g. with convmv -r -f gbk -t utf-8",
                          zh: "路径中的文件名或文件夹名不是 UTF-8 编码（常见于 ZIP 压缩包里的 GBK 文件名），其中的报告无法读取；请改名（如 convmv -r -f gbk -t utf-8）")
        }
        let zh: String
        switch e {
        case ENOENT: zh = "无法读取文件：文件不存在（或是失效的链接）"
        case EACCES: zh = "无法读取文件：没有读取权限"
        default: zh = "无法读取文件"
        }
        return .error("cannot read the file (\(String(cString: strerror(e))))", zh: zh)
    }
}
