import GongkaiCore
import GongkaiRead

/// A row the reader looks for: the label fragments that identify it and how many cells it has.
struct RowDefinition: Sendable {
    let key: String
    let label: String
    let keywords: [String]
    let count: Int
    /// The row is only recognized after one of these rows (e.g. （六）3. 其他 after （六）2.).
    var onlyAfter: Set<String> = []
}

/// The rows of one table, prepared once per form: the definitions, their keyword index, and
/// what the reader's loops ask of a row as plain arrays indexed by row (a `RowDefinition` copy
/// retains its strings and arrays).
struct RowSet: Sendable {
    let rows: [RowDefinition]
    let index: KeywordIndex
    /// Cells per row, four bits a row (a table has at most 32 rows of at most 15 cells): read
    /// for every line of a table, an array had to be retained each time.
    let packedCounts: (UInt64, UInt64)
    let keys: [String]
    /// `onlyAfter` as row indices.
    let onlyAfter: [[Int]]

    init(_ rows: [RowDefinition]) {
        self.rows = rows
        self.index = KeywordIndex(rows)
        precondition(rows.count <= 32 && rows.allSatisfy { $0.count < 16 }, "a table of the form has at most 32 rows of at most 15 cells")
        var packed: (UInt64, UInt64) = (0, 0)
        for (r, row) in rows.enumerated() {
            if r < 16 { packed.0 |= UInt64(row.count) << UInt64(4 * r) } else { packed.1 |= UInt64(row.count) << UInt64(4 * (r - 16)) }
        }
        self.packedCounts = packed
        self.keys = rows.map(\.key)
        self.onlyAfter = rows.map { r in rows.indices.filter { r.onlyAfter.contains(rows[$0].key) } }
    }

    func row(_ key: String) -> Int? { keys.firstIndex(of: key) }
}

/// A row as read: its cells, the line of its label, and what the label said about money units.
struct RowReading: Sendable {
    let key: String
    var cells: [Cell]
    let labelLine: Int
    var yuan: Bool
}

/// Reads the rows of one flattened table: label text accumulates until values arrive; the
/// values are then given to the row whose label fragment ends last in that text. Values may
/// stand on the label's line (tab, pipe or space separated, blank cells keeping their place) or
/// on the following lines (one cell per line, or a row of values under a label broken over lines).
///
/// The table's lines are split once into a `CellTable` (plain cells, text as byte ranges); the
/// label text is kept as UTF-8 bytes and its keyword hits are computed once per label, however
/// many questions the reader asks of them; rows are integers.
struct RowReader {
    let form: RowSet
    var rows: [RowDefinition] { form.rows }
    /// Values beyond what the matched row takes flow into the next unread rows (table 四).
    var spill = false
    /// When the label text names several rows (a header), start at the first unread one.
    var headerStartsAtFirst = false
    /// Empty lines inside a run of values are blank cells (dense one-cell-per-line text).
    var emptyLineIsBlank = false
    let tableName: String
    let tableNameZH: String

    /// The rows read, by row index.
    private(set) var readings: [RowReading?]

    /// The row read for `key`, if any.
    func reading(_ key: String) -> RowReading? { form.row(key).flatMap { readings[$0] } }

    /// The row read at index `row` of the row set.
    func reading(at row: Int) -> RowReading? { readings[row] }

    private var table = CellTable()
    private var label = LabelBuffer()
    private var labelLine: Int? = nil
    /// The keyword hits of `label`, computed when first asked for and dropped when it changes
    /// (the array keeps its capacity from label to label).
    private var labelHits: [KeywordIndex.Hit] = []
    private var labelHitsValid = false

    private struct Pending {
        var row: Int
        var cells: [Cell]
        var labelLine: Int
        var yuan: Bool
    }
    private var pending: Pending? = nil

    /// Cells of row `r` (`form.packedCounts`, copied: plain words, no array to retain).
    private let packedCounts: (UInt64, UInt64)

    @inline(__always)
    private func count(_ r: Int) -> Int { Self.count(packedCounts, r) }

    @inline(__always)
    private static func count(_ packed: (UInt64, UInt64), _ r: Int) -> Int {
        Int((r < 16 ? packed.0 >> UInt64(4 * r) : packed.1 >> UInt64(4 * (r - 16))) & 0xF)
    }

