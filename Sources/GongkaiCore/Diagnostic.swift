/// A finding about one report, as a compiler would print it: `path:line: severity: message`.
public struct Diagnostic: Hashable, Sendable, Codable {
    public enum Severity: String, Hashable, Sendable, Codable, Comparable {
        case warning, error
        public static func < (a: Severity, b: Severity) -> Bool { a == .warning && b == .error }
    }

    /// What a finding is about, for lists that pick one (the failing reports' first problem); the
    /// command line does not print it.
    public enum Kind: UInt8, Hashable, Sendable, Codable {
        /// Reading the file: its encoding, the form, its tables, a cell that is blank or unreadable.
        case reading = 0
        /// An accounting identity of the form (I1–I4) that does not hold.
        case identityBreak = 1
        /// An identity that cannot be checked (a cell it needs is blank or unreadable).
        case identityUnchecked = 2
        /// 上年结转 is not the previous year's 结转下年度.
        case crossYearBreak = 3
        /// Two or more reports for one agency and year.
        case duplicate = 4

        /// An identity, within the report or across years, that does not hold.
        public var isBreak: Bool { self == .identityBreak || self == .crossYearBreak }
    }

    public var severity: Severity
    public var kind: Kind = .reading
    /// 1-based line in the source file, when the finding has a place.
    public var line: Int?
    /// The finding in English, as the command line prints it.
    public var message: String
    /// The same finding in Chinese, as the portal's pages show it (nil for findings that are only
    /// printed, such as those about the configuration).
    public var zh: String?

    public init(_ severity: Severity, line: Int?, _ message: String, zh: String? = nil, kind: Kind = .reading) {
        self.severity = severity
        self.kind = kind
        self.line = line
        self.message = message
        self.zh = zh
    }

    public static func error(_ message: String, zh: String? = nil, line: Int? = nil, kind: Kind = .reading) -> Diagnostic {
        .init(.error, line: line, message, zh: zh, kind: kind)
    }
    public static func warning(_ message: String, zh: String? = nil, line: Int? = nil, kind: Kind = .reading) -> Diagnostic {
        .init(.warning, line: line, message, zh: zh, kind: kind)
    }

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
