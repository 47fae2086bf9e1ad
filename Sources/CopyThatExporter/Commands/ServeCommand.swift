import Alerting
import ArgumentParser
import Clients
import CopyThatInstrumentation
import ExporterConfig
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import JSONLogging
import Logging
import NIOPosix
import Probes
import ServiceLifecycle

/// `copythat-exporter serve`: probe in the background and serve the endpoints until SIGTERM.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Probe every dependency on an interval and serve /metrics and the health endpoints.",
        discussion: """
            GET /health/live answers 200 while the process runs. GET /health/ready answers 200 when every critical \
            dependency passed its last probe, 503 otherwise (add ?verbose for latency and errors). GET /metrics serves \
            Prometheus text 0.0.4, or OpenMetrics when asked, gzipped when accepted. On SIGTERM readiness turns 503 at \
            once, then the server drains and the process exits 0. With rule_files in the configuration it also evaluates \
            them (see docs/rule-engine.md) and reloads them on SIGHUP.
            """
    )

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: ArgumentHelp("Address to listen on (default 0.0.0.0:9470).", valueName: "host:port"))
    var listen: String?

    @Option(
        name: .customLong("probe-interval"),
        help: ArgumentHelp("Time between probe rounds, e.g. 10s (default 10s).", valueName: "duration")
    )
    var probeInterval: String?

    @Flag(
        name: .customLong("web.enable-lifecycle"),
        help: "Accept POST /-/reload (the rule files, as SIGHUP does), as Prometheus does with the same flag."
    )
    var enableLifecycle = false

    @Option(
        name: .customLong("web.config.file"),
        help: ArgumentHelp(
            "exporter-toolkit's web configuration: TLS (tls_server_config), basic_auth_users and response headers.",
            valueName: "path"
        )
    )
    var webConfigFile: String?

    /// Threads for bcrypt checks and certificate reads: never an event loop or the cooperative pool.
    static let blockingThreads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()

    /// What `POST /-/reload` runs: the same reload as SIGHUP.
    private static func reloadAction(_ reloader: RuleReloadService) -> @Sendable () -> String? {
        { reloader.reload() }
    }

    func validate() throws {
        if let listen, ExporterConfiguration.ListenAddress.parse(listen) == nil {
            throw ValidationError("--listen: expected HOST:PORT, got \"\(listen)\"")
        }
        if let probeInterval, PrometheusDuration.parse(probeInterval) == nil {
            throw ValidationError("--probe-interval: \"\(probeInterval)\" is not a duration (write 500ms, 10s, 1m)")
        }
    }

    func run() async throws {
        // A scrape cut at body_size_limit must not leave its buffer resident (see ProcessMemory).
        ProcessMemory.returnLargeBuffersToTheSystem()
        var configuration = try self.options.load()
        if let listen, let address = ExporterConfiguration.ListenAddress.parse(listen) { configuration.listen = address }
        if let probeInterval, let interval = PrometheusDuration.parse(probeInterval) { configuration.probeInterval = interval }
        do {
            try Validation.check(configuration, file: "command line", marks: [:])
        } catch {
            throw ValidationError(error.description)
        }
        let level = Logger.Level(parsing: configuration.logLevel) ?? .info
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, sink: FileDescriptorLogSink.standardOutput, logLevel: level) }
        var logger = Logger(label: "copythat.exporter")
        logger.logLevel = level

        let web: WebConfiguration
        do {
            web = try self.webConfigFile.map { path throws(ConfigError) in try WebConfigLoader().load(path: path) } ?? WebConfiguration()
        } catch {
            throw ValidationError("--web.config.file: \(error.description)")
        }
        let tls: (certificate: ServingCertificate, channel: TLSChannelConfiguration)?
        do {
            tls = try web.tls.map(WebListenerTLS.prepare)
        } catch {
            throw ValidationError("--web.config.file: \(error)")
        }
        let runtime = try ExporterRuntime(configuration: configuration, logger: logger)
        if configuration.dependencies.isEmpty {
            logger.warning("no dependencies configured: set DATABASE_URL, REDIS_URL, ANTHROPIC_API_KEY, OPENAI_API_KEY or pass --config")
        }
        for dependency in configuration.dependencies {
            logger.info(
                "probing dependency",
                metadata: [
                    "dependency": "\(dependency.name)", "type": "\(dependency.kind.rawValue)", "target": "\(dependency.displayURL)",
                    "critical": "\(dependency.critical)",
                ]
            )
        }
        let listenerLogger = logger
        let listenAddress = configuration.listen
        let reloader = runtime.ruleService.map { ruleService in
            RuleReloadService(
                engine: ruleService.engine,
                ruleFiles: configuration.alerting.ruleFiles,
                forOverrides: configuration.alerting.alertForOverrideMilliseconds,
                logger: logger
            )
        }
        let router = try ExporterRouter.build(
            registry: runtime.registry,
            store: runtime.store,
            metricsAuth: configuration.metricsAuth,
            ruleEngine: runtime.ruleEngine,
            lifecycle: ExporterRouter.Lifecycle(enabled: self.enableLifecycle, reload: reloader.map(Self.reloadAction)),
            web: web,
            bcryptThreads: Self.blockingThreads
        )
        // Idle connections and a slowloris are closed after http_idle_timeout; at most max_connections are open; an
        // HTTP/1.0 request is answered as HTTP/1.0 and closed unless it asks for keep-alive.
        let idle = configuration.httpIdleTimeout
        let http1 = HTTPServerBuilder.http1(
            configuration: .init(
                additionalChannelHandlers: HTTP1KeepAlive.channelHandlers(),
                idleTimeout: .milliseconds(Int64(idle.components.seconds * 1000 + idle.components.attoseconds / 1_000_000_000_000_000))
            )
        )
        let app = Application(
            router: router,
            server: try tls.map { try HTTPServerBuilder.tls(http1, configuration: $0.channel) } ?? http1,
            configuration: .init(
                address: .hostname(configuration.listen.host, port: configuration.listen.port),
                serverName: nil,
                availableConnectionsDelegate: try ConnectionCap(
                    limit: configuration.maxConnections,
                    registry: runtime.registry,
                    prefix: "copythat_exporter_http"
                )
            ),
            onServerRunning: { channel in
                listenerLogger.info("listening", metadata: ["address": "\(channel.localAddress?.description ?? listenAddress.description)"])
            },
            logger: logger
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            // First, so that it is shut down last: exits 0 at shutdown_grace whatever is still running.
            .init(service: ShutdownDeadline(grace: configuration.shutdownGrace, logger: logger)),
            .init(service: runtime.scheduler),
            .init(service: app),
            .init(service: DrainService(store: runtime.store, delay: configuration.shutdownDelay)),
        ]
        if let tls {
            services.append(
                .init(
                    service: CertificateReloadService(
                        certificate: tls.certificate,
                        threadPool: Self.blockingThreads,
                        interval: .seconds(1),
                        logger: logger
                    )
                )
            )
        }
        if let ruleService = runtime.ruleService, let reloader {
            services.append(.init(service: ruleService))
            services.append(.init(service: reloader))
            logger.info(
                "evaluating rules",
                metadata: [
                    "rule_files": "\(configuration.alerting.ruleFiles.joined(separator: ","))",
                    "groups": "\(runtime.ruleEngine?.groups.count ?? 0)",
                    "scrape_targets": "\(configuration.alerting.scrapeTargets.map(\.job).joined(separator: ","))",
                    "destinations": "\(configuration.alerting.destinations.map(\.description).joined(separator: ","))",
                ]
            )
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGrace
        try await ServiceGroup(configuration: groupConfiguration).run()
        try? await runtime.threadPool.shutdownGracefully()
        logger.info("stopped")
    }
}
