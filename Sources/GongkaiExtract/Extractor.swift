import GongkaiCore
import GongkaiRead

/// Reads a report file into a record: metadata, the three tables with every cell and its
/// source line, and the narrative sections. Never throws: what cannot be read is null with a
/// diagnostic.
public struct ReportExtractor: Sendable {
    public init() {}

    /// Reads and extracts the file at `path` (reported as `source`).
    public func extract(path: String, source: String? = nil) -> Report {
        var diagnostics = Diagnostics()
        guard let bytes = FileBytes.read(path) else {
            diagnostics.emit(FileBytes.unreadable(path))
            return Report(source: source ?? path, diagnostics: diagnostics.all)
        }
        return extract(bytes: bytes, source: source ?? path)
    }

    public func extract(bytes: [UInt8], source: String) -> Report {
        var diagnostics = Diagnostics()
        guard let text = SourceReader.read(bytes: bytes, diagnostics: &diagnostics) else {
            return Report(source: source, diagnostics: diagnostics.all)
        }
        return extract(text, source: source, diagnostics: diagnostics)
    }

    public func extract(text: String, source: String) -> Report {
        var diagnostics = Diagnostics()
        let st = SourceReader.read(text: text, diagnostics: &diagnostics)
        return extract(st, source: source, diagnostics: diagnostics)
    }

    /// Only the narrative sections — what `extract(bytes:source:)` puts in `Report.sections` —
    /// without reading the title or the tables: a build keeps records without their narrative
    /// (memory) and reads it again for the report's page, which reads the file anyway.
    public func sections(bytes: [UInt8]) -> [NarrativeSection] {
        guard let decoded = try? SourceDecoder.decode(bytes) else { return [] }
        return sections(decoded: decoded.text, encoding: decoded.encoding)
    }

    /// `sections(bytes:)` for a file already decoded (`SourceDecoder.decode`).
    public func sections(decoded: String, encoding: SourceEncoding) -> [NarrativeSection] {
        var diagnostics = Diagnostics()
        return SourceReader.read(text: decoded, encoding: encoding, diagnostics: &diagnostics).store.withView { lines in
            let headings = SectionFinder.headings(lines)
            let ranges = Regions.locate(lines, headings: headings)
            // `extract` stops before the narrative when none of the tables is there.
            if ranges.active == nil && ranges.applications == nil && ranges.review == nil { return [] }
            return Narrative.sections(lines, headings: headings)
        }
    }

    public func extract(_ text: SourceText, source: String, diagnostics: Diagnostics = Diagnostics()) -> Report {
        let job = text.store.withView { lines in
            var job = ExtractionJob(lines: lines, diagnostics: diagnostics)
            job.run()
            return job.result
        }
        return Report(source: source, metadata: job.metadata, activeDisclosure: job.active, applications: job.applications,
                      reviewLitigation: job.review, sections: job.sections, diagnostics: job.diagnostics.all)
    }
}

/// The work of extracting one report, step by step, on its lines read in place (valid only
/// while `LineStore.withView` runs: the job ends there, its `result` goes on).
struct ExtractionJob {
    let lines: LineView
    var diagnostics: Diagnostics
    var metadata = ReportMetadata()
    var active: ActiveDisclosure?
    var applications: Applications?
    var review: ReviewLitigation?
    var sections: [NarrativeSection] = []

    /// What the job found, without the view of the lines.
    struct Result {
        var diagnostics: Diagnostics
        var metadata: ReportMetadata
        var active: ActiveDisclosure?
        var applications: Applications?
        var review: ReviewLitigation?
        var sections: [NarrativeSection]
    }
    var result: Result {
        Result(diagnostics: diagnostics, metadata: metadata, active: active, applications: applications, review: review, sections: sections)
    }

    init(lines: LineView, diagnostics: Diagnostics) {
        self.lines = lines
        self.diagnostics = diagnostics
    }

