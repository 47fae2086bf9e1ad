public import Clients
public import NIOPosix
import Synchronization

/// Checks Redis with `PING`, keeping one connection between rounds and reconnecting after a failure.
public final class RedisProbe: Probe {
    public let name: String
    public var type: String { "redis" }
    private let url: ConnectionURL
    private let threadPool: NIOThreadPool
    private let connection = Mutex<(connection: RedisConnection, version: String?)?>(nil)

    /// Creates a probe of the server at `url`.
    public init(name: String, url: ConnectionURL, threadPool: NIOThreadPool) {
        self.name = name
        self.url = url
        self.threadPool = threadPool
    }

    public func run(deadline: Deadline) async -> ProbeOutcome {
        let start = ContinuousClock.now
        do throws(RedisError) {
            var reused = true
            var current = self.connection.withLock { $0 }
            if current == nil || current?.connection.isOpen == false {
                reused = false
                let connection = try await RedisConnection.connect(url: self.url, timeout: deadline.remaining, threadPool: self.threadPool)
                let version = try? await connection.serverVersion(timeout: deadline.remaining)
                current = (connection, version)
                self.connection.withLock { $0 = current }
            }
            guard let current else { throw RedisError(code: .connectionClosed, message: "no connection") }
            do throws(RedisError) {
                try await current.connection.ping(timeout: deadline.remaining)
            } catch  where reused && error.code != .commandFailed && error.code != .timeout {
                self.connection.withLock { $0 = nil }
                return await self.run(deadline: deadline)
            }
            var details: [String: String] = [:]
            if let version = current.version { details["server_version"] = version }
            return ProbeOutcome(success: true, durationSeconds: (ContinuousClock.now - start).seconds, details: details)
        } catch {
            let stale = self.connection.withLock { connection -> RedisConnection? in
                defer { connection = nil }
                return connection?.connection
            }
            await stale?.close()
            return ProbeOutcome(success: false, durationSeconds: (ContinuousClock.now - start).seconds, error: error.description)
        }
    }

    public func shutdown() async {
        let connection = self.connection.withLock { connection -> RedisConnection? in
            defer { connection = nil }
            return connection?.connection
        }
        await connection?.close()
    }
}
