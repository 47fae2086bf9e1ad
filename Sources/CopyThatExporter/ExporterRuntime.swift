import Logging
import NIOPosix
import Probes
import PrometheusRegistry

/// The exporter's moving parts, built from a configuration: registry, probes, health store and scheduler.
struct ExporterRuntime: Sendable {
    let configuration: ExporterConfiguration
    let registry: PrometheusRegistry
    let threadPool: NIOThreadPool
    let store: HealthStore
    let scheduler: ProbeScheduler

    /// The version reported by `copythat_exporter_build_info` and `--version`.
    static let version = "0.1.0"

    init(configuration: ExporterConfiguration, logger: Logger, registry: PrometheusRegistry = PrometheusRegistry()) throws {
        self.configuration = configuration
        self.registry = registry
        // Blocking libpq, hiredis and libcurl calls run here, never on an event loop: two threads per dependency
        // so that one stuck until its deadline never delays another.
        self.threadPool = NIOThreadPool(numberOfThreads: max(2, configuration.dependencies.count * 2))
        self.threadPool.start()
        let thresholds = DependencyHealth.Thresholds(failures: configuration.failureThreshold, successes: configuration.successThreshold)
        var entries: [ProbeScheduler.Entry] = []
        for dependency in configuration.dependencies {
            let probe = try Self.probe(for: dependency, threadPool: self.threadPool)
            entries.append(.init(probe: probe, timeout: dependency.timeout ?? configuration.probeTimeout))
        }
        self.store = HealthStore(
            dependencies: configuration.dependencies.map { ($0.name, $0.typeLabel, $0.critical, thresholds) }
        )
        try registry.register(ProcessCollector())
        _ = try registry.makeInfo(
            name: "copythat_exporter_build",
            help: "Build information of copythat-exporter.",
            labels: [Label("version", Self.version), Label("swift_version", Self.swiftVersion)]
        )
        self.scheduler = ProbeScheduler(
            entries: entries,
            interval: configuration.probeInterval,
            store: self.store,
            metrics: try ProbeMetrics(registry: registry),
            logger: logger
        )
    }

    static func probe(for dependency: ExporterConfiguration.Dependency, threadPool: NIOThreadPool) throws -> any Probe {
        switch dependency.kind {
        case .postgres:
            return PostgresProbe(name: dependency.name, url: try ConnectionURL(dependency.url), threadPool: threadPool)
        case .redis:
            return RedisProbe(name: dependency.name, url: try ConnectionURL(dependency.url), threadPool: threadPool)
        case .anthropic:
            return HTTPProbe.anthropic(
                name: dependency.name,
                apiKey: dependency.apiKey ?? "",
                baseURL: dependency.url,
                threadPool: threadPool
            )
        case .openai:
            return HTTPProbe.openai(name: dependency.name, apiKey: dependency.apiKey ?? "", baseURL: dependency.url, threadPool: threadPool)
        case .http:
            return HTTPProbe(
                name: dependency.name,
                request: HTTPProbeRequest(method: dependency.method, url: dependency.url, headers: dependency.headers),
                expectedStatus: dependency.expectedStatus,
                threadPool: threadPool
            )
        }
    }

    static var swiftVersion: String {
        #if compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #else
        return "6.x"
        #endif
    }
}
