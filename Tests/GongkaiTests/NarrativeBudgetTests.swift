import Foundation
import Testing
@testable import GongkaiSite
import GongkaiSynth

/// A report page shows the same narrative whether its record kept the sections found when the
/// report was extracted or the page finds them again in the file (past the memory budget).
@Suite struct NarrativeBudgetTests {
    @Test func pagesAreTheSameWithAndWithoutKeptNarrative() throws {
        let root = SiteFixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let pool = Array(SyntheticCorpus(seed: 5, count: 16))
        for r in pool { try IncrementalTests.write(r.text, root + "/corpus/" + r.fileName) }
        var kept = BuildOptions(corpus: root + "/corpus", output: root + "/kept", keepFiles: true)
        kept.narrativeBudget = 1 << 30
        var refound = BuildOptions(corpus: root + "/corpus", output: root + "/refound", keepFiles: true)
        refound.narrativeBudget = 0
        let a = try SiteBuilder.build(kept), b = try SiteBuilder.build(refound)
        let pages = a.files.filter { $0.path.hasPrefix("reports/") && $0.isPage }
        #expect(pages.count == 17, "16 report pages and the list")
        // The narrative is on the pages: its sections are headings (the source view has the same
        // words in list items).
        #expect(pages.filter { $0.text.contains("<h3>") && $0.text.contains("总体情况</h3>") }.count >= 8)
        #expect(a.files.map(\.path) == b.files.map(\.path))
        for (x, y) in zip(a.files, b.files) where x.bytes != y.bytes { Issue.record("\(x.path) differs") }
    }
}
