import Clients
import Foundation
import NIOPosix
import PrometheusRegistry
import Synchronization
import TestSupport
import Testing

@testable import CopyThatInstrumentation

/// The pool against the real PostgreSQL: saturation, overflow, checkout timeouts, hand-over, recycling, pre-ping.
@Suite struct PostgresPoolTests {
    static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 6)
        pool.start()
        return pool
    }()

    /// A URL whose connections can be counted by their `application_name`.
    func url(_ name: String) throws -> ConnectionURL {
        var url = try ConnectionURL(try TestEnvironment.databaseURL())
        url.query.append(("application_name", name))
        return url
    }

    func serverConnections(named name: String) async throws -> Int {
        let admin = try await PostgresConnection.connect(
            url: try ConnectionURL(try TestEnvironment.databaseURL()),
            timeout: .seconds(5),
            threadPool: Self.threads
        )
        defer { Task { await admin.close() } }
        let rows = try await admin.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", [name], timeout: .seconds(5))
        return Int(rows.first?.first.flatMap { $0 } ?? "") ?? -1
    }

    @Test func saturationOverflowAndATypedCheckoutTimeout() async throws {
        let name = "pool-\(UUID().uuidString.prefix(8))"
        let registry = PrometheusRegistry()
        let metrics = try CopyThatMetrics(registry: registry, version: "t", environment: "t")
        let pool = try PostgresPool(
            configuration: .init(url: try self.url(name), poolSize: 2, maxOverflow: 1, checkoutTimeout: .milliseconds(300)),
            threadPool: Self.threads,
            metrics: metrics,
            registry: registry
        )
        let release = Gate()
        let holders = (0..<3).map { _ in
            Task {
                try await pool.withConnection { connection in
                    _ = try await connection.query("SELECT 1", timeout: .seconds(5))
                    await release.wait()
                }
            }
        }
        while pool.counts.inUse < 3 { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(pool.counts == (idle: 0, inUse: 3, overflow: 1))
        var text = registry.renderString()
        #expect(text.contains(#"db_pool_connections{state="in_use"} 3"#))
        #expect(text.contains(#"db_pool_connections{state="overflow"} 1"#))

        let start = ContinuousClock.now
        await #expect(throws: PostgresPoolError.checkoutTimeout(waited: .milliseconds(300))) {
            try await pool.withConnection { _ in }
        }
        let waited = ContinuousClock.now - start
        #expect(waited >= .milliseconds(300) && waited < .seconds(2), "waited \(waited)")

        release.open()
        for holder in holders { try await holder.value }
        #expect(pool.counts == (idle: 2, inUse: 0, overflow: 0))  // the overflow connection was closed on return
        text = registry.renderString()
        #expect(text.contains("db_pool_checkout_timeouts_total 1"))
        #expect(text.contains("db_pool_checkout_waits_total 1"))
        #expect(text.contains(#"db_pool_connections{state="idle"} 2"#))
        #expect(try await self.serverConnections(named: name) == 2)
        await pool.close()
        try await Task.sleep(for: .milliseconds(200))
        #expect(try await self.serverConnections(named: name) == 0)  // nothing leaked
    }

    @Test func aWaitingCheckoutGetsTheReturnedConnection() async throws {
        let pool = try PostgresPool(
            configuration: .init(url: try self.url("handover"), poolSize: 1, maxOverflow: 0, checkoutTimeout: .seconds(5)),
            threadPool: Self.threads,
            metrics: nil,
            registry: nil
        )
        let release = Gate()
        let first = Task { try await pool.withConnection { _ in await release.wait() } }
        while pool.counts.inUse < 1 { try await Task.sleep(for: .milliseconds(10)) }
        let second = Task { try await pool.withConnection { try await $0.query("SELECT 2", timeout: .seconds(5)) } }
        try await Task.sleep(for: .milliseconds(100))
        release.open()
        try await first.value
        #expect(try await second.value == [["2"]])
        await pool.close()
    }

    @Test func oldConnectionsAreRecycledAndDeadOnesReplacedByThePrePing() async throws {
        let pool = try PostgresPool(
            configuration: .init(url: try self.url("recycle"), poolSize: 1, maxOverflow: 0, recycle: .seconds(2)),
            threadPool: Self.threads,
            metrics: nil,
            registry: nil
        )
        func backend() async throws -> String {
            try await pool.withConnection { try await $0.query("SELECT pg_backend_pid()", timeout: .seconds(5)) }.first?.first.flatMap {
                $0
            } ?? ""
        }
        // Recycling counts from the connection's creation: 2 s leaves room for a loaded machine (tests run in
        // parallel) between the first two checkouts, which must share the connection.
        let first = try await backend()
        #expect(try await backend() == first)  // reused
        try await Task.sleep(for: .milliseconds(2100))
        let recycled = try await backend()
        #expect(recycled != first)

        // Kill the pooled connection's server process; the pre-ping notices and the caller never sees it.
        let admin = try await PostgresConnection.connect(
            url: try ConnectionURL(try TestEnvironment.databaseURL()),
            timeout: .seconds(5),
            threadPool: Self.threads
        )
        _ = try await admin.query("SELECT pg_terminate_backend($1::int)", [recycled], timeout: .seconds(5))
        await admin.close()
        let replaced = try await backend()
        #expect(replaced != recycled && !replaced.isEmpty)
        await pool.close()
    }
}

/// A one-shot gate tasks wait on.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = self.state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    func open() {
        let waiters = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
