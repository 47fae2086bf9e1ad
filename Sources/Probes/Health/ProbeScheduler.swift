import Clients
public import Logging
import NIOConcurrencyHelpers
public import ServiceLifecycle

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Probes every dependency in parallel every interval, with jitter, and publishes the results.
///
/// Each probe has a hard deadline: the scheduler stops waiting at the probe's timeout whatever the probe is doing,
/// records a failure, and does not start that probe again until the stuck run returns (its C-level deadlines make
/// sure it does). Results go to the ``HealthStore`` (readiness), the ``ProbeMetrics`` and, once per change of
/// status, the log. A `Service`: it stops at graceful shutdown and closes the connections it keeps.
public final class ProbeScheduler: Service {
    /// One dependency to probe.
    public struct Entry: Sendable {
        /// The probe.
        public var probe: any Probe
        /// Its deadline.
        public var timeout: Duration

        /// Creates an entry.
        public init(probe: any Probe, timeout: Duration) {
            self.probe = probe
            self.timeout = timeout
        }
    }

    private let entries: [Entry]
    private let interval: Duration
    private let jitter: Double
    private let store: HealthStore
    private let metrics: ProbeMetrics?
    private let logger: Logger
    // A pthread mutex (NIOLockedValueBox) rather than Synchronization's Mutex, whose futex ThreadSanitizer cannot see: CI
    // runs the concurrency tests of this type under TSan (scripts/tsan.sh).
    private let inFlight = NIOLockedValueBox<Set<String>>([])

    /// Creates a scheduler.
    /// - Parameter jitter: the fraction of `interval` by which each wait varies, so that many exporters do not probe in step.
    public init(entries: [Entry], interval: Duration, jitter: Double = 0.1, store: HealthStore, metrics: ProbeMetrics?, logger: Logger) {
        self.entries = entries
        self.interval = interval
        self.jitter = max(0, min(0.5, jitter))
        self.store = store
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                _ = await self.runRound()
                let factor = 1 + Double.random(in: -self.jitter...self.jitter)
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval * factor) }
            }
        } onGracefulShutdown: {
            self.store.markDraining()
        }
        for probe in self.probes {
            await probe.shutdown()
        }
    }

    /// Every probe, for closing their connections after a one-off round (the `probe` command).
    public var probes: [any Probe] { self.entries.map(\.probe) }

    /// Runs one round: every probe in parallel, each bounded by its deadline. Returns the outcomes by name.
    @discardableResult
    public func runRound() async -> [String: ProbeOutcome] {
        let outcomes = await withTaskGroup(of: (String, ProbeOutcome).self) { group in
            for entry in self.entries {
                group.addTask { (entry.probe.name, await self.runBounded(entry)) }
            }
            var outcomes: [String: ProbeOutcome] = [:]
            for await (name, outcome) in group { outcomes[name] = outcome }
            return outcomes
        }
        self.store.markFirstRoundDone()
        return outcomes
    }

    private func runBounded(_ entry: Entry) async -> ProbeOutcome {
        let name = entry.probe.name
        let started = self.inFlight.withLockedValue { $0.insert(name).inserted }
        let outcome: ProbeOutcome
        if started {
            outcome = await Self.race(entry.probe, deadline: .after(entry.timeout)) {
                self.inFlight.withLockedValue { _ = $0.remove(name) }
            }
        } else {
            outcome = ProbeOutcome(success: false, durationSeconds: 0, error: "the previous probe has not returned yet")
        }
        self.publish(outcome, entry: entry)
        return outcome
    }

    private func publish(_ outcome: ProbeOutcome, entry: Entry) {
        let now = Date().timeIntervalSince1970
        let name = entry.probe.name
        let type = entry.probe.type
        self.metrics?.record(outcome, name: name, type: type, timeoutSeconds: entry.timeout.seconds, at: now)
        switch self.store.record(outcome, for: name, at: now) {
        case .becameHealthy:
            self.logger.info(
                "dependency healthy",
                metadata: ["dependency": "\(name)", "type": "\(type)", "latency_seconds": "\(outcome.durationSeconds)"]
            )
        case .becameUnhealthy:
            self.logger.warning(
                "dependency unhealthy",
                metadata: ["dependency": "\(name)", "type": "\(type)", "reason": "\(outcome.error ?? "failed")"]
            )
        case .none:
            break
        }
    }

    /// The probe's outcome, or a timeout failure at `deadline` if it has not finished by then. The probe keeps
    /// running in the background until it returns; `finished` runs then.
    static func race(_ probe: any Probe, deadline: Deadline, finished: @escaping @Sendable () -> Void) async -> ProbeOutcome {
        let start = ContinuousClock.now
        let gate = RaceGate()
        return await withCheckedContinuation { continuation in
            gate.install(continuation)
            let timer = Task {
                try await Task.sleep(until: deadline.instant + .milliseconds(25), clock: .continuous)
                gate.resume(with: .timedOut(after: (ContinuousClock.now - start).seconds))
            }
            Task {
                let outcome = await probe.run(deadline: deadline)
                finished()
                gate.resume(with: outcome)
                timer.cancel()
            }
        }
    }
}

/// Resumes a continuation exactly once, with whichever result arrives first.
private final class RaceGate: Sendable {
    private let continuation = NIOLockedValueBox<CheckedContinuation<ProbeOutcome, Never>?>(nil)

    func install(_ continuation: CheckedContinuation<ProbeOutcome, Never>) {
        self.continuation.withLockedValue { $0 = continuation }
    }

    func resume(with outcome: ProbeOutcome) {
        let continuation = self.continuation.withLockedValue { current -> CheckedContinuation<ProbeOutcome, Never>? in
            defer { current = nil }
            return current
        }
        continuation?.resume(returning: outcome)
    }
}
