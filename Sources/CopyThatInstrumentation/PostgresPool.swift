public import Clients
public import NIOPosix
public import PrometheusRegistry
import Synchronization

/// A pool of `PostgresConnection`s with the seeds' settings and every state in `db_pool_connections{state}`.
///
/// Up to ``Configuration/poolSize`` connections stay open between uses; when all are busy, up to
/// ``Configuration/maxOverflow`` more are opened and closed again on return. Past that, a checkout waits its turn
/// (counted in `db_pool_checkout_waits_total`) for at most ``Configuration/checkoutTimeout``, then fails with
/// `PostgresPoolError.checkoutTimeout` (counted in `db_pool_checkout_timeouts_total`). Connections older than
/// ``Configuration/recycle`` are replaced, and with ``Configuration/prePing`` an idle connection is checked with
/// `SELECT 1` before it is handed out. All libpq work runs on the thread pool.
public final class PostgresPool: Sendable {
    /// Pool settings; the defaults are the seeds' (`pool_size=20, max_overflow=20, pool_timeout=30,
    /// pool_recycle=1800, pool_pre_ping=True`).
    public struct Configuration: Sendable {
        /// The database.
        public var url: ConnectionURL
        /// Connections kept open.
        public var poolSize: Int
        /// Extra connections allowed while all kept ones are busy.
        public var maxOverflow: Int
        /// How long a checkout may wait for a connection.
        public var checkoutTimeout: Duration
        /// Connections older than this are closed and replaced at checkout.
        public var recycle: Duration
        /// Whether to check an idle connection with `SELECT 1` before handing it out.
        public var prePing: Bool
        /// With ``prePing``, only connections idle at least this long are checked (zero, the seeds' behaviour:
        /// every checkout). A connection in constant use has just proved itself; pinging it doubles the round trips.
        public var prePingIdleThreshold: Duration
        /// The deadline of opening one connection.
        public var connectTimeout: Duration

        /// Creates a configuration; every parameter but `url` defaults to the seeds' value.
        public init(
            url: ConnectionURL,
            poolSize: Int = 20,
            maxOverflow: Int = 20,
            checkoutTimeout: Duration = .seconds(30),
            recycle: Duration = .seconds(1800),
            prePing: Bool = true,
            prePingIdleThreshold: Duration = .zero,
            connectTimeout: Duration = .seconds(5)
        ) {
            self.url = url
            self.poolSize = max(1, poolSize)
            self.maxOverflow = max(0, maxOverflow)
            self.checkoutTimeout = checkoutTimeout
            self.recycle = recycle
            self.prePing = prePing
            self.prePingIdleThreshold = prePingIdleThreshold
            self.connectTimeout = connectTimeout
        }
    }

