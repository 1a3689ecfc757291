import Foundation

/// The report files of a corpus folder, at any depth, in a stable order.
public enum CorpusScanner {
    public static let reportExtensions: Set<String> = ["txt", "text", "html", "htm", "md", "markdown"]

    /// Paths of report files below `directory` (hidden files and folders are skipped), sorted.
    /// A link to a file counts as that file; a link that leads nowhere is listed too, so that
    /// reading it fails with a finding rather than the report going missing without a word. Links
    /// to folders are not followed (as in `gongkai build`).
    public static func reportFiles(in directory: String) throws -> [String] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: directory])
        }
        let base = URL(fileURLWithPath: directory)
        guard let e = fm.enumerator(at: base, includingPropertiesForKeys: nil, options: [.skipsHiddenFiles]) else { return [] }
        var out: [String] = []
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        let basePath = base.standardizedFileURL.path
        for case let url as URL in e {
            guard reportExtensions.contains(url.pathExtension.lowercased()) else { continue }
            var st = stat()
            // (`stat` follows a link; where it fails, `lstat` tells a dangling link from nothing.)
            if stat(url.path, &st) == 0 {
                guard st.st_mode & S_IFMT == S_IFREG else { continue }
            } else {
                guard lstat(url.path, &st) == 0, st.st_mode & S_IFMT == S_IFLNK else { continue }
            }
            let full = url.standardizedFileURL.path
            let rel = full.hasPrefix(basePath + "/") ? String(full.dropFirst(basePath.count + 1)) : url.lastPathComponent
            out.append(prefix + rel)
        }
        return out.sorted()
    }
}
