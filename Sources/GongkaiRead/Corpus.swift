import Foundation

/// The report files of a corpus folder, at any depth, in a stable order.
public enum CorpusScanner {
    public static let reportExtensions: Set<String> = ["txt", "text", "html", "htm", "md", "markdown"]

    /// Paths of report files below `directory` (hidden files and folders are skipped), sorted.
    public static func reportFiles(in directory: String) throws -> [String] {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: directory, isDirectory: &isDir), isDir.boolValue else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: directory])
        }
        let base = URL(fileURLWithPath: directory)
        guard let e = fm.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles]) else { return [] }
        var out: [String] = []
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        let basePath = base.standardizedFileURL.path
        for case let url as URL in e {
            guard reportExtensions.contains(url.pathExtension.lowercased()) else { continue }
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let full = url.standardizedFileURL.path
            let rel = full.hasPrefix(basePath + "/") ? String(full.dropFirst(basePath.count + 1)) : url.lastPathComponent
            out.append(prefix + rel)
        }
        return out.sorted()
    }
}
