import NIOPosix
import TestSupport
import Testing

@testable import Clients

/// Against the real PostgreSQL that scripts/test.sh starts.
@Suite struct PostgresConnectionTests {
    /// The suite's own pool, as the exporter has its own, so that slow calls elsewhere never queue these.
    static let sharedPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()
    var pool: NIOThreadPool { Self.sharedPool }

    func url() throws -> ConnectionURL { try ConnectionURL(try TestEnvironment.databaseURL()) }

    @Test func connectsQueriesWithParametersAndReportsTheVersion() async throws {
        let connection = try await PostgresConnection.connect(url: try self.url(), timeout: .seconds(5), threadPool: self.pool)
        let rows = try await connection.query("SELECT $1::int + $2::int, $3::text, NULL", ["40", "2", "zoë"], timeout: .seconds(5))
        #expect(rows == [["42", "zoë", nil]])
        #expect(connection.serverVersion >= 100_000)
        await connection.close()
        #expect(!connection.isOpen)
    }

    /// A query waits on the reactor, not on a thread: ten half-second queries over a one-thread pool take about half
    /// a second, where holding the thread would take five.
    @Test func concurrentQueriesHoldNoThreadWhileTheServerWorks() async throws {
        let single = NIOThreadPool(numberOfThreads: 1)
        single.start()
        var connections: [PostgresConnection] = []
        for _ in 0..<10 {
            connections.append(try await PostgresConnection.connect(url: try self.url(), timeout: .seconds(5), threadPool: single))
        }
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: [[String?]].self) { group in
            for (index, connection) in connections.enumerated() {
                group.addTask { try await connection.query("SELECT pg_sleep(0.5), $1::int", [String(index)], timeout: .seconds(10)) }
            }
            var seen: Set<String?> = []
            for try await rows in group { seen.insert(rows.first?.last ?? nil) }
            #expect(seen.count == 10)
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .milliseconds(2500), "took \(elapsed)")
        for connection in connections { await connection.close() }
        try await single.shutdownGracefully()
    }

    @Test func serverErrorsCarryTheirSQLSTATE() async throws {
        let connection = try await PostgresConnection.connect(url: try self.url(), timeout: .seconds(5), threadPool: self.pool)
        await #expect {
            _ = try await connection.query("SELECT 1 / 0", timeout: .seconds(5))
        } throws: { error in
            (error as? PostgresError)?.sqlState == "22012" && (error as? PostgresError)?.code == .queryFailed
        }
        // A statement error leaves the connection usable.
        #expect(try await connection.query("SELECT 7", timeout: .seconds(5)) == [["7"]])
        await connection.close()
    }

    @Test func theStatementTimeoutStopsARunawayQueryOnTheServer() async throws {
        let connection = try await PostgresConnection.connect(
            url: try self.url(),
            timeout: .seconds(5),
            statementTimeout: .milliseconds(200),
            threadPool: self.pool
        )
        let start = ContinuousClock.now
        await #expect {
            _ = try await connection.query("SELECT pg_sleep(5)", timeout: .seconds(5))
        } throws: { error in
            (error as? PostgresError)?.sqlState == "57014"
        }
        #expect(ContinuousClock.now - start < .seconds(2))
        await connection.close()
    }

    @Test func theClientDeadlineHoldsEvenWithoutAServerTimeout() async throws {
        let connection = try await PostgresConnection.connect(url: try self.url(), timeout: .seconds(5), threadPool: self.pool)
        let start = ContinuousClock.now
        await #expect {
            _ = try await connection.query("SELECT pg_sleep(5)", timeout: .milliseconds(300))
        } throws: { error in
            (error as? PostgresError)?.code == .timeout
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(300) && elapsed < .milliseconds(900), "took \(elapsed)")
        #expect(!connection.isOpen)  // its state is unknown after a timeout, so it was closed
    }

    @Test func aWrongPasswordFailsWithoutShowingIt() async throws {
        var url = try self.url()
        url.password = "definitely-wrong-password"
        await #expect {
            _ = try await PostgresConnection.connect(url: url, timeout: .seconds(5), threadPool: self.pool)
        } throws: { error in
            guard let error = error as? PostgresError else { return false }
            return error.code == .connectionFailed && error.message.contains("password authentication failed")
                && !error.description.contains("definitely-wrong-password")
        }
    }

    @Test func aRefusedPortFailsAtOnce() async throws {
        let url = try ConnectionURL("postgres://copythat:x@127.0.0.1:\(refusedPort())/copythat")
        let start = ContinuousClock.now
        await #expect {
            _ = try await PostgresConnection.connect(url: url, timeout: .seconds(5), threadPool: self.pool)
        } throws: { ($0 as? PostgresError)?.code == .connectionFailed }
        #expect(ContinuousClock.now - start < .seconds(1))
    }

    @Test func anUnresolvableHostFails() async throws {
        let url = try ConnectionURL("postgres://copythat:x@no-such-host.invalid:5432/copythat")
        await #expect {
            _ = try await PostgresConnection.connect(url: url, timeout: .seconds(5), threadPool: self.pool)
        } throws: { ($0 as? PostgresError)?.code == .connectionFailed }
    }

    @Test func aServerThatNeverAnswersFailsAtTheConnectTimeout() async throws {
        let blackhole = BlackholeListener()
        let url = try ConnectionURL("postgres://copythat:x@127.0.0.1:\(blackhole.port)/copythat")
        let start = ContinuousClock.now
        await #expect {
            _ = try await PostgresConnection.connect(url: url, timeout: .milliseconds(400), threadPool: self.pool)
        } throws: { ($0 as? PostgresError)?.code == .timeout }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(400) && elapsed < .milliseconds(900), "took \(elapsed)")
        withExtendedLifetime(blackhole) {}
    }

    @Test func otherSchemesAreRefused() async throws {
        await #expect {
            _ = try await PostgresConnection.connect(url: try ConnectionURL("mysql://h/x"), timeout: .seconds(1), threadPool: self.pool)
        } throws: { ($0 as? PostgresError)?.code == .invalidURL }
    }
}
