import Testing
import GongkaiCore
import GongkaiExtract
import GongkaiCheck
import GongkaiRead
import GongkaiSynth
import Foundation

/// Each layout family prints the same figures; every one must read to the same record.
@Suite("Layout families")
struct LayoutFamilyTests {
    @Test("table 三 reads the same in every layout", arguments: [
        "tab-2021.txt", "spaced-2021.txt", "table-2021.html", "pipes-2021.md", "by-column-2021.txt",
        "traditional-2021.txt", "gb18030-2021.txt", "utf16-2021.txt",
    ])
    func applications(_ file: String) {
        let r = Fixture.extract("extract/" + file).report
        #expect(r.template == .form2021)
        #expect(r.year != nil)
        for spec in FormSchema.applicationRows where spec.key != "other" {
            var want = StandardFigures.row(spec.key).map { Double?(Double($0)) }
            if spec.key == "partially_granted", ["tab-2021.txt", "traditional-2021.txt", "gb18030-2021.txt", "utf16-2021.txt"].contains(file) {
                want[0] = nil   // the tab fixtures leave this cell blank on purpose
            }
            #expect(r.app(spec.key) == want, "\(file): row \(spec.key)")
        }
        #expect(r.applications?["other"] == nil, "the 2021 form prints （六） as three rows")
    }

    @Test("table 二 and 四 read the same in every layout", arguments: [
        "tab-2021.txt", "spaced-2021.txt", "pipes-2021.md", "by-column-2021.txt", "traditional-2021.txt",
    ])
    func activeAndReview(_ file: String) {
        let r = Fixture.extract("extract/" + file).report
        #expect(r.active("regulations", "in_force") == 2)
        #expect(r.active("normative_documents", "issued") == 3)
        #expect(r.active("administrative_licensing", "decisions") == 120)
        #expect(r.active("administrative_penalty", "decisions") == 45)
        #expect(r.active("administrative_fees", "amount_10k_yuan") == 12.5)
        #expect(r.review("litigation_direct") == [0, 1, 0, 0, 1])
        #expect(r.review("litigation_after_review") == [0, 0, 0, 0, 0])
    }

    @Test func titleAcrossTwoLinesWithSpaces() {
        let r = Fixture.extract("extract/spaced-2021.txt").report
        #expect(r.agency == "示例区水务局")
        #expect(r.year == 2022)
    }

    @Test func markdownHeadingMarksAreNotPartOfTheName() {
        #expect(Fixture.extract("extract/pipes-2021.md").report.agency == "示例市生态环境局")
    }

    @Test func markdownMarksAreNotPartOfSectionTitles() {
        // `## 一、总体情况` in the file; `**五、…**` and `### **六、…**` written here.
        #expect(Fixture.extract("extract/pipes-2021.md").report.sections.map(\.title)
                == ["一、总体情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"])
        let text = Fixture.text("extract/pipes-2021.md")
            .replacingOccurrences(of: "## 五、存在的主要问题及改进情况", with: "**五、存在的主要问题及改进情况**")
            .replacingOccurrences(of: "## 六、其他需要报告的事项", with: "### **六、其他需要报告的事项**")
        #expect(ReportExtractor().extract(text: text, source: "x.md").sections.map(\.title)
                == ["一、总体情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"])
    }

    @Test func traditionalIsConvertedWithTheFormsTaiwanWording() {
        // 行政規範性檔案 (Taiwan wording) must be read as 行政规范性文件.
        let r = Fixture.extract("extract/traditional-2021.txt").report
        #expect(r.agency == "示例市资料管理局")
        #expect(r.active("normative_documents", "in_force") == 12)
        #expect(!r.diagnostics.contains { $0.severity == .error })
    }

    @Test func linesConvertedBeforeComeBackAsOpenCCConvertsThem() throws {
        // Traditional lines, some shared with what other tests convert, some seen only here.
        let text = try String(contentsOfFile: Fixture.path("extract/traditional-2021.txt"), encoding: .utf8)
            + "\n行政規範性檔案與政府資訊\t9\n第\(UInt32.random(in: 0...UInt32.max))號：資訊公開規範性檔案\n"
        let original = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().map { SourceLine($1, number: $0 + 1) }
        let converter = TraditionalConverter.shared
        // What converting every line afresh gives, one OpenCC call per line.
        let expected = original.map { l in
            l.text.utf8.count <= 400 && l.text.utf8.contains(where: { $0 >= 0xE3 && $0 <= 0xE9 }) ? converter.convert(String(l.text)).map { $0[...] } : l.text
        }
        for round in 1...2 {
            var lines = original
            #expect(converter.convertShortLines(&lines))
            #expect(lines.map(\.text) == expected, "round \(round)")
            #expect(lines.map(\.number) == original.map(\.number))
        }
        #expect(expected.contains("行政规范性文件与政府信息\t9"))
    }
}

