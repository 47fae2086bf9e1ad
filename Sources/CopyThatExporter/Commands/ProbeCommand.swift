import ArgumentParser
import Foundation
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
        var checks: [String: Any] = [:]
        for dependency in configuration.dependencies {
            guard let outcome = outcomes[dependency.name] else { continue }
            var entry: [String: Any] = [
                "status": outcome.success ? "healthy" : "unhealthy",
                "critical": dependency.critical,
                "type": dependency.typeLabel,
                "target": dependency.displayURL,
                "latency_ms": (outcome.durationSeconds * 1_000_000).rounded() / 1000,
            ]
            if let error = outcome.error { entry["error"] = error }
            if !outcome.details.isEmpty { entry["details"] = outcome.details }
            checks[dependency.name] = entry
        }
        let body: [String: Any] = ["status": report.status, "checks": checks]
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
        for entry in runtime.scheduler.probes { await entry.shutdown() }
        try? await runtime.threadPool.shutdownGracefully()
        if !report.ready { throw ExitCode(1) }
    }
}
