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
/// `GONGKAI_FUZZ=site` renders a whole site around the input instead (`runSite`).
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
            // (On bytes, as a browser reads them: a `>` followed by a combining mark is one
            // Character to Swift's string search.)
            let h = Escape.html(t)
            require(!h.utf8.contains { $0 == 0x3C || $0 == 0x3E || $0 == 0x22 }, "Escape.html left markup in \(h.debugDescription)")
            let md = CommonMark.htmlBytes(Escape.markdown(t))
            // (Empty when the text is only white space and characters the escaping drops.)
            require(tags(md) == ["<p>", "</p>"] || md.isEmpty, "Markdown from report text became markup: \(String(decoding: md, as: UTF8.self).debugDescription)")
        }
    }

    /// `GONGKAI_FUZZ=site`: the input as one report of a corpus beside a well-formed report of
    /// the same agency's previous year, aggregated and rendered as a whole site in memory (every
    /// page, data file and feed). Nothing may crash, every path stays inside the site, and no
    /// page holds a script, an event handler or a `javascript:` (or `data:`) link or source (the
    /// templates have none, so any would have come from the report).
    static let siteMode = ProcessInfo.processInfo.environment["GONGKAI_FUZZ"] == "site"

    static let companion: LoadedReport = {
        let text = """
        某某市某某局2022年政府信息公开工作年度报告
        二、主动公开政府信息情况
        信息内容\t本年制发件数\t本年废止件数\t现行有效件数
        规章\t0\t0\t0
        行政规范性文件\t1\t0\t4
        三、收到和处理政府信息公开申请情况
        申请人情况\t自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计
        一、本年新收政府信息公开申请数量\t3\t0\t0\t0\t0\t0\t3
        二、上年结转政府信息公开申请数量\t0\t0\t0\t0\t0\t0\t0
        (一)予以公开\t2\t0\t0\t0\t0\t0\t2
        (七)总计\t2\t0\t0\t0\t0\t0\t2
        四、结转下年度继续办理\t1\t0\t0\t0\t0\t0\t1
        """
        let r = extractor.extract(text: text, source: "corpus/a/2022.txt")
        return LoadedReport(checked: CheckedReport(r), relativePath: "a/2022.txt", sourceText: text)
    }()

    static func runSite(_ bytes: [UInt8]) {
        let report = extractor.extract(bytes: bytes, source: "corpus/a/fuzz.txt")
        let loaded = LoadedReport(checked: CheckedReport(report), relativePath: "a/fuzz.txt", sourceText: String(decoding: bytes, as: UTF8.self))
        let reports = [companion, loaded]
        let configuration = SiteConfiguration()
        let aggregates = SiteBuilder.aggregate(reports, configuration: configuration)
        let files: [OutputFile]
        do {
            files = try SiteBuilder.render(reports, aggregates: aggregates, configuration: configuration, theme: Theme(files: DefaultTemplates.files))
        } catch {
            return require(false, "the site did not render: \(error)")
        }
        for f in files {
            require(!f.path.hasPrefix("/") && !f.path.split(separator: "/").contains("..") && !f.path.contains("\0"), "an output path leaves the site: \(f.path)")
            guard f.path.hasSuffix(".html") || f.path.hasSuffix(".xml") else { continue }
            // On bytes, lower-cased (see `run`).
            let lower = f.bytes.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
            require(!contains(lower, "<script"), "\(f.path) holds a script")
            let text = String(decoding: lower, as: UTF8.self)
            // (The words may stand in the text; a link or source that runs them may not.)
            if let r = text.range(of: #"(href|src|action|data)\s*=\s*["']?\s*(javascript|vbscript|data):"#, options: .regularExpression) {
                require(false, "\(f.path) holds a script link: \(text[r])")
            }
            require(text.range(of: #"<[a-z][^>]*\son[a-z]+\s*="#, options: .regularExpression) == nil,
                    "\(f.path) holds an event handler")
        }
    }

    static func contains(_ bytes: [UInt8], _ needle: String) -> Bool {
        let n = Array(needle.utf8)
        guard bytes.count >= n.count else { return false }
        for i in 0...(bytes.count - n.count) where bytes[i] == n[0] && bytes[i..<(i + n.count)].elementsEqual(n) { return true }
        return false
    }

    /// Every `<…>` in `html`, in order.
    static func tags(_ html: [UInt8]) -> [String] {
        var out: [String] = []
        var i = 0
        while let open = html[i...].firstIndex(of: 0x3C) {
            guard let close = html[open...].firstIndex(of: 0x3E) else { out.append(String(decoding: html[open...], as: UTF8.self)); break }
            out.append(String(decoding: html[open...close], as: UTF8.self))
            i = close + 1
        }
        return out
    }

    static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("property failed: " + message()) }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
    if FuzzTarget.siteMode { FuzzTarget.runSite(bytes) } else { FuzzTarget.run(bytes) }
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
/// Replay: each file named on the command line (or each file under a folder named there) through
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
                let names = FileManager.default.enumerator(atPath: a)?.compactMap { $0 as? String } ?? []
                files += names.sorted().map { a + "/" + $0 }.filter {
                    var d: ObjCBool = false
                    return FileManager.default.fileExists(atPath: $0, isDirectory: &d) && !d.boolValue
                }
            } else {
                files.append(a)
            }
        }
        for f in files {
            guard let data = FileManager.default.contents(atPath: f) else {
                FileHandle.standardError.write(Data("\(f): error: cannot read the file\n".utf8))
                exit(1)
            }
            if FuzzTarget.siteMode { FuzzTarget.runSite(Array(data)) } else { FuzzTarget.run(Array(data)) }
        }
        print("\(files.count) inputs replayed, every property held")
    }
}
#endif
