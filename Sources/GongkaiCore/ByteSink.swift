/// Bytes written one small piece after another — a page's tables, a source view — into memory
/// the sink owns, handed over as an array at the end.
///
/// `Array.append(contentsOf:)` costs a call, a uniqueness check and a capacity check for every
/// piece; a table cell is half a dozen pieces of a few bytes, so that overhead was most of the
/// cost of writing a report's tables. Here a piece is a capacity check and a copy, inlined.
/// Non-copyable: one owner, freed once, no reference counting.
public struct ByteSink: ~Copyable {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var count: Int
    @usableFromInline var capacity: Int

    public init(capacity: Int = 4096) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
        count = 0
    }

    deinit { base.deallocate() }

    @inlinable public mutating func put(_ s: StaticString) {
        let n = s.utf8CodeUnitCount
        if count &+ n > capacity { grow(n) }
        (base + count).update(from: s.utf8Start, count: n)
        count &+= n
    }

    @inlinable public mutating func put(_ b: UInt8) {
        if count == capacity { grow(1) }
        base[count] = b
        count &+= 1
    }

    @inlinable public mutating func put(_ b: UnsafeBufferPointer<UInt8>) {
        let n = b.count
        guard n > 0, let from = b.baseAddress else { return }
        if count &+ n > capacity { grow(n) }
        (base + count).update(from: from, count: n)
        count &+= n
    }

    public mutating func put(_ a: [UInt8]) { a.withUnsafeBufferPointer { put($0) } }

    /// A string's UTF-8 bytes, as they are.
    public mutating func put(utf8 s: String) {
        var s = s
        s.withUTF8 { put($0) }
    }

    /// The decimal digits of `n` (the bytes of `String(n)`).
    @inlinable public mutating func put(integer n: Int) {
        if n >= 0 && n < 10 { put(0x30 &+ UInt8(truncatingIfNeeded: n)); return }
        if count &+ 21 > capacity { grow(21) }
        if n < 0 { base[count] = 0x2D; count &+= 1 }
        var m = n.magnitude, digits = 0
        var t = m
        repeat { digits &+= 1; t /= 10 } while t > 0
        var at = count &+ digits
        count = at
        repeat { at &-= 1; base[at] = 0x30 &+ UInt8(truncatingIfNeeded: m % 10); m /= 10 } while m > 0
    }

    /// A number as the data contract prints it (`JSON.format`), whole numbers as digits.
    public mutating func put(number d: Double) {
        // (`Int(exactly:)` tells a whole number without a call to the C library's `round`.)
        if abs(d) < 1e15, let i = Int(exactly: d) { put(integer: i) } else { put(utf8: JSON.format(d)) }
    }

    @usableFromInline mutating func grow(_ n: Int) {
        let newCapacity = max(capacity * 2, count + n)
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        p.update(from: base, count: count)
        base.deallocate()
        base = p
        capacity = newCapacity
    }

    /// The bytes written, as an array (the sink's memory is freed).
    public consuming func bytes() -> [UInt8] {
        let n = count, from = base
        return [UInt8](unsafeUninitializedCapacity: n) { buffer, initialized in
            if n > 0 { buffer.baseAddress!.update(from: from, count: n) }
            initialized = n
        }
    }
}

/// Pretty JSON written as it goes — no tree of `JSON` values built, copied and freed — in
/// exactly the layout of `JSON.write(pretty: true)`: two-space indents, each member of an object
/// on a line of its own, the items of an array of scalars on one line (`flat`).
///
///     var w = JSONWriter()
///     w.object { w in
///         w.key("year"); w.int(2023)
///         w.key("names"); w.array(flat: true) { w in w.string("甲"); w.string("乙") }
///     }
public struct JSONWriter: ~Copyable {
    public var out: ByteSink
    private var depth = 0
    /// Members or items written so far in the open container.
    private var count = 0
    private var inArray = false
    private var flat = false
    private var outer: [(count: Int, inArray: Bool, flat: Bool)] = []

    public init(capacity: Int = 4096) { out = ByteSink(capacity: capacity) }

    private mutating func newline(_ indent: Int) {
        out.put(0x0A)
        JSON.indentation(indent) { out.put($0) }
    }

    /// An item of an array: the separator and, unless the array is flat, a line of its own.
    private mutating func beforeValue() {
        guard inArray else { return }
        if count > 0 { out.put(0x2C); if flat { out.put(0x20) } }
        if !flat { newline(depth) }
        count += 1
    }

    /// The next member of the open object: its key; its value comes next.
    public mutating func key(_ k: String) {
        if count > 0 { out.put(0x2C) }
        newline(depth)
        JSON.quote(k, into: &out)
        out.put(0x3A); out.put(0x20)
        count += 1
    }

    public mutating func object(_ fill: (inout JSONWriter) -> Void) {
        beforeValue()
        out.put(0x7B)
        open(inArray: false, flat: false)
        fill(&self)
        let members = close()
        if members > 0 { newline(depth) }
        out.put(0x7D)
    }

    /// An array; `flat` when its items are scalars (all on one line).
    public mutating func array(flat: Bool, _ fill: (inout JSONWriter) -> Void) {
        beforeValue()
        out.put(0x5B)
        open(inArray: true, flat: flat)
        fill(&self)
        let items = close()
        if items > 0 && !flat { newline(depth) }
        out.put(0x5D)
    }

    private mutating func open(inArray a: Bool, flat f: Bool) {
        outer.append((count, inArray, flat))
        count = 0; inArray = a; flat = f
        depth += 1
    }

    /// Closes the open container; how many members or items it had.
    private mutating func close() -> Int {
        let n = count
        depth -= 1
        (count, inArray, flat) = outer.removeLast()
        return n
    }

    public mutating func int(_ i: Int) { beforeValue(); out.put(integer: i) }
    public mutating func int(_ i: Int?) { if let i { int(i) } else { null() } }
    /// A number as `JSON.double` prints it; nil is `null`.
    public mutating func number(_ d: Double?) { beforeValue(); if let d { out.put(number: d) } else { out.put("null") } }
    public mutating func string(_ s: String) { beforeValue(); JSON.quote(s, into: &out) }
    public mutating func string(_ s: String?) { if let s { string(s) } else { null() } }
    public mutating func bool(_ b: Bool) { beforeValue(); if b { out.put("true") } else { out.put("false") } }
    public mutating func null() { beforeValue(); out.put("null") }

    /// The JSON with a final newline, as the data files hold it.
    public consuming func fileBytes() -> [UInt8] {
        out.put(0x0A)
        return out.bytes()
    }
}

/// A dictionary key made of a string's UTF-8 bytes, hashed once (FNV-1a) and compared byte for
/// byte. `String` keys hash and compare Chinese text through Unicode normalization, several
/// times the cost; here two strings are the same key only when their bytes are the same.
public struct UTF8Key: Hashable, Sendable {
    public let bytes: [UInt8]
    private let fnv: UInt64

    public init<S: StringProtocol>(_ s: S) {
        self.init(bytes: s.utf8.withContiguousStorageIfAvailable { Array($0) } ?? Array(s.utf8))
    }

    /// A key of bytes that need not be text.
    public init(bytes b: [UInt8]) {
        var h: UInt64 = 0xcbf29ce484222325
        for x in b { h = (h ^ UInt64(x)) &* 0x100000001b3 }
        bytes = b
        fnv = h
    }

    public static func == (a: UTF8Key, b: UTF8Key) -> Bool { a.fnv == b.fnv && a.bytes == b.bytes }
    public func hash(into h: inout Hasher) { h.combine(fnv) }
}
