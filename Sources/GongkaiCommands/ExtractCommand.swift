import ArgumentParser
import Foundation
import GongkaiCore
import GongkaiCheck

public enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable { case json, text }

struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extract every table cell of each report; print the records as JSON (the data contract) or as text."
    )

    @Argument(help: "Report files (.txt, .html, .md), or folders of them (any nesting).")
    var files: [String]

    @Option(help: "json: one record per file with source and diagnostics; text: the tables for a person.")
    var format: OutputFormat = .json

    func validate() throws {
        if files.isEmpty { throw ValidationError("Name at least one report file.") }
    }

    func run() throws {
        let files = try ReportPipeline.expand(self.files)
        guard !files.isEmpty else { throw ValidationError("\(self.files.joined(separator: " ")): no report files (.txt, .html, .md) found") }
        let progress = ProgressLine(total: files.count, label: "extracting")
        let checked = ReportPipeline.process(files, progress: { progress.update($0) })
        progress.finish()
        var out = ""
        switch format {
        case .json:
            JSON.array(checked.map { $0.report.json() }).write(into: &out, pretty: true, indent: 0)
            out += "\n"
        case .text:
            for c in checked { out += TextRendering.render(c) + "\n" }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}
