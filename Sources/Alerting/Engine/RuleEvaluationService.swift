import Clients
public import Logging
public import NIOPosix
public import PrometheusRegistry
public import ServiceLifecycle
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The exporter's evaluation loop: every evaluation interval it scrapes every target (in parallel, each bounded by
/// its timeout), evaluates the rule groups that are due, and queues the alerts to send. On graceful shutdown it
/// stops evaluating and sends what is queued.
///
/// Parsing, ingest and evaluation run on a thread pool of their own, never on the cooperative pool that serves
/// `/metrics` and `/health/*`, so a target with a million series delays no endpoint. A scrape's failure reason is
/// logged when it changes (and its recovery once), not at every scrape.
public struct RuleEvaluationService: Service {
    /// A target and where its samples come from.
    public struct Scrape: Sendable {
        /// The target.
        public var target: ScrapeTarget
        /// The source.
        public var source: any ScrapeSource

        /// A scrape.
        public init(target: ScrapeTarget, source: any ScrapeSource) {
            self.target = target
            self.source = source
        }
    }

    private struct Metrics: Sendable {
        let evaluations: MetricFamily<Counter>
        let failures: MetricFamily<Counter>
        let duration: MetricFamily<Gauge>
        let lastEvaluation: MetricFamily<Gauge>
        let scrapeFailures: MetricFamily<Counter>
        let limitFailures: MetricFamily<Counter>
        let seriesRefused: Counter
        let series: Gauge
        let samples: Gauge
        let bytes: Gauge
    }

    /// The engine.
    public let engine: RuleEngine
    /// What to scrape.
    public let scrapes: [Scrape]
    /// Where alerts go (nil: alerts are only exposed, not sent).
    public let notifier: Notifier?
    private let logger: Logger
    private let metrics: Metrics
    private let work: NIOThreadPool
    /// What has been logged about each target.
    private let said = LogMemoryBox()

    /// A service over `engine`, counting into `registry`; parsing and evaluation run on `work` (by default a
    /// thread of the service's own).
    public init(
        engine: RuleEngine,
        scrapes: [Scrape],
        notifier: Notifier?,
        registry: PrometheusRegistry,
        logger: Logger,
        work: NIOThreadPool? = nil
    ) throws {
        self.engine = engine
        self.scrapes = scrapes
        self.notifier = notifier
        self.logger = logger
        if let work {
            self.work = work
        } else {
            self.work = NIOThreadPool(numberOfThreads: 1)
            self.work.start()
        }
        self.metrics = Metrics(
            evaluations: try registry.makeCounterFamily(
                name: "copythat_exporter_rule_evaluations_total",
                help: "Rule evaluations, by group.",
                labelNames: ["rule_group"]
            ),
            failures: try registry.makeCounterFamily(
                name: "copythat_exporter_rule_evaluation_failures_total",
                help: "Rule evaluations that failed, by group.",
                labelNames: ["rule_group"]
            ),
            duration: try registry.makeGaugeFamily(
                name: "copythat_exporter_rule_group_last_duration_seconds",
                help: "Time the last evaluation of each group took.",
                labelNames: ["rule_group"],
                unit: "seconds"
            ),
            lastEvaluation: try registry.makeGaugeFamily(
                name: "copythat_exporter_rule_group_last_evaluation_timestamp_seconds",
                help: "When each group was last evaluated.",
                labelNames: ["rule_group"],
                unit: "seconds"
            ),
            scrapeFailures: try registry.makeCounterFamily(
                name: "copythat_exporter_scrape_failures_total",
                help: "Scrapes of rule-engine targets that failed, by job.",
                labelNames: ["job"]
            ),
            limitFailures: try registry.makeCounterFamily(
                name: "copythat_exporter_scrape_limit_exceeded_total",
                help: "Scrapes failed because they went past a scrape limit, by job and limit.",
                labelNames: ["job", "limit"]
            ),
            seriesRefused: try registry.makeCounter(
                name: "copythat_exporter_rule_store_series_refused_total",
                help: "Samples refused because they would have created a series past max_series."
            ),
            series: try registry.makeGauge(name: "copythat_exporter_rule_store_series", help: "Series the rule engine holds."),
            samples: try registry.makeGauge(name: "copythat_exporter_rule_store_samples", help: "Samples the rule engine holds."),
            bytes: try registry.makeGauge(
                name: "copythat_exporter_rule_store_bytes",
                help: "Bytes the rule engine's samples take.",
                unit: "bytes"
            )
        )
        try registry.makeGauge(
            name: "copythat_exporter_rule_store_series_limit",
            help: "The most series the rule engine holds (max_series)."
        ).set(Double(engine.settings.maxSeries))
    }

