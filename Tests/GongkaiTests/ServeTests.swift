import Testing
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `gongkai serve` as a user runs it: start it, edit a report, see the rebuilt page.
@Suite("Serve", .serialized)
struct ServeTests {
    struct Running {
        let process: Process
        let url: String
        let log: URL
        func stop() { process.terminate(); process.waitUntilExit() }
    }

    func start(corpus: String, output: String, extra: [String] = []) throws -> Running {
        let log = URL(fileURLWithPath: output + ".log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = ["serve", "--corpus", corpus, "--output", output, "--port", "0"] + extra
        p.standardOutput = try FileHandle(forWritingTo: log)
        p.standardError = p.standardOutput
        try p.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let r = text.range(of: #"http://127\.0\.0\.1:\d+/[^ ]*"#, options: .regularExpression) {
                return Running(process: p, url: String(text[r]), log: log)
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        p.terminate()
        throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "serve did not start: " + ((try? String(contentsOf: log, encoding: .utf8)) ?? "")])
    }

    func get(_ url: String) async throws -> (Int, String) {
        let (data, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    func generation(_ base: String) async throws -> Int {
        let (_, body) = try await get(base + "__gongkai/status")
        let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return json?["generation"] as? Int ?? -1
    }

    @Test func editingAReportRebuildsTheSiteAndPagesCarryTheReloadScript() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gongkai-serve-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let corpus = dir + "/corpus"
        try FileManager.default.createDirectory(atPath: corpus, withIntermediateDirectories: true)
        let report = corpus + "/pipes-2021.md"
        try FileManager.default.copyItem(atPath: Fixture.path("extract/pipes-2021.md"), toPath: report)
        let server = try start(corpus: corpus, output: dir + "/out")
        defer { server.stop() }

        #expect(try await generation(server.url) == 1)
        let (status, home) = try await get(server.url)
        #expect(status == 200)
        #expect(home.contains("/__gongkai/live"), "pages served get the reload script")
        #expect(!(try String(contentsOfFile: dir + "/out/index.html", encoding: .utf8)).contains("__gongkai"), "the built files do not")

        // 行政许可 120 → 424242.
        let text = try String(contentsOfFile: report, encoding: .utf8)
        try text.replacingOccurrences(of: "| 行政许可 | 120 |", with: "| 行政许可 | 424242 |").write(toFile: report, atomically: true, encoding: .utf8)
        var rebuilt = false
        for _ in 0..<100 where !rebuilt {
            try await Task.sleep(for: .milliseconds(100))
            rebuilt = try await generation(server.url) >= 2
        }
        #expect(rebuilt)
        let pages = FileManager.default.enumerator(atPath: dir + "/out")!.compactMap { $0 as? String }
            .filter { $0.hasPrefix("reports/") && $0.hasSuffix("/index.html") && $0 != "reports/index.html" }
        let reportPage = try #require(pages.first)
        let (_, page) = try await get(server.url + reportPage.dropLast("index.html".count))
        #expect(page.contains("424242"))
    }

    @Test func requestsOutsideTheOutputFolderAreRefused() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gongkai-serve-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let corpus = dir + "/corpus"
        try FileManager.default.createDirectory(atPath: corpus, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixture.path("extract/pipes-2021.md"), toPath: corpus + "/r.md")
        try "secret".write(toFile: dir + "/secret.txt", atomically: true, encoding: .utf8)
        let server = try start(corpus: corpus, output: dir + "/out")
        defer { server.stop() }
        let (status, body) = try await get(server.url + "..%2Fsecret.txt")
        #expect(status == 404)
        #expect(!body.contains("secret"))
    }
}
