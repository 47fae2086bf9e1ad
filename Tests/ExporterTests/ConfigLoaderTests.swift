import Alerting
import Foundation
import Testing

@testable import CopyThatExporter
@testable import ExporterConfig

@Suite struct ConfigLoaderTests {
    let loader = ConfigLoader(environment: [
        "DB_PASSWORD": "s3cret", "ANTHROPIC_KEY": "sk-ant-test-0123456789abcdef", "EMPTY": "",
        "LF_URL": "postgres://h/x\nInjected: 1", "CRLF": "ok\r\nX-Injected: yes", "LF_KEY": "sk-ant-test\n",
    ])

    @Test func aCompleteFileParses() throws {
        let yaml = """
            listen: 127.0.0.1:9999
            probe_interval: 15s
            probe_timeout: 1500ms
            failure_threshold: 3
            success_threshold: 2
            shutdown_delay: 5s
            shutdown_grace: 30s
            log_level: debug
            metrics_auth:
              bearer_token: abc
            dependencies:
              - name: database
                type: postgres
                url: postgres://app:${DB_PASSWORD}@db:5432/copythat?sslmode=disable
                timeout: 3s
              - name: cache
                type: redis
                url: redis://cache:6379/1
                critical: false
              - name: anthropic
                type: anthropic
                api_key: ${ANTHROPIC_KEY}
              - name: site
                type: http
                url: https://example.com/health
                method: head
                headers:
                  X-Probe: copythat
                expected_status: [200, 204]
            """
        let configuration = try self.loader.parse(yaml: yaml, file: "test.yaml")
        #expect(configuration.listen == .init(host: "127.0.0.1", port: 9999))
        #expect(configuration.probeInterval == .seconds(15))
        #expect(configuration.probeTimeout == .milliseconds(1500))
        #expect(configuration.failureThreshold == 3 && configuration.successThreshold == 2)
        #expect(configuration.shutdownDelay == .seconds(5))
        #expect(configuration.logLevel == "debug")
        #expect(configuration.dependencies.map(\.name) == ["database", "cache", "anthropic", "site"])
        #expect(configuration.dependencies[0].url == "postgres://app:s3cret@db:5432/copythat?sslmode=disable")
        #expect(configuration.dependencies[0].critical)
        #expect(configuration.dependencies[0].timeout == .seconds(3))
        #expect(!configuration.dependencies[1].critical)
        #expect(configuration.dependencies[2].apiKey == "sk-ant-test-0123456789abcdef")
        #expect(configuration.dependencies[2].url == "https://api.anthropic.com")
        #expect(!configuration.dependencies[2].critical)
        #expect(configuration.dependencies[3].method == "HEAD")
        #expect(configuration.dependencies[3].expectedStatus == [200, 204])
        #expect(configuration.dependencies[3].headers.map(\.name) == ["X-Probe"])
        guard case .bearer(let token) = configuration.metricsAuth else {
            Issue.record("expected bearer auth")
            return
        }
        #expect(token == "abc")
    }

