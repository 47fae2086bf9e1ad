import NIOConcurrencyHelpers
public import NIOPosix

/// A fixed number of ``RedisConnection``s shared by many tasks: each command takes the next free slot, opening its
/// connection on first use and again after a failure.
///
/// After a failed connect a slot waits `retryBackoff` before trying again, and meanwhile fails at once: when Redis is
/// down, callers learn it in microseconds instead of each waiting out a connect timeout.
public final class RedisConnectionPool: Sendable {
    private struct Slot {
        var connection: RedisConnection?
        var busy = false
        var retryAfter: ContinuousClock.Instant?
    }

    private struct State {
        var slots: [Slot]
        var closed = false
        /// Commands waiting for a slot, woken one per checkin (every command in flight has a timeout, so a slot
        /// always comes back).
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// The server.
    public let url: ConnectionURL
    private let state: NIOLockedValueBox<State>
    private let threadPool: NIOThreadPool
    private let connectTimeout: Duration
    private let retryBackoff: Duration

    /// Creates the pool; nothing connects until the first command.
    public init(
        url: ConnectionURL,
        size: Int = 8,
        connectTimeout: Duration = .milliseconds(500),
        retryBackoff: Duration = .seconds(1),
        threadPool: NIOThreadPool
    ) {
        self.url = url
        self.state = NIOLockedValueBox(State(slots: Array(repeating: Slot(), count: max(1, size))))
        self.threadPool = threadPool
        self.connectTimeout = connectTimeout
        self.retryBackoff = retryBackoff
    }

    /// Sends one command on a pooled connection.
    /// - Throws: ``RedisError``; `.connectionFailed` at once while a failed slot backs off or every slot is busy
    ///   for longer than `timeout`.
    public func command(_ arguments: [String], timeout: Duration) async throws(RedisError) -> RedisReply {
        let (index, connection) = try await self.checkout(timeout: timeout)
        do {
            let reply = try await connection.command(arguments, timeout: timeout)
            self.checkin(index, connection: connection)
            return reply
        } catch {
            self.checkin(index, connection: connection.isOpen ? connection : nil)
            throw error
        }
    }

    /// Closes every idle connection; later commands fail.
    public func close() async {
        let connections = self.state.withLockedValue { state -> [RedisConnection] in
            state.closed = true
            for waiter in state.waiters { waiter.resume() }
            state.waiters = []
            defer { for index in state.slots.indices where !state.slots[index].busy { state.slots[index].connection = nil } }
            return state.slots.filter { !$0.busy }.compactMap(\.connection)
        }
        for connection in connections { await connection.close() }
    }

    private enum Take {
        case connected(Int, RedisConnection)
        case open(Int)
        case backingOff
        case allBusy
        case closed
    }

    private func checkout(timeout: Duration) async throws(RedisError) -> (Int, RedisConnection) {
        let deadline = ContinuousClock.now + timeout
        while true {
            let take = self.state.withLockedValue { state -> Take in
                if state.closed { return .closed }
                if let index = state.slots.firstIndex(where: { !$0.busy && $0.connection != nil }) {
                    state.slots[index].busy = true
                    return .connected(index, state.slots[index].connection!)
                }
                let now = ContinuousClock.now
                if let index = state.slots.firstIndex(where: { !$0.busy && ($0.retryAfter.map { now >= $0 } ?? true) }) {
                    state.slots[index].busy = true
                    return .open(index)
                }
                return state.slots.contains(where: { !$0.busy }) ? .backingOff : .allBusy
            }
            switch take {
            case .connected(let index, let connection):
                return (index, connection)
            case .open(let index):
                do {
                    let connection = try await RedisConnection.connect(
                        url: self.url,
                        timeout: self.connectTimeout,
                        threadPool: self.threadPool
                    )
                    self.state.withLockedValue { $0.slots[index].retryAfter = nil }
                    return (index, connection)
                } catch {
                    let waiter = self.state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
                        state.slots[index].busy = false
                        state.slots[index].retryAfter = .now + self.retryBackoff
                        return state.waiters.isEmpty ? nil : state.waiters.removeFirst()
                    }
                    waiter?.resume()
                    throw error
                }
            case .backingOff:
                throw RedisError(code: .connectionFailed, message: "Redis is unreachable (retrying shortly)")
            case .closed:
                throw RedisError(code: .connectionClosed, message: "the Redis pool is closed")
            case .allBusy:
                guard ContinuousClock.now < deadline else {
                    throw RedisError(code: .timeout, message: "every pooled Redis connection stayed busy")
                }
                await withCheckedContinuation { continuation in
                    let resumeNow = self.state.withLockedValue { state -> Bool in
                        // A slot may have come back since the decision: then try again at once.
                        if state.closed || state.slots.contains(where: { !$0.busy }) { return true }
                        state.waiters.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    private func checkin(_ index: Int, connection: RedisConnection?) {
        let (stale, waiter) = self.state.withLockedValue { state -> (RedisConnection?, CheckedContinuation<Void, Never>?) in
            state.slots[index].busy = false
            let waiter = state.waiters.isEmpty ? nil : state.waiters.removeFirst()
            if state.closed {
                state.slots[index].connection = nil
                return (connection, waiter)
            }
            state.slots[index].connection = connection
            return (nil, waiter)
        }
        waiter?.resume()
        if let stale { Task { await stale.close() } }
    }
}
