import Foundation
import GongkaiCore
import GongkaiCheck
import GongkaiExtract
import GongkaiRender
import GongkaiSite

/// One input through everything a report's bytes reach before they become a page or a data file,
/// with the properties that must hold for any bytes at all. A property that fails traps, which is
/// what a fuzzer reports (with the input that did it).
///
/// - extraction, the identity check and the record cache's codec do not crash;
/// - every line a cell or a finding cites is a line of the file;
/// - the record's JSON (both writers) parses, and the two writers agree;
/// - the record cache gives back the record it was given;
/// - no text from the report can become markup: escaped for HTML it holds no `<`, `>` or `"`,
///   and as Markdown rendered by cmark it holds no tag but the paragraph's.
///
/// `scripts/fuzz` builds this with libFuzzer (`-sanitize=fuzzer`, coverage-guided); built
/// normally it replays the files it is given (how a crash the fuzzer found is reproduced).
enum FuzzTarget {
    static let extractor = ReportExtractor()

    static func run(_ bytes: [UInt8]) {
        let report = extractor.extract(bytes: bytes, source: "fuzz.txt")
        let checked = CheckedReport(report)
        let r = checked.report

        // Lines: at most one per byte, plus the last.
        let lines = bytes.reduce(1) { $0 + ($1 == 0x0A || $1 == 0x0D ? 1 : 0) }
        func cited(_ line: Int?, _ what: @autoclosure () -> String) {
            guard let line else { return }
            require(line >= 1 && line <= lines, "\(what()) cites line \(line) of a file of \(lines) lines")
        }
        for item in r.activeDisclosure?.items ?? [] { for c in item.cells { cited(c.line, "an active-disclosure cell") } }
        for row in r.applications?.rows ?? [] { for c in row.cells { cited(c.line, "application row \(row.key)") } }
        for g in r.reviewLitigation?.groups ?? [] { for c in g.cells { cited(c.line, "review group \(g.key)") } }
        for d in r.diagnostics { cited(d.line, "finding '\(d.message)'") }
        for s in r.sections {
            cited(s.line, "a section title")
            for p in s.paragraphs { cited(p.line, "a paragraph") }
        }

        // JSON: both writers, parsed back.
        let tree = r.json().serialized(pretty: true)
        var direct: [UInt8] = []
        r.appendPrettyJSON(into: &direct, indent: 0)
        require(Array(tree.utf8) == direct, "the two JSON writers differ")
        require((try? JSONSerialization.jsonObject(with: Data(direct), options: [.fragmentsAllowed])) != nil, "the record's JSON does not parse")

        // The record cache: what goes in comes out (the narrative is left out on purpose).
        let loaded = LoadedReport(checked: checked, relativePath: "fuzz.txt", sourceText: nil)
        var w = ByteWriter()
        RecordCodec.encode(loaded, &w)
        var rd = ByteReader(w.bytes)
        do {
            let back = try RecordCodec.decodeReport(&rd, source: { _ in "fuzz.txt" })
            var expected = r
            expected.sections = []
            require(back.report == expected, "the record cache changed the record")
            require(back.identityBreaks == loaded.identityBreaks, "the record cache changed the number of identity breaks")
            require(rd.atEnd, "the record cache left bytes unread")
        } catch {
            require(false, "the record cache cannot read what it wrote: \(error)")
        }

        // Text from the report stays text.
        var texts = [r.agency ?? ""] + r.diagnostics.map(\.pageText)
        for s in r.sections { texts.append(s.title); texts += s.paragraphs.map(\.text) }
        for t in texts where !t.isEmpty {
            let h = Escape.html(t)
            require(!h.contains("<") && !h.contains(">") && !h.contains("\""), "Escape.html left markup in \(h.debugDescription)")
            let md = CommonMark.html(Escape.markdown(t))
            let bare = md.replacingOccurrences(of: "<p>", with: "").replacingOccurrences(of: "</p>", with: "")
            require(!bare.contains("<"), "Markdown from report text became markup: \(md.debugDescription)")
        }
    }

    static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("property failed: " + message()) }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzTarget.run(data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? [])
    return 0
}

#if GONGKAI_LIBFUZZER
/// SwiftPM links an executable's entry point as `<module>_main`; with libFuzzer that entry point
/// hands over to libFuzzer's driver.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("gongkai_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc, argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput)
}
#else
/// Replay: each file named on the command line (or each file in a folder named there) through
/// the same checks; prints one line per file and exits 0 when every one passes.
@main
struct Replay {
    static func main() {
        let args = CommandLine.arguments.dropFirst()
        guard !args.isEmpty else {
            FileHandle.standardError.write(Data("usage: gongkai-fuzz FILE|FOLDER...  (scripts/fuzz runs the fuzzer)\n".utf8))
            exit(2)
        }
        var files: [String] = []
        for a in args {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: a, isDirectory: &isDir), isDir.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: a)) ?? []
                files += names.sorted().map { a + "/" + $0 }
            } else {
                files.append(a)
            }
        }
        for f in files {
            guard let data = FileManager.default.contents(atPath: f) else {
                FileHandle.standardError.write(Data("\(f): error: cannot read the file\n".utf8))
                exit(1)
            }
            FuzzTarget.run(Array(data))
        }
        print("\(files.count) inputs replayed, every property held")
    }
}
#endif