    init(rows: RowSet, tableName: String, tableNameZH: String) {
        self.form = rows
        self.packedCounts = rows.packedCounts
        self.tableName = tableName
        self.tableNameZH = tableNameZH
        self.readings = Array(repeating: nil, count: rows.rows.count)
    }

    /// Reads the table on lines `r` of `source`.
    mutating func read(_ source: LineView, _ r: Range<Int>, diagnostics: inout Diagnostics) {
        table = CellTable(source, r)
        var k = 0
        while k < table.lines.count {
            let line = table.lines[k]
            if line.isEmpty {
                if emptyLineIsBlank, pending?.cells.isEmpty == false { add(RawCell.blank, line: line.number, diagnostics: &diagnostics) }
                k += 1
                continue
            }
            k += consume(at: k, diagnostics: &diagnostics)
        }
        finishPending(diagnostics: &diagnostics)
        table = CellTable()
    }

    /// Reads one line; returns how many lines were used (more than one when a block of values
    /// for several rows was taken at once).
    private mutating func consume(at k: Int, diagnostics: inout Diagnostics) -> Int {
        let line = table.lines[k]
        // A local copy: reading `self` while `add` changes it would copy the whole reader.
        let counts = packedCounts
        func count(_ r: Int) -> Int { Self.count(counts, r) }
        var i = line.start
        var labelOnLine = false
        while i < line.end {
            let cell = table.cells[i]
            if cell.isText {
                if pending != nil {
                    if isNote(cell) { attachNote(cell); i += 1; continue }
                    finishPending(diagnostics: &diagnostics)
                }
                appendLabel(cell, line: line.number)
                labelOnLine = true
                i += 1
                continue
            }
            var j = i
            while j < line.end, !table.cells[j].isText { j += 1 }
            let singleCellLine = line.filled <= 1
            if let row = pending?.row {
                if singleCellLine {
                    add(i..<j, skippingBlanks: true, line: line.number, diagnostics: &diagnostics)
                } else {
                    let need = count(row) - pending!.cells.count
                    add(trimmed(i..<j, to: need, afterLabel: false), line: line.number, diagnostics: &diagnostics)
                }
                i = j
                continue
            }
            var hasValue = false
            for k in i..<j where table.cells[k].isValueLike { hasValue = true; break }
            if !hasValue {
                // Blank cells before a label cell are layout; blank cells that end a labelled
                // line may be a row printed with every cell empty (a header's spanning label
                // leaves fewer blanks than a row has cells, or many more).
                if j == line.end, labelOnLine, let r = matchRow(), j - i >= count(r), j - i <= count(r) + 2 {
                    start(r, line: line.number)
                    add(trimmed(i..<j, to: count(r), afterLabel: true), line: line.number, diagnostics: &diagnostics)
                }
                i = j
                continue
            }
            // Several row labels and then a block of values: rows or columns of one block.
            if j == line.end, mayNameSeveralRows(), let used = readBlock(at: k, from: i, diagnostics: &diagnostics) { return used }
            guard let r = matchRow() else {
                diagnostics.warning("\(tableName): values with no row label recognized before them; they are ignored",
                                    zh: "\(tableNameZH)：有数字前面没有可识别的行名，已忽略", line: line.number)
                clearLabel()
                i = j
                continue
            }
            start(r, line: line.number)
            if singleCellLine && !labelOnLine {
                add(i..<j, skippingBlanks: true, line: line.number, diagnostics: &diagnostics)
            } else {
                add(trimmed(i..<j, to: spill ? j - i : count(r), afterLabel: labelOnLine), line: line.number, diagnostics: &diagnostics)
            }
            i = j
        }
        return 1
    }