    mutating func run() {
        let headings = SectionFinder.headings(lines)
        readTitle(before: headings.first?.index ?? min(lines.count, 40))
        let ranges = Regions.locate(lines, headings: headings)
        if ranges.active == nil && ranges.applications == nil && ranges.review == nil {
            if metadata.agency == nil {
                diagnostics.error("not recognized as a government information disclosure annual report: no title and none of the form's tables",
                                  zh: "未识别为政府信息公开工作年度报告：没有标题，表二、三、四也一张都没有")
            } else {
                diagnostics.error("none of the form's tables (二、三、四) was found", zh: "表二、三、四一张都没有找到")
            }
            return
        }
        metadata.template = detectTemplate(ranges.active, applications: ranges.applications)
        let template = metadata.template ?? .form2021
        if let r = ranges.active { active = readActive(r, template: template) } else {
            diagnostics.error("table 二 (主动公开政府信息情况) was not found", zh: "没有找到表二（主动公开政府信息情况）")
        }
        if let r = ranges.applications { applications = readApplications(r, template: template) } else {
            diagnostics.error("table 三 (收到和处理政府信息公开申请情况) was not found", zh: "没有找到表三（收到和处理政府信息公开申请情况）")
        }
        if let r = ranges.review { review = readReview(r) } else {
            diagnostics.error("table 四 (行政复议、行政诉讼情况) was not found", zh: "没有找到表四（行政复议、行政诉讼情况）")
        }
        sections = Narrative.sections(lines, headings: headings)
    }

    // MARK: metadata

    mutating func readTitle(before limit: Int) {
        guard let t = TitleReader.read(lines, before: max(limit, 1)) else {
            diagnostics.error("no title naming the agency and the year (…年政府信息公开工作年度报告) was found near the top",
                              zh: "文首附近没有写明机关和年度的标题（……年政府信息公开工作年度报告）", line: lines.indices.first(where: { !lines[$0].isEmpty }).map(lines.number))
            return
        }
        metadata.titleLine = t.line
        if let a = t.agency {
            metadata.agency = TitleReader.displayAgency(a, original: lines, titleLine: t.line).trimmingSuffix(["政府信息公开工作年度报告"])
        } else {
            diagnostics.error("the title names no agency", zh: "标题中没有机关名称", line: t.line)
        }
        if let y = t.year { metadata.year = y } else {
            diagnostics.error("the title names no year", zh: "标题中没有年度", line: t.line)
        }
    }

    /// The source line of line index `i`, or of the last line when `i` is past the end (a table
    /// whose heading is the file's last line has an empty range there).
    func lineNumber(near i: Int) -> Int? {
        lines.isEmpty ? nil : lines.number(min(max(i, 0), lines.count - 1))
    }

    /// The form is told by the column labels of table 二, not by the year.
    mutating func detectTemplate(_ activeRange: Range<Int>?, applications: Range<Int>?) -> Template? {
        if let r = activeRange {
            var s: [UInt8] = []
            for i in r { LabelText.squeeze(lines[i], into: &s) }
            let new = ["本年制发件数", "本年废止件数", "现行有效件数", "本年收费金额"].filter { s.includes($0) }.count
            let old = ["本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减", "采购项目数量", "采购总金额", "对外管理服务"].filter { s.includes($0) }.count
            if new > old { return .form2021 }
            if old > new { return .form2019 }
        }
        let guess: Template? = metadata.year.map { $0 <= 2020 ? .form2019 : .form2021 }
        if let g = guess {
            diagnostics.warning("the form (2019 or 2021) could not be told from table 二's column labels; taken as \(g.rawValue) from the year",
                                zh: "从表二的栏目名称看不出表式是 2019 年版还是 2021 年版，按年度视为 \(g == .form2019 ? "2019" : "2021") 年版", line: activeRange.flatMap { lineNumber(near: $0.lowerBound) })
        } else {
            diagnostics.error("the form (2019 or 2021) could not be told from table 二's column labels or the year",
                              zh: "从表二的栏目名称和年度都看不出表式是 2019 年版还是 2021 年版")
        }
        return guess
    }

    // MARK: tables

    func isDense(_ r: Range<Int>) -> Bool {
        var empty = 0
        for i in r where isBlank(lines[i]) { empty += 1 }
        return r.count > 0 && Double(empty) / Double(r.count) < 0.2
    }

    /// Whether a line holds only white space (`isSpaceLike`), read on bytes.
    func isBlank(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < b.count {
            let n = UTF8Scan.length(lead: b[i])
            guard UTF8Scan.isSpaceLike(b, at: i, length: n) else { return false }
            i += n
        }
        return true
    }

