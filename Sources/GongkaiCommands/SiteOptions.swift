import ArgumentParser
import Foundation
import GongkaiSite

/// The options `build` and `serve` share: where the corpus, the output and the templates are.
struct SiteOptions: ParsableArguments {
    @Option(help: "The corpus folder.")
    var corpus = "Corpus"

    @Option(help: "The output folder.")
    var output = "Output"

    @Option(help: "A folder of templates overriding the defaults file by file.")
    var templates: String?

    @Option(name: .customLong("base-url"), help: "Base URL or path the site is served from, e.g. /portal/ or https://example.org/portal/ (default: the configuration's base_url, else /).")
    var baseURL: String?

    /// Template layers over the built-in ones: ./Templates when it exists, then --templates.
    func templateFolders() throws -> [String] {
        var folders: [String] = []
        if FileManager.default.fileExists(atPath: "Templates") { folders.append("Templates") }
        if let t = templates {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: t, isDirectory: &isDir), isDir.boolValue else {
                throw ValidationError("\(t): no such templates folder")
            }
            folders.append(t)
        }
        return folders
    }

    func buildOptions(clean: Bool = false) throws -> BuildOptions {
        BuildOptions(corpus: corpus, output: output, templateFolders: try templateFolders(), baseURL: baseURL, clean: clean)
    }
}