    private struct Idle {
        let connection: PostgresConnection
        let openedAt: ContinuousClock.Instant
        var returnedAt: ContinuousClock.Instant = .now
    }

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Idle?, any Error>
    }

    private struct State {
        var idle: [Idle] = []
        /// Connections handed out, plus slots reserved for connections being opened.
        var busy = 0
        var waiters: [Waiter] = []
        var nextWaiterID = 0
        var closed = false
        var openedAt: [ObjectIdentifier: ContinuousClock.Instant] = [:]
    }

    /// The settings.
    public let configuration: Configuration
    private let threadPool: NIOThreadPool
    private let state = Mutex(State())
    private let gauges: MetricFamily<Gauge>?
    private let waits: Counter?
    private let timeouts: Counter?

    /// Creates a pool; nothing is opened until the first checkout.
    /// - Parameters:
    ///   - configuration: the server, the sizes and the timeouts.
    ///   - threadPool: where libpq's blocking calls run.
    ///   - metrics: the catalogue, for `db_pool_connections`.
    ///   - registry: gets the wait and timeout counters.
    public init(
        configuration: Configuration,
        threadPool: NIOThreadPool,
        metrics: CopyThatMetrics?,
        registry: PrometheusRegistry?
    ) throws(MetricError) {
        self.configuration = configuration
        self.threadPool = threadPool
        self.gauges = metrics?.dbPoolConnections
        self.waits = try registry?.makeCounter(
            name: "db_pool_checkout_waits_total",
            help: "Checkouts that had to wait because every pooled and overflow connection was in use"
        )
        self.timeouts = try registry?.makeCounter(
            name: "db_pool_checkout_timeouts_total",
            help: "Checkouts that gave up after the checkout timeout"
        )
        self.publish(State())
    }

    /// Runs `body` with a connection, returning it to the pool afterwards (closing it if it broke).
    /// - Throws: ``PostgresPoolError`` when no connection could be had; whatever `body` throws.
    public func withConnection<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let connection = try await self.checkout()
        do {
            let result = try await body(connection)
            await self.checkin(connection)
            return result
        } catch {
            await self.checkin(connection)
            throw error
        }
    }

    /// Idle, busy and overflow counts now.
    public var counts: (idle: Int, inUse: Int, overflow: Int) {
        self.state.withLock { Self.counts($0, poolSize: self.configuration.poolSize) }
    }

    /// Closes every idle connection and fails waiting checkouts; busy connections close when returned.
    public func close() async {
        let (idle, waiters) = self.state.withLock { state -> ([Idle], [Waiter]) in
            state.closed = true
            defer {
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: PostgresPoolError.closed) }
        for entry in idle { await entry.connection.close() }
        self.state.withLock { self.publish($0) }
    }

    // MARK: Checkout and checkin

    private enum Decision {
        case reuse(Idle)
        case open
        case wait
        case closed
    }

    func checkout() async throws -> PostgresConnection {
        let decision = self.state.withLock { state -> Decision in
            defer { self.publish(state) }
            if state.closed { return .closed }
            if let idle = state.idle.popLast() {
                state.busy += 1
                return .reuse(idle)
            }
            if state.busy < self.configuration.poolSize + self.configuration.maxOverflow {
                state.busy += 1
                return .open
            }
            return .wait
        }
        switch decision {
        case .closed:
            throw PostgresPoolError.closed
        case .reuse(let idle):
            return try await self.prepare(idle)
        case .open:
            return try await self.openConnection()
        case .wait:
            self.waits?.inc()
            guard let handed = try await self.waitForConnection() else {
                return try await self.openConnection()  // a slot was freed for us rather than a connection
            }
            return try await self.prepare(handed)
        }
    }

    private func checkin(_ connection: PostgresConnection) async {
        let openedAt = self.state.withLock { $0.openedAt[ObjectIdentifier(connection)] } ?? .now
        let usable = connection.isOpen
        let action = self.state.withLock { state -> (close: Bool, waiter: Waiter?, handOver: Idle?) in
            defer { self.publish(state) }
            if !usable || state.closed {
                state.busy -= 1
                state.openedAt[ObjectIdentifier(connection)] = nil
                // A broken connection frees a slot: the first waiter opens a new one.
                if !state.closed, !state.waiters.isEmpty {
                    state.busy += 1
                    return (true, state.waiters.removeFirst(), nil)
                }
                return (true, nil, nil)
            }
            if !state.waiters.isEmpty {
                return (false, state.waiters.removeFirst(), Idle(connection: connection, openedAt: openedAt))
            }
            state.busy -= 1
            if state.busy + state.idle.count >= self.configuration.poolSize {
                state.openedAt[ObjectIdentifier(connection)] = nil
                return (true, nil, nil)  // an overflow connection: closed on return
            }
            state.idle.append(Idle(connection: connection, openedAt: openedAt))
            return (false, nil, nil)
        }
        action.waiter?.continuation.resume(returning: action.handOver)
        if action.close { await connection.close() }
    }

    private func waitForConnection() async throws -> Idle? {
        let id = self.state.withLock { state -> Int in
            defer { state.nextWaiterID += 1 }
            return state.nextWaiterID
        }
        let timeout = self.configuration.checkoutTimeout
        return try await withCheckedThrowingContinuation { continuation in
            self.state.withLock { $0.waiters.append(Waiter(id: id, continuation: continuation)) }
            Task {
                try? await Task.sleep(for: timeout)
                let expired = self.state.withLock { state -> Waiter? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index)
                }
                if let expired {
                    self.timeouts?.inc()
                    expired.continuation.resume(throwing: PostgresPoolError.checkoutTimeout(waited: timeout))
                }
            }
        }
    }

    /// Recycles an old connection and pre-pings an idle one; replaces it when either says so.
    private func prepare(_ idle: Idle) async throws -> PostgresConnection {
        if ContinuousClock.now - idle.openedAt >= self.configuration.recycle {
            await self.discard(idle.connection)
            return try await self.openConnection()
        }
        if self.configuration.prePing, ContinuousClock.now - idle.returnedAt >= self.configuration.prePingIdleThreshold {
            do {
                _ = try await idle.connection.query("SELECT 1", timeout: self.configuration.connectTimeout)
            } catch {
                await self.discard(idle.connection)
                return try await self.openConnection()
            }
        }
        return idle.connection
    }

    private func discard(_ connection: PostgresConnection) async {
        self.state.withLock { _ = $0.openedAt.removeValue(forKey: ObjectIdentifier(connection)) }
        await connection.close()
    }

    /// Opens a connection in a slot already reserved; on failure gives the slot back (or to a waiter).
    private func openConnection() async throws -> PostgresConnection {
        do {
            let connection = try await PostgresConnection.connect(
                url: self.configuration.url,
                timeout: self.configuration.connectTimeout,
                threadPool: self.threadPool
            )
            self.state.withLock { $0.openedAt[ObjectIdentifier(connection)] = .now }
            return connection
        } catch {
            // Give the reserved slot back, and to a waiter if one is queued.
            let waiter = self.state.withLock { state -> Waiter? in
                defer { self.publish(state) }
                if !state.waiters.isEmpty { return state.waiters.removeFirst() }
                state.busy -= 1
                return nil
            }
            waiter?.continuation.resume(returning: nil)
            throw error
        }
    }

    private static func counts(_ state: State, poolSize: Int) -> (idle: Int, inUse: Int, overflow: Int) {
        let total = state.busy + state.idle.count
        return (state.idle.count, state.busy, max(0, total - poolSize))
    }

    private func publish(_ state: State) {
        guard let gauges else { return }
        let counts = Self.counts(state, poolSize: self.configuration.poolSize)
        try? gauges.labels("idle").set(Double(counts.idle))
        try? gauges.labels("in_use").set(Double(counts.inUse))
        try? gauges.labels("overflow").set(Double(counts.overflow))
    }
}

/// Why the pool could not hand out a connection.
public enum PostgresPoolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Every pooled and overflow connection stayed busy for the whole checkout timeout.
    case checkoutTimeout(waited: Duration)
    /// The pool was closed.
    case closed

    /// A message naming the setting to look at.
    public var description: String {
        switch self {
        case .checkoutTimeout(let waited):
            return "no database connection became free within \(waited) (pool_size and max_overflow are all in use)"
        case .closed:
            return "the connection pool is closed"
        }
    }
}
