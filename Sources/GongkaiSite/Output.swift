import Foundation
import GongkaiRead
import CXXHash
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func sysWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ n: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(fd, buf, n)
    #else
    Darwin.write(fd, buf, n)
    #endif
}

/// One file of the built site: a relative path and its bytes. A build renders the whole site
/// into a sorted list of these before anything is written, so the write step (and an
/// incremental build) can compare them with what is on disk.
public struct OutputFile: Hashable, Sendable {
    public let path: String
    public let bytes: [UInt8]
    public init(path: String, bytes: [UInt8]) { self.path = path; self.bytes = bytes }
    public init(path: String, text: String) { self.path = path; self.bytes = Array(text.utf8) }
    public var text: String { String(decoding: bytes, as: UTF8.self) }
    public var isPage: Bool { path.hasSuffix(".html") }
    static let pageSuffix: [UInt8] = Array(".html".utf8)
}

/// The hash the manifest keeps of each output file: XXH3, 128 bits, in xxHash's canonical
/// (big-endian) byte order. It tells whether a rendered file's bytes are those the last build
/// wrote, so an unchanged page is not rewritten. Inputs, whose hashes decide what is trusted
/// without being read again, keep SHA-256.
public enum OutputHash {
    public static func of(_ bytes: [UInt8]) -> [UInt8] {
        let h = bytes.withUnsafeBytes { XXH3_128bits($0.baseAddress, $0.count) }
        var c = XXH128_canonical_t()
        XXH128_canonicalFromHash(&c, h)
        return withUnsafeBytes(of: &c.digest) { Array($0) }
    }
}

public struct OutputPathError: Error, CustomStringConvertible {
    public let path: String
    public var description: String { "refusing to write '\(path)': not a safe relative path inside the output folder" }
}

public struct WriteSummary: Sendable {
    /// Files whose bytes changed or that were new.
    public var written: [String] = []
    public var unchanged = 0
    /// Files a previous build wrote that this build no longer produces.
    public var removed: [String] = []
}

/// The write step: each file is written to a temporary file in its folder and renamed over the
/// old one (a reader never sees half a file); a file whose bytes are unchanged is not touched
/// (its modification time stays). The list of files a build wrote is kept in
/// `.gongkai-files`, so the next build can remove the files it no longer produces — and only
/// those: nothing else in the output folder is ever deleted.
public enum SiteWriter {
    public static let manifestName = ".gongkai-files"

    /// A relative path of `[A-Za-z0-9._-]` segments separated by `/`, none empty, `.` or `..`,
    /// none hidden (the manifest and temporary files are).
    public static func isSafe(_ path: String) -> Bool {
        var path = path
        return path.withUTF8 { b in
            guard !b.isEmpty, b.count < 400 else { return false }
            // One pass on bytes (every output file is asked). A segment that is empty, `.`,
            // `..` or hidden is one that is empty or starts with a dot.
            var start = 0
            for i in 0...b.count {
                if i == b.count || b[i] == 0x2F {
                    guard i > start, b[start] != 0x2E else { return false }
                    start = i + 1
                    continue
                }
                let c = b[i]
                let ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2E || c == 0x2D || c == 0x5F
                if !ok { return false }
            }
            return true
        }
    }

