/// A finding about one report, as a compiler would print it: `path:line: severity: message`.
public struct Diagnostic: Hashable, Sendable, Codable {
    public enum Severity: String, Hashable, Sendable, Codable, Comparable {
        case warning, error
        public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .error }
    }

    public var severity: Severity
    /// 1-based line in the source file, when the finding has a place.
    public var line: Int?
    /// The finding in English, as the command line prints it.
    public var message: String
    /// The same finding in Chinese, as the portal's pages show it (nil for findings that are only
    /// printed, such as those about the configuration).
    public var zh: String?

    public init(_ severity: Severity, line: Int?, _ message: String, zh: String? = nil) {
        self.severity = severity
        self.line = line
        self.message = message
        self.zh = zh
    }

    public static func error(_ message: String, zh: String? = nil, line: Int? = nil) -> Diagnostic { .init(.error, line: line, message, zh: zh) }
    public static func warning(_ message: String, zh: String? = nil, line: Int? = nil) -> Diagnostic { .init(.warning, line: line, message, zh: zh) }

    /// What a page shows: the Chinese wording, or the English one when there is none.
    public var pageText: String { zh ?? message }

    /// `path:line: severity: message` (the line is left out when there is none).
    public func formatted(path: String) -> String {
        if let line { return "\(path):\(line): \(severity.rawValue): \(message)" }
        return "\(path): \(severity.rawValue): \(message)"
    }
}

/// Gathers findings while a report is read, in the order they were found.
public struct Diagnostics: Sendable {
    public private(set) var all: [Diagnostic] = []
    public init() {}
    public mutating func emit(_ d: Diagnostic) { all.append(d) }
    public mutating func error(_ message: String, zh: String? = nil, line: Int? = nil) { all.append(.error(message, zh: zh, line: line)) }
    public mutating func warning(_ message: String, zh: String? = nil, line: Int? = nil) { all.append(.warning(message, zh: zh, line: line)) }
    public mutating func append(contentsOf other: [Diagnostic]) { all.append(contentsOf: other) }
}

extension Array where Element == Diagnostic {
    public var errorCount: Int { reduce(0) { $0 + ($1.severity == .error ? 1 : 0) } }
    public var warningCount: Int { reduce(0) { $0 + ($1.severity == .warning ? 1 : 0) } }
}
