public import Clients
public import NIOPosix
import Synchronization

/// Checks PostgreSQL with `SELECT 1`, keeping one connection between rounds and reconnecting after a failure.
public final class PostgresProbe: Probe {
    public let name: String
    public var type: String { "postgres" }
    private let url: ConnectionURL
    private let threadPool: NIOThreadPool
    private let connection = Mutex<PostgresConnection?>(nil)

    /// Creates a probe of the database at `url`.
    public init(name: String, url: ConnectionURL, threadPool: NIOThreadPool) {
        self.name = name
        self.url = url
        self.threadPool = threadPool
    }

    public func run(deadline: Deadline) async -> ProbeOutcome {
        let start = ContinuousClock.now
        do throws(PostgresError) {
            var reused = true
            let existing = self.connection.withLock { $0 }
            let connection: PostgresConnection
            if let existing, existing.isOpen {
                connection = existing
            } else {
                reused = false
                connection = try await PostgresConnection.connect(
                    url: self.url,
                    timeout: deadline.remaining,
                    statementTimeout: deadline.remaining,
                    threadPool: self.threadPool
                )
                self.connection.withLock { $0 = connection }
            }
            do throws(PostgresError) {
                _ = try await connection.query("SELECT 1", timeout: deadline.remaining)
            } catch  where reused && error.code == .connectionClosed {
                // The kept connection died between rounds (server restart): try once more on a new one.
                self.connection.withLock { $0 = nil }
                return await self.run(deadline: deadline)
            }
            return ProbeOutcome(
                success: true,
                durationSeconds: (ContinuousClock.now - start).seconds,
                details: ["server_version": Self.versionString(connection.serverVersion)]
            )
        } catch {
            let stale = self.connection.withLock { connection -> PostgresConnection? in
                defer { connection = nil }
                return connection
            }
            await stale?.close()
            return ProbeOutcome(success: false, durationSeconds: (ContinuousClock.now - start).seconds, error: error.description)
        }
    }

    public func shutdown() async {
        let connection = self.connection.withLock { connection -> PostgresConnection? in
            defer { connection = nil }
            return connection
        }
        await connection?.close()
    }

    /// `150004` → `15.4`; `90624` → `9.6.24`.
    static func versionString(_ version: Int) -> String {
        version >= 100_000 ? "\(version / 10000).\(version % 10000)" : "\(version / 10000).\(version / 100 % 100).\(version % 100)"
    }
}