    mutating func readActive(_ r: Range<Int>, template: Template) -> ActiveDisclosure {
        let specs = template == .form2019 ? ActiveLabels.specs2019 : ActiveLabels.specs2021
        var reader = RowReader(rows: template == .form2019 ? ActiveLabels.set2019 : ActiveLabels.set2021, tableName: "table 二", tableNameZH: "表二")
        reader.emptyLineIsBlank = isDense(r)
        reader.read(lines, r, diagnostics: &diagnostics)
        var items: [ActiveDisclosure.Item] = []
        for spec in specs {
            guard let reading = reader.reading(spec.key) else {
                diagnostics.error("table 二: row \(spec.label) was not found; its cells are null", zh: "表二：没有找到“\(spec.label)”行，该行各格记为无数据", line: r.isEmpty ? nil : lines.number(r.lowerBound))
                items.append(.init(spec: spec, cells: Array(repeating: .missing, count: spec.fields.count)))
                continue
            }
            var cells = reading.cells
            for (k, field) in spec.fields.enumerated() where !(field.unit == .count && cells[k].isPlainCount) {
                cells[k] = settle(cells[k], unit: field.unit, yuan: reading.yuan, what: "\(spec.label) · \(field.label)")
            }
            warnBlanks(cells, labels: spec.fields.map(\.label), row: "table 二: \(spec.label)", rowZH: "表二“\(spec.label)”", line: reading.labelLine)
            items.append(.init(spec: spec, cells: cells))
        }
        return ActiveDisclosure(items: items)
    }

    mutating func readApplications(_ r: Range<Int>, template: Template) -> Applications {
        var reader = RowReader(rows: ApplicationLabels.set, tableName: "table 三", tableNameZH: "表三")
        reader.emptyLineIsBlank = isDense(r)
        reader.read(lines, r, diagnostics: &diagnostics)
        // Rows by index: the row set lists them in `FormSchema.applicationRows`' order.
        let split = ApplicationLabels.splitRows, other = ApplicationLabels.otherRow
        let hasSplit = split.contains { reader.reading(at: $0) != nil }
        let hasSingle = reader.reading(at: other) != nil
        let useSplit = hasSplit || (!hasSingle && template == .form2021)
        var rows: [Applications.Row] = []
        let specs = FormSchema.applicationRows
        rows.reserveCapacity(specs.count)
        for i in specs.indices {
            if i == other && useSplit { continue }
            if split.contains(i) && !useSplit { continue }
            guard var cells = reader.reading(at: i)?.cells else {
                let spec = specs[i]
                diagnostics.error("table 三: row \(spec.label) was not found; its cells are null", zh: "表三：没有找到“\(spec.label)”行，该行各格记为无数据", line: r.isEmpty ? nil : lines.number(r.lowerBound))
                rows.append(.init(key: spec.key, cells: Array(repeating: .missing, count: Applications.columnCount)))
                continue
            }
            for k in cells.indices where !cells[k].isPlainCount {
                cells[k] = settle(cells[k], unit: .count, yuan: false, what: "\(specs[i].label) · \(Self.columnLabels[k])")
            }
            if cells.contains(where: \.isBlank) {
                let spec = specs[i]
                warnBlanks(cells, labels: Self.columnLabels, row: "table 三: \(spec.label)", rowZH: "表三“\(spec.label)”", line: reader.reading(at: i)!.labelLine)
            }
            rows.append(.init(key: specs[i].key, cells: cells))
        }
        if hasSplit && hasSingle {
            diagnostics.warning("table 三: （六） is printed both as one row and as three; the three rows are kept",
                                zh: "表三：（六）既印成一行又印成三行，保留三行", line: reader.reading(at: other)?.labelLine)
        }
        return Applications(rows: rows)
    }

