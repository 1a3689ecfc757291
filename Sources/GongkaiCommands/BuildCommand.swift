import ArgumentParser

struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "build", abstract: "Build the static portal from a corpus folder.")
    func run() throws { throw ValidationError("not implemented yet") }
}
