import Foundation
import FlyingFox
import GongkaiCore
import GongkaiSite

/// `gongkai serve`: builds the site, serves it on 127.0.0.1, rebuilds when the corpus, templates
/// or configuration change, and tells open pages to reload (or shows them why the build failed).
public final class DevServer: Sendable {
    public let options: BuildOptions
    public let port: UInt16
    let hub = LiveReloadHub()
    /// The path the site is served under (from the base URL), always with a trailing slash.
    let basePath: String
    static let endpoint = "/__gongkai/live"
    static let statusPath = "/__gongkai/status"

    public init(options: BuildOptions, port: UInt16) {
        self.options = options
        self.port = port
        var base = "/"
        if let b = options.baseURL, let url = URL(string: b), !url.path.isEmpty { base = url.path }
        if !base.hasSuffix("/") { base += "/" }
        self.basePath = base
    }

    /// What the watcher looks at: the corpus (reports, gongkai.yml, sidecars) and template folders.
    var watchedRoots: [String] { [options.corpus] + options.templateFolders }

    /// Builds once, prints and publishes the outcome.
    @discardableResult
    public func rebuild(generation: Int, log: @Sendable (String) -> Void) async -> BuildEvent {
        let event: BuildEvent
        do {
            let result = try SiteBuilder.build(options)
            let lines = result.diagnostics.map { $0.diagnostic.formatted(path: $0.path) }
            for l in lines { log(l) }
            let summary = "built: \(result.reports.count) reports, \(result.write.written.count) files written, \(result.warnings) warnings, \(result.errors) errors"
            log(summary)
            event = BuildEvent(generation: generation, succeeded: true, diagnostics: lines.filter { $0.contains(": error: ") }, summary: summary)
        } catch {
            let text = String(describing: error)
            log("gongkai: error: build failed: \(text)")
            event = BuildEvent(generation: generation, succeeded: false, diagnostics: [text], summary: "build failed")
        }
        await hub.publish(event)
        return event
    }

    /// Serves until the task is cancelled. `ready` is called with the URL once listening.
    public func run(log: @escaping @Sendable (String) -> Void, ready: @escaping @Sendable (String) -> Void) async throws {
        await rebuild(generation: 1, log: log)
        let server = HTTPServer(address: try .inet(ip4: "127.0.0.1", port: port), timeout: 60, logger: .disabled)
        let hub = self.hub
        await server.appendRoute("GET /__gongkai/live", to: WebSocketHTTPHandler(handler: MessageFrameWSHandler(handler: ReloadSocket(hub: hub))))
        await server.appendRoute("GET /__gongkai/status") { _ in
            let e = await hub.latest
            return HTTPResponse(statusCode: .ok, headers: HTTPHeaders([.contentType: "application/json; charset=utf-8", .init("Cache-Control"): "no-store"]), body: Data(e.json.utf8))
        }
        await server.appendRoute("GET *", to: StaticSiteHandler(root: options.output, basePath: basePath, script: ReloadScript.tag(endpoint: Self.endpoint)))
        await server.appendRoute("HEAD *", to: StaticSiteHandler(root: options.output, basePath: basePath, script: ReloadScript.tag(endpoint: Self.endpoint)))

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run() }
            group.addTask {
                try await server.waitUntilListening()
                var p = self.port
                if case .ip4(_, let actual)? = await server.listeningAddress { p = actual }
                ready("http://127.0.0.1:\(p)\(self.basePath)")
                let generation = Counter()
                await TreeWatcher(roots: self.watchedRoots).run { changed in
                    let n = generation.next()
                    log("changed: \(changed.prefix(5).joined(separator: ", "))\(changed.count > 5 ? " and \(changed.count - 5) more" : "") — rebuilding")
                    await self.rebuild(generation: n, log: log)
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }
}

final class Counter: @unchecked Sendable {
    private var n = 1
    private let lock = NSLock()
    func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
}

/// Serves the output folder under the base path; HTML pages get the reload script.
/// Only files inside the output folder are served: `..` and encoded traversal are refused.
struct StaticSiteHandler: HTTPHandler {
    let root: String
    let basePath: String
    let script: String

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        // `request.path` loses a trailing slash; the raw target keeps it.
        let raw = request.target.path(percentEncoded: false)
        var path = raw.isEmpty ? request.path : raw
        if path == String(basePath.dropLast()) { return redirect(basePath) }
        guard path.hasPrefix(basePath) else { return notFound() }
        path.removeFirst(basePath.count)
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.contains(where: { $0 == ".." || $0 == "." || $0.contains("\0") }) else { return notFound() }
        var file = root + "/" + parts.joined(separator: "/")
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: file, isDirectory: &isDir), isDir.boolValue {
            if !raw.hasSuffix("/") { return redirect(raw + "/") }
            file += "/index.html"
        }
        guard let data = FileManager.default.contents(atPath: file) else { return notFound() }
        let type = Self.contentType(file)
        var body = data
        if type.hasPrefix("text/html"), let html = String(data: data, encoding: .utf8) {
            body = Data(Self.inject(script, into: html).utf8)
        }
        return HTTPResponse(statusCode: .ok, headers: HTTPHeaders([.contentType: type, .init("Cache-Control"): "no-store"]), body: request.method == .HEAD ? Data() : body)
    }

    static func inject(_ script: String, into html: String) -> String {
        if let r = html.range(of: "</body>", options: .backwards) { return html.replacingCharacters(in: r, with: script + "</body>") }
        return html + script
    }

    func redirect(_ to: String) -> HTTPResponse {
        HTTPResponse(statusCode: .movedPermanently, headers: HTTPHeaders([.location: to]))
    }

    func notFound() -> HTTPResponse {
        let page = FileManager.default.contents(atPath: root + "/404.html") ?? Data("404 not found".utf8)
        let html = String(decoding: page, as: UTF8.self)
        return HTTPResponse(statusCode: .notFound, headers: HTTPHeaders([.contentType: "text/html; charset=utf-8"]), body: Data(Self.inject(script, into: html).utf8))
    }

    static func contentType(_ file: String) -> String {
        switch (file as NSString).pathExtension.lowercased() {
        case "html": return "text/html; charset=utf-8"
        case "css": return "text/css; charset=utf-8"
        case "js": return "text/javascript; charset=utf-8"
        case "json": return "application/json; charset=utf-8"
        case "csv": return "text/csv; charset=utf-8"
        case "xml": return "application/xml; charset=utf-8"
        case "svg": return "image/svg+xml"
        case "txt": return "text/plain; charset=utf-8"
        case "png": return "image/png"
        default: return "application/octet-stream"
        }
    }
}
