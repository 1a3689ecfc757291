import Foundation
import Testing
@testable import GongkaiSite
import GongkaiSynth
import GongkaiCore

/// A report page shows the same narrative whether its record kept the sections found when the
/// report was extracted (whole, or compacted) or the page finds them again (past the memory
/// budget: written aside, or in the file), and the same source view whether the file's bytes
/// were kept since extraction or it is read again.
@Suite struct NarrativeBudgetTests {
    @Test func pagesAreTheSameWithAndWithoutKeptNarrative() throws {
        let root = SiteFixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let pool = Array(SyntheticCorpus(seed: 5, count: 16))
        for r in pool { try IncrementalTests.write(r.text, root + "/corpus/" + r.fileName) }
        // Files whose bytes are not their text: GB18030, UTF-16, UTF-8 with a byte order mark.
        for f in ["gb18030-2021.txt", "utf16-2021.txt"] {
            try FileManager.default.copyItem(atPath: Fixture.path("extract/" + f), toPath: root + "/corpus/" + f)
        }
        try Data([0xEF, 0xBB, 0xBF] + Array(pool[0].text.utf8)).write(to: URL(fileURLWithPath: root + "/corpus/bom-" + pool[0].fileName.replacingOccurrences(of: "/", with: "-")))
        var kept = BuildOptions(corpus: root + "/corpus", output: root + "/kept", keepFiles: true)
        kept.narrativeBudget = 1 << 30
        kept.sourceBudget = 1 << 30
        // The source view from the file read again, not from the bytes kept since extraction.
        var reread = BuildOptions(corpus: root + "/corpus", output: root + "/reread", keepFiles: true)
        reread.narrativeBudget = 1 << 30
        reread.sourceBudget = 0
        var refound = BuildOptions(corpus: root + "/corpus", output: root + "/refound", keepFiles: true)
        refound.narrativeBudget = 0
        refound.spillNarrative = false
        // Kept, in records compacted (past `wholeRecords`) rather than kept as extracted.
        var compacted = BuildOptions(corpus: root + "/corpus", output: root + "/compacted", keepFiles: true)
        compacted.narrativeBudget = 1 << 30
        compacted.wholeRecords = 0
        // Past the budget, written aside and read back.
        var spilled = BuildOptions(corpus: root + "/corpus", output: root + "/spilled", keepFiles: true)
        spilled.narrativeBudget = 0
        let a = try SiteBuilder.build(kept), b = try SiteBuilder.build(refound)
        let pages = a.files.filter { $0.path.hasPrefix("reports/") && $0.isPage }
        #expect(pages.count == 20, "19 report pages and the list")
        // The narrative is on the pages: its sections are headings (the source view has the same
        // words in list items).
        #expect(pages.filter { $0.text.contains("<h3>") && $0.text.contains("总体情况</h3>") }.count >= 8)
        #expect(a.files.map(\.path) == b.files.map(\.path))
        for (x, y) in zip(a.files, b.files) where x.bytes != y.bytes { Issue.record("\(x.path) differs") }
        let e = try SiteBuilder.build(reread)
        #expect(a.files.map(\.path) == e.files.map(\.path))
        for (x, y) in zip(a.files, e.files) where x.bytes != y.bytes { Issue.record("\(x.path) differs when the file is read again") }
        let d = try SiteBuilder.build(compacted)
        #expect(a.files.map(\.path) == d.files.map(\.path))
        for (x, y) in zip(a.files, d.files) where x.bytes != y.bytes { Issue.record("\(x.path) differs when compacted") }
        let c = try SiteBuilder.build(spilled)
        #expect(a.files.map(\.path) == c.files.map(\.path))
        for (x, y) in zip(a.files, c.files) where x.bytes != y.bytes { Issue.record("\(x.path) differs when spilled") }
        // The temporary file is gone.
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/spilled/.gongkai").allSatisfy { !$0.contains("narrative") })
    }

    /// Sections written aside come back as they were; the file has no name in the folder.
    @Test func spilledSectionsComeBackWhole() throws {
        let root = SiteFixture.tempDir()
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let spill = try #require(NarrativeSpill(folder: root))
        let a = [NarrativeSection(title: "一、总体情况", line: 3, paragraphs: [.init(line: 5, text: "正文 & <b>"), .init(line: 7, text: "")])]
        let b = [NarrativeSection(title: "", line: 1, paragraphs: [])] + a
        let ra = try #require(spill.put(a)), rb = try #require(spill.put(b)), rc = try #require(spill.put([]))
        #expect(spill.get(rb) == b)
        #expect(spill.get(ra) == a)
        #expect(spill.get(rc) == [])
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).isEmpty)
        #expect(NarrativeSpill(folder: root + "/no-such-folder") == nil)
    }
}
