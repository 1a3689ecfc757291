import Foundation
import GongkaiCore
import GongkaiExtract
import GongkaiCheck

/// Fixture files shipped with the tests.
enum Fixture {
    static var root: URL { Bundle.module.url(forResource: "Fixtures", withExtension: nil)! }
    static func path(_ name: String) -> String { root.appendingPathComponent(name).path }
    static func extract(_ name: String) -> CheckedReport { CheckedReport(ReportExtractor().extract(path: path(name))) }
    static func text(_ name: String) -> String { (try? String(contentsOfFile: path(name), encoding: .utf8)) ?? "" }
}

/// The figures every standard fixture prints in table 三 (own, fictional numbers).
enum StandardFigures {
    static let applications: [String: [Int]] = [
        "received": [30, 4, 0, 1, 0, 2, 37], "carried_over": [2, 0, 0, 0, 0, 0, 2],
        "granted": [10, 1, 0, 0, 0, 1, 12], "partially_granted": [3, 0, 0, 0, 0, 0, 3],
        "denied_third_party": [1, 0, 0, 0, 0, 0, 1], "denied_process_info": [2, 1, 0, 0, 0, 0, 3],
        "unavailable_not_held": [8, 1, 0, 1, 0, 0, 10], "unavailable_needs_creation": [1, 0, 0, 0, 0, 0, 1],
        "not_processed_petition": [2, 0, 0, 0, 0, 0, 2], "not_processed_duplicate": [1, 0, 0, 0, 0, 0, 1],
        "other_no_supplement": [1, 0, 0, 0, 0, 0, 1], "other_misc": [0, 1, 0, 0, 0, 1, 2],
        "total": [29, 4, 0, 1, 0, 2, 36], "carried_forward": [3, 0, 0, 0, 0, 0, 3],
    ]
    /// Rows not listed above are all zeros.
    static func row(_ key: String) -> [Int] { applications[key] ?? Array(repeating: 0, count: 7) }
}

extension Report {
    func app(_ row: String) -> [Double?] { applications?[row]?.map(\.value) ?? [] }
    func active(_ item: String, _ field: String) -> Double? { activeDisclosure?[item]?[field]?.value }
    func review(_ group: String) -> [Double?] { reviewLitigation?[group]?.map(\.value) ?? [] }
}

/// Runs the built `gongkai` executable.
enum CLI {
    static var binary: String {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let p = candidate.appendingPathComponent("gongkai").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug/gongkai").path
    }

    struct Result { var status: Int32; var stdout: String; var stderr: String }

    static func run(_ args: [String], cwd: String? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}