    /// Runs until graceful shutdown, then sends what is queued.
    public func run() async throws {
        let interval = Duration.milliseconds(self.engine.settings.evaluationInterval)
        await withTaskGroup(of: Void.self) { group in
            if let notifier = self.notifier { group.addTask { await notifier.run() } }
            await untilGracefulShutdown {
                while !Task.isCancelled {
                    let started = ContinuousClock.now
                    await self.runOnce(at: Self.now())
                    try? await Task.sleep(until: started + interval)
                }
            }
            self.notifier?.finish()
            await group.waitForAll()
        }
        self.logger.info("rule evaluation stopped")
    }

    /// The wall-clock time in milliseconds since the epoch.
    public static func now() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }

    /// One round: scrape everything, evaluate, queue alerts.
    public func runOnce(at time: Int64) async {
        await withTaskGroup(of: Void.self) { group in
            for scrape in self.scrapes {
                group.addTask {
                    let clock = ContinuousClock()
                    let started = clock.now
                    let body: Result<[UInt8], any Error>
                    do {
                        body = .success(try await scrape.source.fetch(scrape.target))
                    } catch {
                        body = .failure(error)
                    }
                    let engine = self.engine
                    let seconds = (clock.now - started).seconds
                    let report =
                        (try? await self.work.runIfActive { engine.ingest(scrape.target, body: body, at: time, durationSeconds: seconds) })
                        ?? RuleEngine.ScrapeReport(samples: 0, kept: 0, error: "shutting down")
                    self.record(report, of: scrape.target)
                }
            }
        }
        let engine = self.engine
        let reports = (try? await self.work.runIfActive { engine.evaluate(at: time) }) ?? []
        for report in reports {
            try? self.metrics.evaluations.labels(report.group).inc()
            try? self.metrics.duration.labels(report.group).set(report.seconds)
            try? self.metrics.lastEvaluation.labels(report.group).set(Double(time) / 1000)
            for (rule, error) in report.errors {
                try? self.metrics.failures.labels(report.group).inc()
                self.logger.error(
                    "rule evaluation failed",
                    metadata: ["rule_group": "\(report.group)", "rule": "\(rule)", "error": "\(error)"]
                )
            }
        }
        let statistics = self.engine.storeStatistics
        self.metrics.series.set(Double(statistics.series))
        self.metrics.samples.set(Double(statistics.samples))
        self.metrics.bytes.set(Double(statistics.bytes))
        self.notifier?.enqueue(self.engine.alertsToSend(at: time))
    }

    /// Counts a scrape's outcome and logs its failure reason when it changes.
    private func record(_ report: RuleEngine.ScrapeReport, of target: ScrapeTarget) {
        if report.error != nil { try? self.metrics.scrapeFailures.labels(target.job).inc() }
        if let limit = report.limit { try? self.metrics.limitFailures.labels(target.job, limit.rawValue).inc() }
        if report.error != nil { ProcessMemory.trim() }  // a failed scrape's buffers go back to the system
        if report.refusedForSeriesLimit > 0 { try? self.metrics.seriesRefused.inc(by: Double(report.refusedForSeriesLimit)) }
        let key = report.limit?.rawValue ?? report.error
        let decision = self.said.memory.withLock { $0.record(target, reason: key, refused: report.refusedForSeriesLimit) }
        let metadata: Logger.Metadata = ["job": "\(target.job)", "instance": "\(target.instance)"]
        if decision.logFailure, let error = report.error {
            var details = metadata
            details["error"] = "\(error)"
            if let limit = report.limit { details["limit"] = "\(limit.rawValue)" }
            self.logger.warning("scrape failed", metadata: details)
        } else if decision.logRecovery {
            self.logger.info("scrape recovered", metadata: metadata)
        }
        if let refusing = decision.refusing {
            var details = metadata
            details["max_series"] = "\(self.engine.settings.maxSeries)"
            if refusing {
                details["refused"] = "\(report.refusedForSeriesLimit)"
                self.logger.warning("max_series reached: samples of new series are refused", metadata: details)
            } else {
                self.logger.info("below max_series again", metadata: details)
            }
        }
    }
}

/// The service's ``ScrapeLogMemory``, shared by its concurrent scrapes.
private final class LogMemoryBox: Sendable {
    let memory = Mutex(ScrapeLogMemory())
}

/// Runs `body` and cancels it when graceful shutdown begins.
private func untilGracefulShutdown(_ body: @escaping @Sendable () async -> Void) async {
    try? await cancelWhenGracefulShutdown { () async throws -> Void in await body() }
}
