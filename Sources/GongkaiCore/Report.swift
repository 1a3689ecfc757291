/// One table cell as the report printed it, with where it came from.
///
/// Stored in 24 bytes (a build holds every cell of every report: 100,000 reports are 20 million
/// cells): the value, the line, the kind of cell, and — only for the rare cell that has one — a
/// box with its unreadable text or its note. The properties read and write as plain optionals.
public struct Cell: Hashable, Sendable {
    public enum State: Hashable, Sendable {
        /// The report printed a number.
        case number
        /// The report left the cell blank (or printed a placeholder such as `—`).
        case blank
        /// The cell holds something that is not a number; the text is kept.
        case unreadable(String)
        /// The cell was not found at all (its row or table is missing).
        case missing
    }

    /// The rare strings of a cell (immutable: a change makes a new box).
    final class Texts: Sendable {
        let unreadable: String?
        let note: String?
        init(unreadable: String?, note: String?) { self.unreadable = unreadable; self.note = note }
    }

    private var storedValue: Double = 0
    private var storedLine: Int32 = Int32.min
    /// 0 number, 1 blank, 2 unreadable, 3 missing; +4 when there is a value.
    private var kind: UInt8 = 3
    private var texts: Texts?

    public var value: Double? {
        get { kind & 4 != 0 ? storedValue : nil }
        set {
            if let v = newValue { storedValue = v; kind |= 4 } else { storedValue = 0; kind &= ~4 }
        }
    }

    public var state: State {
        get {
            switch kind & 3 {
            case 0: return .number
            case 1: return .blank
            case 2: return .unreadable(texts?.unreadable ?? "")
            default: return .missing
            }
        }
        set {
            let note = texts?.note
            switch newValue {
            case .number: kind = (kind & 4) | 0
            case .blank: kind = (kind & 4) | 1
            case .unreadable(let t):
                kind = (kind & 4) | 2
                texts = Texts(unreadable: t, note: note)
                return
            case .missing: kind = (kind & 4) | 3
            }
            texts = note == nil ? nil : Texts(unreadable: nil, note: note)
        }
    }

    /// 1-based source line the value (or the blank) was read from.
    public var line: Int? {
        get { storedLine == Int32.min ? nil : Int(storedLine) }
        set {
            if let l = newValue, l > Int(Int32.min), l <= Int(Int32.max) { storedLine = Int32(l) } else { storedLine = Int32.min }
        }
    }

    /// A note printed with the number, e.g. `其中修订16件`.
    public var note: String? {
        get { texts?.note }
        set {
            let unreadable = texts?.unreadable
            texts = newValue == nil && unreadable == nil ? nil : Texts(unreadable: unreadable, note: newValue)
        }
    }

    public init(value: Double?, state: State, line: Int?, note: String? = nil) {
        self.value = value
        self.state = state
        self.line = line
        if let note { self.note = note }
    }

    /// A printed number without a note (what most cells are), made without the setters.
    public init(number v: Double, line: Int) {
        storedValue = v
        kind = 4
        if line > Int(Int32.min), line <= Int(Int32.max) { storedLine = Int32(line) }
    }

    public static func number(_ v: Double, line: Int?, note: String? = nil) -> Cell { .init(value: v, state: .number, line: line, note: note) }
    public static func blank(line: Int?) -> Cell { .init(value: nil, state: .blank, line: line) }
    public static let missing = Cell(value: nil, state: .missing, line: nil)

    public var isNumber: Bool { kind & 3 == 0 }
    /// Whether the report left the cell blank.
    public var isBlank: Bool { kind & 3 == 1 }
    /// A printed whole number from 0 up to a trillion, without text: what a count cell
    /// usually is, and what extraction's checks of a count leave as it is.
    public var isPlainCount: Bool {
        kind == 4 && texts == nil && storedValue >= 0 && storedValue < 1e12 && Double(Int64(storedValue)) == storedValue
    }
    /// Whether the cell holds a text (unreadable, or a note): most cells hold none.
    public var hasText: Bool { texts != nil }
    /// The value as an integer count (values of count cells are whole numbers).
    public var intValue: Int? { value.map { Int($0.rounded()) } }

    public static func == (a: Cell, b: Cell) -> Bool {
        a.value == b.value && a.state == b.state && a.line == b.line && a.note == b.note
    }