    /// When the label text names several rows in the form's order and the values that follow
    /// (up to the next label) number exactly rows × cells, they are those rows' values: row by
    /// row, or column by column when each line holds one value per row. `i` is the first cell
    /// of the values on line `k`.
    private mutating func readBlock(at k: Int, from i: Int, diagnostics: inout Diagnostics) -> Int? {
        let chain = rowChain()
        guard chain.count >= 2 else { return nil }
        let width = count(chain[0])
        guard chain.allSatisfy({ count($0) == width }) else { return nil }
        var block: [(line: Int, cells: [RawCell])] = []
        var m = k
        var first = true
        while m < table.lines.count {
            let l = table.lines[m]
            if l.isEmpty { m += 1; continue }
            var cells = Array(table.cells[(first ? i : l.start)..<l.end])
            if cells.contains(where: { $0.isText }) { break }
            if l.filled <= 1 { cells.removeAll { $0.isBlank } }
            block.append((l.number, cells))
            first = false
            m += 1
        }
        let total = block.reduce(0) { $0 + $1.cells.count }
        let need = chain.count * width
        var flat: [(RawCell, Int)] = []
        if total == need {
            flat = block.flatMap { b in b.cells.map { ($0, b.line) } }
        } else if total > need {
            // Tab lines may carry layout blanks at their ends.
            let trimmedBlock = block.map { b in
                (b.line, Array(b.cells[Self.trimmed(b.cells, b.cells.indices, to: max(width, b.cells.filter { !$0.isBlank }.count), afterLabel: false)]))
            }
            guard trimmedBlock.reduce(0, { $0 + $1.1.count }) == need else { return nil }
            block = trimmedBlock.map { (line: $0.0, cells: $0.1) }
            flat = block.flatMap { b in b.cells.map { ($0, b.line) } }
        } else { return nil }
        let byColumn = block.count == width && block.allSatisfy { $0.cells.count == chain.count } && chain.count != width
        clearLabel()
        for (n, r) in chain.enumerated() {
            pending = Pending(row: r, cells: [], labelLine: table.lines[k].number, yuan: false)
            for c in 0..<width {
                let (cell, line) = byColumn ? flat[c * chain.count + n] : flat[n * width + c]
                add(cell, line: line, diagnostics: &diagnostics)
            }
            finishPending(diagnostics: &diagnostics)
        }
        return max(1, m - k)
    }

    /// Whether the label text holds keywords of at least two rows (cheap test before `rowChain`).
    private mutating func mayNameSeveralRows() -> Bool {
        var first: Int? = nil
        for h in hits() {
            if let f = first, f != h.row { return true }
            first = h.row
        }
        return false
    }

    /// The rows the label text names, in order, when they follow the form's order: the
    /// longest run at the end of the text (a header before them is left out).
    private mutating func rowChain() -> [Int] {
        let hits = hits().sorted { ($0.start, -$0.length) < ($1.start, -$1.length) }
        var kept: [KeywordIndex.Hit] = []
        for h in hits {
            if let last = kept.last, h.start < last.end {   // overlaps: keep the longer
                if h.length > last.length { kept[kept.count - 1] = h }
                continue
            }
            kept.append(h)
        }
        var seq: [Int] = []
        for h in kept where seq.last != h.row && readings[h.row] == nil {
            let after = form.onlyAfter[h.row]
            if !after.isEmpty, !seq.contains(where: { after.contains($0) }) { continue }
            seq.append(h.row)
        }
        var chain: [Int] = []
        for r in seq.reversed() {
            if let first = chain.first, r >= first { break }
            chain.insert(r, at: 0)
        }
        return chain
    }

    /// The positions of `run` cut to `n`: first the one empty cell a spanning label leaves
    /// after itself, then empty cells at the end, then at the start. Blank cells inside stay.
    private func trimmed(_ run: Range<Int>, to n: Int, afterLabel: Bool) -> Range<Int> {
        Self.trimmed(table.cells, run, to: n, afterLabel: afterLabel)
    }

    private static func trimmed(_ cells: [RawCell], _ run: Range<Int>, to n: Int, afterLabel: Bool) -> Range<Int> {
        var lo = run.lowerBound, hi = run.upperBound
        if afterLabel, hi - lo > n, cells[lo].isBlank { lo += 1 }
        while hi - lo > n, cells[hi - 1].isBlank { hi -= 1 }
        while hi - lo > n, cells[lo].isBlank { lo += 1 }
        return lo..<hi
    }

    /// A text cell in parentheses after a value is that value's note.
    private func isNote(_ c: RawCell) -> Bool {
        // Only a cell starting with "(" or "（" (EF BC 88) and ending in ")" or "）" (EF BC 89)
        // can be one; those few are tested as text.
        let first = table.bytes[Int(c.start)], last = table.bytes[Int(c.end) - 1]
        guard first == 0x28 || first == 0xEF, last == 0x29 || last == 0x89 else { return false }
        let t = table.text(of: c)
        return (t.hasPrefix("(") && t.hasSuffix(")")) || (t.hasPrefix("（") && t.hasSuffix("）"))
    }

    private mutating func attachNote(_ c: RawCell) {
        guard let count = pending?.cells.count, count > 0 else { return }
        pending!.cells[count - 1].note = String(table.text(of: c).dropFirst().dropLast())
    }

