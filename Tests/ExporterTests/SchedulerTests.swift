import Clients
import Foundation
import Logging
import NIOPosix
import TestSupport
import Testing

@testable import CopyThatExporter
@testable import ExporterConfig

/// The scheduler against real servers: connection reuse, and a dependency killed then restarted.
@Suite struct SchedulerTests {
    /// Connections named `name` (its `application_name`), so that other suites' connections do not count.
    func postgresConnections(_ admin: PostgresConnection, named name: String) async throws -> Int {
        let rows = try await admin.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", [name], timeout: .seconds(5))
        return Int(rows.first?.first.flatMap { $0 } ?? "") ?? -1
    }

    /// Clients named `name` (`CLIENT SETNAME`, from the URL's `client_name`).
    func redisConnections(_ admin: RedisConnection, named name: String) async throws -> Int {
        let list = try await admin.command(["CLIENT", "LIST"], timeout: .seconds(5)).string ?? ""
        return list.split(whereSeparator: \.isNewline).filter { $0.split(separator: " ").contains("name=\(name)") }.count
    }

    /// `url` with the query parameter `name=value` added.
    static func adding(_ name: String, _ value: String, to url: String) throws -> String {
        url + (url.contains("?") ? "&" : "?") + name + "=" + value
    }

    @Test func connectionCountsStayFlatOverAThousandRounds() async throws {
        let name = "flat-\(UInt32.random(in: 0...UInt32.max))"
        var configuration = ExporterConfiguration()
        configuration.dependencies = [
            .init(
                name: "database",
                kind: .postgres,
                url: try Self.adding("application_name", name, to: try TestEnvironment.databaseURL()),
                critical: true
            ),
            .init(
                name: "redis",
                kind: .redis,
                url: try Self.adding("client_name", name, to: try TestEnvironment.redisURL()),
                critical: true
            ),
        ]
        let fixture = try ExporterFixture(configuration)
        let admin = try await PostgresConnection.connect(
            url: try ConnectionURL(try TestEnvironment.databaseURL()),
            timeout: .seconds(5),
            threadPool: .singleton
        )
        let redisAdmin = try await RedisConnection.connect(
            url: try ConnectionURL(try TestEnvironment.redisURL()),
            timeout: .seconds(5),
            threadPool: .singleton
        )
        await fixture.runtime.scheduler.runRound()
        // One connection per dependency, kept between rounds.
        #expect(try await self.postgresConnections(admin, named: name) == 1)
        #expect(try await self.redisConnections(redisAdmin, named: name) == 1)
        for _ in 0..<1000 {
            let outcomes = await fixture.runtime.scheduler.runRound()
            guard outcomes.values.allSatisfy({ $0.success }) else {
                Issue.record("a round failed: \(outcomes)")
                break
            }
        }
        #expect(try await self.postgresConnections(admin, named: name) == 1)
        #expect(try await self.redisConnections(redisAdmin, named: name) == 1)
        for probe in fixture.runtime.scheduler.probes { await probe.shutdown() }
        await admin.close()
        await redisAdmin.close()
    }

    @Test func aKilledDependencyTurnsReadinessOffAndARestartTurnsItBackWithinOneInterval() async throws {
        // Its own servers, so that stopping them does not disturb the tests running beside this one.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("copythat-kill-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let postgres = directory.appendingPathComponent("postgres").path
        let redis = directory.appendingPathComponent("redis").path
        defer {
            try? TestEnvironment.runScriptBlocking("postgres.sh", ["destroy", postgres])
            try? TestEnvironment.runScriptBlocking("redis.sh", ["destroy", redis])
            try? FileManager.default.removeItem(at: directory)
        }
        try await TestEnvironment.runScript("postgres.sh", ["start", postgres])
        try await TestEnvironment.runScript("redis.sh", ["start", redis])
        let databaseURL = try Self.exported("DATABASE_URL", from: postgres + "/env")
        let redisURL = try Self.exported("REDIS_URL", from: redis + "/env")

        var configuration = ExporterConfiguration()
        configuration.probeInterval = .milliseconds(500)
        configuration.probeTimeout = .milliseconds(400)
        configuration.dependencies = [
            .init(name: "database", kind: .postgres, url: databaseURL, critical: true),
            .init(name: "redis", kind: .redis, url: redisURL, critical: true),
        ]
        let fixture = try ExporterFixture(configuration)
        let running = Task { try await fixture.runtime.scheduler.run() }
        defer { running.cancel() }
        let bound = Duration.milliseconds(500 + 50 + 400 + 600)  // interval with jitter, plus timeout, plus slack

        #expect(try await Self.waitForReadiness(fixture, ready: true, within: bound) != nil)
        for (script, directory) in [("postgres.sh", postgres), ("redis.sh", redis)] {
            try await TestEnvironment.runScript(script, ["stop", directory])
            let down = try await Self.waitForReadiness(fixture, ready: false, within: bound)
            #expect(down != nil, "\(script): readiness stayed on after the stop")
            try await TestEnvironment.runScript(script, ["start", directory])
            let up = try await Self.waitForReadiness(fixture, ready: true, within: bound)
            #expect(up != nil, "\(script): readiness did not come back within \(bound)")
        }
        #expect(fixture.logs.lines.contains { $0.contains("dependency unhealthy") && $0.contains("\"database\"") })
        #expect(fixture.logs.lines.contains { $0.contains("dependency unhealthy") && $0.contains("\"redis\"") })
        // Each change of state is logged once, not on every failed round.
        let databaseDown = fixture.logs.lines.filter { $0.contains("dependency unhealthy") && $0.contains("\"database\"") }
        #expect(databaseDown.count == 1)
        running.cancel()
        _ = try? await running.value
    }

    /// Polls readiness every 20 ms; returns how long it took to reach `ready`, or nil after `within`.
    static func waitForReadiness(_ fixture: ExporterFixture, ready: Bool, within bound: Duration) async throws -> Duration? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < bound {
            if fixture.runtime.store.report.ready == ready { return ContinuousClock.now - start }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    static func exported(_ name: String, from file: String) throws -> String {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        for line in text.split(separator: "\n") where line.hasPrefix("export \(name)=") {
            return String(line.dropFirst("export \(name)=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        }
        throw TestEnvironment.Missing(name: name)
    }
}
