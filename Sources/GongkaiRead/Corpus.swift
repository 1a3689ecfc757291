#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The report files of a corpus folder, at any depth, in a stable order.
public enum CorpusScanner {
    public static let reportExtensions: Set<String> = ["txt", "text", "html", "htm", "md", "markdown"]

    public struct NoSuchFolder: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "\(path): no such file or folder" }
    }

    /// Paths of report files below `directory` (hidden files and folders are skipped), sorted.
    /// A link to a file counts as that file; a link that leads nowhere is listed too, and so is a
    /// file whose name is not UTF-8 (shown with U+FFFD), so that reading them fails with a
    /// finding (`FileBytes.unreadable`) rather than the report going missing without a word.
    /// Links to folders are not followed (as in `gongkai build`).
    public static func reportFiles(in directory: String) throws -> [String] {
        var st = stat()
        guard stat(directory, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else { throw NoSuchFolder(path: directory) }
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        var out: [String] = []
        // Folders by their bytes (a name need not be UTF-8) and as shown.
        var folders: [(raw: [UInt8], shown: String)] = [([], "")]
        while let (rawRel, rel) = folders.popLast() {
            let base = Array(prefix.utf8) + rawRel
            guard let dir = (base + [0]).withUnsafeBufferPointer({ opendir(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self)) }) else { continue }
            defer { closedir(dir) }
            while let entry = readdir(dir) {
                let name: [UInt8] = withUnsafePointer(to: entry.pointee.d_name) { p in
                    p.withMemoryRebound(to: UInt8.self, capacity: 256) { Array(UnsafeBufferPointer(start: $0, count: strlen(UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)))) }
                }
                guard let first = name.first, first != 0x2E else { continue }
                let path = prefix + rel + shownName(name)
                let raw = base + name + [0]
                var st = stat(), l = stat()
                let found = raw.withUnsafeBufferPointer { stat(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), &st) } == 0
                let isLink = raw.withUnsafeBufferPointer { lstat(UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), &l) } == 0
                    && l.st_mode & S_IFMT == S_IFLNK
                if found, st.st_mode & S_IFMT == S_IFDIR {
                    guard !isLink else { continue }
                    // (Opened by its bytes: the reports in a folder whose name is not UTF-8 are
                    // listed, and reading them says why they cannot be read.)
                    folders.append((rawRel + name + [0x2F], rel + shownName(name) + "/"))
                } else if name.withUnsafeBufferPointer(hasReportExtension), !found || st.st_mode & S_IFMT == S_IFREG {
                    out.append(path)   // a link that leads nowhere, too: reading it says so
                }
            }
        }
        return out.sorted()
    }

    /// A folder entry's name as paths show it. A name that is not UTF-8 cannot be one of Swift's
    /// strings as it is: it is shown as U+FFFD followed by the name read as GB18030 (what a ZIP
    /// archive made on Chinese Windows holds), or by its bytes in hex when that fails too, so two
    /// such names stay two paths. No file can be opened by that path; reading it says why
    /// (`FileBytes.unreadable`).
    public static func shownName(_ name: [UInt8]) -> String {
        if let s = String(validating: name, as: UTF8.self) { return s }
        if let s = SourceDecoder.gb18030(name), !s.contains("/") { return "\u{FFFD}" + s }
        return "\u{FFFD}" + name.map { b in b < 0x80 && b > 0x20 && b != 0x25 ? String(UnicodeScalar(b)) : "%" + String(b, radix: 16, uppercase: true) }.joined()
    }

    /// Whether the text after the name's last `.` is a report extension, in any case (ASCII), read
    /// on the name's bytes (the build's scan asks this of every file in the corpus).
    public static func hasReportExtension(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let dot = b.lastIndex(of: 0x2E) else { return false }
        let ext = b[(dot + 1)...]
        return extensionBytes.contains { e in
            e.count == ext.count && zip(e, ext).allSatisfy { x, y in x == (y >= 0x41 && y <= 0x5A ? y | 0x20 : y) }
        }
    }

    static let extensionBytes: [[UInt8]] = reportExtensions.map { Array($0.utf8) }
}