    private mutating func appendLabel(_ c: RawCell, line: Int) {
        if label.isEmpty { labelLine = line }
        label.append(table.bytes[Int(c.start)..<Int(c.end)])
        labelHitsValid = false
    }

    private mutating func clearLabel() {
        label.removeAll()
        labelHitsValid = false
        labelLine = nil
    }

    private mutating func hits() -> [KeywordIndex.Hit] {
        if !labelHitsValid {
            labelHits.removeAll(keepingCapacity: true)
            form.index.hits(in: label.bytes, into: &labelHits)
            labelHitsValid = true
        }
        return labelHits
    }

    /// The row whose label fragment ends last in the label text.
    private mutating func matchRow() -> Int? {
        var best: (end: Int, length: Int, row: Int)? = nil
        var firstRow: Int? = nil
        var severalRows = false
        for h in hits() {
            let after = form.onlyAfter[h.row]
            if !after.isEmpty, !after.contains(where: { readings[$0] != nil }) { continue }
            if let f = firstRow { if f != h.row { severalRows = true } } else { firstRow = h.row }
            if best == nil || h.end > best!.end || (h.end == best!.end && h.length > best!.length) {
                best = (h.end, h.length, h.row)
            }
        }
        if headerStartsAtFirst, severalRows {
            return firstUnread() ?? best?.row
        }
        if best == nil, spill, rows.count > 0 {
            // A table with no labels the reader knows (table 四 printed without its header).
            return firstUnread()
        }
        return best?.row
    }

    private func firstUnread() -> Int? { readings.firstIndex { $0 == nil } }

    private mutating func start(_ r: Int, line: Int) {
        // "单位：元" or "（元）" in the label, and no 万元: the money is in yuan.
        var yuan = false
        if label.contains("元") {
            let labelText = label.string
            yuan = (labelText.includes("单位:元") || labelText.includes("(元)")) && !labelText.includes("万元")
        }
        pending = Pending(row: r, cells: [], labelLine: labelLine ?? line, yuan: yuan)
        pending!.cells.reserveCapacity(count(r))
        clearLabel()
    }

    /// Gives the cells at `run` of the table to the pending row (blank ones left out when
    /// `skippingBlanks`).
    private mutating func add(_ run: Range<Int>, skippingBlanks: Bool = false, line: Int, diagnostics: inout Diagnostics) {
        guard pending != nil else { return }
        for k in run {
            let raw = table.cells[k]
            if skippingBlanks && raw.isBlank { continue }
            guard give(raw, line: line, diagnostics: &diagnostics) else { return }
        }
        finishIfFull(diagnostics: &diagnostics)
    }

    private mutating func add(_ raw: RawCell, line: Int, diagnostics: inout Diagnostics) {
        guard pending != nil, give(raw, line: line, diagnostics: &diagnostics) else { return }
        finishIfFull(diagnostics: &diagnostics)
    }

    /// Appends one cell to the pending row (which is not nil); when the row is full already,
    /// the cell goes to the next unread row (`spill`) or is dropped with a warning, and the
    /// result is false: the rest of the run is dropped too.
    private mutating func give(_ raw: RawCell, line: Int, diagnostics: inout Diagnostics) -> Bool {
        // Mutate `pending` in place: a copy would make every append copy the cells.
        if pending!.cells.count == count(pending!.row) {
            let row = pending!.row, yuan = pending!.yuan
            finishPending(diagnostics: &diagnostics)
            guard spill, let next = firstUnread() else {
                diagnostics.warning("\(tableName): more cells than the row \(rows[row].label) has; the extra cells are ignored",
                                    zh: "\(tableNameZH)：格数多于“\(rows[row].label)”行应有的格数，多出的已忽略", line: line)
                return false
            }
            pending = Pending(row: next, cells: [], labelLine: line, yuan: yuan)
            pending!.cells.reserveCapacity(count(next))
        }
        let cell: Cell
        switch raw.kind {
        case .value:
            cell = raw.hasText ? Cell(value: raw.value, state: .number, line: line, note: table.text(of: raw)) : Cell(number: raw.value, line: line)
            if raw.yuan { pending!.yuan = true }
        case .blank: cell = .blank(line: line)
        case .unreadable, .text: cell = Cell(value: nil, state: .unreadable(table.text(of: raw)), line: line)
        }
        pending!.cells.append(cell)
        return true
    }

