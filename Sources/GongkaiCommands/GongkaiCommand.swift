import ArgumentParser

/// `gongkai`: turns a corpus of government information-disclosure annual reports into a portal.
public struct GongkaiCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "gongkai",
        abstract: "Read, check and publish government information-disclosure annual reports (政府信息公开工作年度报告).",
        subcommands: [ExtractCommand.self, CheckCommand.self, BuildCommand.self, SynthCommand.self, ServeCommand.self]
    )
    public init() {}
}

/// Lets the executable run an asynchronous subcommand without importing ArgumentParser.
public protocol AsyncParsableCommandRunnable {
    mutating func runAsync() async throws
}

extension ServeCommand: AsyncParsableCommandRunnable {
    mutating func runAsync() async throws { try await run() }
}
