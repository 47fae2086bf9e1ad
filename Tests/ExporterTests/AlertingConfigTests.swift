import Alerting
import Foundation
import TestSupport
import Testing

@testable import CopyThatExporter
@testable import ExporterConfig

/// The rule engine's configuration keys, the `test-rules` command, and the notifier against a stub receiver.
@Suite struct AlertingConfigTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func alertingKeysParse() throws {
        let loader = ConfigLoader(environment: ["AM_TOKEN": "am-secret-token"])
        let configuration = try loader.parse(
            yaml: """
                rule_files: [alerts/copythat.rules.yml]
                evaluation_interval: 30s
                resend_delay: 2m
                external_url: https://exporter.example
                external_labels: {cluster: eu-1, region: west}
                scrape_targets:
                  - job: copythat-api
                    url: http://api:8000/metrics
                    timeout: 3s
                    bearer_token: scrape-token
                alertmanagers:
                  - http://alertmanager:9093
                  - url: https://am2.example:9093
                    bearer_token: ${AM_TOKEN}
                webhooks:
                  - url: https://oncall.example/hook
                """,
            file: Self.repository.appendingPathComponent("exporter.yaml").path
        )
        let alerting = configuration.alerting
        #expect(alerting.ruleFiles == [Self.repository.appendingPathComponent("alerts/copythat.rules.yml").path])
        #expect(alerting.evaluationInterval == .seconds(30))
        #expect(alerting.resendDelay == .seconds(120))
        #expect(alerting.externalLabels == ["cluster": "eu-1", "region": "west"])
        #expect(alerting.scrapeTargets.map(\.job) == ["copythat-api"])
        #expect(alerting.scrapeTargets.first?.instance == "api:8000")
        #expect(alerting.scrapeTargets.first?.headers["Authorization"] == "Bearer scrape-token")
        #expect(
            alerting.destinations.map(\.endpoint) == [
                "http://alertmanager:9093/api/v2/alerts", "https://am2.example:9093/api/v2/alerts", "https://oncall.example/hook",
            ]
        )
        #expect(alerting.destinations[1].headers["Authorization"] == "Bearer am-secret-token")
        #expect(alerting.destinations.map(\.kind) == [.alertmanager, .alertmanager, .webhook])
    }

    @Test func alertForOverridesShortenAHoldWithoutTouchingTheRuleFile() throws {
        let file = Self.repository.appendingPathComponent("exporter.yaml").path
        let configuration = try ConfigLoader(environment: [:]).parse(
            yaml: "rule_files: [alerts/copythat.rules.yml]\nalert_for_overrides: {HighErrorRate: 10s, SlowRequests: 0s}",
            file: file
        )
        #expect(configuration.alerting.alertForOverrideMilliseconds == ["HighErrorRate": 10_000, "SlowRequests": 0])
        let groups = try RuleFileLoader.load(paths: configuration.alerting.ruleFiles)
            .overridingFor(configuration.alerting.alertForOverrideMilliseconds)
        let holds = Dictionary(
            uniqueKeysWithValues: groups.flatMap(\.rules).compactMap { rule -> (String, Int64)? in
                guard case .alerting(let definition) = rule else { return nil }
                return (definition.name, definition.holdMilliseconds)
            }
        )
        #expect(holds["HighErrorRate"] == 10_000)
        #expect(holds["SlowRequests"] == 0)
        #expect(holds["DatabasePoolExhausted"] == 60_000)  // as the file says
        // An alert no rule file defines, and a bad duration, are errors that say so.
        #expect {
            try ConfigLoader(environment: [:]).parse(
                yaml: "rule_files: [alerts/copythat.rules.yml]\nalert_for_overrides: {HighErrorRat: 10s}",
                file: file
            )
        } throws: { ($0 as? ConfigError)?.reason.contains("\"HighErrorRat\"") == true }
        #expect {
            try ConfigLoader(environment: [:]).parse(
                yaml: "rule_files: [alerts/copythat.rules.yml]\nalert_for_overrides: {HighErrorRate: soon}",
                file: file
            )
        } throws: { ($0 as? ConfigError)?.line == 2 }
    }

    /// `compatibility` picks the PromQL details the rules follow: Prometheus 3's by default, 2.x's when asked, and
    /// anything else is an error naming both.
    @Test func compatibilityChoosesThePrometheusRelease() throws {
        let file = Self.repository.appendingPathComponent("exporter.yaml").path
        let loader = ConfigLoader(environment: [:])
        #expect(try loader.parse(yaml: "rule_files: [alerts/copythat.rules.yml]", file: file).alerting.compatibility == .prometheus3)
        let two = try loader.parse(yaml: "rule_files: [alerts/copythat.rules.yml]\ncompatibility: prometheus2", file: file)
        #expect(two.alerting.compatibility == .prometheus2)
        #expect {
            try loader.parse(yaml: "rule_files: [alerts/copythat.rules.yml]\ncompatibility: prometheus4", file: file)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.line == 2 && error.reason.contains("prometheus3 or prometheus2")
                || error.reason.contains("prometheus2 or prometheus3")
        }
    }

    @Test func scrapeLimitsApplyToEveryTargetAndATargetOverridesThem() throws {
        let configuration = try ConfigLoader(environment: [:]).parse(
            yaml: """
                rule_files: [alerts/copythat.rules.yml]
                scrape_targets:
                  - job: big
                    url: http://big:8000/metrics
                    scrape_limits: {sample_limit: 0, body_size_limit: 64MiB}
                  - job: plain
                    url: http://plain:8000/metrics
                scrape_limits:
                  sample_limit: 10000
                  label_value_length_limit: 512
                max_series: 50000
                """,
            file: Self.repository.appendingPathComponent("exporter.yaml").path
        )
        let targets = configuration.alerting.scrapeTargets
        #expect(targets[0].limits == ScrapeLimits(sampleLimit: 0, labelValueLengthLimit: 512, bodySizeLimit: 64 << 20))
        #expect(targets[1].limits == ScrapeLimits(sampleLimit: 10_000, labelValueLengthLimit: 512))
        #expect(configuration.alerting.maxSeries == 50_000)
        let defaults = try ConfigLoader(environment: [:]).parse(yaml: "rule_files: [alerts/copythat.rules.yml]\n", file: "e.yaml")
        #expect(defaults.alerting.maxSeries == 200_000)
        #expect(defaults.alerting.scrapeLimits == ScrapeLimits())
    }

    @Test(
        arguments: [
            ("rule_files: [r.yml]\nscrape_limits: {sample_limit: -1}\n", "bad.yaml:2:31: sample_limit must be a whole number"),
            ("rule_files: [r.yml]\nscrape_limits: {body_size_limit: 1.5MB}\n", "body_size_limit must be a size"),
            ("rule_files: [r.yml]\nscrape_limits: {samples: 10}\n", "samples"),
            ("rule_files: [r.yml]\nmax_series: 0\n", "max_series must be a whole number of at least 1"),
            ("alertmanagers: [http://am:9093]\n", "alertmanagers is set but rule_files is empty"),
            ("rule_files: [r.yml]\nalertmanagers: [ftp://am]\n", "must be an http:// or https:// URL"),
            ("rule_files: [r.yml]\nscrape_targets:\n  - url: http://x/metrics\n", "needs job and url"),
            ("rule_files: [r.yml]\nevaluation_interval: soon\n", "is not a positive duration"),
            ("rule_files: [r.yml]\nexternal_labels: {'bad-name': x}\n", "invalid label name"),
            ("rule_files: [/nonexistent/rules.yml]\n", "cannot read the rule file"),
        ] as [(String, String)]
    )
    func badAlertingSettingsAreRejected(yaml: String, reason: String) {
        do {
            _ = try ConfigLoader(environment: [:]).parse(yaml: yaml, file: "bad.yaml")
            Issue.record("expected an error for \(yaml)")
        } catch {
            #expect(error.description.contains(reason), "\(error)")
        }
    }

    @Test func checkConfigReportsABrokenRuleWithItsFileAndLine() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: rate(x) > 1\n".write(
            to: directory.appendingPathComponent("rules.yml"),
            atomically: true,
            encoding: .utf8
        )
        try "rule_files: [rules.yml]\n".write(to: directory.appendingPathComponent("exporter.yaml"), atomically: true, encoding: .utf8)
        let output = try await ExternalTool.run(
            CommandLineTests.binary,
            ["check-config", directory.appendingPathComponent("exporter.yaml").path]
        )
        #expect(output.status != 0)
        #expect(output.standardError.contains("rules.yml:5: alert A: could not parse expression"), "\(output.standardError)")
        #expect(output.standardError.contains("expected type range vector"))
    }

    @Test func testRulesPassesTheShippedTestsAndFailsAWrongExpectation() async throws {
        let shipped = try await ExternalTool.run(
            CommandLineTests.binary,
            ["test-rules", Self.repository.appendingPathComponent("alerts/tests/copythat_test.yml").path]
        )
        #expect(shipped.status == 0, "\(shipped.standardError)")
        #expect(shipped.standardOutput.contains("SUCCESS"))

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let test = directory.appendingPathComponent("wrong_test.yml")
        try """
        rule_files: [\(Self.repository.appendingPathComponent("alerts/copythat.rules.yml").path)]
        tests:
          - interval: 1m
            input_series:
              - series: 'db_pool_connections{job="api",state="overflow"}'
                values: '16x5'
            alert_rule_test:
              - eval_time: 3m
                alertname: DatabasePoolExhausted
                exp_alerts: []
        """.write(to: test, atomically: true, encoding: .utf8)
        let wrong = try await ExternalTool.run(CommandLineTests.binary, ["test-rules", test.path])
        #expect(wrong.status == 1)
        #expect(wrong.standardError.contains("alertname: DatabasePoolExhausted, time: 3m"))
        #expect(wrong.standardError.contains("description=\"16 overflow connections in use on api (pool_size 20, max_overflow 20).\""))
        let bad = try await ExternalTool.run(CommandLineTests.binary, ["test-rules", "--compatibility", "prometheus4", test.path])
        #expect(bad.status != 0)
        #expect(bad.standardError.contains("--compatibility must be prometheus2 or prometheus3"))
    }

    @Test(.timeLimit(.minutes(1))) func sighupReloadsTheRulesAndABrokenFileKeepsTheOldOnes() async throws {
        let exporter = try await RulesExporter(rules: RulesExporter.alerts(["First"]))
        let child = exporter.child
        func waitForRules(_ expected: [String]) async throws -> Bool {
            for _ in 0..<50 {
                if try await exporter.ruleNames() == expected { return true }
                try await Task.sleep(for: .milliseconds(100))
            }
            return false
        }
        #expect(try await waitForRules(["First"]))
        // The SIGHUP handler is installed as the services start; give it a moment beyond the first answer.
        try await Task.sleep(for: .milliseconds(500))
        try exporter.writeRules(RulesExporter.alerts(["First", "Second"]))
        child.signal(SIGHUP)
        #expect(try await waitForRules(["First", "Second"]), "\(child.standardOutput.suffix(1000))")
        try exporter.writeRules("groups: [\n")
        child.signal(SIGHUP)
        try await Task.sleep(for: .seconds(1))
        #expect(try await exporter.ruleNames() == ["First", "Second"])
        #expect(child.standardOutput.contains("rule reload failed; keeping the rules in force"))
        child.signal(SIGTERM)
        var status: Int32?
        for _ in 0..<100 where status == nil {
            status = child.poll()
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(status == 0)
    }
}