    private mutating func finishIfFull(diagnostics: inout Diagnostics) {
        if let row = pending?.row, pending!.cells.count == count(row) { finishPending(diagnostics: &diagnostics) }
    }

    private mutating func finishPending(diagnostics: inout Diagnostics) {
        guard var p = pending else { return }
        pending = nil
        let count = count(p.row)
        if p.cells.count < count {
            diagnostics.error("\(tableName): row \(rows[p.row].label) has \(p.cells.count) of its \(count) cells; the missing ones are null",
                              zh: "\(tableNameZH)：“\(rows[p.row].label)”行应有 \(count) 格，只读到 \(p.cells.count) 格，缺少的记为无数据", line: p.cells.last?.line ?? p.labelLine)
            while p.cells.count < count { p.cells.append(.missing) }
        }
        if let previous = readings[p.row] {
            if previous.cells.map(\.value) != p.cells.map(\.value) {
                diagnostics.warning("\(tableName): row \(rows[p.row].label) appears twice (lines \(previous.labelLine) and \(p.labelLine)); the first is kept",
                                    zh: "\(tableNameZH)：“\(rows[p.row].label)”行出现两次（第 \(previous.labelLine) 行和第 \(p.labelLine) 行），保留第一次的", line: p.labelLine)
            }
            return
        }
        readings[p.row] = RowReading(key: form.keys[p.row], cells: p.cells, labelLine: p.labelLine, yuan: p.yuan)
    }
}

/// Label text as the reader accumulates it: UTF-8 bytes with white space left out, capped at
/// 400 characters (the oldest dropped, down to 300) so a long run of text without values does
/// not grow without end.
struct LabelBuffer: Sendable {
    private(set) var bytes: [UInt8] = []
    /// Unicode scalars in `bytes`.
    private(set) var scalars = 0

    var isEmpty: Bool { bytes.isEmpty }
    var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Appends `text` (valid UTF-8) without its white space (`Unicode.Scalar.isSpaceLike`).
    mutating func append(_ text: ArraySlice<UInt8>) {
        text.withUnsafeBufferPointer { t in
            // Runs between white space are copied whole (most label cells are one run).
            var i = 0, run = 0
            while i < t.count {
                let n = UTF8Scan.length(lead: t[i])
                if UTF8Scan.isSpaceLike(t, at: i, length: n) {
                    if i > run { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: t[run..<i])) }
                    run = i + n
                } else {
                    scalars += 1
                }
                i += n
            }
            if t.count > run { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: t[run...])) }
        }
        if scalars > 400 { dropFirst(scalars - 300) }
    }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        scalars = 0
    }

    /// Drops the first `k` scalars.
    mutating func dropFirst(_ k: Int) {
        var i = 0
        for _ in 0..<k { i += UTF8Scan.length(lead: bytes[i]) }
        bytes.removeFirst(i)
        scalars -= k
    }

    /// Whether the text holds `needle` (whole UTF-8, so a match is whole characters).
    func contains(_ needle: String) -> Bool { bytes.includes(needle) }
}

/// Small helpers for walking valid UTF-8 by scalar.
enum UTF8Scan {
    /// Bytes in the scalar that starts with `lead`.
    @inline(__always)
    static func length(lead c: UInt8) -> Int { c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4 }

    /// The scalar of `length` bytes at `i`.
    @inline(__always)
    static func scalar<C: RandomAccessCollection<UInt8>>(_ b: C, at i: C.Index, length n: Int) -> UInt32 {
        let c = UInt32(b[i])
        switch n {
        case 1: return c
        case 2: return (c & 0x1F) << 6 | UInt32(b[b.index(i, offsetBy: 1)] & 0x3F)
        case 3: return (c & 0x0F) << 12 | UInt32(b[b.index(i, offsetBy: 1)] & 0x3F) << 6 | UInt32(b[b.index(i, offsetBy: 2)] & 0x3F)
        default:
            return (c & 0x07) << 18 | UInt32(b[b.index(i, offsetBy: 1)] & 0x3F) << 12 | UInt32(b[b.index(i, offsetBy: 2)] & 0x3F) << 6
                | UInt32(b[b.index(i, offsetBy: 3)] & 0x3F)
        }
    }

