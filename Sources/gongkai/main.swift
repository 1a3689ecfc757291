import GongkaiCommands

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
