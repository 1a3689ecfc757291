/// A report's logical lines in one UTF-8 buffer: line `i` is `bytes[bounds[2i]..<bounds[2i + 1]]`,
/// whole characters of valid UTF-8, from 1-based source line `numbers[i]`.
///
/// The extractor looks at every line several times (headings, the title, each table, the
/// narrative). As `Substring`s of one `String`, each look retained and released the string; here
/// a line is a range, and `withView` hands the extractor plain pointers for the time it reads.
public struct LineStore: Sendable, Equatable {
    public private(set) var bytes: [UInt8] = []
    /// Two offsets into `bytes` per line: where it starts and where it ends.
    private(set) var bounds: [Int] = []
    public private(set) var numbers: [Int] = []

    public init() {}

    public init(_ lines: [SourceLine]) {
        reserve(lines: lines.count, bytes: lines.reduce(0) { $0 + $1.text.utf8.count })
        for l in lines { append(l.text, number: l.number) }
    }

    /// The lines of `text` (valid UTF-8) split at the line feeds at `breaks` (in order).
    init(_ text: [UInt8], breaks: [Int]) {
        bytes = text
        bounds.reserveCapacity(2 * breaks.count + 2)
        var start = 0
        for br in breaks {
            bounds.append(start)
            bounds.append(br)
            start = br + 1
        }
        bounds.append(start)
        bounds.append(text.count)
        numbers = Array(1...(breaks.count + 1))
    }

    /// The lines of `text` (valid UTF-8) split at LF, numbered from 1; the buffer is `text`.
    init(splitting text: [UInt8]) {
        self.init(text, breaks: text.indices.filter { text[$0] == 0x0A })
    }

    public var count: Int { numbers.count }
    public var isEmpty: Bool { numbers.isEmpty }
    public var indices: Range<Int> { 0..<numbers.count }

    public mutating func reserve(lines: Int, bytes n: Int) {
        bytes.reserveCapacity(n)
        bounds.reserveCapacity(2 * lines)
        numbers.reserveCapacity(lines)
    }

    /// Appends a line whose text is `text` (valid UTF-8).
    public mutating func append(_ text: UnsafeBufferPointer<UInt8>, number: Int) {
        bounds.append(bytes.count)
        bytes.append(contentsOf: text)
        bounds.append(bytes.count)
        numbers.append(number)
    }

    /// Appends `text` (valid UTF-8) normalized (`Normalizer`), without making a string.
    mutating func appendNormalizing(_ text: [UInt8], number: Int) {
        text.withUnsafeBufferPointer { b in
            if Normalizer.mayNeedWork(b) {
                Normalizer.rewriteBytes(b).withUnsafeBufferPointer { append($0, number: number) }
            } else {
                append(b, number: number)
            }
        }
    }

    public mutating func append(_ text: Substring, number: Int) {
        text.withBytes { append($0, number: number) }
    }

    /// Line `i`'s text becomes `text` (its bytes go to the end of the buffer).
    public mutating func replace(_ i: Int, with text: Substring) {
        let start = bytes.count
        text.withBytes { bytes.append(contentsOf: $0) }
        bounds[2 * i] = start
        bounds[2 * i + 1] = bytes.count
    }

    /// Line `i` becomes empty (a page footer); it keeps its place and number.
    public mutating func clear(_ i: Int) {
        bounds[2 * i + 1] = bounds[2 * i]
    }

    /// The UTF-8 bytes of line `i`.
    func withLine<R>(_ i: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[bounds[2 * i]..<bounds[2 * i + 1]])) }
    }

    /// Line `i` as a string.
    public func text(_ i: Int) -> String {
        String(decoding: bytes[bounds[2 * i]..<bounds[2 * i + 1]], as: UTF8.self)
    }

    /// The lines as `SourceLine`s (slices of one string).
    public var lines: [SourceLine] {
        let s = String(decoding: bytes, as: UTF8.self)
        let u = s.utf8
        return indices.map { i in
            let a = u.index(u.startIndex, offsetBy: bounds[2 * i]), b = u.index(u.startIndex, offsetBy: bounds[2 * i + 1])
            return SourceLine(s[a..<b], number: numbers[i])
        }
    }

    /// Calls `body` with a view of the lines that reads them through pointers; the view is
    /// valid only inside `body`.
    public func withView<R>(_ body: (LineView) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { b in
            try bounds.withUnsafeBufferPointer { o in
                try numbers.withUnsafeBufferPointer { n in
                    try body(LineView(bytes: b, bounds: o, numbers: n))
                }
            }
        }
    }

    public static func == (a: LineStore, b: LineStore) -> Bool {
        guard a.numbers == b.numbers else { return false }
        return a.indices.allSatisfy { i in a.withLine(i) { x in b.withLine(i) { y in x.elementsEqual(y) } } }
    }
}

/// `LineStore`'s lines read in place: line `i`'s bytes and source line, with no reference
/// counting. Only valid inside `LineStore.withView`.
public struct LineView {
    let bytes: UnsafeBufferPointer<UInt8>
    let bounds: UnsafeBufferPointer<Int>
    let numbers: UnsafeBufferPointer<Int>

    public var count: Int { numbers.count }
    public var isEmpty: Bool { numbers.isEmpty }
    public var indices: Range<Int> { 0..<numbers.count }

    /// The UTF-8 bytes of line `i`.
    @inline(__always)
    public subscript(i: Int) -> UnsafeBufferPointer<UInt8> {
        precondition(i >= 0 && i < numbers.count, "line index out of range")
        return UnsafeBufferPointer(rebasing: bytes[bounds[2 * i]..<bounds[2 * i + 1]])
    }

    /// The 1-based source line of line `i`.
    @inline(__always)
    public func number(_ i: Int) -> Int {
        precondition(i >= 0 && i < numbers.count, "line index out of range")
        return numbers[i]
    }

    /// Line `i` as a string.
    public func text(_ i: Int) -> String { String(decoding: self[i], as: UTF8.self) }
}
