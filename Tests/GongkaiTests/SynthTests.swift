import Foundation
import Testing
import GongkaiCore
import GongkaiCheck
import GongkaiExtract
@testable import GongkaiSynth
@testable import GongkaiCommands

/// The synthetic corpus: deterministic, consistent, and read back exactly by the extractor.
@Suite struct SynthTests {
    // MARK: helpers

    /// Every leaf of a record as (dotted path, printed value).
    static func leaves(_ j: JSON, _ path: String = "", into out: inout [(String, String)]) {
        switch j {
        case .object(let members):
            for (k, v) in members { leaves(v, path.isEmpty ? k : path + "." + k, into: &out) }
        case .array(let items) where !path.hasSuffix("columns"):
            for (i, v) in items.enumerated() { leaves(v, path + ".\(i)", into: &out) }
        default:
            out.append((path, j.serialized()))
        }
    }

    /// Cells that differ between the expected record and the extracted one.
    static func differences(expected: JSON, got: JSON, only: (String) -> Bool = { _ in true }) -> [String] {
        var want: [(String, String)] = [], have: [(String, String)] = []
        leaves(expected, into: &want)
        leaves(got, into: &have)
        let haveByPath = Dictionary(have, uniquingKeysWith: { a, _ in a })
        return want.filter { only($0.0) }.compactMap { path, value in
            let g = haveByPath[path] ?? "(missing)"
            return g == value ? nil : "\(path): expected \(value), got \(g)"
        }
    }

    /// Title variants that once defeated the extractor (see `extractionReadsEveryTitleVariant`).
    static func isHardTitleVariant(_ r: SyntheticReport) -> Bool {
        // A title wrapped at the page width inside 年度报告 / 工作报告.
        let wrappedInsideKeyword = !r.titleLines.contains { $0.contains("年度报告") || $0.contains("工作报告") }
        // `# 2023年度某局…`: the Markdown mark before a year-first title.
        let markdownYearFirst = r.titleLines.first.map { $0.hasPrefix("# ") } == true && r.titleStyle == .yearFirst
        return wrappedInsideKeyword || markdownYearFirst
    }


    // MARK: determinism

    @Test func synthIsDeterministicForASeed() {
        let a = Array(SyntheticCorpus(seed: 42, count: 25))
        let b = Array(SyntheticCorpus(seed: 42, count: 25))
        #expect(a.count == 25)
        #expect(a.map(\.fileName) == b.map(\.fileName))
        #expect(a.map(\.text) == b.map(\.text))
        #expect(a.map { $0.expected.serialized() } == b.map { $0.expected.serialized() })
        let c = Array(SyntheticCorpus(seed: 43, count: 25))
        #expect(a.map(\.text) != c.map(\.text))
        // An agency's reports are the same whether taken from the sequence or by index.
        let first = SyntheticCorpus.reports(ofAgency: 0, seed: 42)
        #expect(first.map(\.text) == Array(a.prefix(first.count)).map(\.text))
        // Base names are unique (compare-extraction matches records by base name).
        let many = SyntheticCorpus(seed: 42, count: 2000).map(\.name)
        #expect(Set(many).count == many.count)
    }

    @Test func splitMix64MatchesTheReferenceSequence() {
        // The published SplitMix64 outputs for seed 1234567.
        var r = SplitMix64(seed: 1234567)
        #expect(r.next() == 6457827717110365317)
        #expect(r.next() == 3203168211198807973)
        #expect(r.next() == 9817491932198370423)
    }

    // MARK: figures

    @Test func generatedFiguresSatisfyTheIdentities() {
        var blankGroups = 0
        var checked = 0
        for r in SyntheticCorpus(seed: 7, count: 400) {
            for result in IdentityChecker.check(r.record) {
                switch result.status {
                case .holds: checked += 1
                case .breaks: Issue.record("\(r.fileName): \(result.message)")
                case .notCheckable: blankGroups += 1   // a 行政复议 group printed blank
                }
            }
            // Every cell is a number, apart from a blank 行政复议 group.
            let apps = r.record.applications!
            #expect(apps.rows.allSatisfy { $0.cells.allSatisfy(\.isNumber) })
            #expect(apps["other"] != nil || (apps["other_no_supplement"] != nil && apps["other_fee_unpaid"] != nil && apps["other_misc"] != nil))
            #expect(r.record.template == ((r.year <= 2020) ? .form2019 : .form2021))
        }
        #expect(checked > 400 * 20)
        #expect(blankGroups < 400)
    }

