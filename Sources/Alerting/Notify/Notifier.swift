import Clients
public import Logging
public import NIOPosix
public import PrometheusRegistry
import Synchronization

/// Sends alerts to every destination: batches of up to 256 from a bounded queue, each post retried with backoff,
/// with sent, failed and dropped notifications counted in the registry.
public final class Notifier: Sendable {
    /// How sending behaves.
    public struct Settings: Sendable {
        /// Alerts per request.
        public var batchSize = 256
        /// Alerts held at most; the oldest are dropped beyond.
        public var queueCapacity = 10_000
        /// Deadline of one request.
        public var timeout: Duration = .seconds(10)
        /// Attempts per batch and destination.
        public var attempts = 3
        /// Wait before the first retry; doubles after each.
        public var initialBackoff: Duration = .milliseconds(500)
        /// The `receiver` webhook messages name.
        public var receiver = "copythat-exporter"
        /// The external URL webhook messages carry.
        public var externalURL = ""

        /// Defaults as Prometheus's notifier: batches of 256, a queue of 10,000, 10 s per request.
        public init() {}
    }

    private struct Metrics: Sendable {
        let sent: MetricFamily<Counter>
        let errors: MetricFamily<Counter>
        let dropped: Counter
        let queueLength: Gauge
    }

    /// The destinations.
    public let destinations: [NotificationDestination]
    /// The settings.
    public let settings: Settings
    private let clients: [CurlHTTPClient]
    private let queue: Mutex<NotificationQueue>
    private let metrics: Metrics
    private let logger: Logger
    private let wakeups: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    /// A notifier posting from `threadPool` (libcurl is blocking), counting into `registry`.
    public init(
        destinations: [NotificationDestination],
        settings: Settings = Settings(),
        threadPool: NIOThreadPool,
        registry: PrometheusRegistry,
        logger: Logger
    ) throws {
        self.destinations = destinations
        self.settings = settings
        self.clients = destinations.map { _ in CurlHTTPClient(threadPool: threadPool) }
        self.queue = Mutex(NotificationQueue(capacity: settings.queueCapacity))
        self.logger = logger
        (self.wakeups, self.wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.metrics = Metrics(
            sent: try registry.makeCounterFamily(
                name: "copythat_exporter_notifications_sent_total",
                help: "Alerts delivered, by destination.",
                labelNames: ["destination"]
            ),
            errors: try registry.makeCounterFamily(
                name: "copythat_exporter_notifications_errors_total",
                help: "Failed notification requests (after retries), by destination.",
                labelNames: ["destination"]
            ),
            dropped: try registry.makeCounter(
                name: "copythat_exporter_notifications_dropped_total",
                help: "Alerts dropped: the queue was full, or no destination accepted them."
            ),
            queueLength: try registry.makeGauge(
                name: "copythat_exporter_notifications_queue_length",
                help: "Alerts waiting to be sent."
            )
        )
    }

    /// Queues alerts for sending.
    public func enqueue(_ alerts: [OutgoingAlert]) {
        guard !alerts.isEmpty, !self.destinations.isEmpty else { return }
        let (dropped, length) = self.queue.withLock { queue in (queue.append(contentsOf: alerts), queue.count) }
        if dropped > 0 {
            try? self.metrics.dropped.inc(by: dropped)
            self.logger.warning("notification queue full: dropped the oldest alerts", metadata: ["dropped": "\(dropped)"])
        }
        self.metrics.queueLength.set(Double(length))
        self.wake.yield()
    }

    /// Alerts waiting.
    public var queued: Int { self.queue.withLock { $0.count } }

    /// Sends whatever is queued until the task is cancelled; then sends what is left, once, before returning.
    public func run() async {
        for await _ in self.wakeups {
            await self.drain()
            if Task.isCancelled { break }
        }
        await self.drain()
    }

    /// Stops `run` after it has sent what is queued.
    public func finish() { self.wake.finish() }

    /// Sends every queued alert now.
    public func drain() async {
        while true {
            let batch = self.queue.withLock { $0.next(upTo: self.settings.batchSize) }
            self.metrics.queueLength.set(Double(self.queued))
            if batch.isEmpty { return }
            await self.send(batch)
        }
    }

    private func send(_ batch: [OutgoingAlert]) async {
        let delivered = await withTaskGroup(of: Bool.self) { group in
            for (index, destination) in self.destinations.enumerated() {
                group.addTask { await self.post(batch, to: destination, client: self.clients[index]) }
            }
            var any = false
            for await success in group where success { any = true }
            return any
        }
        if !delivered { try? self.metrics.dropped.inc(by: batch.count) }
    }

    private func post(_ batch: [OutgoingAlert], to destination: NotificationDestination, client: CurlHTTPClient) async -> Bool {
        let body: [UInt8]
        switch destination.kind {
        case .alertmanager: body = NotificationPayload.alertmanager(batch)
        case .webhook: body = NotificationPayload.webhook(batch, receiver: self.settings.receiver, externalURL: self.settings.externalURL)
        }
        var headers: [(name: String, value: String)] = [("Content-Type", "application/json"), ("User-Agent", "copythat-exporter")]
        headers += destination.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let request = HTTPClientRequest(
            method: "POST",
            url: destination.endpoint,
            headers: headers,
            body: body,
            timeout: self.settings.timeout
        )
        var backoff = self.settings.initialBackoff
        var lastError = ""
        for attempt in 1...max(1, self.settings.attempts) {
            do {
                let response = try await client.perform(request)
                if (200..<300).contains(response.status) {
                    try? self.metrics.sent.labels(destination.description).inc(by: batch.count)
                    return true
                }
                lastError = "HTTP \(response.status): " + String(decoding: response.body.prefix(200), as: UTF8.self)
                // A client error other than throttling will not succeed on a retry.
                if (400..<500).contains(response.status) && response.status != 429 { break }
            } catch {
                lastError = error.description
            }
            if attempt < self.settings.attempts {
                try? await Task.sleep(for: backoff)
                backoff *= 2
            }
        }
        try? self.metrics.errors.labels(destination.description).inc()
        self.logger.error(
            "sending alerts failed",
            metadata: ["destination": "\(destination)", "alerts": "\(batch.count)", "error": "\(lastError)"]
        )
        return false
    }
}
