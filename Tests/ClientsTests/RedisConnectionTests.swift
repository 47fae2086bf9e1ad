import NIOPosix
import TestSupport
import Testing

@testable import Clients

/// Against the real Redis that scripts/test.sh starts (password, ACL user, unix socket).
@Suite struct RedisConnectionTests {
    /// The suite's own pool, as the exporter has its own, so that slow calls elsewhere never queue these.
    static let sharedPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()
    var pool: NIOThreadPool { Self.sharedPool }

    @Test(arguments: ["TEST_REDIS_URL", "TEST_REDIS_ACL_URL", "TEST_REDIS_SOCKET_URL"])
    func authenticatesPingsAndReadsTheVersion(variable: String) async throws {
        let url = try ConnectionURL(try TestEnvironment.value(variable))
        let connection = try await RedisConnection.connect(url: url, timeout: .seconds(5), threadPool: self.pool)
        try await connection.ping(timeout: .seconds(2))
        let version = try await connection.serverVersion(timeout: .seconds(2))
        #expect(version?.split(separator: ".").count == 3, "version \(version ?? "nil")")
        await connection.close()
    }

    /// A command waits on the reactor, not on a thread: ten half-second `BLPOP`s over a one-thread pool take about
    /// half a second, where holding the thread would take five.
    @Test func concurrentCommandsHoldNoThreadWhileRedisWorks() async throws {
        let single = NIOThreadPool(numberOfThreads: 1)
        single.start()
        let url = try ConnectionURL(try TestEnvironment.redisURL())
        var connections: [RedisConnection] = []
        for _ in 0..<10 { connections.append(try await RedisConnection.connect(url: url, timeout: .seconds(5), threadPool: single)) }
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: RedisReply.self) { group in
            for connection in connections {
                group.addTask { try await connection.command(["BLPOP", "copythat-test-never-pushed", "0.5"], timeout: .seconds(5)) }
            }
            for try await reply in group { #expect(reply == .null) }
        }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed < .milliseconds(2500), "took \(elapsed)")
        for connection in connections { await connection.close() }
        try await single.shutdownGracefully()
    }

    @Test func selectsTheDatabaseInThePath() async throws {
        var url = try ConnectionURL(try TestEnvironment.redisURL())
        url.path = "3"
        let connection = try await RedisConnection.connect(url: url, timeout: .seconds(5), threadPool: self.pool)
        _ = try await connection.command(["SET", "probe-test-key", "db3"], timeout: .seconds(2))
        #expect(try await connection.command(["GET", "probe-test-key"], timeout: .seconds(2)) == .string("db3"))
        url.path = "0"
        let other = try await RedisConnection.connect(url: url, timeout: .seconds(5), threadPool: self.pool)
        #expect(try await other.command(["GET", "probe-test-key"], timeout: .seconds(2)) == .null)
        _ = try await connection.command(["DEL", "probe-test-key"], timeout: .seconds(2))
        await connection.close()
        await other.close()
    }

    @Test func theClientNameParameterNamesTheConnectionAndABadOneIsRejected() async throws {
        var url = try ConnectionURL(try TestEnvironment.redisURL())
        url.query.append(("client_name", "copythat-name-test"))
        let connection = try await RedisConnection.connect(url: url, timeout: .seconds(5), threadPool: self.pool)
        #expect(try await connection.command(["CLIENT", "GETNAME"], timeout: .seconds(2)) == .string("copythat-name-test"))
        await connection.close()
        url.query = [("client_name", "has space")]
        await #expect {
            _ = try await RedisConnection.connect(url: url, timeout: .seconds(5), threadPool: self.pool)
        } throws: { error in
            guard let error = error as? RedisError else { return false }
            return error.code == .invalidURL && error.message.contains("client_name")
        }
    }

    @Test func aWrongPasswordFailsWithoutShowingIt() async throws {
        var url = try ConnectionURL(try TestEnvironment.redisURL())
        url.password = "definitely-wrong-password"
        await #expect {
            _ = try await RedisConnection.connect(url: url, timeout: .seconds(5), threadPool: self.pool)
        } throws: { error in
            guard let error = error as? RedisError else { return false }
            return error.code == .commandFailed && !error.description.contains("definitely-wrong-password")
        }
    }

    @Test func errorRepliesAreTypedAndKeepTheConnection() async throws {
        let connection = try await RedisConnection.connect(
            url: try ConnectionURL(try TestEnvironment.redisURL()),
            timeout: .seconds(5),
            threadPool: self.pool
        )
        await #expect {
            _ = try await connection.command(["NOSUCHCOMMAND"], timeout: .seconds(2))
        } throws: { ($0 as? RedisError)?.code == .commandFailed }
        try await connection.ping(timeout: .seconds(2))
        await connection.close()
    }

    @Test func tlsURLsGetAClearError() async throws {
        await #expect {
            _ = try await RedisConnection.connect(
                url: try ConnectionURL("rediss://:pw@cache:6380/0"),
                timeout: .seconds(1),
                threadPool: self.pool
            )
        } throws: { error in
            guard let error = error as? RedisError else { return false }
            return error.code == .invalidURL && error.message.contains("TLS")
        }
    }

    @Test func aRefusedPortFailsAtOnce() async throws {
        let start = ContinuousClock.now
        await #expect {
            _ = try await RedisConnection.connect(
                url: try ConnectionURL("redis://127.0.0.1:\(refusedPort())"),
                timeout: .seconds(5),
                threadPool: self.pool
            )
        } throws: { ($0 as? RedisError)?.code == .connectionFailed }
        #expect(ContinuousClock.now - start < .seconds(1))
    }

    @Test func aServerThatNeverAnswersFailsAtTheDeadline() async throws {
        let blackhole = BlackholeListener()
        let start = ContinuousClock.now
        // The TCP handshake completes (the kernel accepts), so the connect succeeds and PING must time out.
        await #expect {
            let connection = try await RedisConnection.connect(
                url: try ConnectionURL("redis://127.0.0.1:\(blackhole.port)"),
                timeout: .seconds(1),
                threadPool: self.pool
            )
            try await connection.ping(timeout: .milliseconds(400))
        } throws: { ($0 as? RedisError)?.code == .timeout }
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(400) && elapsed < .milliseconds(1000), "took \(elapsed)")
        withExtendedLifetime(blackhole) {}
    }
}
