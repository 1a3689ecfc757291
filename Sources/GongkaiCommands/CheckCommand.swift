import ArgumentParser
import Foundation
import GongkaiCore
import GongkaiRead
import GongkaiCheck

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check every report of a corpus folder against the form's accounting identities.",
        discussion: "Prints findings as path:line: severity: message and a summary. Exits 1 when any report has an error (with --strict, also a warning)."
    )

    @Argument(help: "The corpus folder (any nesting), or report files.")
    var corpus: [String] = ["Corpus"]

    @Flag(help: "Fail on warnings too.")
    var strict = false

    func run() throws {
        var files: [String] = []
        for path in corpus {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
                throw ValidationError("\(path): no such file or folder")
            }
            files += isDir.boolValue ? try CorpusScanner.reportFiles(in: path) : [path]
        }
        guard !files.isEmpty else { throw ValidationError("\(corpus.joined(separator: " ")): no report files (.txt, .html, .md) found") }
        let progress = ProgressLine(total: files.count, label: "checking")
        let checked = ReportPipeline.process(files, progress: { progress.update($0) })
        progress.finish()
        var out = ""
        var errors = 0, warnings = 0, failing = 0
        for c in checked {
            let d = c.report.diagnostics
            for x in d { out += x.formatted(path: c.report.source) + "\n" }
            errors += d.errorCount
            warnings += d.warningCount
            if d.errorCount > 0 || (strict && !d.isEmpty) { failing += 1 }
        }
        let breaks = checked.reduce(0) { $0 + $1.identities.filter(\.isBreak).count }
        out += "checked \(checked.count) report\(checked.count == 1 ? "" : "s"): \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s") (\(breaks) identity break\(breaks == 1 ? "" : "s"))\n"
        FileHandle.standardOutput.write(Data(out.utf8))
        if errors > 0 || (strict && warnings > 0) { throw ExitCode(1) }
    }
}