    public func hash(into h: inout Hasher) {
        h.combine(value)
        h.combine(state)
        h.combine(line)
        h.combine(note)
    }
}

public struct KeyedCell: Hashable, Sendable {
    public let key: String
    public var cell: Cell
    public init(key: String, cell: Cell) { self.key = key; self.cell = cell }
}

/// 二、主动公开政府信息情况.
public struct ActiveDisclosure: Hashable, Sendable {
    public struct Item: Hashable, Sendable {
        public let spec: ActiveItemSpec
        public var cells: [Cell]
        public init(spec: ActiveItemSpec, cells: [Cell]) { self.spec = spec; self.cells = cells }
        public subscript(field: String) -> Cell? {
            spec.fields.firstIndex { $0.key == field }.map { cells[$0] }
        }
    }
    public var items: [Item]
    public init(items: [Item]) { self.items = items }
    public subscript(key: String) -> Item? { items.first { $0.spec.key == key } }
}

/// 三、收到和处理政府信息公开申请情况: rows of seven cells (six applicant kinds and 总计).
public struct Applications: Hashable, Sendable {
    public struct Row: Hashable, Sendable {
        public let key: String
        public var cells: [Cell]
        public init(key: String, cells: [Cell]) { self.key = key; self.cells = cells }
        public var spec: ApplicationRowSpec { FormSchema.applicationRow(key)! }
    }
    /// Rows in the form's order; `other` or the three `other_*` rows, as printed.
    public var rows: [Row]
    public init(rows: [Row]) { self.rows = rows }
    public subscript(key: String) -> [Cell]? { rows.first { $0.key == key }?.cells }
    public static let columnCount = 7
}

/// 四、政府信息公开行政复议、行政诉讼情况: three groups of five cells.
public struct ReviewLitigation: Hashable, Sendable {
    public struct Group: Hashable, Sendable {
        public let key: String
        public var cells: [Cell]
        public init(key: String, cells: [Cell]) { self.key = key; self.cells = cells }
    }
    public var groups: [Group]
    public init(groups: [Group]) { self.groups = groups }
    public subscript(key: String) -> [Cell]? { groups.first { $0.key == key }?.cells }
}

/// Where the report's title was found and what it says.
public struct ReportMetadata: Hashable, Sendable {
    public var agency: String?
    public var year: Int?
    public var template: Template?
    /// Line of the title.
    public var titleLine: Int?
    public init(agency: String? = nil, year: Int? = nil, template: Template? = nil, titleLine: Int? = nil) {
        self.agency = agency; self.year = year; self.template = template; self.titleLine = titleLine
    }
}

/// A narrative section (一、总体情况 …) with its text, for display.
public struct NarrativeSection: Hashable, Sendable {
    public struct Paragraph: Hashable, Sendable {
        public var line: Int
        public var text: String
        public init(line: Int, text: String) { self.line = line; self.text = text }
    }
    public var title: String
    public var line: Int
    public var paragraphs: [Paragraph]
    public init(title: String, line: Int, paragraphs: [Paragraph]) { self.title = title; self.line = line; self.paragraphs = paragraphs }
}

/// One extracted report: every cell of the form's tables, with provenance and findings.
public struct Report: Hashable, Sendable {
    /// The path as given.
    public var source: String
    public var metadata: ReportMetadata
    public var activeDisclosure: ActiveDisclosure?
    public var applications: Applications?
    public var reviewLitigation: ReviewLitigation?
    public var sections: [NarrativeSection]
    public var diagnostics: [Diagnostic]

    public init(source: String, metadata: ReportMetadata = .init(), activeDisclosure: ActiveDisclosure? = nil,
                applications: Applications? = nil, reviewLitigation: ReviewLitigation? = nil,
                sections: [NarrativeSection] = [], diagnostics: [Diagnostic] = []) {
        self.source = source
        self.metadata = metadata
        self.activeDisclosure = activeDisclosure
        self.applications = applications
        self.reviewLitigation = reviewLitigation
        self.sections = sections
        self.diagnostics = diagnostics
    }

    public var agency: String? { metadata.agency }
    public var year: Int? { metadata.year }
    public var template: Template? { metadata.template }
}
