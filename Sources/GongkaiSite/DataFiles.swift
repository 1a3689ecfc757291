#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import class Foundation.NSLock
import GongkaiCore
import GongkaiAggregate
import GongkaiRender

/// The downloads: every record (CSV with a byte order mark so spreadsheet programs read the
/// Chinese, and JSON in the data contract's shape) and the aggregates, for the whole corpus
/// and per agency.
extension SiteRenderer {
    static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The record columns: both forms' table 二 fields, then table 三, then table 四.
    static let recordColumns: [(key: String, path: (String, String, Int?))] = {
        var out: [(String, (String, String, Int?))] = []
        var seen = Set<String>()
        for t in [Template.form2021, .form2019] {
            for item in FormSchema.activeItems(t) {
                for f in item.fields {
                    let k = "active_disclosure.\(item.key).\(f.key)"
                    if seen.insert(k).inserted { out.append((k, ("a", item.key + "." + f.key, nil))) }
                }
            }
        }
        for row in FormSchema.applicationRows {
            for (c, col) in FormSchema.applicantColumns.enumerated() { out.append(("applications.\(row.key).\(col.key)", ("t", row.key, c))) }
        }
        for g in FormSchema.reviewGroups {
            for (k, f) in FormSchema.reviewFields.enumerated() { out.append(("review_litigation.\(g.key).\(f.key)", ("r", g.key, k))) }
        }
        return out
    }()

