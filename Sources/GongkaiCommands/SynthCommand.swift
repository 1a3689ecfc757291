import ArgumentParser
import Foundation
import GongkaiCore
import GongkaiSynth
#if canImport(Glibc)
import Glibc
#endif

/// `gongkai synth`: a deterministic corpus of realistic reports, streamed to disk.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a synthetic corpus of realistic reports (both forms, every layout family the extractor reads).",
        discussion: """
            Reports go to OUT/YEAR/CITY/NAME.(txt|html|md); the same seed always gives the same corpus.
            With --expected, each report's expected record goes to EXPECTED/NAME.json, for
            `compare-extraction EXPECTED extracted.json`.
            """
    )

    @Option(help: "How many reports to write.")
    var count: Int

    @Option(help: "Folder to write the reports into (created if missing).")
    var out: String

    @Option(help: "Seed of the generator; the same seed gives the same corpus.")
    var seed: UInt64 = 1

    @Option(help: "Folder for the expected records, one NAME.json per report.")
    var expected: String?

    @Option(help: "Only these layout families, comma-separated (\(LayoutFamily.allCases.map(\.rawValue).joined(separator: ","))).")
    var families: String?

    func validate() throws {
        if count < 0 { throw ValidationError("--count must be 0 or more.") }
        if let f = families {
            for name in f.split(separator: ",") where LayoutFamily(rawValue: String(name)) == nil {
                throw ValidationError("unknown layout family '\(name)'")
            }
        }
    }

    func run() throws {
        let fams = families.map { $0.split(separator: ",").compactMap { LayoutFamily(rawValue: String($0)) } }
        let writer = CorpusWriter(out: out, expected: expected)
        try writer.prepare()
        let started = Date()
        let tty = isatty(2) != 0
        // Agencies in batches, generated and written on every core; the corpus is the same as
        // SyntheticCorpus(seed:count:) yields in order, and the output does not depend on timing.
        var agency = 0
        var remaining = count
        while remaining > 0 {
            var batch: [(agency: Int, take: Int)] = []
            while remaining > 0, batch.count < 256 {
                let n = min(SyntheticCorpus.reportCount(ofAgency: agency, seed: seed), remaining)
                batch.append((agency, n))
                remaining -= n
                agency += 1
            }
            let jobs = batch
            DispatchQueue.concurrentPerform(iterations: jobs.count) { k in
                for r in SyntheticCorpus.reports(ofAgency: jobs[k].agency, seed: seed, families: fams, limit: jobs[k].take) {
                    writer.write(r)
                }
            }
            if let error = writer.firstError { throw error }
            if tty { FileHandle.standardError.write(Data("\rsynth: \(count - remaining)/\(count)".utf8)) }
        }
        if tty { FileHandle.standardError.write(Data("\r".utf8)) }
        let seconds = Date().timeIntervalSince(started)
        let mb = Double(writer.bytes) / 1_048_576
        print("wrote \(writer.reports) reports (\(String(format: "%.1f", mb)) MB) to \(out) in \(String(format: "%.2f", seconds)) s"
              + (expected.map { ", expected records to \($0)" } ?? ""))
    }
}

/// Writes reports and expected records from several threads, creating each folder once.
final class CorpusWriter: @unchecked Sendable {
    let out: String
    let expected: String?
    private let lock = NSLock()
    private var made = Set<String>()
    private(set) var bytes = 0
    private(set) var reports = 0
    private(set) var firstError: Error?

    init(out: String, expected: String?) {
        self.out = out.hasSuffix("/") ? String(out.dropLast()) : out
        self.expected = expected.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    func prepare() throws {
        try makeDirectory(out)
        if let e = expected { try makeDirectory(e) }
    }

    private func makeDirectory(_ path: String) throws {
        lock.lock(); defer { lock.unlock() }
        guard !made.contains(path) else { return }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        made.insert(path)
    }

    /// Writes one report (and its record); a failure is kept for the caller.
    func write(_ r: SyntheticReport) {
        do {
            let path = out + "/" + r.fileName
            if let slash = path.lastIndex(of: "/") { try makeDirectory(String(path[..<slash])) }
            var n = try Self.write(r.text, to: path)
            if let e = expected {
                var json = ""
                r.expected.write(into: &json, pretty: true, indent: 0)
                json += "\n"
                n += try Self.write(json, to: e + "/" + r.name + ".json")
            }
            lock.lock(); bytes += n; reports += 1; lock.unlock()
        } catch {
            lock.lock(); if firstError == nil { firstError = error }; lock.unlock()
        }
    }

    static func write(_ s: String, to path: String) throws -> Int {
        guard let f = fopen(path, "wb") else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        var s = s
        let n = s.withUTF8 { fwrite($0.baseAddress, 1, $0.count, f) }
        let ok = fclose(f) == 0
        guard ok, n == s.utf8.count else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        return n
    }
}
