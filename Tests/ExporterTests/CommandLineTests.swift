import Foundation
import TestSupport
import Testing

/// The built `copythat-exporter` binary, run as users and Kubernetes run it.
@Suite struct CommandLineTests {
    static var binary: String {
        TestEnvironment.productsDirectory.appendingPathComponent("copythat-exporter").path
    }

    /// Settings that keep the environment of the machine out of the test.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var environment = ["DATABASE_URL": "", "REDIS_URL": "", "ANTHROPIC_API_KEY": "", "OPENAI_API_KEY": ""]
        for (name, value) in extra { environment[name] = value }
        return environment
    }

    @Test func probePrintsJSONAndExitsZeroWhenEveryCriticalDependencyPasses() async throws {
        let databaseURL = try TestEnvironment.databaseURL()
        let redisURL = try TestEnvironment.redisURL()
        let output = try await ExternalTool.run(
            Self.binary,
            ["probe"],
            environment: Self.environment(["DATABASE_URL": databaseURL, "REDIS_URL": redisURL])
        )
        #expect(output.status == 0, "\(output.standardError)")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any])
        #expect(body["status"] as? String == "healthy")
        let checks = try #require(body["checks"] as? [String: [String: Any]])
        #expect(checks["database"]?["status"] as? String == "healthy")
        #expect(checks["redis"]?["status"] as? String == "healthy")
        #expect((checks["database"]?["target"] as? String)?.contains("****") == true)
        for secret in [try #require(URLComponents(string: databaseURL)?.password), try #require(URLComponents(string: redisURL)?.password)]
        {
            #expect(!output.standardOutput.contains(secret) && !output.standardError.contains(secret))
        }
    }

    @Test func probeExitsOneWhenACriticalDependencyFails() async throws {
        let output = try await ExternalTool.run(
            Self.binary,
            ["probe", "--probe-timeout", "500ms"],
            environment: Self.environment([
                "DATABASE_URL": "postgres://copythat:hunter2-secret@127.0.0.1:\(refusedPort())/copythat",
                "REDIS_URL": try TestEnvironment.redisURL(),
            ])
        )
        #expect(output.status == 1)
        let body = try #require(try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any])
        #expect(body["status"] as? String == "unhealthy")
        #expect(!output.standardOutput.contains("hunter2-secret"))
        #expect(!output.standardError.contains("hunter2-secret"))
    }

    @Test func checkConfigAcceptsTheShippedExampleAndRejectsABadFile() async throws {
        let examples = URL(fileURLWithPath: TestEnvironment.scriptsDirectory).deletingLastPathComponent().appendingPathComponent("examples")
        let good = try await ExternalTool.run(
            Self.binary,
            ["check-config", examples.appendingPathComponent("exporter.yaml").path],
            environment: Self.environment([
                "DATABASE_URL": "postgres://app:pw@db:5432/copythat", "REDIS_URL": "redis://:pw@cache:6379/0",
                "ANTHROPIC_API_KEY": "sk-ant-example", "OPENAI_API_KEY": "sk-openai-example",
            ])
        )
        #expect(good.status == 0, "\(good.standardError)")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).yaml").path
        try "probe_interval: 10s\ndependencies:\n  - name: db\n    type: postgres\n    url: postgres://h/x\n    timout: 2s\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bad = try await ExternalTool.run(Self.binary, ["check-config", path])
        #expect(bad.status == 1)
        #expect(bad.standardError.hasPrefix("\(path):6:5: unknown key \"timout\""), "\(bad.standardError)")
    }

    @Test func theKubernetesAndPrometheusExamplesAreValid() async throws {
        let examples = URL(fileURLWithPath: TestEnvironment.scriptsDirectory).deletingLastPathComponent().appendingPathComponent("examples")
        let prometheus = try await ExternalTool.run(
            "promtool",
            ["check", "config", examples.appendingPathComponent("prometheus.yml").path]
        )
        #expect(prometheus.status == 0, "\(prometheus.standardOutput) \(prometheus.standardError)")
        // The sidecar's ConfigMap holds an exporter configuration: it must pass check-config as it is.
        let extract = try await ExternalTool.run(
            "python3",
            [
                "-c",
                "import sys, yaml; docs = list(yaml.safe_load_all(open(sys.argv[1]))); print(next(d for d in docs if d['kind'] == 'ConfigMap')['data']['exporter.yaml'])",
                examples.appendingPathComponent("kubernetes/sidecar.yaml").path,
            ]
        )
        #expect(extract.status == 0, "\(extract.standardError)")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("configmap-\(UUID().uuidString).yaml").path
        try extract.standardOutput.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let check = try await ExternalTool.run(
            Self.binary,
            ["check-config", path],
            environment: Self.environment(["DATABASE_URL": "postgres://app:pw@db:5432/copythat", "REDIS_URL": "redis://:pw@cache:6379/0"])
        )
        #expect(check.status == 0, "\(check.standardError)")
    }

    @Test func badFlagsGetAClearErrorAndHelpExplainsEachFlag() async throws {
        let bad = try await ExternalTool.run(Self.binary, ["serve", "--probe-interval", "ten seconds"])
        #expect(bad.status != 0)
        #expect(bad.standardError.contains("--probe-interval"))
        let help = try await ExternalTool.run(Self.binary, ["serve", "--help"])
        #expect(help.status == 0)
        for flag in ["--config", "--listen", "--probe-interval", "--probe-timeout"] {
            #expect(help.standardOutput.contains(flag))
        }
    }

    @Test func sigtermTurnsReadinessOffAtOnceThenExitsZero() async throws {
        let port = refusedPort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = directory.appendingPathComponent("exporter.yaml").path
        try """
        listen: 127.0.0.1:\(port)
        probe_interval: 1s
        probe_timeout: 500ms
        shutdown_delay: 1500ms
        shutdown_grace: 10s
        dependencies:
          - name: database
            type: postgres
            url: ${TEST_DATABASE_URL}
          - name: redis
            type: redis
            url: ${TEST_REDIS_URL}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let child = try ChildProcess(Self.binary, ["serve", "--config", config], environment: Self.environment([:]))
        defer {
            if child.poll() == nil { child.signal(SIGKILL) }
        }
        let ready = try await Self.waitForStatus(port: port, path: "/health/ready", status: 200, within: .seconds(15))
        #expect(ready, "never ready: \(child.standardOutput.suffix(2000))")
        let live = try await Self.get(port: port, path: "/health/live")
        #expect(live?.status == 200)

        child.signal(SIGTERM)
        try await Task.sleep(for: .milliseconds(300))
        let draining = try await Self.get(port: port, path: "/health/ready")
        #expect(draining?.status == 503, "readiness during the shutdown delay: \(String(describing: draining?.status))")
        #expect(draining?.body.contains("\"draining\":true") == true)

        let start = ContinuousClock.now
        var status: Int32?
        while status == nil && ContinuousClock.now - start < .seconds(10) {
            status = child.poll()
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status == 0, "exit status \(String(describing: status)); output: \(child.standardOutput.suffix(1000))")
        #expect(child.standardOutput.contains("\"message\":\"stopped\""))
        let databasePassword = try #require(URLComponents(string: try TestEnvironment.databaseURL())?.password)
        #expect(!child.standardOutput.contains(databasePassword))
    }

    /// `shutdown_grace` is a deadline: with a probe hung in a 10 s connect, SIGTERM exits 0 once the 3 s grace has
    /// passed, not when the probe gives up.
    @Test func aHungProbeDelaysTheExitNoLongerThanShutdownGrace() async throws {
        let blackhole = BlackholeListener()
        let (child, directory) = try await Self.startExporterWithHungProbe(on: blackhole, grace: "3s")
        defer { try? FileManager.default.removeItem(at: directory) }
        defer { if child.poll() == nil { child.signal(SIGKILL) } }
        child.signal(SIGTERM)
        let start = ContinuousClock.now
        let status = try await Self.exitStatus(of: child, within: .seconds(9))
        let elapsed = ContinuousClock.now - start
        #expect(status == 0, "exit status \(String(describing: status)); output: \(child.standardOutput.suffix(1000))")
        #expect(elapsed >= .milliseconds(2500) && elapsed < .milliseconds(4500), "exited after \(elapsed)")
        #expect(child.standardOutput.contains("shutdown grace passed with work still running"))
        withExtendedLifetime(blackhole) {}
    }

    /// A second signal during the grace period exits at once.
    @Test func aSecondSignalExitsAtOnce() async throws {
        let blackhole = BlackholeListener()
        let (child, directory) = try await Self.startExporterWithHungProbe(on: blackhole, grace: "20s")
        defer { try? FileManager.default.removeItem(at: directory) }
        defer { if child.poll() == nil { child.signal(SIGKILL) } }
        child.signal(SIGTERM)
        try await Task.sleep(for: .milliseconds(500))
        #expect(child.poll() == nil, "the first signal alone must wait for the hung probe or the grace")
        child.signal(SIGINT)
        let start = ContinuousClock.now
        let status = try await Self.exitStatus(of: child, within: .seconds(5))
        #expect(status == 0, "exit status \(String(describing: status))")
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(child.standardOutput.contains("second signal during shutdown: exiting now"))
        withExtendedLifetime(blackhole) {}
    }

    /// The built exporter probing a PostgreSQL "server" that accepts and never answers, with a 10 s probe timeout,
    /// once its first probe has been stuck in the connect for a second.
    static func startExporterWithHungProbe(on blackhole: BlackholeListener, grace: String) async throws -> (ChildProcess, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("grace-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let (child, _) = try await Self.startExporter(
            """
            probe_interval: 15s
            probe_timeout: 10s
            shutdown_grace: \(grace)
            dependencies:
              - name: hung
                type: postgres
                url: postgres://copythat:unused@127.0.0.1:\(blackhole.port)/copythat
            """,
            in: directory
        )
        try await Task.sleep(for: .seconds(1))
        return (child, directory)
    }

    /// The child's exit status once it exits, or `nil` after `limit`.
    static func exitStatus(of child: ChildProcess, within limit: Duration) async throws -> Int32? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < limit {
            if let status = child.poll() { return status }
            try await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// The built exporter with `yaml` (after a `listen:` line it adds), once `/health/live` answers; asked over a
    /// connection that closes, so that no client keeps one open.
    static func startExporter(_ yaml: String, in directory: URL) async throws -> (child: ChildProcess, port: Int) {
        let port = refusedPort()
        let config = directory.appendingPathComponent("exporter-\(port).yaml").path
        try ("listen: 127.0.0.1:\(port)\n" + yaml).write(toFile: config, atomically: true, encoding: .utf8)
        let child = try ChildProcess(Self.binary, ["serve", "--config", config], environment: Self.environment([:]))
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(15) {
            if let probe = try? RawConnection(port: port) {
                probe.send("GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                if await probe.read(timeout: .seconds(2)).text.contains("alive") { return (child, port) }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        child.signal(SIGKILL)
        throw ExporterDidNotStart(output: String(child.standardOutput.suffix(2000)))
    }

    struct ExporterDidNotStart: Error, CustomStringConvertible {
        var output: String
        var description: String { "copythat-exporter serve never answered /health/live: \(self.output)" }
    }

    /// The built exporter closes a slowloris after `http_idle_timeout`.
    @Test func theListenerClosesASlowloris() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("listener-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (child, port) = try await Self.startExporter("http_idle_timeout: 1s\n", in: directory)
        defer { child.signal(SIGKILL) }
        let slow = try RawConnection(port: port)
        slow.send("GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        let start = ContinuousClock.now
        #expect(await slow.read(timeout: .seconds(10)).closed)
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    /// The built exporter stops accepting at `max_connections` until one closes, and counts it.
    @Test func theListenerCapsConnections() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("listener-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (child, port) = try await Self.startExporter("max_connections: 3\n", in: directory)
        defer { child.signal(SIGKILL) }
        try await Task.sleep(for: .milliseconds(200))  // the start-up probe's connection is closed by then
        let held = try (0..<3).map { _ in try RawConnection(port: port) }
        for connection in held {
            connection.send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await connection.read(timeout: .seconds(1)).text.contains("alive"))
        }
        let waiting = try RawConnection(port: port)
        waiting.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        let early = await waiting.read(timeout: .milliseconds(500))
        #expect(!early.text.contains("HTTP/1.1 200"))
        held[0].close()
        let served = await waiting.read(timeout: .seconds(3))
        #expect(served.text.contains("copythat_exporter_http_connections_limit 3"))
        // Reached with the third held connection, and again when the waiting one took the freed slot.
        #expect(served.text.contains("copythat_exporter_http_connection_cap_reached_total 2"))
        #expect(served.text.contains("copythat_exporter_http_connections 3"))
    }

    static func waitForStatus(port: Int, path: String, status: Int, within bound: Duration) async throws -> Bool {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < bound {
            if try await self.get(port: port, path: path)?.status == status { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// A GET with curl; nil when the connection fails.
    static func get(port: Int, path: String) async throws -> (status: Int, body: String)? {
        let output = try await ExternalTool.run("curl", ["-s", "-m", "2", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"])
        guard output.status == 0, let last = output.standardOutput.split(separator: "\n").last, let code = Int(last) else { return nil }
        return (code, String(output.standardOutput.dropLast(last.count + 1)))
    }
}
