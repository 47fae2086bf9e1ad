import ArgumentParser
import ExporterConfig

/// `copythat-exporter check-config FILE`: validate a configuration without probing anything.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file.",
        discussion: "Exits 0 when FILE is valid; otherwise prints FILE:LINE:COLUMN: REASON to stderr and exits 1."
    )

    @Argument(help: ArgumentHelp("The YAML configuration to check.", valueName: "file"))
    var file: String

    func run() throws {
        do {
            let configuration = try ConfigLoader().load(path: self.file)
            print(
                "\(self.file): valid, \(configuration.dependencies.count) dependencies (\(configuration.dependencies.map(\.name).joined(separator: ", ")))"
            )
        } catch {
            StandardStreams.write("\(error.description)\n", to: .error)
            throw ExitCode(1)
        }
    }
}
