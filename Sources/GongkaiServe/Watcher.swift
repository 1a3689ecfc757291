import Foundation

/// Notices changes to files below some folders by polling their sizes and modification times.
/// Polling is portable and cheap at corpus scale (a stat per file); a change is reported once
/// the tree has been quiet for the debounce interval, so an editor's save-in-steps is one rebuild.
public struct TreeSnapshot: Equatable, Sendable {
    public var entries: [String: FileStamp]

    public struct FileStamp: Equatable, Sendable {
        public var size: Int
        public var modified: Double
    }

    /// Stamps of every regular file below `roots` (a root may be a single file; missing roots are empty).
    public static func take(_ roots: [String]) -> TreeSnapshot {
        var entries: [String: FileStamp] = [:]
        let fm = FileManager.default
        for root in roots {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: root, isDirectory: &isDir) else { continue }
            if !isDir.boolValue {
                if let s = stamp(root) { entries[root] = s }
                continue
            }
            guard let e = fm.enumerator(atPath: root) else { continue }
            while let rel = e.nextObject() as? String {
                if rel.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
                let path = root + "/" + rel
                if let s = stamp(path) { entries[path] = s }
            }
        }
        return TreeSnapshot(entries: entries)
    }

    static func stamp(_ path: String) -> FileStamp? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
        return FileStamp(size: Int(st.st_size), modified: Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9)
    }

    /// Paths added, removed or changed since `old`.
    public func changes(since old: TreeSnapshot) -> [String] {
        var out: [String] = []
        for (p, s) in entries where old.entries[p] != s { out.append(p) }
        for p in old.entries.keys where entries[p] == nil { out.append(p) }
        return out.sorted()
    }
}

/// Polls a tree and calls back with the changed paths after the debounce interval.
public actor TreeWatcher {
    let roots: [String]
    let interval: Duration
    let debounce: Duration

    public init(roots: [String], interval: Duration = .milliseconds(250), debounce: Duration = .milliseconds(200)) {
        self.roots = roots
        self.interval = interval
        self.debounce = debounce
    }

    /// Runs until the task is cancelled.
    public func run(onChange: @Sendable ([String]) async -> Void) async {
        var last = TreeSnapshot.take(roots)
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            var now = TreeSnapshot.take(roots)
            guard now != last else { continue }
            // Wait for the tree to settle.
            while !Task.isCancelled {
                try? await Task.sleep(for: debounce)
                let again = TreeSnapshot.take(roots)
                if again == now { break }
                now = again
            }
            let changed = now.changes(since: last)
            last = now
            await onChange(changed)
        }
    }
}
