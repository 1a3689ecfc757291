import Foundation
import GongkaiCore
import GongkaiRead
import GongkaiExtract
import GongkaiCheck

/// Extracts and checks files on every core, results in the order of the paths.
public enum ReportPipeline {
    /// The report files named: a folder stands for the report files below it (any nesting,
    /// sorted); anything else is taken as a file (a missing one becomes a record with an error).
    public static func expand(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
                files += try CorpusScanner.reportFiles(in: path)
            } else {
                files.append(path)
            }
        }
        return files
    }

    public static func process(_ paths: [String], progress: (@Sendable (Int) -> Void)? = nil) -> [CheckedReport] {
        let extractor = ReportExtractor()
        let results = ResultBox<CheckedReport>(count: paths.count)
        let done = Counter()
        DispatchQueue.concurrentPerform(iterations: paths.count) { i in
            results.set(i, CheckedReport(extractor.extract(path: paths[i])))
            let n = done.increment()
            progress?(n)
        }
        return results.values
    }
}

final class ResultBox<T: Sendable>: @unchecked Sendable {
    private var storage: [T?]
    private let lock = NSLock()
    init(count: Int) { storage = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ v: T) { lock.lock(); storage[i] = v; lock.unlock() }
    var values: [T] { lock.lock(); defer { lock.unlock() }; return storage.map { $0! } }
}

final class Counter: @unchecked Sendable {
    private var n = 0
    private let lock = NSLock()
    func increment() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
}

/// A one-line progress report on standard error, only when it is a terminal.
public struct ProgressLine: Sendable {
    public let total: Int
    public let label: String
    public let enabled: Bool
    public init(total: Int, label: String) {
        self.total = total
        self.label = label
        self.enabled = isatty(2) == 1 && total > 1
    }
    public func update(_ n: Int) {
        guard enabled, n == total || n % max(1, total / 100) == 0 else { return }
        FileHandle.standardError.write(Data("\r\(label) \(n)/\(total)".utf8))
    }
    public func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
