import ArgumentParser
import Foundation
import GongkaiCore
import GongkaiSite

struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Build the static portal from a corpus folder.",
        discussion: """
        Reads every report of the corpus (any nesting; .txt, .html, .md), checks it, aggregates agencies, years and \
        regions, and writes the site. Configuration: CORPUS/gongkai.yml; per report an optional NAME.meta.yml \
        (source_url, published).

        Templates are layered: the templates built into gongkai, then ./Templates when it exists, then \
        --templates DIR; a file replaces the one of the same path in the layer below (layouts/, partials/, \
        pages/, content/, assets/).

        Builds are incremental: OUTPUT/.gongkai/ keeps content hashes of every input and output and a cache of \
        the records, so unchanged reports are not read again, only pages whose inputs changed are rendered and \
        only files whose bytes changed are written. --clean reads and renders everything. Two builds of one \
        output folder at once are refused (a lock in OUTPUT/.gongkai/).

        Prints findings as path:line: severity: message and a summary. Exits 0 when the site was written, even \
        when reports carry warnings or errors (with --strict, 1 when any report has an error).
        """
    )

    @OptionGroup var site: SiteOptions

    @Flag(help: "Ignore the previous build's cache and manifest: read every report, render and write every file.")
    var clean = false

    @Flag(help: "Exit 1 when any report has an error.")
    var strict = false

    @Flag(help: "Print only the summary, not each finding.")
    var quiet = false

    func run() throws {
        let start = Date()
        let options = try site.buildOptions(clean: clean)
        let progress = ProgressBox()
        let result: BuildResult
        do {
            result = try SiteBuilder.build(options, progress: { n, total in progress.update(n, total) })
        } catch {
            progress.finish()
            // Errors that name their place (a template's line) print as they are.
            let text = "\(error)"
            FileHandle.standardError.write(Data((text.contains(": error: ") ? text : "gongkai: error: the site was not built: \(text)") .utf8))
            FileHandle.standardError.write(Data("\n".utf8))
            throw ExitCode(1)
        }
        progress.finish()
        var out = ""
        if !quiet { for (path, d) in result.diagnostics { out += d.formatted(path: path) + "\n" } }
        let seconds = Date().timeIntervalSince(start)
        let w = result.write
        out += "built \(site.output): \(result.reportCount) report\(result.reportCount == 1 ? "" : "s") read, \(result.pages) pages (\(result.fileCount) files: \(w.written.count) written, \(w.unchanged) unchanged\(w.removed.isEmpty ? "" : ", \(w.removed.count) removed")), "
        out += "\(result.warnings) warning\(result.warnings == 1 ? "" : "s"), \(result.errors) error\(result.errors == 1 ? "" : "s") in \(String(format: "%.2f", seconds))s\n"
        FileHandle.standardOutput.write(Data(out.utf8))
        if strict && result.errors > 0 { throw ExitCode(1) }
    }
}

/// The progress line is created once the number of reports is known.
final class ProgressBox: @unchecked Sendable {
    private var line: ProgressLine?
    private let lock = NSLock()
    func update(_ n: Int, _ total: Int) {
        lock.lock(); defer { lock.unlock() }
        if line == nil { line = ProgressLine(total: total, label: "building") }
        line?.update(n)
    }
    func finish() { lock.lock(); defer { lock.unlock() }; line?.finish() }
}
