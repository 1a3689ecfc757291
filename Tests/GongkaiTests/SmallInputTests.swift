import Testing
import GongkaiCore
import GongkaiRead
import GongkaiExtract
import GongkaiSynth

/// Small inputs beside what they must read to.
@Suite("Reading small inputs")
struct SmallInputTests {
    func extract(_ text: String) -> Report { ReportExtractor().extract(text: text, source: "t.txt") }

    @Test("titles", arguments: [
        ("某某市统计局 2023 年政府 信息公开工作年度报告", "某某市统计局", 2023),
        ("2022年某某县应急管理局政府信息公开工作年度报告", "某某县应急管理局", 2022),
        ("某某区人民政府2021年度政府信息公开工作年度报告", "某某区人民政府", 2021),
        ("# 某某市气象局2020年政府信息公开工作年度报告", "某某市气象局", 2020),
    ])
    func title(_ t: (String, String, Int)) {
        let r = extract(t.0 + "\n二、主动公开政府信息情况\n")
        #expect(r.agency == t.1)
        #expect(r.year == t.2)
    }

    @Test func oneBodyUnderTwoNamesKeepsBothNames() {
        let r = extract("某某新区管委会 某某市某某区人民政府2023年政府信息公开工作年度报告\n二、主动公开政府信息情况\n")
        #expect(r.agency == "某某新区管委会 某某市某某区人民政府")
    }