    /// `Unicode.Scalar.isSpaceLike` for the scalar of `length` bytes at `i`. Only the lead bytes
    /// C2 (U+0085, U+00A0), E1 (U+1680), E2 (U+2000…), E3 (U+3000) and EF (U+FEFF) can start one.
    @inline(__always)
    static func isSpaceLike<C: RandomAccessCollection<UInt8>>(_ b: C, at i: C.Index, length n: Int) -> Bool {
        let c = b[i]
        switch n {
        case 1: return c == 0x20 || (c >= 0x09 && c <= 0x0D)
        case 2: guard c == 0xC2 else { return false }
        case 3: guard c == 0xE1 || c == 0xE2 || c == 0xE3 || c == 0xEF else { return false }
        default: return false
        }
        return Unicode.Scalar(scalar(b, at: i, length: n))?.isSpaceLike ?? false
    }
}

/// Finds row keywords in label text (UTF-8), indexed by first character. Built once per form
/// and never changed, its tables are plain buffers, read without bounds checks or retains in the
/// scan (hence `@unchecked Sendable`).
final class KeywordIndex: @unchecked Sendable {
    /// A keyword found: where it ends (a byte offset), its length in characters and in bytes.
    struct Hit {
        let end: Int
        let length: Int
        let byteLength: Int
        let row: Int
        /// Where it starts (a byte offset).
        var start: Int { end - byteLength }
    }

    /// The keywords, flat: keyword `k` is `bytes[start[k]..<start[k + 1]]`, `length[k]`
    /// characters long, of row `row[k]`.
    private let bytes: UnsafeMutableBufferPointer<UInt8>
    private let start: UnsafeMutableBufferPointer<Int>
    private let length: UnsafeMutableBufferPointer<Int>
    private let row: UnsafeMutableBufferPointer<Int>
    /// Keywords by bucket of their first character (value & 4095), as ranges into `order`:
    /// most characters have an empty bucket and are passed over with one look.
    private let bucketStart: UnsafeMutableBufferPointer<Int>
    /// Keyword indices, bucket by bucket, in the order the rows list them.
    private let order: UnsafeMutableBufferPointer<Int>

    init(_ rows: [RowDefinition]) {
        var bytes: [UInt8] = [], start = [0], length: [Int] = [], row: [Int] = [], buckets: [Int] = []
        for (k, r) in rows.enumerated().flatMap({ i, r in r.keywords.map { ($0, i) } }) {
            buckets.append(Int(k.unicodeScalars.first!.value & 4095))
            bytes.append(contentsOf: k.utf8)
            start.append(bytes.count)
            length.append(k.unicodeScalars.count)
            row.append(r)
        }
        var bucketStart = [Int](repeating: 0, count: 4097)
        for b in buckets { bucketStart[b + 1] += 1 }
        for b in 0..<4096 { bucketStart[b + 1] += bucketStart[b] }
        var order = Array(repeating: 0, count: buckets.count)
        var fill = Array(bucketStart.prefix(4096))
        for (k, b) in buckets.enumerated() {
            order[fill[b]] = k
            fill[b] += 1
        }
        func buffer<T>(_ a: [T]) -> UnsafeMutableBufferPointer<T> {
            let p = UnsafeMutableBufferPointer<T>.allocate(capacity: max(a.count, 1))
            _ = p.initialize(from: a)
            return p
        }
        self.bytes = buffer(bytes)
        self.start = buffer(start)
        self.length = buffer(length)
        self.row = buffer(row)
        self.bucketStart = buffer(bucketStart)
        self.order = buffer(order)
    }

    deinit {
        for p in [start, length, row, bucketStart, order] { p.deallocate() }
        bytes.deallocate()
    }

    /// Every keyword occurrence in `text`, by start position, then in the order the rows list them.
    func hits(in text: [UInt8]) -> [Hit] {
        var out: [Hit] = []
        hits(in: text, into: &out)
        return out
    }

    /// Appends the hits in `text` to `out`.
    func hits(in text: [UInt8], into out: inout [Hit]) {
        text.withUnsafeBufferPointer { t in
            let n = t.count
            var p = 0
            while p < n {
                let len = UTF8Scan.length(lead: t[p])
                let b = Int(UTF8Scan.scalar(t, at: p, length: len) & 4095)
                for o in bucketStart[b]..<bucketStart[b + 1] {
                    let k = order[o]
                    let lo = start[k], count = start[k + 1] - lo
                    guard p + count <= n else { continue }
                    var q = 0
                    while q < count, t[p + q] == bytes[lo + q] { q += 1 }
                    if q == count { out.append(Hit(end: p + count, length: length[k], byteLength: count, row: row[k])) }
                }
                p += len
            }
        }
    }
}
