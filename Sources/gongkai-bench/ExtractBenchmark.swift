import ArgumentParser
import Foundation
import GongkaiRead
import GongkaiExtract

@main
struct BenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gongkai-bench",
        abstract: "Measure extraction throughput on one core (figures for BENCHMARKS.md; build with -c release).",
        subcommands: [ExtractBenchmark.self]
    )
}

struct ExtractBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extract the reports of a corpus folder repeatedly in memory on one core and print MB/s."
    )

    @Option(help: "Corpus folder whose report files are used (e.g. one written by 'gongkai synth').")
    var corpus: String = "Corpus"

    @Option(help: "How many megabytes of report text to extract in each run.")
    var megabytes: Int = 64

    @Option(help: "Runs; the median is reported.")
    var runs: Int = 3

    func run() throws {
        let files = try CorpusScanner.reportFiles(in: corpus)
        guard !files.isEmpty else { throw ValidationError("\(corpus): no report files") }
        let inputs: [[UInt8]] = files.compactMap { FileManager.default.contents(atPath: $0).map { [UInt8]($0) } }
        let corpusBytes = inputs.reduce(0) { $0 + $1.count }
        let extractor = ReportExtractor()
        var rates: [Double] = []
        var reports = 0
        for _ in 0..<runs {
            var done = 0
            reports = 0
            var checksum = 0
            let start = DispatchTime.now().uptimeNanoseconds
            while done < megabytes << 20 {
                for bytes in inputs {
                    let r = extractor.extract(bytes: bytes, source: "bench")
                    checksum &+= r.diagnostics.count
                    done += bytes.count
                    reports += 1
                    if done >= megabytes << 20 { break }
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            rates.append(Double(done) / 1_048_576 / seconds)
            if checksum < 0 { print(checksum) }
        }
        rates.sort()
        let median = rates[rates.count / 2]
        print("corpus: \(files.count) files, \(corpusBytes) bytes (mean \(corpusBytes / files.count) bytes)")
        print("extracted \(megabytes) MB per run (\(reports) reports), \(runs) runs, one core")
        print(String(format: "extraction: %.1f MB/s (median; min %.1f, max %.1f), %.0f reports/s", median, rates.first!, rates.last!, median * 1_048_576 / Double(corpusBytes / files.count)))
    }
}
