import Testing
import Foundation
@testable import GongkaiSite
import GongkaiCore
import GongkaiRender
import GongkaiSynth

/// A year's records files, rebuilt from the last build's files: the records read from the cache
/// are copied, the changed ones written anew, and the bytes are those of a whole new write.
@Suite struct RecordsReuseTests {
    /// Byte equality, reported as a yes or no (not as two files of bytes).
    func same(_ a: [UInt8], _ b: [UInt8]) -> Bool { a == b }

    /// Renderers over the same twelve reports, the second with report `changed`'s text changed
    /// in a cell that only the records files (no aggregate) show.
    func renderers() throws -> (before: SiteRenderer, after: SiteRenderer, indices: [Int], changed: Int) {
        let pool = Array(SyntheticCorpus(seed: 8, count: 12))
        let before = pool.map { SiteFixture.load($0.text, $0.fileName) }
        var after = before
        let k = try #require(pool.firstIndex { $0.text.contains("\n规章\t") })
        let text = pool[k].text.replacingOccurrences(of: "\n规章\t", with: "\n规章\t9")
        after[k] = SiteFixture.load(text, pool[k].fileName)
        let theme = try Theme(files: DefaultTemplates.files), config = SiteConfiguration()
        func renderer(_ r: [LoadedReport]) -> SiteRenderer {
            SiteRenderer(reports: r, aggregates: SiteBuilder.aggregate(r, configuration: config), configuration: config, theme: theme)
        }
        return (renderer(before), renderer(after), Array(before.indices), k)
    }

    /// A record's table 二 cells reach its CSV row whether its items come in the form's order
    /// (looked up by place) or not (looked up by key).
    @Test func activeCellsAreFoundWhateverTheOrderOfTheItems() throws {
        let pool = Array(SyntheticCorpus(seed: 8, count: 12)).filter { $0.text.contains("\n规章\t") }
        var reports = pool.prefix(3).map { SiteFixture.load($0.text, $0.fileName) }
        let theme = try Theme(files: DefaultTemplates.files), config = SiteConfiguration()
        func csv(_ r: [LoadedReport]) -> String {
            let renderer = SiteRenderer(reports: r, aggregates: SiteBuilder.aggregate(r, configuration: config), configuration: config, theme: theme)
            return String(decoding: renderer.recordsCSV(Array(r.indices)), as: UTF8.self)
        }
        let inOrder = csv(reports)
        #expect(inOrder.utf8.filter { $0 == 0x0A }.count == 4, "a header and three rows")
        for k in reports.indices {
            var c = reports[k].checked
            let items = try #require(c.report.activeDisclosure?.items)
            #expect(items.count > 2)
            c.report.activeDisclosure?.items = Array(items.reversed())
            reports[k].checked = c
        }
        #expect(csv(reports) == inOrder)
    }

    /// Past their memory limit, the parts agency files hand over go to a temporary file and
    /// come back from it: the year files are the same bytes, and the folder is left empty.
    @Test func rowsPastTheMemoryLimitAreWrittenAsideAndReadBack() throws {
        let (plain, _, all, _) = try renderers()
        let csv = plain.recordsCSV(all), json = plain.recordsJSON(all)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gongkai-parts-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let pool = Array(SyntheticCorpus(seed: 8, count: 12)).map { SiteFixture.load($0.text, $0.fileName) }
        let config = SiteConfiguration()
        let r = SiteRenderer(reports: pool, aggregates: SiteBuilder.aggregate(pool, configuration: config), configuration: config,
                             theme: try Theme(files: DefaultTemplates.files), spillFolder: folder, partsInMemory: 6000)
        let groups = [all.filter { $0 % 2 == 0 }, all.filter { $0 % 2 == 1 }.reversed()]
        for g in groups { _ = r.recordsCSV(Array(g), handOver: true); _ = r.recordsJSON(Array(g), handOver: true) }
        #expect(r.recordParts.spilled > 12, "most parts do not fit in 6,000 bytes")
        #expect(same(r.recordsCSV(all), csv))
        #expect(same(r.recordsJSON(all), json))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    @Test func aChangedRecordIsWrittenAnewAndTheRestCopied() throws {
        let (before, after, all, k) = try renderers()
        let oldJSON = before.recordsJSON(all), oldCSV = before.recordsCSV(all)
        let json = try #require(after.recordsJSON(all, reusing: oldJSON, fresh: { $0 == k }))
        let csv = try #require(after.recordsCSV(all, reusing: oldCSV, fresh: { $0 == k }))
        #expect(same(json, after.recordsJSON(all)))
        #expect(same(csv, after.recordsCSV(all)))
        #expect(!same(json, oldJSON) && !same(csv, oldCSV), "the changed cell is in both files")
        // The report not marked as changed: its old record is copied, as the last build wrote it.
        #expect(same(after.recordsJSON(all, reusing: oldJSON, fresh: { _ in false }) ?? [], oldJSON))
    }

    /// The rows an agency's files hand over to its year's files are those records' own: a year
    /// file made from them (in another grouping and order) equals one made anew.
    @Test func rowsHandedOverByAgencyFilesAreTheRecordsOwn() throws {
        let (_, r, all, _) = try renderers()
        let csv = r.recordsCSV(all), json = r.recordsJSON(all)
        let groups = [all.filter { $0 % 3 == 0 }.reversed(), all.filter { $0 % 3 == 1 }, all.filter { $0 % 3 == 2 }]
        for g in groups { _ = r.recordsCSV(Array(g), handOver: true); _ = r.recordsJSON(Array(g), handOver: true) }
        #expect(same(r.recordsCSV(all), csv))
        #expect(same(r.recordsJSON(all), json))
        // Taken once: the next file makes them again, the same.
        #expect(same(r.recordsCSV(all), csv))
        // Nothing past the limit is kept.
        let parts = RecordParts(count: 4, limit: 10)
        parts.put([(0, 0..<8), (1, 8..<16)], .csv, from: Array(repeating: 1, count: 8) + Array(repeating: 2, count: 8))
        var taken: [UInt8] = []
        #expect(parts.take(0, .csv, appendingTo: &taken) && taken == Array(repeating: 1, count: 8))
        #expect(!parts.take(1, .csv, appendingTo: &taken))
        #expect(!parts.take(0, .csv, appendingTo: &taken))
        #expect(taken.count == 8)
    }

    @Test func anOldFileThatDoesNotMatchIsNotUsed() throws {
        let (before, after, all, k) = try renderers()
        let oldJSON = before.recordsJSON(all), oldCSV = before.recordsCSV(all)
        // Another list of reports than the file's: one fewer, or in another order.
        #expect(after.recordsJSON(Array(all.dropLast()), reusing: oldJSON, fresh: { $0 == k }) == nil)
        #expect(after.recordsJSON(all.reversed(), reusing: oldJSON, fresh: { $0 == k }) == nil)
        #expect(after.recordsCSV(all.reversed(), reusing: oldCSV, fresh: { $0 == k }) == nil)
        // Not a records file at all.
        #expect(after.recordsJSON(all, reusing: Array("[]\n".utf8), fresh: { _ in true }) == nil)
        #expect(after.recordsCSV(all, reusing: Array("source\r\n".utf8), fresh: { _ in true }) == nil)
    }
}
