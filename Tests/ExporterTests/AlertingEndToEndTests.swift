import Foundation
import TestSupport
import Testing

/// The exporter's rule engine against real Alertmanager and Prometheus on loopback, with the shipped rule file as it
/// is: only intervals are shortened, through the exporter's configuration.
@Suite(.serialized) struct AlertingEndToEndTests {
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func json(_ text: String) -> Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }

    static func get(_ url: String) async throws -> String? {
        let output = try await ExternalTool.run("curl", ["-fsS", "-m", "5", url])
        return output.status == 0 ? output.standardOutput : nil
    }

    static func environmentFile(_ path: String) throws -> [String: String] {
        var values: [String: String] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") where line.hasPrefix("export ") {
            let pair = line.dropFirst("export ".count).split(separator: "=", maxSplits: 1)
            values[String(pair[0])] = String(pair[1]).trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        }
        return values
    }

    /// `http_requests_total` of a core API that served `errors` 500s.
    static func exposition(errors: Int) -> String {
        """
        # HELP http_requests_total Total HTTP requests.
        # TYPE http_requests_total counter
        http_requests_total{method="GET",endpoint="/api/v1/projects/{id}",status="200"} 1000
        http_requests_total{method="GET",endpoint="/api/v1/projects/{id}",status="500"} \(errors)

        """
    }

    /// The 5xx counter climbs for 20 seconds (4 errors a second), then stops. `HighErrorRate` (rate over 5 minutes
    /// above 0.1 for 2 minutes) must reach Alertmanager once `for` has passed, and resolve once the errors have left
    /// the 5-minute window: a notice on the webhook, and the alert gone from Alertmanager.
    @Test(.timeLimit(.minutes(10))) func highErrorRateReachesAlertmanagerAfterForThenResolves() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("copythat-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let alertmanagerDirectory = directory.appendingPathComponent("alertmanager").path
        try await TestEnvironment.runScript("alertmanager.sh", ["start", alertmanagerDirectory])
        defer { try? TestEnvironment.runScriptBlocking("alertmanager.sh", ["destroy", alertmanagerDirectory]) }
        let alertmanager = try #require(try Self.environmentFile(alertmanagerDirectory + "/env")["ALERTMANAGER_URL"])

        let target = StubHTTPServer()
        let targetPort = try await target.start()
        defer { target.stop() }
        target.serveMetrics(Self.exposition(errors: 0))
        let exporterPort = refusedPort()
        let config = directory.appendingPathComponent("exporter.yaml").path
        try """
        listen: 127.0.0.1:\(exporterPort)
        rule_files: [\(Self.repository.appendingPathComponent("alerts/copythat.rules.yml").path)]
        evaluation_interval: 1s
        resend_delay: 5s
        external_url: http://127.0.0.1:\(exporterPort)
        external_labels: {cluster: e2e}
        scrape_targets:
          - job: copythat-api
            url: http://127.0.0.1:\(targetPort)/metrics
            timeout: 1s
        alertmanagers: [\(alertmanager)]
        webhooks:
          - url: http://127.0.0.1:\(targetPort)/hook
        """.write(toFile: config, atomically: true, encoding: .utf8)
        let exporter = try ChildProcess(
            CommandLineTests.binary,
            ["serve", "--config", config],
            environment: CommandLineTests.environment([:])
        )
        defer { if exporter.poll() == nil { exporter.signal(SIGKILL) } }
        #expect(try await CommandLineTests.waitForStatus(port: exporterPort, path: "/health/live", status: 200, within: .seconds(20)))

        let clock = ContinuousClock()
        let started = clock.now
        for errors in stride(from: 0, through: 80, by: 2) {
            target.serveMetrics(Self.exposition(errors: errors))
            try await Task.sleep(for: .milliseconds(500))
        }

        // Pending first, then firing in Alertmanager after `for: 2m`.
        var firing: [String: Any]?
        while firing == nil && clock.now - started < .seconds(200) {
            let alerts =
                (try await Self.get("\(alertmanager)/api/v2/alerts?filter=alertname%3D%22HighErrorRate%22")).flatMap(Self.json)
                as? [[String: Any]]
            firing = alerts?.first
            if firing == nil { try await Task.sleep(for: .seconds(1)) }
        }
        let alert = try #require(firing, "HighErrorRate never reached Alertmanager: \(exporter.standardOutput.suffix(3000))")
        let labels = try #require(alert["labels"] as? [String: String])
        #expect(labels["alertname"] == "HighErrorRate")
        #expect(labels["job"] == "copythat-api")
        #expect(labels["severity"] == "critical")
        #expect(labels["cluster"] == "e2e")
        let annotations = try #require(alert["annotations"] as? [String: String])
        #expect(annotations["runbook_url"] == "docs/runbooks.md#higherrorrate")
        #expect(annotations["description"]?.contains("requests/second (5xx, last 5 minutes) on copythat-api") == true)
        #expect((alert["generatorURL"] as? String)?.hasPrefix("http://127.0.0.1:\(exporterPort)/graph?g0.expr=") == true)

        // It fired only after `for`: the exporter's activeAt is at least two minutes before Alertmanager's startsAt.
        let rules = try #require(
            (try await Self.get("http://127.0.0.1:\(exporterPort)/api/v1/alerts")).flatMap(Self.json) as? [String: Any]
        )
        let exporterAlerts = try #require((rules["data"] as? [String: Any])?["alerts"] as? [[String: Any]])
        let activeAt = try #require(
            exporterAlerts.first { ($0["labels"] as? [String: String])?["alertname"] == "HighErrorRate" }?["activeAt"] as? String
        )
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let startsAtText = try #require(alert["startsAt"] as? String)
        let startsAt = try #require(formatter.date(from: startsAtText))
        let active = try #require(formatter.date(from: activeAt))
        #expect(startsAt.timeIntervalSince(active) >= 120, "fired \(startsAt.timeIntervalSince(active)) s after becoming active")
        #expect(clock.now - started >= .seconds(120))

        // The errors stopped at 20 s; once they leave the 5-minute window the alert resolves.
        var resolvedNotice = false
        while !resolvedNotice && clock.now - started < .seconds(420) {
            resolvedNotice = target.posts.contains { post in
                guard let message = Self.json(post) as? [String: Any], let alerts = message["alerts"] as? [[String: Any]] else {
                    return false
                }
                return alerts.contains {
                    ($0["status"] as? String) == "resolved" && ($0["labels"] as? [String: String])?["alertname"] == "HighErrorRate"
                }
            }
            if !resolvedNotice { try await Task.sleep(for: .seconds(1)) }
        }
        #expect(resolvedNotice, "no resolved notice on the webhook: \(target.posts.suffix(2))")
        #expect(clock.now - started >= .seconds(300), "resolved before the errors left the 5-minute window")
        var stillActive = true
        for _ in 0..<20 where stillActive {
            let alerts =
                (try await Self.get("\(alertmanager)/api/v2/alerts?filter=alertname%3D%22HighErrorRate%22")).flatMap(Self.json)
                as? [[String: Any]]
            stillActive = !(alerts?.isEmpty ?? false)
            if stillActive { try await Task.sleep(for: .seconds(1)) }
        }
        #expect(!stillActive, "Alertmanager still lists the alert after the resolved notice")
        let metrics = try #require(try await Self.get("http://127.0.0.1:\(exporterPort)/metrics"))
        #expect(metrics.contains("copythat_exporter_notifications_sent_total{destination=\"\(alertmanager)/api/v2/alerts\"}"))

        exporter.signal(SIGTERM)
        var status: Int32?
        while status == nil && clock.now - started < .seconds(540) {
            status = exporter.poll()
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(status == 0)
    }

    /// A real Prometheus loads `alerts/` and scrapes the exporter: the target is up and every rule is healthy.
    @Test(.timeLimit(.minutes(2))) func prometheusScrapesTheExporterAndLoadsTheRules() async throws {
        let prometheus = try #require(ExternalTool.find("prometheus"), "prometheus is not installed; run scripts/install-deps.sh")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("copythat-prom-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let exporterPort = refusedPort()
        let exporterConfig = directory.appendingPathComponent("exporter.yaml").path
        try """
        listen: 127.0.0.1:\(exporterPort)
        probe_interval: 1s
        probe_timeout: 500ms
        dependencies:
          - {name: database, type: postgres, url: '${TEST_DATABASE_URL}'}
          - {name: redis, type: redis, url: '${TEST_REDIS_URL}'}
        rule_files: [\(Self.repository.appendingPathComponent("alerts/copythat.rules.yml").path)]
        evaluation_interval: 1s
        """.write(toFile: exporterConfig, atomically: true, encoding: .utf8)
        let exporter = try ChildProcess(
            CommandLineTests.binary,
            ["serve", "--config", exporterConfig],
            environment: CommandLineTests.environment([:])
        )
        defer { if exporter.poll() == nil { exporter.signal(SIGKILL) } }

        let prometheusPort = refusedPort()
        let prometheusConfig = directory.appendingPathComponent("prometheus.yml").path
        try """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        rule_files: ['\(Self.repository.appendingPathComponent("alerts").path)/*.rules.yml']
        scrape_configs:
          - job_name: copythat-exporter
            static_configs:
              - targets: ['127.0.0.1:\(exporterPort)']
        """.write(toFile: prometheusConfig, atomically: true, encoding: .utf8)
        let server = try ChildProcess(
            prometheus,
            [
                "--config.file=\(prometheusConfig)", "--storage.tsdb.path=\(directory.path)/data",
                "--web.listen-address=127.0.0.1:\(prometheusPort)",
            ]
        )
        defer { if server.poll() == nil { server.signal(SIGKILL) } }

        let clock = ContinuousClock()
        let started = clock.now
        var targetUp = false
        var healthyRules = 0
        var ruleNames: [String] = []
        while (!targetUp || healthyRules < 9) && clock.now - started < .seconds(60) {
            if let targets = (try await Self.get("http://127.0.0.1:\(prometheusPort)/api/v1/targets")).flatMap(Self.json) as? [String: Any],
                let active = (targets["data"] as? [String: Any])?["activeTargets"] as? [[String: Any]]
            {
                targetUp = active.contains {
                    ($0["health"] as? String) == "up" && ($0["scrapeUrl"] as? String)?.contains("\(exporterPort)") == true
                }
            }
            if let rules = (try await Self.get("http://127.0.0.1:\(prometheusPort)/api/v1/rules")).flatMap(Self.json) as? [String: Any],
                let groups = (rules["data"] as? [String: Any])?["groups"] as? [[String: Any]]
            {
                let all = groups.flatMap { ($0["rules"] as? [[String: Any]]) ?? [] }
                ruleNames = all.compactMap { $0["name"] as? String }
                healthyRules = all.filter { ($0["health"] as? String) == "ok" }.count
            }
            if !targetUp || healthyRules < 9 { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(
            targetUp,
            "Prometheus never scraped the exporter: \(server.standardError.suffix(1000)) \(exporter.standardError.suffix(1000))"
        )
        #expect(ruleNames.count == 9)
        #expect(healthyRules == 9, "rules: \(ruleNames)")
        // The exporter evaluates the same file: its rules API lists the same nine rules, all healthy.
        let ours = try #require((try await Self.get("http://127.0.0.1:\(exporterPort)/api/v1/rules")).flatMap(Self.json) as? [String: Any])
        let ourRules =
            ((ours["data"] as? [String: Any])?["groups"] as? [[String: Any]])?.flatMap { ($0["rules"] as? [[String: Any]]) ?? [] } ?? []
        #expect(ourRules.compactMap { $0["name"] as? String }.sorted() == ruleNames.sorted())
        #expect(ourRules.allSatisfy { ($0["health"] as? String) == "ok" }, "\(ourRules.map { $0["lastError"] ?? "" })")
    }
}
