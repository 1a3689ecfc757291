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
struct RowReader {
    let rows: [RowDefinition]
    /// Values beyond what the matched row takes flow into the next unread rows (table 四).
    var spill = false
    /// When the label text names several rows (a header), start at the first unread one.
    var headerStartsAtFirst = false
    /// Empty lines inside a run of values are blank cells (dense one-cell-per-line text).
    var emptyLineIsBlank = false
    let tableName: String

    private(set) var readings: [String: RowReading] = [:]
    private(set) var order: [String] = []

    private var label: [Unicode.Scalar] = []
    private var labelLine: Int? = nil
    private var pending: (row: Int, cells: [Cell], labelLine: Int, yuan: Bool)? = nil
    private let index: KeywordIndex

    /// Cell counts and keys by row, read in the hot loops (a `RowDefinition` copy retains arrays).
    private let counts: [Int]
    private let keys: [String]

    init(rows: [RowDefinition], tableName: String, index: KeywordIndex? = nil) {
        self.rows = rows
        self.counts = rows.map(\.count)
        self.keys = rows.map(\.key)
        self.tableName = tableName
        self.index = index ?? KeywordIndex(rows)
    }

    mutating func read(_ source: ArraySlice<SourceLine>, diagnostics: inout Diagnostics) {
        let lines = source.map(CellSplitter.split)
        var k = 0
        while k < lines.count {
            let line = lines[k]
            if line.cells.isEmpty {
                if emptyLineIsBlank, let p = pending, !p.cells.isEmpty { add([.blank(placeholder: nil)], line: line.number, diagnostics: &diagnostics) }
                k += 1
                continue
            }
            k += consume(lines, at: k, diagnostics: &diagnostics)
        }
        finishPending(diagnostics: &diagnostics)
    }

    /// Reads one line; returns how many lines were used (more than one when a block of values
    /// for several rows was taken at once).
    private mutating func consume(_ lines: [CellLine], at k: Int, diagnostics: inout Diagnostics) -> Int {
        let line = lines[k]
        let cells = line.cells
        var i = 0
        var labelOnLine = false
        while i < cells.count {
            if case .text(let t) = cells[i] {
                if pending != nil {
                    if isNote(t) { attachNote(t); i += 1; continue }
                    finishPending(diagnostics: &diagnostics)
                }
                appendLabel(t, line: line.number)
                labelOnLine = true
                i += 1
                continue
            }
            var j = i
            while j < cells.count, !cells[j].isText { j += 1 }
            var run = Array(cells[i..<j])
            let singleCellLine = line.filled <= 1
            if let p = pending {
                let need = counts[p.row] - p.cells.count
                if singleCellLine { run.removeAll { $0.isBlank } } else { run = trimmed(run, to: need, afterLabel: false) }
                add(run, line: line.number, diagnostics: &diagnostics)
                i = j
                continue
            }
            let hasValue = run.contains { $0.isValueLike }
            if !hasValue {
                // Blank cells before a label cell are layout; blank cells that end a labelled
                // line may be a row printed with every cell empty.
                if !spill, j == cells.count, labelOnLine, let r = matchRow(), run.count >= rows[r].count, run.count <= rows[r].count + 2 {
                    start(r, line: line.number)
                    add(trimmed(run, to: rows[r].count, afterLabel: true), line: line.number, diagnostics: &diagnostics)
                }
                i = j
                continue
            }
            // Several row labels and then a block of values: rows or columns of one block.
            if j == cells.count, mayNameSeveralRows(), let used = readBlock(lines, at: k, from: i, diagnostics: &diagnostics) { return used }
            guard let r = matchRow() else {
                if !label.isEmpty || run.contains(where: { $0.isValueLike }) {
                    diagnostics.warning("\(tableName): values with no row label recognized before them; they are ignored", line: line.number)
                }
                clearLabel()
                i = j
                continue
            }
            if singleCellLine && !labelOnLine { run.removeAll { $0.isBlank } } else { run = trimmed(run, to: spill ? run.count : rows[r].count, afterLabel: labelOnLine) }
            start(r, line: line.number)
            add(run, line: line.number, diagnostics: &diagnostics)
            i = j
        }
        return 1
    }

