import ArgumentParser

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "synth", abstract: "Write a synthetic corpus of realistic reports.")
    func run() throws { throw ValidationError("not implemented yet") }
}
