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

    private var label = String.UnicodeScalarView()
    private var labelLine: Int? = nil
    private var pending: (row: Int, cells: [Cell], labelLine: Int, yuan: Bool)? = nil
    private let index: KeywordIndex

    init(rows: [RowDefinition], tableName: String) {
        self.rows = rows
        self.tableName = tableName
        self.index = KeywordIndex(rows.enumerated().flatMap { i, r in r.keywords.map { ($0, i) } })
    }

    mutating func read(_ lines: ArraySlice<SourceLine>, diagnostics: inout Diagnostics) {
        for source in lines {
            let line = CellSplitter.split(source)
            if line.cells.isEmpty {
                if emptyLineIsBlank, let p = pending, !p.cells.isEmpty { add([.blank(placeholder: nil)], line: source.number, diagnostics: &diagnostics) }
                continue
            }
            consume(line, diagnostics: &diagnostics)
        }
        finishPending(diagnostics: &diagnostics)
    }

    private mutating func consume(_ line: CellLine, diagnostics: inout Diagnostics) {
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
                let need = rows[p.row].count - p.cells.count
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

    private func isNote(_ t: String) -> Bool {
        (t.hasPrefix("(") && t.hasSuffix(")")) || (t.hasPrefix("（") && t.hasSuffix("）"))
    }

    private mutating func attachNote(_ t: String) {
        guard var p = pending, !p.cells.isEmpty else { return }
        p.cells[p.cells.count - 1].note = String(t.dropFirst().dropLast())
        pending = p
    }

    private mutating func appendLabel(_ t: String, line: Int) {
        if label.isEmpty { labelLine = line }
        for u in t.unicodeScalars where !u.properties.isWhitespace { label.append(u) }
        if label.count > 400 { label = String.UnicodeScalarView(label.suffix(300)) }
    }

    private mutating func clearLabel() {
        label.removeAll(keepingCapacity: true)
        labelLine = nil
    }

    /// The row whose label fragment ends last in the label text.
    private mutating func matchRow() -> Int? {
        let scalars = Array(label)
        let hits = index.hits(in: scalars)
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
        let labelText = String(label)
        let yuan = (labelText.contains("单位:元") || labelText.contains("(元)")) && !labelText.contains("万元")
        pending = (r, [], labelLine ?? line, yuan)
        clearLabel()
    }

    private mutating func add(_ run: [RawCell], line: Int, diagnostics: inout Diagnostics) {
        guard var p = pending else { return }
        for raw in run {
            if p.cells.count == rows[p.row].count {
                pending = p
                finishPending(diagnostics: &diagnostics)
                guard spill, let next = rows.indices.first(where: { readings[rows[$0].key] == nil }) else {
                    diagnostics.warning("\(tableName): more cells than the row \(rows[p.row].label) has; the extra cells are ignored", line: line)
                    return
                }
                p = (next, [], line, p.yuan)
            }
            let cell: Cell
            switch raw {
            case .value(let v, let note, let yuan, _): 
                cell = Cell(value: v, state: .number, line: line, note: note)
                if yuan { p.yuan = true }
            case .blank: cell = .blank(line: line)
            case .unreadable(let s): cell = Cell(value: nil, state: .unreadable(s), line: line)
            case .text(let s): cell = Cell(value: nil, state: .unreadable(s), line: line)
            }
            p.cells.append(cell)
        }
        pending = p
        if p.cells.count == rows[p.row].count { finishPending(diagnostics: &diagnostics) }
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

    init(_ keywords: [(String, Int)]) {
        for (k, row) in keywords {
            let s = Array(k.unicodeScalars)
            byFirst[s[0], default: []].append((s, row))
        }
    }

    func hits(in text: [Unicode.Scalar]) -> [Hit] {
        var out: [Hit] = []
        for p in text.indices {
            guard let candidates = byFirst[text[p]] else { continue }
            for (k, row) in candidates where p + k.count <= text.count {
                var ok = true
                for q in 1..<k.count where text[p + q] != k[q] { ok = false; break }
                if ok { out.append(Hit(end: p + k.count, length: k.count, row: row)) }
            }
        }
        return out
    }
}
