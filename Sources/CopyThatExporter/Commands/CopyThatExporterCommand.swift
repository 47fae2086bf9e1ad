import Alerting
import ArgumentParser
import ExporterConfig

/// `copythat-exporter`: the Copy That health checker and Prometheus exporter.
@main
struct CopyThatExporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copythat-exporter",
        abstract: "Probes PostgreSQL, Redis and AI endpoints; serves /metrics, /health/ready and /health/live.",
        discussion: """
            With no --config, dependencies come from the environment: DATABASE_URL (postgres, critical), REDIS_URL \
            (redis, critical), ANTHROPIC_API_KEY with ANTHROPIC_BASE_URL and OPENAI_API_KEY with OPENAI_BASE_URL \
            (not critical). See examples/ for a complete configuration file.
            """,
        version: ExporterRuntime.version,
        subcommands: [ServeCommand.self, ProbeCommand.self, CheckConfigCommand.self, TestRulesCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}

/// The options `serve` and `probe` share.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("YAML configuration file (default: dependencies from the environment).", valueName: "file"))
    var config: String?

    @Option(
        name: .customLong("probe-timeout"),
        help: ArgumentHelp("Deadline of each probe, e.g. 2s or 500ms (overrides the file).", valueName: "duration")
    )
    var probeTimeout: String?

    func validate() throws {
        if let probeTimeout, PrometheusDuration.parse(probeTimeout) == nil {
            throw ValidationError("--probe-timeout: \"\(probeTimeout)\" is not a duration (write 500ms, 2s, 1m)")
        }
    }

    /// The configuration from the file or the environment, with command-line overrides applied.
    func load() throws -> ExporterConfiguration {
        let loader = ConfigLoader()
        var configuration: ExporterConfiguration
        do throws(ConfigError) {
            if let path = self.config {
                configuration = try loader.load(path: path)
            } else {
                configuration = try loader.fromEnvironment()
            }
        } catch {
            throw ValidationError(error.description)
        }
        if let probeTimeout, let duration = PrometheusDuration.parse(probeTimeout) {
            configuration.probeTimeout = duration
        }
        return configuration
    }
}
