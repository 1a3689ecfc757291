import Foundation
import FlyingFox
import GongkaiCore

/// What the browser is told after each build: reload, or the build's errors to show.
public struct BuildEvent: Sendable, Equatable {
    public var generation: Int
    public var succeeded: Bool
    /// Compiler-style lines (`path:line: severity: message`).
    public var diagnostics: [String]
    public var summary: String

    public var json: String {
        JSON.object([
            ("generation", .int(generation)), ("ok", .bool(succeeded)), ("summary", .string(summary)),
            ("diagnostics", .array(diagnostics.map(JSON.string))),
        ]).serialized()
    }
}

/// Keeps the latest build event and the open pages that want to hear about the next one.
public actor LiveReloadHub {
    public private(set) var latest = BuildEvent(generation: 0, succeeded: true, diagnostics: [], summary: "")
    private var listeners: [UUID: AsyncStream<WSMessage>.Continuation] = [:]

    public init() {}

    public func publish(_ event: BuildEvent) {
        latest = event
        for c in listeners.values { c.yield(.text(event.json)) }
    }

    func subscribe() -> AsyncStream<WSMessage> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<WSMessage>.makeStream()
        continuation.onTermination = { _ in Task { await self.remove(id) } }
        listeners[id] = continuation
        continuation.yield(.text(latest.json))
        return stream
    }

    private func remove(_ id: UUID) { listeners[id] = nil }

    public var listenerCount: Int { listeners.count }
}

/// One WebSocket per open page: it receives every build event as JSON.
struct ReloadSocket: WSMessageHandler {
    let hub: LiveReloadHub
    func makeMessages(for client: AsyncStream<WSMessage>) async throws -> AsyncStream<WSMessage> {
        await hub.subscribe()
    }
}

/// The script injected into pages while serving (never into the built site): it reloads the page
/// after a successful rebuild and shows the diagnostics of a failed one.
enum ReloadScript {
    static func tag(endpoint: String) -> String {
        """
        <script>(function(){var seen=null;function box(e){var d=document.getElementById('gongkai-dev');if(!d){d=document.createElement('pre');d.id='gongkai-dev';d.style.cssText='position:fixed;left:0;right:0;bottom:0;max-height:45vh;overflow:auto;margin:0;padding:1em;background:#fff3f3;color:#600;border-top:3px solid #c00;font:13px/1.4 monospace;white-space:pre-wrap;z-index:99999';document.body.appendChild(d);}d.textContent='gongkai build failed: '+e.summary+'\\n\\n'+e.diagnostics.join('\\n');}
        function connect(){var ws=new WebSocket((location.protocol==='https:'?'wss://':'ws://')+location.host+'\(endpoint)');ws.onmessage=function(m){var e=JSON.parse(m.data);if(seen===null){seen=e.generation;if(!e.ok)box(e);return;}if(e.generation!==seen){seen=e.generation;if(e.ok)location.reload();else box(e);}};ws.onclose=function(){setTimeout(connect,1000);};}connect();})();</script>
        """
    }
}