    /// When the label text names several rows in the form's order and the values that follow
    /// (up to the next label) number exactly rows × cells, they are those rows' values: row by
    /// row, or column by column when each line holds one value per row.
    private mutating func readBlock(_ lines: [CellLine], at k: Int, from i: Int, diagnostics: inout Diagnostics) -> Int? {
        let chain = rowChain()
        guard chain.count >= 2 else { return nil }
        let width = rows[chain[0]].count
        guard chain.allSatisfy({ rows[$0].count == width }) else { return nil }
        var block: [(line: Int, cells: [RawCell])] = []
        var m = k
        var first = true
        while m < lines.count {
            let l = lines[m]
            if l.cells.isEmpty { m += 1; continue }
            var cells = first ? Array(l.cells[i...]) : l.cells
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
            let trimmedBlock = block.map { b in (b.line, trimmed(b.cells, to: max(width, b.cells.filter { !$0.isBlank }.count), afterLabel: false)) }
            guard trimmedBlock.reduce(0, { $0 + $1.1.count }) == need else { return nil }
            block = trimmedBlock.map { (line: $0.0, cells: $0.1) }
            flat = block.flatMap { b in b.cells.map { ($0, b.line) } }
        } else { return nil }
        let byColumn = block.count == width && block.allSatisfy { $0.cells.count == chain.count } && chain.count != width
        clearLabel()
        for (n, r) in chain.enumerated() {
            pending = (r, [], lines[k].number, false)
            for c in 0..<width {
                let (cell, line) = byColumn ? flat[c * chain.count + n] : flat[n * width + c]
                add([cell], line: line, diagnostics: &diagnostics)
            }
            finishPending(diagnostics: &diagnostics)
        }
        return max(1, m - k)
    }

    /// Whether the label text holds keywords of at least two rows (cheap test before `rowChain`).
    private func mayNameSeveralRows() -> Bool {
        var first: Int? = nil
        for h in index.hits(in: label) {
            if let f = first, f != h.row { return true }
            first = h.row
        }
        return false
    }

    /// The rows the label text names, in order, when they follow the form's order: the
    /// longest run at the end of the text (a header before them is left out).
    private func rowChain() -> [Int] {
        let hits = index.hits(in: label).sorted { ($0.end - $0.length, -$0.length) < ($1.end - $1.length, -$1.length) }
        var kept: [KeywordIndex.Hit] = []
        for h in hits {
            if let last = kept.last, h.end - h.length < last.end {   // overlaps: keep the longer
                if h.length > last.length { kept[kept.count - 1] = h }
                continue
            }
            kept.append(h)
        }
        var seq: [Int] = []
        for h in kept where seq.last != h.row && readings[rows[h.row].key] == nil {
            let row = rows[h.row]
            if !row.onlyAfter.isEmpty, !seq.contains(where: { row.onlyAfter.contains(rows[$0].key) }) { continue }
            seq.append(h.row)
        }
        var chain: [Int] = []
        for r in seq.reversed() {
            if let first = chain.first, r >= first { break }
            chain.insert(r, at: 0)
        }
        return chain
    }

    /// Cuts a run of cells to `n` positions: first the one empty cell a spanning label leaves
    /// after itself, then empty cells at the end, then at the start. Blank cells inside stay.
    private func trimmed(_ run: [RawCell], to n: Int, afterLabel: Bool) -> [RawCell] {
        var run = run[...]
        if afterLabel, run.count > n, run.first?.isBlank == true { run.removeFirst() }
        while run.count > n, run.last?.isBlank == true { run.removeLast() }
        while run.count > n, run.first?.isBlank == true { run.removeFirst() }
        return Array(run)
    }

    private func isNote(_ t: Substring) -> Bool {
        (t.hasPrefix("(") && t.hasSuffix(")")) || (t.hasPrefix("（") && t.hasSuffix("）"))
    }

    private mutating func attachNote(_ t: Substring) {
        guard let count = pending?.cells.count, count > 0 else { return }
        pending!.cells[count - 1].note = String(t.dropFirst().dropLast())
    }

    private mutating func appendLabel(_ t: Substring, line: Int) {
        if label.isEmpty { labelLine = line }
        for u in t.unicodeScalars where !u.isSpaceLike { label.append(u) }
        if label.count > 400 { label.removeFirst(label.count - 300) }
    }

    private mutating func clearLabel() {
        label.removeAll(keepingCapacity: true)
        labelLine = nil
    }

    /// The row whose label fragment ends last in the label text.
    private mutating func matchRow() -> Int? {
        let hits = index.hits(in: label)
        var best: (end: Int, length: Int, row: Int)? = nil
        var distinct = Set<Int>()
        for h in hits {
            let row = rows[h.row]
            if !row.onlyAfter.isEmpty, !row.onlyAfter.contains(where: { readings[$0] != nil }) { continue }
            distinct.insert(h.row)
            if best == nil || h.end > best!.end || (h.end == best!.end && h.length > best!.length) {
                best = (h.end, h.length, h.row)
            }
        }
        if headerStartsAtFirst, distinct.count > 1 {
            return rows.indices.first { readings[rows[$0].key] == nil } ?? best?.row
        }
        if best == nil, spill, rows.count > 0 {
            // A table with no labels the reader knows (table 四 printed without its header).
            return rows.indices.first { readings[rows[$0].key] == nil }
        }
        return best?.row
    }

