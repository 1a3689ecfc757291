import Foundation
import Testing
import GongkaiCore
import GongkaiSite
import GongkaiRender
import GongkaiSynth

/// Incremental builds: after random edits, additions, renames, deletions, sidecar, configuration
/// and template changes, the incrementally built folder equals a clean build, file by file.
@Suite struct IncrementalTests {
    /// SplitMix64, so the sequence of edits is the same on every run.
    struct RNG {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    /// Every file under `dir` except the build's own state, relative path → bytes.
    static func tree(_ dir: String) -> [String: Data] {
        var out: [String: Data] = [:]
        let fm = FileManager.default
        for p in (fm.subpaths(atPath: dir) ?? []) where !p.hasPrefix(".gongkai") {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: dir + "/" + p, isDirectory: &isDir), !isDir.boolValue else { continue }
            out[p] = fm.contents(atPath: dir + "/" + p)
        }
        return out
    }

    static func write(_ text: String, _ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    static func compare(_ inc: String, _ clean: String, step: String) -> Bool {
        let a = tree(inc), b = tree(clean)
        let missing = Set(b.keys).subtracting(a.keys).sorted(), extra = Set(a.keys).subtracting(b.keys).sorted()
        #expect(missing.isEmpty, "\(step): missing in the incremental build: \(missing.prefix(5))")
        #expect(extra.isEmpty, "\(step): stale files in the incremental build: \(extra.prefix(5))")
        let differ = a.keys.filter { b[$0] != nil && a[$0] != b[$0] }.sorted()
        #expect(differ.isEmpty, "\(step): files differ: \(differ.prefix(5))")
        return missing.isEmpty && extra.isEmpty && differ.isEmpty
    }

    @Test func randomEditsGiveTheSameSiteAsACleanBuild() throws {
        let root = SiteFixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let corpus = root + "/corpus", templates = root + "/templates", inc = root + "/inc"
        try FileManager.default.createDirectory(atPath: templates, withIntermediateDirectories: true)
        let pool = Array(SyntheticCorpus(seed: 11, count: 30))
        var present: [String] = []          // relative paths in the corpus
        var next = 0
        for r in pool.prefix(14) { try Self.write(r.text, corpus + "/" + r.fileName); present.append(r.fileName) }
        next = 14
        var rng = RNG(state: 2024)
        let options = { (out: String, clean: Bool) in BuildOptions(corpus: corpus, output: out, templateFolders: [templates], clean: clean) }
        _ = try SiteBuilder.build(options(inc, false))
        for step in 0..<10 {
            var did: [String] = []
            for _ in 0...rng.below(3) {
                switch rng.below(9) {
                case 0, 1:  // edit a figure or the text
                    guard !present.isEmpty else { continue }
                    let p = corpus + "/" + present[rng.below(present.count)]
                    var t = try String(contentsOfFile: p, encoding: .utf8)
                    if rng.below(2) == 0, let r = t.range(of: "1") { t.replaceSubrange(r, with: "7") } else { t += "\n补充说明：第 \(step) 步修改。\n" }
                    try Self.write(t, p)
                    did.append("edit \(p.suffix(24))")
                case 2:  // add
                    guard next < pool.count else { continue }
                    try Self.write(pool[next].text, corpus + "/" + pool[next].fileName)
                    present.append(pool[next].fileName); next += 1
                    did.append("add")
                case 3:  // rename (maybe into another folder)
                    guard !present.isEmpty else { continue }
                    let k = rng.below(present.count)
                    let to = "moved/s\(step)-" + (present[k].split(separator: "/").last.map(String.init) ?? "x.txt")
                    try FileManager.default.createDirectory(atPath: corpus + "/moved", withIntermediateDirectories: true)
                    try FileManager.default.moveItem(atPath: corpus + "/" + present[k], toPath: corpus + "/" + to)
                    present[k] = to
                    did.append("rename")
                case 4:  // delete
                    guard present.count > 1 else { continue }
                    let k = rng.below(present.count)
                    try FileManager.default.removeItem(atPath: corpus + "/" + present[k])
                    present.remove(at: k)
                    did.append("delete")
                case 5:  // sidecar
                    guard !present.isEmpty else { continue }
                    let p = corpus + "/" + present[rng.below(present.count)]
                    try Self.write("source_url: https://example.org/r\(step)\npublished: 2024-0\(1 + rng.below(9))-1\(rng.below(10))\n", Sidecar.path(for: p))
                    did.append("sidecar")
                case 6:  // configuration
                    try Self.write("title: 门户 \(rng.below(3))\nfictional: true\n", corpus + "/gongkai.yml")
                    did.append("config")
                case 7:  // template override
                    if rng.below(2) == 0 {
                        try Self.write("<footer class=\"site\"><p>页脚 \(step) {{site.title}}</p></footer>\n", templates + "/partials/footer.mustache")
                    } else {
                        try? FileManager.default.removeItem(atPath: templates + "/partials/footer.mustache")
                    }
                    did.append("template")
                default:  // a duplicate agency-year: copy a report to a second file
                    guard let src = present.first else { continue }
                    let to = "dup/s\(step).txt"
                    try Self.write(try String(contentsOfFile: corpus + "/" + src, encoding: .utf8), corpus + "/" + to)
                    present.append(to)
                    did.append("duplicate")
                }
            }
            let r = try SiteBuilder.build(options(inc, false))
            let clean = root + "/clean-\(step)"
            _ = try SiteBuilder.build(options(clean, true))
            let same = Self.compare(inc, clean, step: "step \(step) (\(did.joined(separator: ", ")))")
            try? FileManager.default.removeItem(atPath: clean)
            if !same { return }
            // Nothing changed: nothing rendered, nothing written.
            let again = try SiteBuilder.build(options(inc, false))
            #expect(again.rendered == 0 && again.write.written.isEmpty, "step \(step): a second build rendered \(again.rendered) units")
            _ = r
        }
    }

    @Test func oneChangedReportRewritesOnlyItsDependents() throws {
        let root = SiteFixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (corpus, out, _, pool, first) = try built(root, seed: 5, count: 20)
        #expect(first.write.written.count == first.paths.count)
        let p = corpus + "/" + pool[3].fileName
        let t = try String(contentsOfFile: p, encoding: .utf8)
        try Self.write(t + "\n补充说明。\n", p)
        let second = try SiteBuilder.build(BuildOptions(corpus: corpus, output: out))
        // The report's page changes (its source view); aggregates do not, so few files are written.
        #expect(second.write.written.contains { $0.hasPrefix("reports/") && $0.hasSuffix("index.html") })
        #expect(second.write.written.count <= 4, "\(second.write.written)")
        #expect(second.rendered < first.rendered)
        // Touching a file without changing it renders nothing.
        try Self.write(t + "\n补充说明。\n", p)
        let third = try SiteBuilder.build(BuildOptions(corpus: corpus, output: out))
        #expect(third.rendered == 0 && third.write.written.isEmpty)
        // Nothing changed at all: the build stops after the stamps, with the same findings, and
        // records and aggregates still there when asked for.
        let fourth = try SiteBuilder.build(BuildOptions(corpus: corpus, output: out))
        #expect(fourth.rendered == 0 && fourth.write.written.isEmpty && fourth.paths == second.paths)
        #expect(fourth.diagnostics.map { $0.diagnostic.formatted(path: $0.path) } == second.diagnostics.map { $0.diagnostic.formatted(path: $0.path) })
        #expect(fourth.reports.count == 20 && fourth.reportCount == 20)
        #expect(fourth.aggregates.agencies.count == second.aggregates.agencies.count)
    }

    /// Each template file changed in turn (an override in a templates folder), then the override
    /// removed: every build equals a clean one, and renders only the units that read the file — a
    /// report page template the report pages, a style sheet itself, a partial every page but no
    /// data file.
    @Test func aTemplateChangeRendersOnlyWhatReadsIt() throws {
        let root = SiteFixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let corpus = root + "/corpus", templates = root + "/templates", out = root + "/out", clean = root + "/clean"
        let pool = Array(SyntheticCorpus(seed: 8, count: 4))
        for r in pool { try Self.write(r.text, corpus + "/" + r.fileName) }
        try FileManager.default.createDirectory(atPath: templates, withIntermediateDirectories: true)
        let options = { (o: String, clean: Bool) in BuildOptions(corpus: corpus, output: o, templateFolders: [templates], clean: clean) }
        let all = try SiteBuilder.build(options(out, false)).rendered
        let builtIn = try Theme.load(folders: []).files
        for path in builtIn.keys.sorted() {
            let text = builtIn[path]! + (path.hasSuffix(".css") ? "\n/* 改动 */\n" : "\n\n模板改动：\(path)\n")
            try Self.write(text, templates + "/" + path)
            let changed = try SiteBuilder.build(options(out, false))
            try? FileManager.default.removeItem(atPath: clean)
            _ = try SiteBuilder.build(options(clean, true))
            guard Self.compare(out, clean, step: "\(path) changed") else { return }
            switch path {
            case "pages/report.md": #expect(changed.rendered == pool.count, "\(path): \(changed.rendered) units")
            case _ where path.hasPrefix("assets/"): #expect(changed.rendered == 1, "\(path): \(changed.rendered) units")
            case _ where path.hasPrefix("pages/") || path.hasPrefix("content/"):
                // Pages of one kind: fewer units than a shared file renders, and no data file.
                #expect(changed.rendered <= pool.count && changed.rendered < all / 2, "\(path): \(changed.rendered) units")
                #expect(changed.write.written.allSatisfy { $0.hasSuffix(".html") }, "\(path): \(changed.write.written)")
            default:  // layouts and partials: every page, but not the year's data files
                #expect(changed.rendered > pool.count && changed.rendered < all, "\(path): \(changed.rendered) of \(all) units")
            }
            try FileManager.default.removeItem(atPath: templates + "/" + path)
            let reverted = try SiteBuilder.build(options(out, false))
            #expect(reverted.rendered == changed.rendered, "\(path): the same units again")
            try? FileManager.default.removeItem(atPath: clean)
            _ = try SiteBuilder.build(options(clean, true))
            guard Self.compare(out, clean, step: "\(path) restored") else { return }
        }
        // A new content page is a new page in the sitemap too; removed, it is gone from both.
        for add in [true, false] {
            if add { try Self.write("# 常见问题\n\n问与答。\n", templates + "/content/faq.md") } else { try FileManager.default.removeItem(atPath: templates + "/content/faq.md") }
            _ = try SiteBuilder.build(options(out, false))
            try? FileManager.default.removeItem(atPath: clean)
            _ = try SiteBuilder.build(options(clean, true))
            #expect(Self.compare(out, clean, step: add ? "content/faq.md added" : "content/faq.md removed"))
        }
    }

    /// `count` synthetic reports written to `root/corpus` and built into `root/out` (`clean` is
    /// where a test builds the same corpus from scratch).
    func built(_ root: String, seed: UInt64, count: Int) throws -> (corpus: String, out: String, clean: String, pool: [SyntheticReport], first: BuildResult) {
        let corpus = root + "/corpus", out = root + "/out", clean = root + "/clean"
        let pool = Array(SyntheticCorpus(seed: seed, count: count))
        for r in pool { try Self.write(r.text, corpus + "/" + r.fileName) }
        return (corpus, out, clean, pool, try SiteBuilder.build(BuildOptions(corpus: corpus, output: out)))
    }

    /// Twenty-four synthetic reports built, and one whose table 二 prints the 规章 row with
    /// tab-separated cells (`pool[k]`, at `path`).
    func builtWithRegulationsRow(_ root: String) throws -> (corpus: String, out: String, clean: String, pool: [SyntheticReport], k: Int, path: String) {
        let (corpus, out, clean, pool, _) = try built(root, seed: 21, count: 24)
        let k = try #require(pool.firstIndex(where: { $0.text.contains("\n规章\t") }))
        return (corpus, out, clean, pool, k, corpus + "/" + pool[k].fileName)
    }

    /// A cell no aggregate reads (table 二's 规章 row) re-renders only its report's page, its
    /// agency's unit and its year's data files; a cell a figure is made of (table 三's 本年新收)
    /// re-renders the pages that show aggregates too. Both give the clean build's bytes.
    @Test func aCellRendersWhatShowsIt() throws {
        let root = SiteFixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (corpus, out, clean, _, _, p) = try builtWithRegulationsRow(root)
        var lines = try String(contentsOfFile: p, encoding: .utf8).components(separatedBy: "\n")
        let row = try #require(lines.firstIndex(where: { $0.hasPrefix("规章\t") }))
        var cells = lines[row].components(separatedBy: "\t")
        cells[1] = String((Int(cells[1]) ?? 0) + 3)
        lines[row] = cells.joined(separator: "\t")
        try Self.write(lines.joined(separator: "\n"), p)
        let narrow = try SiteBuilder.build(BuildOptions(corpus: corpus, output: out))
        _ = try SiteBuilder.build(BuildOptions(corpus: corpus, output: clean, clean: true))
        #expect(Self.compare(out, clean, step: "a cell no aggregate reads"))
        // Its page, its agency's, and its year's two data files.
        #expect(narrow.rendered <= 4, "rendered \(narrow.rendered) units")
        #expect(!narrow.write.written.contains("index.html"))
        // 本年新收 (table 三, first data row): aggregates change, and the pages showing them.
        let r3 = try #require(lines.firstIndex(where: { $0.contains("本年新收") && $0.contains("\t") }))
        var c3 = lines[r3].components(separatedBy: "\t")
        // Its last number is the 总计 column, which the figures read.
        let last = try #require(c3.lastIndex { Int($0.trimmingCharacters(in: .whitespaces)) != nil })
        c3[last] = String(Int(c3[last].trimmingCharacters(in: .whitespaces))! + 5)
        lines[r3] = c3.joined(separator: "\t")
        try Self.write(lines.joined(separator: "\n"), p)
        let broad = try SiteBuilder.build(BuildOptions(corpus: corpus, output: out))
        try? FileManager.default.removeItem(atPath: clean)
        _ = try SiteBuilder.build(BuildOptions(corpus: corpus, output: clean, clean: true))
        #expect(Self.compare(out, clean, step: "a figure's cell"))
        #expect(broad.rendered > narrow.rendered)
    }

    /// A year's records file is rebuilt from the one on disk only if that is the file the last
    /// build wrote: one edited since is written anew.
    @Test func anEditedRecordsFileIsNotReused() throws {
        let root = SiteFixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (corpus, out, clean, pool, k, p) = try builtWithRegulationsRow(root)
        // Someone edits a copied part of the year's records file (another report's source).
        let year = try #require(pool[k].fileName.split(separator: "/").first)
        let other = try #require(pool.first { $0.fileName.hasPrefix(year + "/") && $0.fileName != pool[k].fileName })
        let json = out + "/data/\(year)/records.json"
        let edited = try String(contentsOfFile: json, encoding: .utf8).replacingOccurrences(of: "\"agency\": ", with: "\"agency\":  ")
        try edited.write(toFile: json, atomically: false, encoding: .utf8)
        #expect(edited.contains(other.fileName))
        // A cell no aggregate reads changes in the report: a narrow build.
        let text = try String(contentsOfFile: p, encoding: .utf8).replacingOccurrences(of: "\n规章\t", with: "\n规章\t9")
        try Self.write(text, p)
        _ = try SiteBuilder.build(BuildOptions(corpus: corpus, output: out))
        _ = try SiteBuilder.build(BuildOptions(corpus: corpus, output: clean, clean: true))
        #expect(Self.compare(out, clean, step: "after the records file was edited"))
    }

    @Test func aKilledBuildIsRepairedByTheNextOne() throws {
        let root = SiteFixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (corpus, out, clean, _, _) = try built(root, seed: 3, count: 8)
        // As if a build had written a page and a new file, then died before its manifest:
        // the journal lists them; the manifest still has the old hashes.
        try "half-built".write(toFile: out + "/index.html", atomically: false, encoding: .utf8)
        try "orphan".write(toFile: out + "/orphan.html", atomically: false, encoding: .utf8)
        try "index.html\norphan.html\n".write(toFile: out + "/.gongkai/pending", atomically: false, encoding: .utf8)
        try "half".write(toFile: out + "/.index.html.tmp-999999", atomically: false, encoding: .utf8)
        _ = try SiteBuilder.build(BuildOptions(corpus: corpus, output: out))
        _ = try SiteBuilder.build(BuildOptions(corpus: corpus, output: clean, clean: true))
        #expect(Self.compare(out, clean, step: "after a killed build"))
        #expect(!FileManager.default.fileExists(atPath: out + "/.gongkai/pending"))
        #expect(!FileManager.default.fileExists(atPath: out + "/.index.html.tmp-999999"), "a killed build's temporary file is removed")
    }

    /// A record cache or manifest of an older format, or a damaged one, is ignored: the build reads
    /// what it needs again and still removes the files the old manifest listed.
    @Test func oldOrDamagedStateFilesAreIgnoredSafely() throws {
        let root = SiteFixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (corpus, out, _, pool, _) = try built(root, seed: 7, count: 8)
        let state = out + "/.gongkai/"
        func edit(_ k: Int, _ step: Int) throws {
            let p = corpus + "/" + pool[k].fileName
            try Self.write(try String(contentsOfFile: p, encoding: .utf8) + "\n补充说明 \(step)。\n", p)
        }
        func checkSameAsClean(_ step: String) throws {
            let clean = root + "/clean"
            _ = try SiteBuilder.build(BuildOptions(corpus: corpus, output: clean, clean: true))
            #expect(Self.compare(out, clean, step: step))
            try? FileManager.default.removeItem(atPath: clean)
        }
        // Format 2 cache (one string table per chunk) and format 1 manifest (text), listing a file
        // this build no longer makes.
        try Data("GKRC2\n".utf8 + [3, 0x61, 0x62, 0x63, 1, 2, 3]).write(to: URL(fileURLWithPath: state + "records"))
        try "stale".write(toFile: out + "/stale.html", atomically: false, encoding: .utf8)
        try "gongkai-manifest 1\nv gongkai-site 2 1-2.3\ng 00 -\ni 00 -\nc 1 1\nu 00 index.html\no 00 index.html\no 00 stale.html\n"
            .write(toFile: state + "manifest", atomically: false, encoding: .utf8)
        try edit(1, 1)
        let first = try SiteBuilder.build(BuildOptions(corpus: corpus, output: out))
        #expect(first.write.removed == ["stale.html"])
        #expect(!FileManager.default.fileExists(atPath: out + "/stale.html"))
        try checkSameAsClean("after an old-format cache and manifest")
        // A cache cut short, and a manifest whose binary part is cut short.
        let records = try Data(contentsOf: URL(fileURLWithPath: state + "records"))
        try records.prefix(records.count / 2).write(to: URL(fileURLWithPath: state + "records"))
        try edit(2, 2)
        _ = try SiteBuilder.build(BuildOptions(corpus: corpus, output: out))
        try checkSameAsClean("after a truncated cache")
        let manifest = try Data(contentsOf: URL(fileURLWithPath: state + "manifest"))
        try manifest.prefix(manifest.count - 7).write(to: URL(fileURLWithPath: state + "manifest"))
        try edit(3, 3)
        _ = try SiteBuilder.build(BuildOptions(corpus: corpus, output: out))
        try checkSameAsClean("after a truncated manifest")
        // A record whose head decodes but whose tables do not (the last byte of the last record,
        // its end marker, changed): the build starts again without the cache.
        var damaged = try [UInt8](Data(contentsOf: URL(fileURLWithPath: state + "records")))
        #expect(damaged.last == 0)
        damaged[damaged.count - 1] = 1
        try Data(damaged).write(to: URL(fileURLWithPath: state + "records"))
        // An edit of another report of the same year, whose records files are gone from the
        // output (so they cannot be rebuilt from the old ones): they are written from every
        // record of the year and read the damaged one, which is then read from its file.
        let names = pool.map(\.fileName)
        let lastName = try #require(names.sorted().last)
        let year = try #require(lastName.split(separator: "/").first)
        let sameYear = try #require(names.firstIndex { $0 != lastName && $0.split(separator: "/").first == year })
        for f in ["records.csv", "records.json"] { try FileManager.default.removeItem(atPath: out + "/data/\(year)/" + f) }
        try edit(sameYear, 5)
        let repaired = try SiteBuilder.build(BuildOptions(corpus: corpus, output: out))
        #expect(repaired.rendered > 0)
        try checkSameAsClean("after a damaged record")
        let after = try? Data(contentsOf: URL(fileURLWithPath: state + "records"))
        #expect(after?.last != 1, "the damaged record is not kept")
        // And the state written by this build is read back: nothing to do.
        let again = try SiteBuilder.build(BuildOptions(corpus: corpus, output: out))
        #expect(again.rendered == 0 && again.write.written.isEmpty)
        // Records come back from the cache with their figures (a blank stays nil, never 0).
        try edit(4, 4)
        let cached = try SiteBuilder.build(BuildOptions(corpus: corpus, output: out))
        let fresh = try SiteBuilder.build(BuildOptions(corpus: corpus, output: root + "/fresh", clean: true))
        #expect(cached.aggregates.entries.map(\.figures) == fresh.aggregates.entries.map(\.figures))
        #expect(cached.reports.map(\.report.applications) == fresh.reports.map(\.report.applications))
    }

    @Test func outputHashesAreXXH3OfTheBytes() {
        func hex(_ b: [UInt8]) -> String { b.map { String(format: "%02x", $0) }.joined() }
        // xxHash's published XXH3-128 of no bytes, high half first (its canonical form).
        #expect(hex(OutputHash.of([])) == "99aa06d3014798d86001c324468d497f")
        let page = Array("<p>行政许可 120</p>".utf8)
        var edited = page
        edited[edited.count - 5] = UInt8(ascii: "1")
        #expect(OutputHash.of(page) == OutputHash.of(Array(page)))
        #expect(OutputHash.of(page) != OutputHash.of(edited))
        #expect(OutputHash.of(page).count == 16, "the manifest keeps 16 bytes per file")
    }

    @Test func aSecondBuildOfTheSameFolderIsRefused() throws {
        let out = SiteFixture.tempDir()
        defer { try? FileManager.default.removeItem(atPath: out) }
        do {
            let held = try OutputLock(output: out)
            #expect {
                _ = try SiteBuilder.build(BuildOptions(corpus: SiteFixture.corpus, output: out))
            } throws: { error in
                "\(error)".contains("another gongkai build is writing")
            }
            held.release()
        }
        // Once released, the build goes ahead.
        let r = try SiteBuilder.build(BuildOptions(corpus: SiteFixture.corpus, output: out))
        #expect(!r.paths.isEmpty)
    }
}