    mutating func readReview(_ r: Range<Int>) -> ReviewLitigation {
        var reader = RowReader(rows: ReviewLabels.set, tableName: "table 四", tableNameZH: "表四")
        reader.spill = true
        reader.headerStartsAtFirst = true
        reader.emptyLineIsBlank = isDense(r)
        reader.read(lines, r, diagnostics: &diagnostics)
        var groups: [ReviewLitigation.Group] = []
        for spec in FormSchema.reviewGroups {
            guard let reading = reader.reading(spec.key) else {
                diagnostics.error("table 四: the cells of \(spec.label) were not found; they are null", zh: "表四：没有找到“\(spec.label)”各格，记为无数据", line: r.isEmpty ? nil : lines.number(r.lowerBound))
                groups.append(.init(key: spec.key, cells: Array(repeating: .missing, count: 5)))
                continue
            }
            var cells = reading.cells
            for k in cells.indices where !cells[k].isPlainCount {
                cells[k] = settle(cells[k], unit: .count, yuan: false, what: "\(spec.label) · \(Self.fieldLabels[k])")
            }
            warnBlanks(cells, labels: Self.fieldLabels, row: "table 四: \(spec.label)", rowZH: "表四“\(spec.label)”", line: reading.labelLine)
            groups.append(.init(key: spec.key, cells: cells))
        }
        return ReviewLitigation(groups: groups)
    }

    /// Table 三's column labels, for diagnostics.
    static let columnLabels = FormSchema.applicantColumns.map(\.label)
    /// Table 四's field labels, for diagnostics.
    static let fieldLabels = FormSchema.reviewFields.map(\.label)

    /// A figure at or past this is a misread, not a number (see `settle`).
    static let largestFigure = 1e12

    /// Checks a read cell against its unit: money in 元 becomes 万元, counts are whole.
    mutating func settle(_ cell: Cell, unit: Unit, yuan: Bool, what: @autoclosure () -> String) -> Cell {
        var c = cell
        switch c.state {
        case .unreadable(let s):
            diagnostics.error("\(what()): '\(s)' is not a number; the cell is null", zh: "\(what())：“\(s)”不是数字，该格记为无数据", line: c.line)
            return c
        case .blank, .missing: return c
        case .number: break
        }
        guard let v = c.value else { return c }
        // No figure of the form comes near a trillion (件, or 元 before the conversion to 万元);
        // past that a cell is a misread (digits run together), and sums over a national corpus
        // would no longer be exact.
        if abs(v) >= Self.largestFigure {
            diagnostics.error("\(what()): \(JSON.format(v)) is too large to be a figure of the form; the cell is null",
                              zh: "\(what())：\(JSON.format(v)) 过大，不可能是表中的数字，该格记为无数据", line: c.line)
            return Cell(value: nil, state: .unreadable(JSON.format(v)), line: c.line, note: c.note)
        }
        switch unit {
        case .money:
            if yuan { c.value = v / 10_000 }
        case .count, .signedCount:
            if v != v.rounded() {
                diagnostics.error("\(what()): \(JSON.format(v)) is not a whole number; the cell is null", zh: "\(what())：\(JSON.format(v)) 不是整数，该格记为无数据", line: c.line)
                return Cell(value: nil, state: .unreadable(JSON.format(v)), line: c.line, note: c.note)
            }
            if v < 0 && unit == .count {
                diagnostics.warning("\(what()): the count is negative (\(Int(v)))", zh: "\(what())：件数为负数（\(Int(v))）", line: c.line)
            }
        }
        return c
    }

    mutating func warnBlanks(_ cells: [Cell], labels: [String], row: @autoclosure () -> String, rowZH: @autoclosure () -> String, line: Int) {
        guard cells.contains(where: \.isBlank) else { return }
        let blank = cells.indices.filter { cells[$0].isBlank }
        guard !blank.isEmpty else { return }
        let at = cells[blank[0]].line ?? line
        if blank.count == cells.count {
            diagnostics.warning("\(row()): all \(cells.count) cells are blank (\(labels.joined(separator: ", "))); they are null, not 0",
                                zh: "\(rowZH())的 \(cells.count) 格（\(labels.joined(separator: "、"))）全部空白，记为无数据，不计为 0", line: at)
        } else {
            diagnostics.warning("\(row()): blank cell\(blank.count > 1 ? "s" : "") \(blank.map { labels[$0] }.joined(separator: ", ")); null, not 0",
                                zh: "\(rowZH())的“\(blank.map { labels[$0] }.joined(separator: "”“"))”空白，记为无数据，不计为 0", line: at)
        }
    }
}