    static func csvField(_ s: String, text: Bool = true) -> String {
        // Fast path: no byte that could need quoting (`'` is only added before = + - @ tab CR).
        var plain = true
        for (k, b) in s.utf8.enumerated() {
            if b == 0x2C || b == 0x22 || b == 0x0A || b == 0x0D { plain = false; break }
            if k == 0, text, b == 0x3D || b == 0x2B || b == 0x2D || b == 0x40 || b == 0x09 { plain = false; break }
        }
        if plain { return s }
        var s = s
        // A text field that a spreadsheet would read as a formula is quoted with a leading '.
        if text, let f = s.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(f) { s = "'" + s }
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    /// `recordColumns` resolved once: table 二 as (item, field) keys; tables 三 and 四 as rows
    /// (or groups) with the cell indices taken from them, in column order.
    enum RecordColumnGroup {
        case active(item: String, field: String)
        case applications(row: String, cells: [Int])
        case review(group: String, cells: [Int])
    }
    static let recordColumnGroups: [RecordColumnGroup] = {
        var out: [RecordColumnGroup] = []
        for (_, p) in recordColumns {
            switch p.0 {
            case "a":
                let parts = p.1.split(separator: ".").map(String.init)
                out.append(.active(item: parts[0], field: parts[1]))
            case "t":
                if case .applications(let row, let cells)? = out.last, row == p.1 { out[out.count - 1] = .applications(row: row, cells: cells + [p.2!]) }
                else { out.append(.applications(row: p.1, cells: [p.2!])) }
            default:
                if case .review(let g, let cells)? = out.last, g == p.1 { out[out.count - 1] = .review(group: g, cells: cells + [p.2!]) }
                else { out.append(.review(group: p.1, cells: [p.2!])) }
            }
        }
        return out
    }()
    /// Where each table 二 column group's cell is in a record of either form: the item's and the
    /// field's places in `FormSchema.activeItems(form)`, nil for a group the form does not have.
    /// Used for a record whose items are the form's, in its order (`activeFormItems`).
    static let activeFormItems: [[String]] = [Template.form2021, .form2019].map { FormSchema.activeItems($0).map(\.key) }
    static let activePlaces: [[(item: Int, field: Int, unit: Unit)?]] = [Template.form2021, .form2019].map { t in
        let items = FormSchema.activeItems(t)
        return recordColumnGroups.map { g in
            guard case .active(let itemKey, let field) = g, let i = items.firstIndex(where: { $0.key == itemKey }),
                  let f = items[i].fields.firstIndex(where: { $0.key == field }) else { return nil }
            return (i, f, items[i].fields[f].unit)
        }
    }

    /// The column group of each table 三 row key, and of each table 四 group key.
    static let groupOfRow: (applications: [String: Int], review: [String: Int]) = {
        var a: [String: Int] = [:], r: [String: Int] = [:]
        for (g, group) in recordColumnGroups.enumerated() {
            switch group {
            case .applications(let row, _): a[row] = g
            case .review(let key, _): r[key] = g
            case .active: break
            }
        }
        return (a, r)
    }()
    static let recordsCSVHeader: [UInt8] = Array(("source,agency,agency_id,year,template,level,region,errors,identity_breaks,"
        + recordColumns.map(\.key).joined(separator: ",") + "\r\n").utf8)

    /// A records CSV. An agency's file (`handOver`) leaves each row in `recordParts` for its
    /// year's file, which takes the rows it finds there instead of making them again.
    func recordsCSV(_ indices: [Int], handOver: Bool = false) -> [UInt8] {
        var out = SiteRenderer.bom + SiteRenderer.recordsCSVHeader
        out.reserveCapacity(out.count + indices.count * 3600)
        var handed: [(i: Int, range: Range<Int>)] = []
        for i in indices {
            if !handOver, recordParts.take(i, .csv, appendingTo: &out) { continue }
            let start = out.count
            appendCSVRow(i, to: &out)
            if handOver { handed.append((i, start..<out.count)) }
        }
        if handOver { recordParts.put(handed, .csv, from: out) }
        return out
    }

    /// Report `i`'s row of a records CSV, with its line end.
    func appendCSVRow(_ i: Int, to out: inout [UInt8]) {
        do {
            let lr = reports[i], r = lr.report, e = agg.entries[i]
            var first = true
            func put(_ f: String) {
                if !first { out.append(0x2C) }
                first = false
                out.append(contentsOf: f.utf8)
            }
            /// A count cell: its figure as a whole number when it printed one, else empty.
            func putCount(_ c: Cell?) {
                if !first { out.append(0x2C) }
                first = false
                if let c, c.isNumber, let v = c.value { JSON.appendInteger(Int(exactly: v) ?? Int(v.rounded()), to: &out) }
            }
            put(SiteRenderer.csvField(lr.relativePath)); put(SiteRenderer.csvField(e.agencyName ?? "")); put(e.agencyKey.map { Slug.hash($0) } ?? "")
            put(r.year.map(String.init) ?? ""); put(r.template?.rawValue ?? ""); put(e.agencyKey == nil ? "" : e.level.rawValue)
            put(SiteRenderer.csvField(e.regionKey ?? "")); put(String(e.errorCount)); put(String(e.identityBreaks))
            // Where each table 三 row and table 四 group of this record is (the first of a key,
            // as the tables' subscripts find it), in one pass instead of a search per column.
            // Which form's items the record lists, in the form's order (nearly every record).
            let activeForm = r.activeDisclosure.flatMap { a in
                SiteRenderer.activeFormItems.firstIndex { keys in keys.count == a.items.count && zip(keys, a.items).allSatisfy { $0 == $1.spec.key } }
            }
            var at = [Int](repeating: -1, count: SiteRenderer.recordColumnGroups.count)
            if let a = r.applications {
                for (k, row) in a.rows.enumerated() { if let g = SiteRenderer.groupOfRow.applications[row.key], at[g] < 0 { at[g] = k } }
            }
            if let v = r.reviewLitigation {
                for (k, group) in v.groups.enumerated() { if let g = SiteRenderer.groupOfRow.review[group.key], at[g] < 0 { at[g] = k } }
            }
            for (gi, g) in SiteRenderer.recordColumnGroups.enumerated() {
                switch g {
                case .active(let itemKey, let field):
                    // The cell at its place in the form when the record lists the form's items in
                    // order, else found by key; a figure as the data contract prints it (money as
                    // `Format.number`, counts whole), anything else empty.
                    var cell: Cell? = nil, unit = Unit.count
                    if let a = r.activeDisclosure {
                        if let f = activeForm {
                            if let p = SiteRenderer.activePlaces[f][gi], p.field < a.items[p.item].cells.count {
                                cell = a.items[p.item].cells[p.field]
                                unit = p.unit
                            }
                        } else if let item = a[itemKey] {
                            unit = item.spec.fields.first { $0.key == field }?.unit ?? .count
                            cell = item[field]
                        }
                    }
                    if !first { out.append(0x2C) }
                    first = false
                    if let c = cell, c.isNumber, let v = c.value {
                        if unit == .money { JSON.appendNumber(v, to: &out) } else { JSON.appendInteger(Int(exactly: v) ?? Int(v.rounded()), to: &out) }
                    }
                case .applications(_, let cells):
                    let rowCells = at[gi] >= 0 ? r.applications?.rows[at[gi]].cells : nil
                    for c in cells { putCount(rowCells.flatMap { c < $0.count ? $0[c] : nil }) }
                case .review(_, let cells):
                    let groupCells = at[gi] >= 0 ? r.reviewLitigation?.groups[at[gi]].cells : nil
                    for c in cells { putCount(groupCells.flatMap { c < $0.count ? $0[c] : nil }) }
                }
            }
            out.append(0x0D); out.append(0x0A)
        }
    }

    /// The records as a JSON array in the data contract's shape (with source and findings),
    /// each record written straight onto bytes (`Report.appendPrettyJSON`).
    func recordsJSON(_ indices: [Int], handOver: Bool = false) -> [UInt8] {
        guard !indices.isEmpty else { return Array("[]\n".utf8) }
        var out: [UInt8] = [0x5B]
        out.reserveCapacity(indices.count * 3000)
        var handed: [(i: Int, range: Range<Int>)] = []
        for (n, i) in indices.enumerated() {
            if n > 0 { out.append(0x2C) }
            JSON.newline(&out, 1)
            if !handOver, recordParts.take(i, .json, appendingTo: &out) { continue }
            let start = out.count
            appendJSONRecord(i, to: &out)
            if handOver { handed.append((i, start..<out.count)) }
        }
        if handOver { recordParts.put(handed, .json, from: out) }
        out.append(contentsOf: "\n]\n".utf8)
        return out
    }

    /// Report `i`'s record as an element of a records JSON array (indented one level).
    func appendJSONRecord(_ i: Int, to out: inout [UInt8]) {
        var r = reports[i].report
        r.source = reports[i].relativePath
        r.appendPrettyJSON(into: &out, indent: 1)
    }

    // MARK: records files from the previous build's

    /// A year's records files as the last build wrote them, reused record by record: a record
    /// read from the cache (unchanged since that build, in a build whose aggregates did not
    /// change either) is copied from the old file, the others are written anew. Nil when the old
    /// file does not split into exactly `indices`' records, each naming its report in its first
    /// field (then the file is written whole).
    func recordsJSON(_ indices: [Int], reusing old: [UInt8], fresh: (Int) -> Bool) -> [UInt8]? {
        // `[`, then per record `,`? `\n  {` … `\n  }`, then `\n]\n`. Lines inside a record are
        // indented further, and strings hold no raw line break: `\n  {` only starts a record.
        let opening: [UInt8] = [0x0A, 0x20, 0x20, 0x7B], closing: [UInt8] = [0x0A, 0x5D, 0x0A]
        guard !indices.isEmpty, old.count > 4, old[0] == 0x5B, old.suffix(3).elementsEqual(closing) else { return nil }
        var starts: [Int] = []
        starts.reserveCapacity(indices.count)
        old.withUnsafeBufferPointer { b in
            var at = 1
            while at + 4 <= b.count - 3 {
                guard let p = memchr(b.baseAddress! + at, 0x0A, b.count - 3 - at) else { break }
                let k = b.baseAddress!.distance(to: p.assumingMemoryBound(to: UInt8.self))
                if k + 4 <= b.count, memcmp(b.baseAddress! + k, opening, 4) == 0 { starts.append(k + 3) }
                at = k + 1
            }
        }
        guard starts.count == indices.count else { return nil }
        var out: [UInt8] = [0x5B]
        out.reserveCapacity(old.count + 4096)
        for (n, i) in indices.enumerated() {
            if n > 0 { out.append(0x2C) }
            JSON.newline(&out, 1)
            // The record's bytes: from its `{` to the `}` before the next record's `,\n  {`.
            let end = n + 1 < starts.count ? starts[n + 1] - 4 : old.count - 3
            if n > 0, old[starts[n] - 4] != 0x2C { return nil }
            if fresh(i) { appendJSONRecord(i, to: &out); continue }
            var head: [UInt8] = [0x7B]
            JSON.newline(&head, 2)
            head.append(contentsOf: "\"source\": ".utf8)
            JSON.quote(reports[i].relativePath, into: &head)
            guard end - starts[n] > head.count, old[starts[n]..<(starts[n] + head.count)].elementsEqual(head) else { return nil }
            out.append(contentsOf: old[starts[n]..<end])
        }
        out.append(contentsOf: closing)
        return out
    }

    /// `recordsCSV(indices)` from the last build's file, as `recordsJSON(_:reusing:fresh:)`.
    func recordsCSV(_ indices: [Int], reusing old: [UInt8], fresh: (Int) -> Bool) -> [UInt8]? {
        let top = SiteRenderer.bom + SiteRenderer.recordsCSVHeader
        guard !indices.isEmpty, old.starts(with: top), old.suffix(2).elementsEqual([0x0D, 0x0A]) else { return nil }
        // Rows end in CR LF; a field with a line break in it is quoted and would split a row in
        // two, which the count below catches.
        var ends: [Int] = []
        ends.reserveCapacity(indices.count)
        var k = top.count
        while k + 1 < old.count {
            if old[k] == 0x0D && old[k + 1] == 0x0A { ends.append(k + 2); k += 2 } else { k += 1 }
        }
        guard ends.count == indices.count else { return nil }
        var out = top
        out.reserveCapacity(old.count + 4096)
        var start = top.count
        for (n, i) in indices.enumerated() {
            defer { start = ends[n] }
            if fresh(i) { appendCSVRow(i, to: &out); continue }
            let first = Array((SiteRenderer.csvField(reports[i].relativePath) + ",").utf8)
            guard old[start..<ends[n]].starts(with: first) else { return nil }
            out.append(contentsOf: old[start..<ends[n]])
        }
        return out
    }

    // MARK: aggregates

    // Written with a `JSONWriter` (no tree of values): these files are a tenth of a site's bytes.

    func writeTotals(_ g: GroupTotals, _ w: inout JSONWriter) {
        w.object { w in
            w.key("report_count"); w.int(g.reportCount)
            w.key("totals"); w.object { w in
                for m in Metric.allCases {
                    let t = g[m]
                    w.key(m.key); w.object { w in
                        w.key("value"); w.number(t.known)
                        w.key("reports_with_value"); w.int(t.covered)
                        w.key("reports"); w.int(t.of)
                    }
                }
            }
            w.key("rates"); w.object { w in
                for r in Rate.allCases {
                    let p = g[r]
                    w.key(r.key); w.object { w in
                        w.key("value"); w.number(p.value)
                        w.key("numerator"); w.number(p.numerator)
                        w.key("denominator"); w.number(p.denominator)
                        w.key("reports_with_value"); w.int(p.covered)
                        w.key("reports"); w.int(p.of)
                    }
                }
            }
        }
    }

    func writeLevels(_ t: [Level: GroupTotals], _ w: inout JSONWriter) {
        w.object { w in
            for l in Level.allCases.reversed() { if let g = t[l] { w.key(l.rawValue); writeTotals(g, &w) } }
        }
    }

    func agencyJSON(_ ag: AgencyAggregate) -> [UInt8] {
        var w = JSONWriter(capacity: 4096)
        w.object { w in
            w.key("id"); w.string(Slug.hash(ag.key))
            w.key("name"); w.string(ag.name)
            w.key("names"); w.array(flat: true) { w in for n in ag.names { w.string(n) } }
            w.key("level"); w.string(ag.level.rawValue)
            w.key("region"); w.string(ag.regionKey)
            w.key("reports"); w.array(flat: false) { w in
                for j in ag.entries {
                    let e = agg.entries[j]
                    w.object { w in
                        w.key("source"); w.string(reports[j].relativePath)
                        w.key("year"); w.int(e.year)
                        w.key("counted"); w.bool(e.counted)
                        w.key("duplicate"); w.bool(e.duplicate)
                        w.key("figures"); w.object { w in for m in Metric.allCases { w.key(m.key); w.number(e.figures[m]) } }
                        w.key("rates"); w.object { w in for r in Rate.allCases { w.key(r.key); w.number(e.figures.rate(r)) } }
                    }
                }
            }
            w.key("cross_year"); w.array(flat: false) { w in
                for c in ag.crossYear {
                    w.object { w in
                        w.key("year"); w.int(c.year)
                        w.key("carried_over"); w.number(c.carriedOver)
                        w.key("previous_carried_forward"); w.number(c.previousCarriedForward)
                        w.key("status"); w.string(c.status == .holds ? "holds" : c.status == .breaks ? "breaks" : "not_checkable")
                    }
                }
            }
        }
        return w.fileBytes()
    }

    func aggregatesJSON() -> [UInt8] {
        var w = JSONWriter(capacity: 1 << 16)
        w.object { w in
            w.key("reports"); w.int(reports.count)
            w.key("reports_counted"); w.int(agg.countedReports)
            w.key("note"); w.string("Levels (rollup: 人民政府/管委会 reports; department: all others) are totalled apart and never added together. Blank cells are excluded, never read as 0; every total gives reports_with_value of reports.")
            w.key("grand"); writeLevels(agg.grand, &w)
            w.key("years"); w.array(flat: false) { w in
                for y in agg.years {
                    w.object { w in
                        w.key("year"); w.int(y.year)
                        w.key("levels"); writeLevels(y.totals, &w)
                        w.key("change_from_previous_year"); w.object { w in
                            for l in Level.allCases.reversed() {
                                guard let changes = y.changes[l] else { continue }
                                w.key(l.rawValue); w.array(flat: false) { w in
                                    for c in changes {
                                        w.object { w in
                                            w.key("figure"); w.string(c.metric.key)
                                            w.key("current"); w.number(c.current)
                                            w.key("previous"); w.number(c.previous)
                                            w.key("agencies"); w.int(c.agencies)
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            // Each region's totals are in its own folder (regions/<slug>/aggregates.json).
            w.key("regions"); w.array(flat: false) { w in
                for r in agg.regions {
                    w.object { w in
                        w.key("name"); w.string(r.name)
                        w.key("parent"); w.string(r.parent)
                        w.key("reports"); w.int(r.reportCount)
                        w.key("aggregates"); w.string(urls.link(regionDirs[r.key]! + "aggregates.json"))
                    }
                }
            }
            // Each agency's figures are in its own folder (agencies/<slug>/aggregates.json), so this
            // file stays small and does not change with every report.
            w.key("agencies"); w.array(flat: false) { w in
                for ag in agg.agencies {
                    w.object { w in
                        w.key("id"); w.string(Slug.hash(ag.key))
                        w.key("name"); w.string(ag.name)
                        w.key("level"); w.string(ag.level.rawValue)
                        w.key("region"); w.string(ag.regionKey)
                        w.key("reports"); w.int(ag.entries.count)
                        w.key("aggregates"); w.string(urls.link(agencyDirs[ag.key]! + "aggregates.json"))
                    }
                }
            }
        }
        return w.fileBytes()
    }

    /// Long format: one row per scope, year, level and measure.
    /// `totals`: the all and year rows; `region`: that region's rows; then the rows of `agencies`.
    func aggregatesCSV(totals includeTotals: Bool, region: RegionAggregate? = nil, agencies only: [Int]) -> [UInt8] {
        var out = SiteRenderer.bom
        out.reserveCapacity(16_384)
        out.append(contentsOf: "scope,name,year,level,measure,label,value,numerator,denominator,reports_with_value,reports\r\n".utf8)
        // On bytes: each row's opening made once per group, each measure's key and label once per
        // build, numbers as `Format.number` writes them.
        func number(_ d: Double) { JSON.appendNumber(d, to: &out) }
        func totals(_ scope: String, _ name: String, _ year: String, _ level: Level, _ g: GroupTotals) {
            let opening = Array("\(scope),\(SiteRenderer.csvField(name)),\(year),\(level.rawValue)".utf8)
            for (k, m) in Metric.allCases.enumerated() {
                let t = g[m]
                out += opening; out += SiteRenderer.metricKeyLabels[k]
                if let v = t.known { number(v) }
                out += SiteRenderer.emptyParts
                JSON.appendInteger(t.covered, to: &out); out.append(0x2C); JSON.appendInteger(t.of, to: &out); out.append(0x0D); out.append(0x0A)
            }
            for (k, r) in Rate.allCases.enumerated() {
                let p = g[r]
                out += opening; out += SiteRenderer.rateKeyLabels[k]
                if let v = p.value { number((v * 1_000_000).rounded() / 1_000_000) }
                out.append(0x2C); number(p.numerator); out.append(0x2C); number(p.denominator); out.append(0x2C)
                JSON.appendInteger(p.covered, to: &out); out.append(0x2C); JSON.appendInteger(p.of, to: &out); out.append(0x0D); out.append(0x0A)
            }
        }
        if includeTotals {
            for l in Level.allCases.reversed() { if let g = agg.grand[l] { totals("all", "全部", "", l, g) } }
            for y in agg.years { for l in Level.allCases.reversed() { if let g = y.totals[l] { totals("year", "\(y.year)", "\(y.year)", l, g) } } }
        }
        if let r = region {
            for y in r.totals.keys.sorted() { for l in Level.allCases.reversed() { if let g = r.totals[y]?[l] { totals("region", r.name, "\(y)", l, g) } } }
        }
        // Agencies' rows (most of an agency's file), each row's opening made once per record.
        for ai in only {
            let ag = agg.agencies[ai]
            let name = SiteRenderer.csvField(ag.name)
            for j in ag.entries {
                let e = agg.entries[j]
                var opening = Array("agency,\(name),".utf8)
                if let y = e.year { JSON.appendInteger(y, to: &opening) }
                opening.append(0x2C)
                opening.append(contentsOf: ag.level.rawValue.utf8)
                for (k, m) in Metric.allCases.enumerated() {
                    out += opening; out += SiteRenderer.metricKeyLabels[k]
                    if let v = e.figures[m] { number(v); out += SiteRenderer.rowEndKnown } else { out += SiteRenderer.rowEndUnknown }
                }
                for (k, r) in Rate.allCases.enumerated() {
                    out += opening; out += SiteRenderer.rateKeyLabels[k]
                    if let v = e.figures.rate(r) { number((v * 1_000_000).rounded() / 1_000_000) }
                    out.append(0x2C)
                    if let parts = e.figures.parts(r) {
                        number(parts.0); out.append(0x2C); number(parts.1); out += SiteRenderer.partsEndKnown
                    } else {
                        out += SiteRenderer.partsEndUnknown
                    }
                }
            }
        }
        return out
    }

    /// `,key,label,` of each measure and rate, for `aggregatesCSV`, and the ends of its rows.
    static let metricKeyLabels: [[UInt8]] = Metric.allCases.map { Array(",\($0.key),\($0.label),".utf8) }
    static let rateKeyLabels: [[UInt8]] = Rate.allCases.map { Array(",\($0.key),\($0.label),".utf8) }
    static let rowEndKnown = Array(",,,1,1\r\n".utf8), rowEndUnknown = Array(",,,0,1\r\n".utf8)
    static let partsEndKnown = Array(",1,1\r\n".utf8), partsEndUnknown = Array(",,0,1\r\n".utf8)
    static let emptyParts = Array(",,,".utf8)

    /// A region's totals per year and level (with its sub-regions), CSV (long format) and JSON.
    func regionData(_ r: RegionAggregate, dir: String) -> [OutputFile] {
        var w = JSONWriter(capacity: 1 << 15)
        w.object { w in
            w.key("name"); w.string(r.name)
            w.key("parent"); w.string(r.parent)
            w.key("children"); w.array(flat: true) { w in for c in r.children { w.string(c) } }
            w.key("reports"); w.int(r.reportCount)
            w.key("years"); w.array(flat: false) { w in
                for y in r.totals.keys.sorted() {
                    w.object { w in w.key("year"); w.int(y); w.key("levels"); writeLevels(r.totals[y]!, &w) }
                }
            }
        }
        return [OutputFile(path: dir + "aggregates.csv", bytes: aggregatesCSV(totals: false, region: r, agencies: [])),
                OutputFile(path: dir + "aggregates.json", bytes: w.fileBytes())]
    }

    func agencyData(_ ag: AgencyAggregate, dir: String) -> [OutputFile] {
        [
            OutputFile(path: dir + "records.csv", bytes: recordsCSV(ag.entries, handOver: true)),
            OutputFile(path: dir + "records.json", bytes: recordsJSON(ag.entries, handOver: true)),
            OutputFile(path: dir + "aggregates.csv", bytes: aggregatesCSV(totals: false, agencies: [agg.agencyIndex[ag.key]!])),
            OutputFile(path: dir + "aggregates.json", bytes: agencyJSON(ag)),
        ]
    }

    /// The data page and the corpus-wide aggregates. Records are split by year
    /// (`data/<year>/records.csv|json`, `data/undated/` for reports without a year), so a changed
    /// report rewrites one year's files, not every record of the corpus.
    func dataFiles() throws -> [OutputFile] {
        var blocks = HTMLBlocks()
        var list = "<ul class=\"downloads\">\n"
        list += "<li>\(a(urls.link("data/aggregates.csv"), "aggregates.csv"))：全部与各年度的合计与派生比率（长表：范围、年度、层级、指标、数值、分子、分母、覆盖报告数；各地区、各机关的数字见其页面的下载）。</li>\n"
        list += "<li>\(a(urls.link("data/aggregates.json"), "aggregates.json"))：同上，JSON，并列出每个地区、每个机关的数据文件。</li>\n"
        list += "</ul>\n"
        var t = TableHTML(caption: "各年度报告的记录（每份报告一行；UTF-8 带 BOM，可直接用电子表格打开；空白栏为空，不是 0）", head: ["年度", "报告数", "CSV", "JSON（数据规范格式，含源文件与核对提示）"])
        for (slug, indices) in recordGroups() {
            t.row(slug == "undated" ? "年度未识别" : "\(slug) 年", ["<td class=\"n\">\(indices.count)</td>",
                  "<td>\(a(urls.link("data/\(slug)/records.csv"), "records.csv"))</td>", "<td>\(a(urls.link("data/\(slug)/records.json"), "records.json"))</td>"])
        }
        let context: [String: Any] = ["downloads": blocks.add(list + (reports.isEmpty ? "" : t.html)), "reportCount": reports.count]
        let page = try self.page("data/", kind: "data", title: "数据下载", crumbs: [Crumb(title: "首页", rel: "")], context: context, blocks: blocks)
        return [
            page,
            OutputFile(path: "data/aggregates.csv", bytes: aggregatesCSV(totals: true, agencies: [])),
            OutputFile(path: "data/aggregates.json", bytes: aggregatesJSON()),
        ]
    }

    // MARK: sitemap, feed, robots

    /// `sitemap.xml` listing every page; past `limits.sitemapURLs` pages, a sitemap index of
    /// files of at most that many (`sitemapPaths`).
    func sitemap(_ indexPages: [String]) -> [OutputFile] {
        // Paths are ASCII (see `SiteWriter.isSafe`): byte order is the order of `<`.
        let pages = Set(indexPages.map { String(decoding: $0.utf8.dropLast(10), as: UTF8.self) }).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        func urlset(_ part: ArraySlice<String>) -> String {
            var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
            for p in part { s += "  <url><loc>\(Escape.xml(urls.absolute(p)))</loc></url>\n" }
            return s + "</urlset>\n"
        }
        // (Output paths are unique, so there are as many pages as `sitemapPaths` counted.)
        let paths = sitemapPaths(indexPages.count)
        guard paths.count > 1 else { return [OutputFile(path: "sitemap.xml", text: urlset(pages[...]))] }
        let size = limits.sitemapURLs
        var index = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
        var files: [OutputFile] = []
        for (k, path) in paths.dropFirst().enumerated() {
            index += "  <sitemap><loc>\(Escape.xml(urls.absolute(path)))</loc></sitemap>\n"
            files.append(OutputFile(path: path, text: urlset(pages[min(pages.count, k * size)..<min(pages.count, (k + 1) * size)])))
        }
        return [OutputFile(path: "sitemap.xml", text: index + "</sitemapindex>\n")] + files
    }

    /// The date a report was published (sidecar), else 31 January of the next year (the
    /// statutory deadline), so the feed never depends on the clock.
    func published(_ i: Int) -> String {
        if let p = reports[i].sidecar?.published { return p + "T00:00:00Z" }
        if let y = agg.entries[i].year { return "\(y + 1)-01-31T00:00:00Z" }
        return "2000-01-01T00:00:00Z"
    }

    func feed() -> OutputFile {
        let dates = reports.indices.map(published)
        let order = reports.indices.sorted { x, y in
            let a = dates[x], b = dates[y]
            return a != b ? a > b : reports[x].relativePath < reports[y].relativePath
        }
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"\(Escape.xml(config.language))\">\n"
        s += "  <title>\(Escape.xml(config.title))</title>\n"
        s += "  <id>\(Escape.xml(urls.absoluteBase.map { $0 + "feed.xml" } ?? "urn:gongkai:feed:" + Slug.hash(config.title)))</id>\n"
        s += "  <link rel=\"self\" href=\"\(Escape.xml(urls.absolute("feed.xml")))\"/>\n"
        s += "  <link rel=\"alternate\" type=\"text/html\" href=\"\(Escape.xml(urls.absolute("")))\"/>\n"
        s += "  <updated>\(order.first.map { dates[$0] } ?? "2000-01-01T00:00:00Z")</updated>\n"
        s += "  <author><name>\(Escape.xml(config.title))</name></author>\n"
        // The latest reports only: a feed is read again and again by its readers.
        for i in order.prefix(limits.feedEntries) {
            let e = agg.entries[i]
            s += "  <entry>\n"
            s += "    <title>\(Escape.xml(reportTitle(i) + " 政府信息公开工作年度报告"))</title>\n"
            s += "    <id>urn:gongkai:report:\(reportDirs[i].dropFirst("reports/".count).dropLast())</id>\n"
            s += "    <link rel=\"alternate\" type=\"text/html\" href=\"\(Escape.xml(urls.absolute(reportDirs[i])))\"/>\n"
            s += "    <updated>\(dates[i])</updated>\n"
            var summary = "新收申请 \(e.figures[.received].map(Format.number) ?? "未填报") 件"
            if let r = e.figures.rate(.disclosure) { summary += "，公开率 \(Format.percent(r))" }
            if e.identityBreaks > 0 { summary += "，\(e.identityBreaks) 处勾稽关系不成立" }
            s += "    <summary>\(Escape.xml(summary))</summary>\n"
            s += "  </entry>\n"
        }
        s += "</feed>\n"
        return OutputFile(path: "feed.xml", text: s)
    }

    func robots() -> OutputFile {
        var s = "User-agent: *\nAllow: /\n"
        if urls.absoluteBase != nil { s += "Sitemap: \(urls.absolute("sitemap.xml"))\n" }
        return OutputFile(path: "robots.txt", text: s)
    }
}

/// Records' CSV rows and JSON elements as their agencies' data files made them, for their
/// years' files later in the same build. A record is in one agency's files and one year's, so
/// each part is taken once and let go. At most `limit` bytes are held in memory at a time; past
/// that, parts go to a temporary file in `spillFolder` (`SpillBytes`, one write per agency file)
/// and are read back from there. A part that is in neither (no folder, a failed write or read)
/// is made again by its year's file.
final class RecordParts: @unchecked Sendable {
    enum Kind { case csv, json }
    private let lock = NSLock()
    private var csv: [[UInt8]?]
    private var json: [[UInt8]?]
    /// Where spilled parts are in the file (count 0: not there).
    private var csvAt: [(offset: Int, count: Int)]
    private var jsonAt: [(offset: Int, count: Int)]
    private var held = 0
    let limit: Int
    private let spillFolder: String?
    private var spill: SpillBytes?
    private var spillMade = false
    /// How many parts were written aside (tests).
    private(set) var spilled = 0

    init(count: Int, limit: Int, spillFolder: String? = nil) {
        csv = Array(repeating: nil, count: count)
        json = Array(repeating: nil, count: count)
        csvAt = Array(repeating: (0, 0), count: count)
        jsonAt = Array(repeating: (0, 0), count: count)
        self.limit = limit
        self.spillFolder = spillFolder
    }

    /// Hands over the parts at `ranges` of `out` (one agency file's records).
    func put(_ parts: [(i: Int, range: Range<Int>)], _ kind: Kind, from out: [UInt8]) {
        var over: [(i: Int, range: Range<Int>)] = []
        lock.lock()
        for p in parts where p.i < csv.count {
            if held + p.range.count <= limit {
                held += p.range.count
                if kind == .csv { csv[p.i] = Array(out[p.range]) } else { json[p.i] = Array(out[p.range]) }
            } else {
                over.append(p)
            }
        }
        if !over.isEmpty && !spillMade {
            spillMade = true
            spill = spillFolder.flatMap { SpillBytes(folder: $0, name: "records") }
        }
        let spill = self.spill
        lock.unlock()
        guard !over.isEmpty, let spill else { return }
        // One write from the first part past the limit to the last (the separators between
        // them go along).
        let lo = over.map(\.range.lowerBound).min()!, hi = over.map(\.range.upperBound).max()!
        guard let base = out.withUnsafeBytes({ spill.put(UnsafeRawBufferPointer(rebasing: $0[lo..<hi])) }) else { return }
        lock.lock()
        spilled += over.count
        for p in over {
            let at = (offset: base + p.range.lowerBound - lo, count: p.range.count)
            if kind == .csv { csvAt[p.i] = at } else { jsonAt[p.i] = at }
        }
        lock.unlock()
    }

    /// Appends record `i`'s part to `out` and lets it go; false when it was not handed over.
    func take(_ i: Int, _ kind: Kind, appendingTo out: inout [UInt8]) -> Bool {
        lock.lock()
        guard i < csv.count else { lock.unlock(); return false }
        if let b = kind == .csv ? csv[i] : json[i] {
            if kind == .csv { csv[i] = nil } else { json[i] = nil }
            held -= b.count
            lock.unlock()
            out += b
            return true
        }
        let at = kind == .csv ? csvAt[i] : jsonAt[i]
        if kind == .csv { csvAt[i] = (0, 0) } else { jsonAt[i] = (0, 0) }
        let spill = self.spill
        lock.unlock()
        guard at.count > 0, let spill else { return false }
        return spill.read(offset: at.offset, count: at.count, appendingTo: &out)
    }
}
