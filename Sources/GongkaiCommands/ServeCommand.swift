import ArgumentParser
import Foundation
import GongkaiSite
import GongkaiServe

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Build the portal, serve it on 127.0.0.1, and rebuild and reload open pages when the corpus, templates or configuration change.",
        discussion: "A failed rebuild prints its diagnostics here and in the browser; the server keeps running. Stop with Ctrl-C."
    )

    @Option(help: "The corpus folder.")
    var corpus = "Corpus"

    @Option(help: "The output folder.")
    var output = "Output"

    @Option(help: "A folder of templates overriding the defaults file by file.")
    var templates: String?

    @Option(name: .customLong("base-url"), help: "Path the site is served under, e.g. /portal/.")
    var baseURL: String?

    @Option(help: "Port on 127.0.0.1 (0 picks a free one).")
    var port: UInt16 = 8000

    func run() async throws {
        var folders: [String] = []
        if FileManager.default.fileExists(atPath: "Templates") { folders.append("Templates") }
        if let t = templates { folders.append(t) }
        let server = DevServer(options: BuildOptions(corpus: corpus, output: output, templateFolders: folders, baseURL: baseURL), port: port)
        let out = FileHandle.standardOutput
        let watching = ([corpus] + folders).joined(separator: ", ")
        try await server.run(
            log: { line in out.write(Data((line + "\n").utf8)) },
            ready: { url in out.write(Data("serving \(url) (watching \(watching); Ctrl-C stops)\n".utf8)) }
        )
    }
}
