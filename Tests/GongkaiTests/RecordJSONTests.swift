import Testing
import GongkaiCore
import GongkaiExtract
import GongkaiSynth

/// The data files write records straight onto bytes (`Report.appendPrettyJSON`); the bytes must
/// be those of the JSON value `extract --format json` prints, for every kind of record.
@Suite struct RecordJSONTests {
    func tree(_ r: Report, indent: Int) -> String {
        var s = ""
        r.json(includeSourceAndDiagnostics: true).write(into: &s, pretty: true, indent: indent)
        return s
    }

    func streamed(_ r: Report, indent: Int) -> String {
        var b: [UInt8] = []
        r.appendPrettyJSON(into: &b, indent: indent)
        return String(decoding: b, as: UTF8.self)
    }

    @Test(arguments: ["by-column-2021.txt", "cell-per-line-2019.txt", "gb18030-2021.txt", "not-a-report.txt", "pipes-2021.md",
                      "spaced-2021.txt", "tab-2021.txt", "table-2021.html", "traditional-2021.txt", "utf16-2021.txt"])
    func fixturesPrintTheSameBytes(_ name: String) {
        let r = ReportExtractor().extract(path: Fixture.path("extract/" + name))
        for indent in [0, 1, 3] { #expect(streamed(r, indent: indent) == tree(r, indent: indent), "\(name) at indent \(indent)") }
    }

    @Test(arguments: [0, 7, 9, 10, 42, 1_000, -1, -10, 2019, 123_456_789, Int.max, Int.min])
    func integersPrintAsStringsDo(_ n: Int) {
        var out: [UInt8] = [0x5B]
        JSON.appendInteger(n, to: &out)
        #expect(out == [0x5B] + Array(String(n).utf8))
    }

    @Test(arguments: [0.0, -0.0, 7, -3, 2.5, 25.099999999999998, 1e15, 1e15 - 1, -1e15, 123.4567891, .nan, .infinity, -.infinity])
    func numbersPrintAsFormatDoes(_ d: Double) {
        var out: [UInt8] = [0x5B]
        JSON.appendNumber(d, to: &out)
        #expect(out == [0x5B] + Array(JSON.format(d).utf8))
    }

    @Test(arguments: [0.0, -0.0, 7, -3, 2.5, 25.099999999999998, 1e15, -1e15, .nan, .infinity])
    func aByteSinkPrintsNumbersAsFormatDoes(_ d: Double) {
        var sink = ByteSink(capacity: 1)
        sink.put("[")
        sink.put(number: d)
        #expect(sink.bytes() == [0x5B] + Array(JSON.format(d).utf8))
    }

    @Test func aByteSinkGrowsAndKeepsEveryPiece() {
        var sink = ByteSink(capacity: 1)
        var expected: [UInt8] = []
        for n in [0, 9, 10, -1, -10, 1234567, Int.max, Int.min] {
            sink.put(integer: n); expected += Array(String(n).utf8)
            sink.put(" 表 "); expected += Array(" 表 ".utf8)
            sink.put(utf8: "<\(n)>"); expected += Array("<\(n)>".utf8)
            sink.put(0x0A); expected.append(0x0A)
        }
        let big = [UInt8](repeating: 0x61, count: 10_000)
        sink.put(big); expected += big
        #expect(sink.bytes() == expected)
    }

    /// `JSONWriter` walked over a tree prints what `JSON.prettyFileBytes` prints for it.
    @Test func aJSONWriterPrintsWhatTheTreePrints() {
        var state: UInt64 = 7
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        let strings = ["", "甲", "a\"b", "<行>\n", "\u{2028}&", "year"]
        func scalar() -> JSON {
            switch next(6) {
            case 0: return .null
            case 1: return .bool(next(2) == 0)
            case 2: return .int(next(2001) - 1000)
            case 3: return .double([0.5, -0.0, 25.099999999999998, 1e15, .nan, 3][next(6)])
            default: return .string(strings[next(strings.count)])
            }
        }
        func tree(_ depth: Int) -> JSON {
            guard depth < 4 else { return scalar() }
            switch next(4) {
            case 0: return .array((0..<next(4)).map { _ in scalar() })
            case 1: return .array((0..<next(3)).map { _ in tree(depth + 1) })
            case 2: return .object((0..<next(4)).map { _ in (strings[next(strings.count)], tree(depth + 1)) })
            default: return scalar()
            }
        }
        func walk(_ j: JSON, _ w: inout JSONWriter) {
            switch j {
            case .null: w.null()
            case .bool(let b): w.bool(b)
            case .int(let i): w.int(i)
            case .double(let d): w.number(d)
            case .string(let s): w.string(s)
            case .array(let items):
                let flat = items.allSatisfy { if case .array = $0 { return false }; if case .object = $0 { return false }; return true }
                w.array(flat: flat) { w in for x in items { walk(x, &w) } }
            case .object(let members):
                w.object { w in for (k, v) in members { w.key(k); walk(v, &w) } }
            }
        }
        for n in 0..<2000 {
            let j = n == 0 ? .object([]) : n == 1 ? .array([]) : tree(0)
            var w = JSONWriter(capacity: 1)
            walk(j, &w)
            let streamed = w.fileBytes()
            #expect(streamed == j.prettyFileBytes, "\(String(decoding: j.prettyFileBytes, as: UTF8.self))")
            if streamed != j.prettyFileBytes { break }
        }
    }

    @Test func syntheticReportsPrintTheSameBytes() {
        var n = 0
        for s in SyntheticCorpus(seed: 5, count: 60) {
            let r = ReportExtractor().extract(bytes: Array(s.text.utf8), source: s.fileName)
            #expect(streamed(r, indent: 1) == tree(r, indent: 1), "\(s.fileName)")
            n += 1
        }
        #expect(n == 60)
    }

    @Test func awkwardValuesPrintTheSameBytes() {
        // Blank, unreadable and missing cells, money with decimals, quotes, control characters,
        // line separators and markup in strings, an empty table 二 and no table 四.
        var r = ReportExtractor().extract(path: Fixture.path("extract/tab-2021.txt"))
        r.source = "a \"quoted\"\n<path>\u{2028}&.txt"
        r.metadata.agency = "某局\t\u{1}"
        r.metadata.year = nil
        if var a = r.applications {
            a.rows[0].cells[0] = .blank(line: 3)
            a.rows[1].cells[2] = Cell(value: nil, state: .unreadable("十二"), line: 4)
            a.rows[2].cells[1] = Cell(value: nil, state: .missing, line: nil)
            a.rows[3].cells = []
            r.applications = a
        }
        if var act = r.activeDisclosure, let last = act.items.indices.last {
            act.items[last].cells = act.items[last].cells.map { _ in .number(1234.5678999, line: 9) }
            r.activeDisclosure = act
        }
        r.reviewLitigation = nil
        r.diagnostics.append(.error("值“<b>”不是数字", line: nil))
        #expect(streamed(r, indent: 1) == tree(r, indent: 1))
        r.activeDisclosure = ActiveDisclosure(items: [])
        #expect(streamed(r, indent: 0) == tree(r, indent: 0))
    }

    @Test func jsonPrintsTheContractsLayout() {
        // Objects one member a line, arrays of scalars on one line, arrays of containers one item
        // a line, empty containers closed at once, markup and line separators escaped.
        let v = JSON.object([
            ("a", .array([.int(1), .double(2.5), .null, .bool(true)])), ("b", .array([])), ("c", .object([])),
            ("d", .array([.object([("x", .string("<引号\"\n\u{2028}&"))]), .array([.int(-3)])])), ("e", .double(0.1 + 0.2)),
        ])
        let expected = """
        {
          "a": [1, 2.5, null, true],
          "b": [],
          "c": {},
          "d": [
            {
              "x": "\\u003c引号\\"\\n\\u2028\\u0026"
            },
            [-3]
          ],
          "e": 0.3
        }
        """
        #expect(v.serialized(pretty: true) == expected)
        #expect(String(decoding: v.prettyFileBytes, as: UTF8.self) == expected + "\n")
        #expect(v.serialized() == #"{"a":[1,2.5,null,true],"b":[],"c":{},"d":[{"x":"\u003c引号\"\n\u2028\u0026"},[-3]],"e":0.3}"#)
    }
}
