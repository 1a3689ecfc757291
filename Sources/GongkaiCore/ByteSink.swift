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

    /// The number of bytes written.
    @inlinable public var size: Int { count }

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
        if d.isFinite, d == d.rounded(), abs(d) < 1e15 { put(integer: Int(d)) } else { put(utf8: JSON.format(d)) }
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

    /// The bytes written, appended to `out`.
    public borrowing func append(to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: base, count: count))
    }
}