    private mutating func start(_ r: Int, line: Int) {
        defer { pending?.cells.reserveCapacity(counts[r]) }
        // "单位：元" or "（元）" in the label, and no 万元: the money is in yuan.
        var yuan = false
        if label.contains("元") {
            let labelText = String(String.UnicodeScalarView(label))
            yuan = (labelText.includes("单位:元") || labelText.includes("(元)")) && !labelText.includes("万元")
        }
        pending = (r, [], labelLine ?? line, yuan)
        clearLabel()
    }

    private mutating func add(_ run: [RawCell], line: Int, diagnostics: inout Diagnostics) {
        guard pending != nil else { return }
        for raw in run {
            // Mutate `pending` in place: a copy would make every append copy the cells.
            if pending!.cells.count == counts[pending!.row] {
                let row = pending!.row, yuan = pending!.yuan
                finishPending(diagnostics: &diagnostics)
                guard spill, let next = rows.indices.first(where: { readings[keys[$0]] == nil }) else {
                    diagnostics.warning("\(tableName): more cells than the row \(rows[row].label) has; the extra cells are ignored", line: line)
                    return
                }
                pending = (next, [], line, yuan)
                pending!.cells.reserveCapacity(counts[next])
            }
            let cell: Cell
            switch raw {
            case .value(let v, let note, let yuan, _):
                cell = Cell(value: v, state: .number, line: line, note: note)
                if yuan { pending!.yuan = true }
            case .blank: cell = .blank(line: line)
            case .unreadable(let s): cell = Cell(value: nil, state: .unreadable(s), line: line)
            case .text(let s): cell = Cell(value: nil, state: .unreadable(String(s)), line: line)
            }
            pending!.cells.append(cell)
        }
        if let p = pending, p.cells.count == counts[p.row] { finishPending(diagnostics: &diagnostics) }
    }

    private mutating func finishPending(diagnostics: inout Diagnostics) {
        guard var p = pending else { return }
        pending = nil
        let row = rows[p.row]
        if p.cells.count < row.count {
            diagnostics.error("\(tableName): row \(row.label) has \(p.cells.count) of its \(row.count) cells; the missing ones are null", line: p.cells.last?.line ?? p.labelLine)
            while p.cells.count < row.count { p.cells.append(.missing) }
        }
        if let previous = readings[row.key] {
            if previous.cells.map(\.value) != p.cells.map(\.value) {
                diagnostics.warning("\(tableName): row \(row.label) appears twice (lines \(previous.labelLine) and \(p.labelLine)); the first is kept", line: p.labelLine)
            }
            return
        }
        readings[row.key] = RowReading(key: row.key, cells: p.cells, labelLine: p.labelLine, yuan: p.yuan)
        order.append(row.key)
    }
}

/// Finds row keywords in label text, indexed by first character.
struct KeywordIndex: Sendable {
    struct Hit { let end: Int; let length: Int; let row: Int }
    private var byFirst: [Unicode.Scalar: [([Unicode.Scalar], Int)]] = [:]
    /// Bit (value & 4095) set for every first character: most characters are rejected here.
    private var firstBits = [UInt64](repeating: 0, count: 64)

    init(_ rows: [RowDefinition]) {
        for (k, row) in rows.enumerated().flatMap({ i, r in r.keywords.map { ($0, i) } }) {
            let s = Array(k.unicodeScalars)
            byFirst[s[0], default: []].append((s, row))
            let b = Int(s[0].value & 4095)
            firstBits[b >> 6] |= 1 << UInt64(b & 63)
        }
    }

    func hits(in text: [Unicode.Scalar]) -> [Hit] {
        var out: [Hit] = []
        for p in text.indices {
            let b = Int(text[p].value & 4095)
            guard firstBits[b >> 6] & (1 << UInt64(b & 63)) != 0, let candidates = byFirst[text[p]] else { continue }
            for (k, row) in candidates where p + k.count <= text.count {
                var ok = true
                for q in 1..<k.count where text[p + q] != k[q] { ok = false; break }
                if ok { out.append(Hit(end: p + k.count, length: k.count, row: row)) }
            }
        }
        return out
    }
}