    public static func write(_ files: [OutputFile], to directory: String) throws -> WriteSummary {
        for f in files where !isSafe(f.path) { throw OutputPathError(path: f.path) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let root = directory.hasSuffix("/") ? directory : directory + "/"
        var summary = WriteSummary()
        var made = Set<String>()
        for f in files {
            let full = root + f.path
            if let old = readFile(full), old == f.bytes { summary.unchanged += 1; continue }
            if let slash = f.path.lastIndex(of: "/") {
                let dir = root + f.path[..<slash]
                if !made.contains(dir) {
                    try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
                    made.insert(dir)
                }
            }
            let name = f.path.split(separator: "/").last.map(String.init) ?? f.path
            let tmp = String(full.dropLast(name.count)) + ".\(name).tmp-\(pid)"
            try writeFile(tmp, f.bytes)
            if rename(tmp, full) != 0 {
                let e = errno
                unlink(tmp)
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: full, NSLocalizedDescriptionKey: "rename failed: \(String(cString: strerror(e)))"])
            }
            summary.written.append(f.path)
        }
        // Stale files: listed by the previous build, not produced by this one.
        let manifest = root + manifestName
        let current = Set(files.map(\.path))
        if let old = readFile(manifest) {
            for line in String(decoding: old, as: UTF8.self).split(separator: "\n") {
                let p = String(line)
                guard isSafe(p), !current.contains(p) else { continue }
                if unlink(root + p) == 0 {
                    summary.removed.append(p)
                    // Remove the folders it leaves empty (rmdir fails on a folder that is not).
                    var parts = p.split(separator: "/").dropLast()
                    while !parts.isEmpty, rmdir(root + parts.joined(separator: "/")) == 0 { parts = parts.dropLast() }
                }
            }
        }
        let list = files.map(\.path).sorted().joined(separator: "\n") + "\n"
        if readFile(manifest) != Array(list.utf8) {
            let tmp = root + ".\(manifestName).tmp-\(pid)"
            try writeFile(tmp, Array(list.utf8))
            rename(tmp, manifest)
        }
        return summary
    }

    /// This process's id, for the names of its temporary files.
    static let pid = getpid()

    /// Writes `bytes` to a temporary file beside `path` and renames it over `path`, so a reader
    /// (or a build killed half-way) never sees half a file. `makeFolders` creates missing folders.
    public static func writeAtomically(_ path: String, _ bytes: [UInt8], makeFolders: Bool = false) throws {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let tmp = dir + "/." + name + ".tmp-\(pid)"
        do {
            try writeFile(tmp, bytes)
        } catch let e as CocoaError where makeFolders && (e.userInfo["errno"] as? Int32) == ENOENT {
            try makeFolder(dir)
            try writeFile(tmp, bytes)
        }
        if rename(tmp, path) != 0 {
            let e = errno
            unlink(tmp)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "rename failed: \(String(cString: strerror(e)))"])
        }
    }

    /// `writeAtomically` for a file `name` in the folder open as `folder` (see `OutputFolders`):
    /// the kernel looks up one name for each call instead of walking the whole path.
    static func writeAtomically(in folder: Int32, _ name: String, _ bytes: [UInt8], path: @autoclosure () -> String) throws {
        let tmp = "." + name + ".tmp-\(pid)"
        let fd = openat(folder, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            let e = errno
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path(), "errno": e, NSLocalizedDescriptionKey: String(cString: strerror(e))])
        }
        guard writeAll(fd, bytes), close(fd) == 0 else {
            close(fd)
            unlinkat(folder, tmp, 0)
            throw CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: path()])
        }
        if renameat(folder, tmp, folder, name) != 0 {
            let e = errno
            unlinkat(folder, tmp, 0)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path(), NSLocalizedDescriptionKey: "rename failed: \(String(cString: strerror(e)))"])
        }
    }

    static func readFile(_ path: String) -> [UInt8]? { FileBytes.read(path) }

    /// Creates `path` and the folders above it that are missing (`mkdir -p`).
    static func makeFolder(_ path: String) throws {
        if mkdir(path, 0o777) == 0 || errno == EEXIST { return }
        if errno == ENOENT, let slash = path.lastIndex(of: "/"), slash > path.startIndex {
            try makeFolder(String(path[..<slash]))
            if mkdir(path, 0o777) == 0 || errno == EEXIST { return }
        }
        let e = errno
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "cannot create the folder: \(String(cString: strerror(e)))"])
    }

    /// `write`s until every byte is out.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var done = 0
        return bytes.withUnsafeBytes { b -> Bool in
            while done < b.count {
                let n = sysWrite(fd, b.baseAddress! + done, b.count - done)
                if n < 0 { if errno == EINTR { continue }; return false }
                done += n
            }
            return true
        }
    }

    /// One `open`, `write`s until every byte is out, one `close` (no stdio buffer, no `fstat`).
    static func writeFile(_ path: String, _ bytes: [UInt8]) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            let e = errno
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path, "errno": e, NSLocalizedDescriptionKey: String(cString: strerror(e))])
        }
        let ok = writeAll(fd, bytes)
        let closed = close(fd) == 0
        if !ok || !closed {
            unlink(path)
            throw CocoaError(.fileWriteOutOfSpace, userInfo: [NSFilePathErrorKey: path])
        }
    }
}

extension String {
    /// Whether the UTF-8 bytes end with `suffix` (for an ASCII suffix, what `hasSuffix` answers,
    /// without comparing characters).
    func hasUTF8Suffix(_ suffix: [UInt8]) -> Bool {
        var s = self
        return s.withUTF8 { SiteBuilder.ScanName.endsWith($0, suffix) }
    }
}

/// Folders of the output, opened for the write step. A folder's files are written through one
/// descriptor of it (`openat`, `renameat`), and a folder is opened or made through a kept
/// descriptor of its parent (`reports`, `agencies` …): the kernel looks up a name or two per
/// call instead of walking the output path from the root every time, which on a full build
/// (three calls for each of 28,000 files) was a tenth of its system time.
final class OutputFolders: @unchecked Sendable {
    private let root: String
    private let lock = NSLock()
    /// Parents opened so far, by relative path ("" is the output folder itself).
    private var parents: [Substring: Int32] = [:]

    init(root: String) { self.root = root.hasSuffix("/") ? root : root + "/" }

    deinit { for fd in parents.values { close(fd) } }

    /// A descriptor of the relative folder `folder` ("" for the output folder), made (with the
    /// folders above it) when missing. `owned`: the caller closes it.
    func folder(_ folder: Substring) throws -> (fd: Int32, owned: Bool) {
        guard let slash = folder.lastIndex(of: "/") else {
            if folder.isEmpty { return (try parent(""), false) }
            return (try child(of: try parent(""), String(folder), folder), true)
        }
        let p = try parent(folder[..<slash])
        return (try child(of: p, String(folder[folder.index(after: slash)...]), folder), true)
    }

    private func child(of p: Int32, _ name: String, _ folder: Substring) throws -> Int32 {
        // A new site's folders are new: make first, then open (one failed lookup fewer).
        if mkdirat(p, name, 0o777) != 0 && errno != EEXIST {
            try SiteWriter.makeFolder(root + folder)
        }
        let fd = openat(p, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.error(root + folder) }
        return fd
    }

    private func parent(_ folder: Substring) throws -> Int32 {
        lock.lock(); defer { lock.unlock() }
        if let fd = parents[folder] { return fd }
        let path = root + folder
        var fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 {
            try SiteWriter.makeFolder(folder.isEmpty ? String(root.dropLast()) : path)
            fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        guard fd >= 0 else { throw Self.error(path) }
        parents[folder] = fd
        return fd
    }

    private static func error(_ path: String) -> CocoaError {
        let e = errno
        return CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "cannot open the folder: \(String(cString: strerror(e)))"])
    }
}