    @Test func carriedOverIsLastYearsCarriedForward() {
        var previous: (agency: Int, year: Int, forward: [Double?])? = nil
        var links = 0
        for r in SyntheticCorpus(seed: 11, count: 500) {
            let apps = r.record.applications!
            if let p = previous, p.agency == r.agency.index {
                #expect(r.year == p.year + 1)
                #expect(apps["carried_over"]!.map(\.value) == p.forward, "\(r.fileName)")
                links += 1
            }
            previous = (r.agency.index, r.year, apps["carried_forward"]!.map(\.value))
        }
        #expect(links > 200)
    }

    @Test func sizesAreSkewed() {
        var received: [Int] = []
        var bytes: [Int] = []
        var families = Set<LayoutFamily>()
        var templates = Set<Template>()
        for r in SyntheticCorpus(seed: 3, count: 1500) {
            received.append(r.record.applications!["received"]![6].intValue!)
            bytes.append(r.text.utf8.count)
            families.insert(r.layout)
            templates.insert(r.record.template!)
        }
        received.sort(); bytes.sort()
        #expect(received[received.count / 2] < 60, "most agencies get few applications")
        #expect(received.last! > 1000, "a few get thousands")
        #expect(bytes.first! >= 1500 && bytes.last! > 30_000)
        #expect(families == Set(LayoutFamily.allCases))
        #expect(templates == [.form2019, .form2021])
    }

    // MARK: round trip

    /// For each layout family, ~50 reports read back cell for cell: every table cell and the
    /// template always; agency and year for every title the extractor is known to read.
    @Test(arguments: LayoutFamily.allCases)
    func extractionReadsGeneratedReportsBack(_ family: LayoutFamily) {
        var compared = 0
        for r in SyntheticCorpus(seed: 2024, count: 50, families: [family]) {
            let got = ReportExtractor().extract(text: r.text, source: r.fileName).json(includeSourceAndDiagnostics: false)
            let diffs = Self.differences(expected: r.expected, got: got, only: { _ in true })
            #expect(diffs.isEmpty, "\(r.fileName) (\(r.baseLayout.rawValue)): \(diffs.prefix(8).joined(separator: "; "))")
            #expect(got == r.expected, "\(r.fileName)")
            compared += 1
        }
        #expect(compared == 50)
    }

    /// A title wrapped inside 年度报告 (PDF page width), and `# 2023年度某局…` (Markdown, year first).
    @Test func extractionReadsEveryTitleVariant() {
        var seen = 0
        for r in SyntheticCorpus(seed: 2024, count: 600, families: [.spaced, .markdown]) where Self.isHardTitleVariant(r) {
            let got = ReportExtractor().extract(text: r.text, source: r.fileName).json(includeSourceAndDiagnostics: false)
            #expect(Self.differences(expected: r.expected, got: got).isEmpty, "\(r.fileName): \(r.titleLines)")
            seen += 1
        }
        #expect(seen > 10)
    }

    // MARK: command

    @Test func synthCommandWritesReportsAndExpectedRecords() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gongkai-synth-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("corpus").path, exp = dir.appendingPathComponent("expected").path
        var command = try GongkaiCommand.parseAsRoot(["synth", "--count", "40", "--out", out, "--seed", "5", "--expected", exp])
        try command.run()
        let files = FileManager.default.enumerator(atPath: out)!.compactMap { $0 as? String }.filter { $0.contains(".") }
        #expect(files.count == 40)
        #expect(files.allSatisfy { $0.split(separator: "/").count == 3 }, "nested as YEAR/CITY/NAME")
        let records = try FileManager.default.contentsOfDirectory(atPath: exp).filter { $0.hasSuffix(".json") }
        #expect(records.count == 40)
        // Written in parallel, the corpus is exactly the sequence's, cut at --count.
        for r in SyntheticCorpus(seed: 5, count: 40) {
            let text = try String(contentsOfFile: out + "/" + r.fileName, encoding: .utf8)
            #expect(text == r.text, "\(r.fileName)")
            let json = try String(contentsOfFile: exp + "/" + r.name + ".json", encoding: .utf8)
            #expect(json == r.expected.serialized(pretty: true) + "\n")
        }
    }
}

@Suite("Synthetic agencies")
struct SyntheticAgencyTests {
    @Test func everyAgencyHasItsOwnName() {
        // Duplicate names would be duplicate agency-years in a build (an error, rightly).
        var seen = Set<String>()
        let n = 20_000
        for i in 0..<n {
            let a = Places.agency(index: i, seed: 42)
            let identity: String = a.district != nil && !a.name.hasPrefix(a.city) ? a.city + a.name : a.name
            #expect(seen.insert(identity).inserted, "agency \(i): \(a.name) repeats")
            if seen.count < i + 1 { break }
        }
        #expect(seen.count == n)
    }
}
