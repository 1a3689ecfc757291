import ArgumentParser
import Foundation
import GongkaiSite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `gongkai serve`: its options and help are here; the server is the `gongkai-serve` executable
/// beside `gongkai`, which this command becomes (`execv`, same process, same arguments). The
/// server library links FoundationNetworking, and with it libcurl and some thirty more shared
/// libraries, which cost every other command about 10 ms of start-up (BENCHMARKS.md).
/// `swift build` builds both; `swift run gongkai-serve` builds and starts the server alone.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Build the portal, serve it on 127.0.0.1, and rebuild and reload open pages when the corpus, templates or configuration change.",
        discussion: "A failed rebuild prints its diagnostics here and in the browser; the server keeps running. Stop with Ctrl-C."
    )

    @OptionGroup var site: SiteOptions

    @Option(help: "Port on 127.0.0.1 (0 picks a free one).")
    var port: UInt16 = 8000

    /// The server, when this process is `gongkai-serve` (set by `ServeEntry.main`).
    nonisolated(unsafe) static var server: (@Sendable (BuildOptions, UInt16) async throws -> Void)?

    func run() async throws {
        if let server = ServeCommand.server {
            try await server(try site.buildOptions(), port)
            return
        }
        try ServeCommand.becomeServer()
    }

    /// Replaces this process by `gongkai-serve` with the arguments that followed `serve`.
    static func becomeServer() throws {
        let exe = Bundle.main.executableURL?.resolvingSymlinksInPath()
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let path = exe.deletingLastPathComponent().appendingPathComponent("gongkai-serve").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw BuildError("\(path) is missing: the server is a program of its own; build it with 'swift build --product gongkai-serve' (add -c release for a release build), or start it with 'swift run gongkai-serve'")
        }
        let args = CommandLine.arguments
        let rest = args.firstIndex(of: "serve").map { Array(args[($0 + 1)...]) } ?? []
        let argv = (["gongkai-serve"] + rest).map { strdup($0) } + [nil]
        execv(path, argv)
        throw BuildError("\(path): cannot be started: \(String(cString: strerror(errno)))")
    }
}

/// The entry point of the `gongkai-serve` executable.
public enum ServeEntry {
    /// Parses the arguments (those `gongkai serve` was given) and serves with `server`.
    public static func main(server: @escaping @Sendable (BuildOptions, UInt16) async throws -> Void) async {
        ServeCommand.server = server
        do {
            // (`parseAsRoot` gives a `ParsableCommand`, whose `run` is the synchronous one.)
            let parsed = try ServeCommand.parseAsRoot(Array(CommandLine.arguments.dropFirst()))
            guard let command = parsed as? ServeCommand else { var other = parsed; try other.run(); return }
            try await command.run()
        } catch {
            ServeCommand.exit(withError: error)
        }
    }
}