    @Test("page footers", arguments: ["-2-", "— 3 —", "- 12 -", "第 2 页", "第2页 共5页", "2 / 5"])
    func footer(_ s: String) { #expect(PageFooter.matches(s[...])) }

    @Test("not footers", arguments: ["-2", "0", "2023年", "行政许可 0", "12/3", "2023/12", "0/5", "12345/12346"])
    func notFooter(_ s: String) { #expect(!PageFooter.matches(s[...])) }

    @Test func fullWidthDigitsAndBracketsAreNormalized() {
        #expect(Normalizer.normalize("（一）予以公开　１２") == "(一)予以公开 12")
    }

    @Test func aRowPrintedWithEveryCellBlankIsNullNotMissing() {
        let r = extract("""
        某某市某局2023年政府信息公开工作年度报告
        二、主动公开政府信息情况
        信息内容\t本年制发件数\t本年废止件数\t现行有效件数
        规章\t\t\t
        行政规范性文件\t1\t0\t4
        三、收到和处理政府信息公开申请情况
        """)
        #expect(r.activeDisclosure?["regulations"]?.cells.map(\.state) == [.blank, .blank, .blank])
        #expect(r.active("normative_documents", "in_force") == 4)
    }

    @Test func labelTyposAndOldLabelsAreRecognized() {
        var text = "某某市某局2023年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
        text += "申请人情况\t自然人\t商业企业\t科研机构\t社会组织\t法律服务机构\t其他\t总计\n"
        text += "2.其他法律行政止公开\t1\t0\t0\t0\t0\t0\t1\n"
        text += "4、保护第三方合法权益\t2\t0\t0\t0\t0\t0\t2\n"
        text += "保护第三方合法权益\t2\t0\t0\t0\t0\t0\t2\n"
        let r = extract(text)
        #expect(r.app("denied_law_prohibited") == [1, 0, 0, 0, 0, 0, 1])
        #expect(r.app("denied_third_party") == [2, 0, 0, 0, 0, 0, 2])
    }

    @Test func aRowThatAppearsTwiceWithOtherFiguresIsAWarning() {
        var text = "某某市某局2023年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
        text += "（一）予以公开\t1\t0\t0\t0\t0\t0\t1\n"
        text += "（一）予以公开\t2\t0\t0\t0\t0\t0\t2\n"
        let r = extract(text)
        #expect(r.app("granted") == [1, 0, 0, 0, 0, 0, 1])
        #expect(r.diagnostics.contains { $0.line == 4 && $0.message.contains("appears twice") })
    }
}

@Suite("Normalization")
struct NormalizationTests {
    @Test("byte-level normalization equals the scalar definition", arguments: [
        "（一）予以公开　１２", "\u{FEFF}标题\r\n正文", "Ａｂｃ！～", "a\u{00A0}b\u{200B}c", "普通文字 123", "全角：冒号，逗号",
    ])
    func sameAsScalars(_ s: String) {
        #expect(Normalizer.normalize(s) == Normalizer.normalizeScalars(s))
    }

    /// Reading bytes normalizes before it validates (one pass fewer). On bytes built from the
    /// sequences normalization touches, broken characters and plain text, that must read
    /// exactly as decoding first and normalizing after: same lines, same encoding, same
    /// refusals (a file that is not UTF-8 must never become UTF-8 by being normalized).
    @Test func readingBytesEqualsDecodingThenNormalizing() {
        let pieces: [[UInt8]] = [
            [0x0D], [0x0A], [0x41], [0x20], [0xEF, 0xBC, 0x91], [0xEF, 0xBD, 0x9E], [0xE3, 0x80, 0x80], [0xC2, 0xA0],
            [0xE2, 0x80, 0x8B], [0xEF, 0xBB, 0xBF], Array("公开".utf8), [0xE5], [0xE5, 0xBC], [0xC2], [0xEF], [0xEF, 0xBC],
            [0x80], [0xBF], [0xF0, 0x9F, 0x98, 0x80], [0xF0], [0xE3, 0x80], [0xE2, 0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0x00],
            // HTML, which UTF-8 files also take from their bytes: tags, cells, entities.
            Array("<table>".utf8), Array("<tr>".utf8), Array("<td colspan=\"2\">".utf8), Array("</td>".utf8), Array("</tr>".utf8),
            Array("&amp;".utf8), Array("&#x4E00;".utf8), Array("&nbsp;".utf8), Array("<p>".utf8), Array("<!-- x -->".utf8),
            // Traditional characters (three make a file converted).
            Array("關於國".utf8),
        ]
        var rng = SplitMix64(seed: 20261125)
        var mismatches: [[UInt8]] = []
        var invalidSeen = 0, htmlSeen = 0
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            // Never a byte order mark at the very start: those files take the general path.
            bytes += Array("报告".utf8)
            for _ in 0..<Int(rng.next() % 10) { bytes += pieces[Int(rng.next() % UInt64(pieces.count))] }
            var d1 = Diagnostics(), d2 = Diagnostics()
            let fast = SourceReader.read(bytes: bytes, diagnostics: &d1)
            let slow: SourceText? = (try? SourceDecoder.decode(bytes)).map { SourceReader.read(text: $0.text, encoding: $0.encoding, diagnostics: &d2) }
            if String(validating: bytes, as: UTF8.self) == nil { invalidSeen += 1; if fast?.encoding == .utf8 { mismatches.append(bytes) } }
            if fast?.lines.map(\.text) != slow?.lines.map(\.text) || fast?.encoding != slow?.encoding || fast?.format != slow?.format { mismatches.append(bytes) }
            if fast?.format == .html { htmlSeen += 1 }
        }
        #expect(invalidSeen > 1000)
        #expect(htmlSeen > 1000)
        #expect(mismatches.isEmpty, "first: \(mismatches.first ?? [])")
    }
}

@Suite("Line store")
struct LineStoreTests {
    /// The extractor reads a report's lines as byte ranges of one buffer. Replacing a line
    /// (a traditional line converted) or clearing it (a page footer) changes that line alone,
    /// and the lines read back as the strings they were given, with their numbers.
    @Test func linesReadBackAsGivenAfterReplacingAndClearing() {
        let given = ["一、总体情况", "", "行政規範性檔案\t12", "- 2 -", "（二）部分公开\t1\t0"]
        var store = LineStore(given.enumerated().map { SourceLine($1, number: 10 + $0) })
        store.replace(2, with: "行政规范性文件\t12")
        store.clear(3)
        let expected = ["一、总体情况", "", "行政规范性文件\t12", "", "（二）部分公开\t1\t0"]
        #expect(store.lines.map { String($0.text) } == expected)
        #expect(store.lines.map(\.number) == [10, 11, 12, 13, 14])
        let viewed = store.withView { v in v.indices.map { (v.text($0), v.number($0), v[$0].count) } }
        #expect(viewed.map(\.0) == expected)
        #expect(viewed.map(\.1) == [10, 11, 12, 13, 14])
        #expect(viewed.map(\.2) == expected.map(\.utf8.count))
    }

