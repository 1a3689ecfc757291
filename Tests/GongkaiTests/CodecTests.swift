import Foundation
import Testing
import GongkaiCore
import GongkaiExtract
import GongkaiCheck
import GongkaiSite
import GongkaiSynth

/// The record cache's binary codec gives back what it was given (but the narrative, which the
/// cache leaves out on purpose).
@Suite struct CodecTests {
    static func roundTrip(_ reports: [LoadedReport]) throws -> [LoadedReport] {
        var w = ByteWriter()
        for r in reports { RecordCodec.encode(r, &w) }
        var rd = ByteReader(w.bytes)
        var out: [LoadedReport] = []
        for r in reports { out.append(try RecordCodec.decodeReport(&rd, source: { _ in r.report.source })) }
        #expect(rd.atEnd)
        return out
    }

    static func expectSame(_ a: LoadedReport, _ b: LoadedReport) {
        var ra = a.report
        ra.sections = []
        #expect(b.report == ra, "\(a.relativePath)")
        #expect(b.relativePath == a.relativePath)
        #expect(b.sidecar == a.sidecar)
        #expect(b.identityBreaks == a.identityBreaks)
        #expect(b.isPartial)
    }

    @Test func fixtureRecordsRoundTrip() throws {
        let reports = [
            SiteFixture.load(SiteFixture.report(agency: "青禾市测试局", year: 2023, blankGranted: true), "a/2023.txt",
                             sidecar: Sidecar(sourceURL: "https://example.org/r", published: "2024-01-02")),
            SiteFixture.load(SiteFixture.report(agency: "青禾市测试局", year: 2022, carriedForward: 4), "a/2022.txt"),
            SiteFixture.load(SiteFixture.report(agency: "石桥区人民政府", year: 2021, blankReview: true), "b/x.txt"),
            SiteFixture.load("not a report at all\n4l 三\n", "c/none.txt"),
        ]
        for (a, b) in zip(reports, try Self.roundTrip(reports)) { Self.expectSame(a, b) }
    }

    @Test func syntheticRecordsRoundTrip() throws {
        let extractor = ReportExtractor()
        let reports = SyntheticCorpus(seed: 9, count: 40).map { s in
            LoadedReport(checked: CheckedReport(extractor.extract(text: s.text, source: "corpus/" + s.fileName)), relativePath: s.fileName, sourceText: nil)
        }
        for (a, b) in zip(reports, try Self.roundTrip(reports)) { Self.expectSame(a, b) }
    }

    /// A string written again is a reference to its first use; a reader of part of a buffer
    /// stops at its end.
    @Test func repeatedStringsAndBoundedReaders() throws {
        var w = ByteWriter(capacity: 64)
        w.string("新收"); w.string("新收"); w.int(-5)
        let body = w.bytes
        #expect(body.count == 1 + 1 + 6 + 1 + 1)
        let buffer: [UInt8] = [9, 9] + body + [7, 7]
        var r = ByteReader(buffer, at: 2, end: 2 + body.count)
        #expect(try r.string() == "新收")
        #expect(try r.string() == "新收")
        #expect(try r.int() == -5)
        #expect(r.atEnd)
        #expect(throws: (any Error).self) { _ = try r.u8() }
        // A reference before any string was read is an error, not a guess.
        var early = ByteReader([0x01])
        #expect(throws: (any Error).self) { _ = try early.string() }
    }

    /// The form's row and group keys are stored as their places in the form; a key the form
    /// does not have is stored as itself and comes back unchanged.
    @Test func rowKeysOutsideTheFormRoundTrip() throws {
        var r = Report(source: "x/odd.txt")
        let cells = (0..<7).map { Cell(value: Double($0), state: .number, line: 3 + $0) }
        r.applications = Applications(rows: [.init(key: "received", cells: cells), .init(key: "not_in_the_form", cells: cells)])
        r.reviewLitigation = ReviewLitigation(groups: [.init(key: "elsewhere", cells: Array(cells.prefix(5)))])
        let lr = LoadedReport(checked: CheckedReport(r), relativePath: "x/odd.txt", sourceText: nil)
        let back = try Self.roundTrip([lr])
        #expect(back[0].report.applications?.rows.map(\.key) == ["received", "not_in_the_form"])
        #expect(back[0].report.reviewLitigation?.groups.map(\.key) == ["elsewhere"])
        Self.expectSame(lr, back[0])
    }

    @Test func numbersAndStringsRoundTrip() throws {
        var w = ByteWriter()
        let ints = [0, 1, -1, 63, -64, 1 << 40, Int.max, Int.min]
        let doubles = [0, -0.0, 1.5, 25.099999999999998, 1e300, -3, Double.leastNonzeroMagnitude]
        for i in ints { w.int(i) }
        for d in doubles { w.double(d) }
        for s in ["", "规章", "规章", "a\u{0}b"] { w.string(s) }
        var r = ByteReader(w.bytes)
        for i in ints { #expect(try r.int() == i) }
        for d in doubles { #expect(try r.double().bitPattern == d.bitPattern) }
        for s in ["", "规章", "规章", "a\u{0}b"] { #expect(try r.string() == s) }
        #expect(r.atEnd)
        var bad = ByteReader([0x80, 0x80])
        #expect(throws: (any Error).self) { _ = try bad.int() }
    }
}
