import ArgumentParser
import JSONLogging
import Logging
import Probes

/// `copythat-exporter probe`: one round of probes, the result as JSON on stdout.
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "Probe every dependency once and print the result as JSON.",
        discussion: "Exits 0 when every critical dependency passed, 1 otherwise. Logs go to stderr; secrets never appear in the output."
    )

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try self.options.load()
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, sink: FileDescriptorLogSink.standardError, logLevel: .warning) }
        let runtime = try ExporterRuntime(configuration: configuration, logger: Logger(label: "copythat.exporter"))
        let outcomes = await runtime.scheduler.runRound()
        let report = runtime.store.report
        var checks: [String: ReadinessJSON.Check] = [:]
        for dependency in configuration.dependencies {
            guard let outcome = outcomes[dependency.name] else { continue }
            checks[dependency.name] = ReadinessJSON.Check(
                status: outcome.success ? "healthy" : "unhealthy",
                critical: dependency.critical,
                type: dependency.typeLabel,
                target: dependency.displayURL,
                latencyMilliseconds: ReadinessJSON.milliseconds(outcome.durationSeconds),
                error: outcome.error,
                details: outcome.details.isEmpty ? nil : outcome.details
            )
        }
        let body = ReadinessJSON.Body(status: report.status, checks: checks)
        guard let json = ReadinessJSON.json(body, pretty: true) else { throw ExitCode(2) }
        StandardStreams.write(json + Array("\n".utf8), to: .output)
        for entry in runtime.scheduler.probes { await entry.shutdown() }
        try? await runtime.threadPool.shutdownGracefully()
        if !report.ready { throw ExitCode(1) }
    }
}
