import CJemalloc
import Foundation
import GongkaiCommands
import GongkaiServe

// The server behind `gongkai serve` (see GongkaiCommands/ServeCommand.swift for why it is a
// program of its own). jemalloc as in `gongkai`: rebuilds allocate as much as builds.
var allocatorVersion: UnsafePointer<CChar>? = nil
var allocatorVersionSize = MemoryLayout<UnsafePointer<CChar>?>.size
_ = mallctl("version", &allocatorVersion, &allocatorVersionSize, nil, 0)

await ServeEntry.main { options, port in
    let server = DevServer(options: options, port: port)
    let out = FileHandle.standardOutput
    let watching = ([options.corpus] + options.templateFolders).joined(separator: ", ")
    try await server.run(
        log: { line in out.write(Data((line + "\n").utf8)) },
        ready: { url in out.write(Data("serving \(url) (watching \(watching); Ctrl-C stops)\n".utf8)) }
    )
}
