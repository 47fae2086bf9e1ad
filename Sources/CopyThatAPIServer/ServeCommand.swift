import ArgumentParser
import Clients
import CopyThatAPI
import Hummingbird
import Logging
import Probes
import ServiceLifecycle

/// `copythat-api serve`: migrations, then the API until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Applies pending migrations, then serves the API (the default command).",
        discussion: """
            On SIGTERM or SIGINT readiness turns 503 at once, the server keeps answering for SHUTDOWN_DELAY (5 s \
            outside local) so that load balancers stop sending, then stops accepting, finishes the requests in \
            flight and exits 0.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Address to listen on.", valueName: "host:port"))
    var listen = "0.0.0.0:8000"

    @Flag(name: .customLong("no-migrate"), help: "Do not apply pending migrations first.")
    var noMigrate = false

    func validate() throws {
        guard ListenAddress.parse(self.listen) != nil else {
            throw ValidationError("--listen: \"\(self.listen)\" is not host:port (write 0.0.0.0:8000, [::]:8000 or :8000)")
        }
    }

    func run() async throws {
        let configuration = try CommandEnvironment.configuration()
        let logger = CommandEnvironment.bootstrapLogging()
        let address = ListenAddress.parse(self.listen)!
        let api = try await APIApplication.build(configuration: configuration, logger: logger)
        if !self.noMigrate {
            do {
                for version in try await api.migrate() {
                    logger.info("migration applied", metadata: ["version": "\(version)"])
                }
            } catch {
                logger.critical("migrations failed; not serving", metadata: ["error.message": "\(error)"])
                await api.shutdown()
                throw ExitCode.failure
            }
        }
        logger.info(
            "starting",
            metadata: [
                "environment": "\(configuration.environment.rawValue)",
                "database": "\(configuration.databaseURL.redacted)",
                "redis": "\(configuration.redisURL.redacted)",
            ]
        )
        let listenerLogger = logger
        let application = api.application(address: .hostname(address.host, port: address.port), logger: logger) { channel in
            listenerLogger.info("listening", metadata: ["address": "\(channel.localAddress?.description ?? "")"])
        }
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                // First, so that it is shut down last: exits 0 at SHUTDOWN_GRACE whatever is still running.
                .init(service: ShutdownDeadline(grace: configuration.shutdownGrace, logger: logger)),
                .init(service: application),
                .init(service: DrainService(store: api.health, delay: configuration.shutdownDelay)),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGrace
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()
        await api.shutdown()
        logger.info("stopped")
    }
}