    @Test func textSplitsIntoNumberedLinesAtLineFeeds() {
        var d = Diagnostics()
        let text = SourceReader.read(bytes: Array("标题\n\n表二\t1\n末行".utf8), diagnostics: &d)
        #expect(text?.lines.map { String($0.text) } == ["标题", "", "表二\t1", "末行"])
        #expect(text?.lines.map(\.number) == [1, 2, 3, 4])
    }
}

@Suite("Titles that wrap")
struct WrappedTitleTests {
    func extract(_ text: String) -> Report { ReportExtractor().extract(text: text + "\n二、主动公开政府信息情况\n", source: "t.txt") }

    @Test func wrappedInsideTheWordReport() {
        let r = extract("某某市协作办公室 2021 年政府信息公开工作年\n度报告")
        #expect(r.agency == "某某市协作办公室")
        #expect(r.year == 2021)
    }

    @Test func markdownYearFirst() {
        let r = extract("# 2023年度某某区统计局政府信息公开工作年度报告")
        #expect(r.agency == "某某区统计局")
        #expect(r.year == 2023)
    }
}

@Suite("Blank rows")
struct BlankRowTests {
    @Test func aPipeRowOfTableFourWithEveryCellBlankIsFiveNulls() {
        let text = """
        某某市某局2023年政府信息公开工作年度报告
        四、政府信息公开行政复议、行政诉讼情况
        | 行政复议 | 1 | 0 | 0 | 0 | 1 |
        |---|---|---|---|---|---|
        | 行政诉讼（未经复议直接起诉） | 0 | 0 | 0 | 0 | 0 |
        | 行政诉讼（复议后起诉） |   |   |   |   |   |
        """
        let r = ReportExtractor().extract(text: text, source: "t.md")
        #expect(r.reviewLitigation?["litigation_after_review"]?.map(\.state) == Array(repeating: .blank, count: 5))
        #expect(r.reviewLitigation?["litigation_direct"]?.map(\.value) == [0, 0, 0, 0, 0])
        #expect(!r.diagnostics.contains { $0.message.contains("were not found") })
    }
}

/// Inputs `scripts/fuzz` found, cut down to what crashed the extractor before the fix.
@Suite("Inputs found by fuzzing")
struct FuzzFindingTests {
    @Test func aTableHeadingOnTheLastLineIsNoCrash() {
        // Table 二's heading ends the file: its range is empty, past the last line.
        let r = ReportExtractor().extract(text: "某某市某局2023年政府信息公开工作年度报告\n二、主动公开政府信息情况", source: "t.txt")
        let warning = r.diagnostics.first { $0.message.contains("could not be told") }
        #expect(warning?.line == 2)
    }

    @Test func aFigureTooLargeForTheFormIsNullWithAnError() throws {
        var text = "某某市某局2023年政府信息公开工作年度报告\n三、收到和处理政府信息公开申请情况\n"
        text += "申请人情况\t自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计\n"
        text += "一、本年新收政府信息公开申请数量\t999999999999999999999990\t0\t0\t0\t0\t0\t3\n"
        let r = ReportExtractor().extract(text: text, source: "t.txt")
        let cell = try #require(r.applications?.rows.first { $0.key == "received" }?.cells.first)
        #expect(cell.value == nil)
        #expect(r.diagnostics.contains { $0.severity == .error && $0.line == 4 && $0.message.contains("too large") })
        // The record prints (a count past Int's range used to trap here).
        #expect(r.json().serialized().contains("\"received\":[null,0,0,0,0,0,3]"))
    }
}
