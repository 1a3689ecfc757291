import Testing
import Foundation

@Suite("Command line", .serialized)
final class CLITests {
    /// Every folder a test makes lies under this one, removed when the test ends (Swift Testing
    /// makes a suite instance per test).
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("gongkai-cli-\(UUID().uuidString)")
    deinit { try? FileManager.default.removeItem(at: scratch) }

    @Test func extractPrintsOneJSONRecordPerFileWithSourceAndDiagnostics() throws {
        let files = ["tab-2021.txt", "cell-per-line-2019.txt"].map { Fixture.path("extract/" + $0) }
        let r = try CLI.run(["extract"] + files + ["--format", "json"])
        #expect(r.status == 0)
        let records = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        #expect(records?.count == 2)
        #expect(records?[0]["source"] as? String == files[0])
        #expect(Set(records?[0].keys.map { $0 } ?? []) == ["source", "agency", "year", "template", "active_disclosure", "applications", "review_litigation", "diagnostics"])
        let review = (records?[0]["review_litigation"] as? [String: Any])?["review"] as? [String: Any]
        #expect(review?["upheld"] is NSNull)
        let diagnostics = records?[0]["diagnostics"] as? [[String: Any]]
        #expect(diagnostics?.contains { $0["severity"] as? String == "warning" && $0["line"] as? Int == 67 } == true)
    }

    @Test func extractOnAFolderReadsTheReportsBelowIt() throws {
        let dir = Fixture.path("extract")
        let r = try CLI.run(["extract", dir, "--format", "json"])
        #expect(r.status == 0)
        let records = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        let sources = records?.compactMap { $0["source"] as? String } ?? []
        #expect(sources.count == 10, "every fixture report, not one record for the folder")
        #expect(sources.contains(dir + "/tab-2021.txt"))
        #expect(sources == sources.sorted())
    }

    @Test func extractAsTextShowsBlanksAsDashes() throws {
        let r = try CLI.run(["extract", Fixture.path("extract/tab-2021.txt"), "--format", "text"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("示例市数据管理局"))
        #expect(r.stdout.contains("行政复议                —    —    —    —    —"))
    }

    func corpus(_ files: [String]) throws -> String {
        let dir = scratch.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("nested"), withIntermediateDirectories: true)
        for f in files {
            try FileManager.default.copyItem(atPath: Fixture.path("extract/" + f), toPath: dir.appendingPathComponent("nested/" + f).path)
        }
        return dir.path
    }

    @Test func checkPassesWithWarningsAndPrintsCompilerStyleLines() throws {
        let dir = try corpus(["tab-2021.txt", "pipes-2021.md"])
        let r = try CLI.run(["check", dir])
        #expect(r.status == 0)
        #expect(r.stdout.contains("\(dir)/nested/tab-2021.txt:67: warning: table 四: 行政复议: all 5 cells are blank"))
        #expect(r.stdout.contains("checked 2 reports: 0 errors,"))
    }

    @Test func checkFailsOnErrorsAndStrictFailsOnWarnings() throws {
        let withError = try corpus(["table-2021.html"])
        #expect(try CLI.run(["check", withError]).status == 1)
        let withWarning = try corpus(["tab-2021.txt"])
        #expect(try CLI.run(["check", withWarning]).status == 0)
        #expect(try CLI.run(["check", "--strict", withWarning]).status == 1)
        let clean = try corpus(["pipes-2021.md"])
        #expect(try CLI.run(["check", "--strict", clean]).status == 0)
    }

    @Test func aLinkedReportIsReadAndADanglingLinkIsAnErrorNotASilentGap() throws {
        let dir = try corpus(["tab-2021.txt"])
        let elsewhere = try corpus(["pipes-2021.md"])
        try FileManager.default.createSymbolicLink(atPath: dir + "/nested/linked.md", withDestinationPath: elsewhere + "/nested/pipes-2021.md")
        try FileManager.default.createSymbolicLink(atPath: dir + "/nested/gone.txt", withDestinationPath: elsewhere + "/nested/missing.txt")
        let check = try CLI.run(["check", dir])
        #expect(check.stdout.contains("\(dir)/nested/gone.txt: error: cannot read the file"))
        #expect(check.stdout.contains("checked 3 reports: 1 error,"))
        let build = try CLI.run(["build", "--corpus", dir, "--output", dir + "-site"])
        #expect(build.stdout.contains("\(dir)/nested/gone.txt: error: cannot read the file"))
        #expect(build.stdout.contains("3 reports read"))
    }

    @Test func aReportWhoseNameIsNotUTF8IsAnErrorNamingItNotASilentGap() throws {
        let dir = try corpus(["tab-2021.txt"])
        let text = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("extract/pipes-2021.md")))
        // 报告.md and 年度/r.md with GBK names, as a ZIP archive made on Chinese Windows leaves them.
        func raw(_ bytes: [UInt8]) -> [CChar] { (Array((dir + "/nested/").utf8) + bytes + [0]).map { CChar(bitPattern: $0) } }
        #expect(mkdir(raw([0xC4, 0xEA, 0xB6, 0xC8]), 0o755) == 0)
        for name in [[0xB1, 0xA8, 0xB8, 0xE6, 0x2E, 0x6D, 0x64], [0xC4, 0xEA, 0xB6, 0xC8, 0x2F, 0x72, 0x2E, 0x6D, 0x64]] as [[UInt8]] {
            let f = try #require(fopen(raw(name), "wb"))
            _ = text.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
            fclose(f)
        }
        for command in [["check", dir], ["build", "--corpus", dir, "--output", dir + "-site"]] {
            let r = try CLI.run(command)
            #expect(r.stdout.contains("\(dir)/nested/\u{FFFD}报告.md: error: a name in this path is not UTF-8"), "\(command[0])")
            #expect(r.stdout.contains("\(dir)/nested/\u{FFFD}年度/r.md: error: a name in this path is not UTF-8"), "\(command[0])")
        }
    }

    @Test func checkOnAMissingFolderIsAClearError() throws {
        let r = try CLI.run(["check", "/nonexistent/corpus"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("/nonexistent/corpus: no such file or folder"))
    }
}

@Suite("Template errors")
struct TemplateErrorTests {
    @Test func aBrokenTemplateIsACompilerStyleErrorWithItsLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gongkai-tpl-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("layouts"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("corpus"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixture.path("extract/pipes-2021.md"), toPath: dir.appendingPathComponent("corpus/r.md").path)
        try "<html>\n<body>\n{{#broken}} unclosed\n</body>\n".write(to: dir.appendingPathComponent("layouts/base.mustache"), atomically: true, encoding: .utf8)
        let r = try CLI.run(["build", "--corpus", dir.appendingPathComponent("corpus").path, "--output", dir.appendingPathComponent("out").path,
                             "--templates", dir.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("layouts/base.mustache:5:1: error: template: a section is opened ({{#…}} or {{^…}}) but never closed"))
    }
}
