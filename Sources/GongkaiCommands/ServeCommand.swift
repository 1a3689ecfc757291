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

    @OptionGroup var site: SiteOptions

    @Option(help: "Port on 127.0.0.1 (0 picks a free one).")
    var port: UInt16 = 8000

    func run() async throws {
        let options = try site.buildOptions()
        let server = DevServer(options: options, port: port)
        let out = FileHandle.standardOutput
        let watching = ([options.corpus] + options.templateFolders).joined(separator: ", ")
        try await server.run(
            log: { line in out.write(Data((line + "\n").utf8)) },
            ready: { url in out.write(Data("serving \(url) (watching \(watching); Ctrl-C stops)\n".utf8)) }
        )
    }
}