@Suite("Blank is not zero")
struct BlankCellTests {
    @Test func blankTabCellsKeepTheirPlace() {
        // Line 67 of the fixture: five empty 行政复议 cells, then ten 行政诉讼 values.
        let r = Fixture.extract("extract/tab-2021.txt").report
        #expect(r.review("review") == [nil, nil, nil, nil, nil])
        #expect(r.reviewLitigation?["review"]?.allSatisfy { $0.state == .blank } == true)
        #expect(r.review("litigation_direct") == [0, 1, 0, 0, 1])
        let warnings = r.diagnostics.filter { $0.severity == .warning && $0.message.contains("行政复议: all 5 cells are blank") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.line == 67)
    }

    @Test func aBlankCellInsideARowIsNullWithAWarningOnItsLine() {
        let r = Fixture.extract("extract/tab-2021.txt").report
        let cell = r.applications?["partially_granted"]?[0]
        #expect(cell?.state == .blank)
        #expect(cell?.value == nil)
        #expect(cell?.line == 33)
        #expect(r.diagnostics.contains { $0.line == 33 && $0.message.contains("blank cell 自然人") })
        // A printed 0 in the same row is a 0.
        #expect(r.applications?["partially_granted"]?[1].value == 0)
        #expect(r.applications?["partially_granted"]?[1].state == .number)
    }

    @Test func anUnreadableCellIsNullWithAnError() {
        let r = Fixture.extract("extract/table-2021.html").report
        #expect(r.active("administrative_penalty", "decisions") == nil)
        #expect(r.diagnostics.contains { $0.severity == .error && $0.message.contains("'4l' is not a number") && $0.line == 16 })
    }

    @Test func everyValueKeepsItsSourceLine() {
        let r = Fixture.extract("extract/cell-per-line-2019.txt").report
        // "规章" on line 13, its three values on lines 14–16.
        #expect(r.activeDisclosure?["regulations"]?.cells.map(\.line) == [14, 15, 16])
    }
}

@Suite("The 2019 form")
struct Form2019Tests {
    let r = Fixture.extract("extract/cell-per-line-2019.txt").report

    @Test func templateComesFromTheColumnLabels() { #expect(r.template == .form2019) }

    @Test func moneyInYuanBecomesWanYuan() {
        #expect(r.active("centralized_procurement", "projects") == 9)
        #expect(r.active("centralized_procurement", "amount_10k_yuan") == 25.1)
    }

    @Test func signedChangesAndNotes() {
        #expect(r.active("administrative_licensing", "change") == -3)
        #expect(r.active("other_external_services", "change") == 1)
        #expect(r.active("normative_documents", "total_published") == 22)
        #expect(r.activeDisclosure?["normative_documents"]?["total_published"]?.note == "其中修订16件")
    }

    @Test func sixIsOneRow() {
        #expect(r.app("other") == [1, 1, 0, 0, 0, 1, 3])
        #expect(r.applications?["other_misc"] == nil)
    }

    @Test func jsonHasTheContractKeys() {
        let json = r.json(includeSourceAndDiagnostics: false).serialized()
        #expect(json.contains("\"centralized_procurement\":{\"projects\":9,\"amount_10k_yuan\":25.1}"))
        #expect(json.contains("\"other\":[1,1,0,0,0,1,3]"))
    }
}

@Suite("Unrecognized input")
struct UnrecognizedTests {
    @Test func aFileThatIsNoReportIsAnErrorNotAnEmptyRecord() {
        let r = Fixture.extract("extract/not-a-report.txt").report
        #expect(r.applications == nil)
        #expect(r.diagnostics.contains { $0.severity == .error && $0.message.contains("not recognized") })
    }

    @Test func invalidBytesAreRejectedNotGuessed() {
        let r = ReportExtractor().extract(bytes: [0x80, 0x00, 0xFF, 0x00, 0x41], source: "bad.txt")
        #expect(r.diagnostics.first?.severity == .error)
        #expect(r.agency == nil)
    }

    @Test func aMissingFileIsAnError() {
        let r = ReportExtractor().extract(path: "/nonexistent/report.txt")
        #expect(r.diagnostics.first?.message.hasPrefix("cannot read the file (") == true)
    }

    @Test func sectionsAloneAreTheSectionsOfTheWholeExtraction() throws {
        var n = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: Fixture.path("extract")).sorted() {
            let bytes = try #require(FileBytes.read(Fixture.path("extract/" + name)))
            #expect(ReportExtractor().sections(bytes: bytes) == ReportExtractor().extract(bytes: bytes, source: name).sections, "\(name)")
            n += 1
        }
        for s in SyntheticCorpus(seed: 3, count: 40) {
            let bytes = Array(s.text.utf8)
            let full = ReportExtractor().extract(bytes: bytes, source: s.fileName).sections
            #expect(!full.isEmpty)
            #expect(ReportExtractor().sections(bytes: bytes) == full, "\(s.fileName)")
            n += 1
        }
        #expect(n == 50)
    }
}
