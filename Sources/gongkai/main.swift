import CJemalloc
import GongkaiCommands

// jemalloc is the process's allocator (see Package.swift). Asking it for its version keeps the
// library linked even where the linker drops libraries nothing calls.
var allocatorVersion: UnsafePointer<CChar>? = nil
var allocatorVersionSize = MemoryLayout<UnsafePointer<CChar>?>.size
_ = mallctl("version", &allocatorVersion, &allocatorVersionSize, nil, 0)

// Parse and dispatch by hand: `serve` is asynchronous, the other commands are not.
do {
    var command = try GongkaiCommand.parseAsRoot()
    if var asyncCommand = command as? any AsyncParsableCommandRunnable {
        try await asyncCommand.runAsync()
    } else {
        try command.run()
    }
} catch {
    GongkaiCommand.exit(withError: error)
}
