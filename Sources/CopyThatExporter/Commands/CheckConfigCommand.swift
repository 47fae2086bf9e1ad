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

    @Option(
        name: .customLong("web.config.file"),
        help: ArgumentHelp("Also check this web configuration, its certificate, key and client CA.", valueName: "path")
    )
    var webConfigFile: String?

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
        guard let webConfigFile else { return }
        do {
            let web = try WebConfigLoader().load(path: webConfigFile)
            if let tls = web.tls { _ = try WebListenerTLS.prepare(tls) }
            let tls = web.tls.map { "TLS (\($0.clientAuth.rawValue))" } ?? "plain HTTP"
            print("\(webConfigFile): valid, \(tls), \(web.basicAuthUsers.count) basic-auth users, \(web.headers.count) headers")
        } catch let error as ConfigError {
            StandardStreams.write("\(error.description)\n", to: .error)
            throw ExitCode(1)
        } catch {
            StandardStreams.write("\(webConfigFile): \(error)\n", to: .error)
            throw ExitCode(1)
        }
    }
}
