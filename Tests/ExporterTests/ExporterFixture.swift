import Clients
import Foundation
import Hummingbird
import JSONLogging
import Logging
import PrometheusRegistry
import TestSupport

@testable import CopyThatExporter
@testable import ExporterConfig

/// An exporter built in-process from a configuration, with its logs captured.
struct ExporterFixture {
    let runtime: ExporterRuntime
    let app: Application<RouterResponder<BasicRequestContext>>
    let logs: InMemoryLogSink

    init(_ configuration: ExporterConfiguration) throws {
        let logs = InMemoryLogSink()
        let logger = Logger(label: "copythat.exporter") { JSONLogHandler(label: $0, sink: logs, logLevel: .debug) }
        self.logs = logs
        self.runtime = try ExporterRuntime(configuration: configuration, logger: logger)
        let router = try ExporterRouter.build(
            registry: self.runtime.registry,
            store: self.runtime.store,
            metricsAuth: configuration.metricsAuth
        )
        self.app = Application(router: router, logger: logger)
    }

    /// Every secret a configuration holds, to look for in outputs.
    static func secrets(of configuration: ExporterConfiguration) -> [String] {
        configuration.dependencies.flatMap { dependency -> [String] in
            var secrets: [String] = []
            if let password = (try? ConnectionURL(dependency.url))?.password, !password.isEmpty { secrets.append(password) }
            if let key = dependency.apiKey { secrets.append(key) }
            return secrets
        }
    }

    /// A configuration over the loopback servers: database, redis, and the two AI presets on `stubPort`.
    static func configuration(stubPort: Int, openAIStatusOK: Bool = true) throws -> ExporterConfiguration {
        var configuration = ExporterConfiguration()
        configuration.probeTimeout = .seconds(2)
        configuration.dependencies = [
            .init(name: "database", kind: .postgres, url: try TestEnvironment.databaseURL(), critical: true),
            .init(name: "redis", kind: .redis, url: try TestEnvironment.redisURL(), critical: true),
            .init(
                name: "anthropic",
                kind: .anthropic,
                url: "http://127.0.0.1:\(stubPort)",
                critical: false,
                apiKey: "sk-ant-test-secret-0123456789"
            ),
            .init(
                name: "openai",
                kind: .openai,
                url: "http://127.0.0.1:\(stubPort)/v1",
                critical: false,
                apiKey: "sk-openai-test-secret-0123456789"
            ),
        ]
        return configuration
    }
}

/// The JSON object in a response body.
func jsonObject(_ buffer: ByteBuffer) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView))
    guard let dictionary = object as? [String: Any] else { throw NotAnObject() }
    return dictionary
}

struct NotAnObject: Error {}