    @Test(
        arguments: [
            ("listen: 1.2.3.4:80\nprobe_intervall: 10s\n", 2, "unknown key \"probe_intervall\""),
            ("probe_interval: 10 seconds\n", 1, "is not a positive duration"),
            ("probe_interval: 0s\n", 1, "is not a positive duration"),
            ("dependencies:\n  - name: db\n    type: postgres\n    url: mysql://h/x\n", 2, "postgres:// or postgresql://"),
            ("dependencies:\n  - name: db\n    type: postgress\n    url: postgres://h/x\n", 3, "unknown dependency type"),
            ("dependencies:\n  - name: db\n    type: postgres\n    url: postgres://h:99999/x\n", 2, "port must be a number"),
            ("dependencies:\n  - name: db\n    type: postgres\n    url: ${NOT_SET}\n", 4, "environment variable NOT_SET is not set"),
            ("dependencies:\n  - name: c\n    type: redis\n    url: rediss://h:6380\n", 2, "not supported by this build"),
            ("dependencies:\n  - name: ai\n    type: openai\n", 2, "needs api_key"),
            (
                "dependencies:\n  - name: a\n    type: redis\n    url: redis://h\n  - name: a\n    type: redis\n    url: redis://h\n", 5,
                "used twice"
            ),
            ("listen: nowhere\n", 1, "listen must be HOST:PORT"),
            ("dependencies:\n  - name: db\n    type: postgres\n    url: postgres://h/x\n    timout: 2s\n", 5, "did you mean timeout"),
            ("probe_interval: 1s\nprobe_timeout: 5s\n", nil, "no longer than probe_interval"),
            ("key: [unclosed\n", 2, "invalid YAML"),
            // Header injection and control characters from a variable or a file: refused with the line.
            ("dependencies:\n  - name: db\n    type: postgres\n    url: ${LF_URL}\n", 2, "control character or space at character 15"),
            (
                "dependencies:\n  - name: site\n    type: http\n    url: https://example.com\n    headers:\n      X-Probe: ${CRLF}\n", 6,
                "the value of header X-Probe contains CR, LF"
            ),
            (
                "dependencies:\n  - name: site\n    type: http\n    url: https://example.com\n    headers:\n      \"Bad Name\": x\n", 6,
                "is not an RFC 9110 token"
            ),
            ("dependencies:\n  - name: ai\n    type: anthropic\n    api_key: ${LF_KEY}\n", 2, "api_key contains CR, LF"),
            (
                "scrape_targets:\n  - job: api\n    url: http://api:8000/metrics\n    bearer_token: ${CRLF}\n", 4,
                "bearer_token contains CR, LF"
            ),
            ("scrape_targets:\n  - job: api\n    url: \"http://api:8000/metrics\\n\"\n", 3, "control character or space"),
        ] as [(String, Int?, String)]
    )
    func badConfigurationsNameTheLineAndReason(yaml: String, line: Int?, reason: String) {
        do {
            _ = try self.loader.parse(yaml: yaml, file: "bad.yaml")
            Issue.record("expected an error for \(yaml)")
        } catch {
            #expect(error.file == "bad.yaml")
            if let line { #expect(error.line == line, "\(error)") }
            #expect(error.reason.contains(reason), "\(error)")
        }
    }

    @Test func secretsFromFilesAndDefaultsFromInterpolation() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "from-file-password\n".write(to: directory.appendingPathComponent("db-password"), atomically: true, encoding: .utf8)
        try "sk-file-key-0123456789abcdef\n".write(to: directory.appendingPathComponent("openai-key"), atomically: true, encoding: .utf8)
        let yaml = """
            dependencies:
              - name: database
                type: postgres
                url: postgres://app@${DB_HOST:-localhost}:5432/copythat
                password_file: db-password
              - name: openai
                type: openai
                api_key_file: openai-key
                base_url: ${OPENAI_BASE:-http://127.0.0.1:1}
            """
        let path = directory.appendingPathComponent("exporter.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try self.loader.load(path: path)
        #expect(configuration.dependencies[0].url == "postgres://app:from-file-password@localhost:5432/copythat")
        #expect(configuration.dependencies[1].apiKey == "sk-file-key-0123456789abcdef")
        #expect(configuration.dependencies[1].url == "http://127.0.0.1:1")
        #expect(!configuration.dependencies[0].displayURL.contains("from-file-password"))
    }

    @Test func environmentModeUsesTheSeedsVariables() throws {
        let loader = ConfigLoader(environment: [
            "DATABASE_URL": "postgres://app:pw@db/copythat", "REDIS_URL": "redis://cache:6379/0",
            "ANTHROPIC_API_KEY": "sk-ant-x", "ANTHROPIC_BASE_URL": "http://gateway:8080", "OPENAI_API_KEY": "sk-openai-x",
        ])
        let configuration = try loader.fromEnvironment()
        #expect(configuration.dependencies.map(\.name) == ["database", "redis", "anthropic", "openai"])
        #expect(configuration.dependencies.map(\.critical) == [true, true, false, false])
        #expect(configuration.dependencies[2].url == "http://gateway:8080")
        #expect(configuration.dependencies[3].url == "https://api.openai.com")
        #expect(throws: ConfigError.self) { try ConfigLoader(environment: ["DATABASE_URL": "not a url"]).fromEnvironment() }
    }

    @Test(arguments: [("500ms", 500), ("10s", 10_000), ("1m", 60_000), ("1h30m", 5_400_000), ("2d", 172_800_000), ("1m30s500ms", 90_500)])
    func prometheusDurations(text: String, milliseconds: Int64) {
        #expect(PrometheusDuration.parse(text) == .milliseconds(milliseconds))
    }

    @Test(arguments: ["", "10", "s", "1.5s", "10sec", "30s1m", "1s1s", "-5s"])
    func invalidDurations(text: String) {
        #expect(PrometheusDuration.parse(text) == nil)
    }

    @Test func interpolation() throws {
        let environment = ["A": "x", "EMPTY": ""]
        #expect(try EnvironmentInterpolation.expand("pre-${A}-post", environment: environment) == "pre-x-post")
        #expect(try EnvironmentInterpolation.expand("${EMPTY:-fallback}", environment: environment) == "fallback")
        #expect(try EnvironmentInterpolation.expand("cost: $$5 and $HOME", environment: environment) == "cost: $5 and $HOME")
        #expect(throws: EnvironmentInterpolation.Failure.self) { try EnvironmentInterpolation.expand("${B}", environment: environment) }
        #expect(throws: EnvironmentInterpolation.Failure.self) { try EnvironmentInterpolation.expand("${A", environment: environment) }
    }
}
