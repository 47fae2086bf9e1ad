import Alerting
import Clients
import ExporterConfig
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
    /// The rule engine and its loop, when rule files are configured.
    let ruleEngine: RuleEngine?
    let ruleService: RuleEvaluationService?

    /// The version reported by `copythat_exporter_build_info` and `--version`.
    static let version = "0.1.0"

    init(configuration: ExporterConfiguration, logger: Logger, registry: PrometheusRegistry = PrometheusRegistry()) throws {
        self.configuration = configuration
        self.registry = registry
        // Blocking libpq, hiredis and libcurl calls run here, never on an event loop: two threads per dependency
        // so that one stuck until its deadline never delays another.
        let alerting = configuration.alerting
        let ruleThreads = alerting.isEnabled ? alerting.scrapeTargets.count + alerting.destinations.count : 0
        self.threadPool = NIOThreadPool(numberOfThreads: max(2, configuration.dependencies.count * 2 + ruleThreads))
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
        if alerting.isEnabled {
            let groups = try RuleFileLoader.load(paths: alerting.ruleFiles, compatibility: alerting.compatibility).overridingFor(
                alerting.alertForOverrideMilliseconds
            )
            var settings = RuleEngine.Settings()
            settings.evaluationInterval = Self.milliseconds(alerting.evaluationInterval)
            // A subquery without a step steps by the global evaluation interval, as in Prometheus.
            settings.options.subqueryStepMilliseconds = settings.evaluationInterval
            settings.options.compatibility = alerting.compatibility
            settings.queryRetention = Self.milliseconds(alerting.queryRetention)
            settings.externalLabels = alerting.externalLabels
            settings.externalURL = alerting.externalURL
            settings.resendDelay = Self.milliseconds(alerting.resendDelay)
            settings.maxSeries = alerting.maxSeries
            let engine = RuleEngine(groups: groups, settings: settings)
            var notifierSettings = Notifier.Settings()
            notifierSettings.externalURL = alerting.externalURL
            let notifier = try Notifier(
                destinations: alerting.destinations,
                settings: notifierSettings,
                threadPool: self.threadPool,
                registry: registry,
                logger: logger
            )
            var scrapes: [RuleEvaluationService.Scrape] = []
            if alerting.scrapeSelf {
                let own = ScrapeTarget(job: "copythat-exporter", url: "http://\(configuration.listen)/metrics", limits: .unlimited)
                scrapes.append(.init(target: own, source: RegistryScrapeSource(registry: registry)))
            }
            let http = HTTPScrapeSource(threadPool: self.threadPool)
            scrapes += alerting.scrapeTargets.map { .init(target: $0, source: http) }
            try registry.register(AlertsCollector(engine: engine))
            self.ruleEngine = engine
            self.ruleService = try RuleEvaluationService(
                engine: engine,
                scrapes: scrapes,
                notifier: alerting.destinations.isEmpty ? nil : notifier,
                registry: registry,
                logger: logger
            )
        } else {
            self.ruleEngine = nil
            self.ruleService = nil
        }
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
                request: HTTPClientRequest(method: dependency.method, url: dependency.url, headers: dependency.headers),
                expectedStatus: dependency.expectedStatus,
                threadPool: threadPool
            )
        }
    }

    static func milliseconds(_ duration: Duration) -> Int64 { Int64(duration.wholeMilliseconds) }

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
