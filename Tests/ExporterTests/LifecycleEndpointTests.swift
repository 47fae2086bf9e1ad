import Foundation
import TestSupport
import Testing

/// Prometheus's lifecycle endpoints on a running exporter: `/-/healthy`, `/-/ready`, and `POST /-/reload` only with
/// `--web.enable-lifecycle`.
@Suite struct LifecycleEndpointTests {
    static func request(_ method: String, port: Int, path: String) async throws -> (status: Int, body: String) {
        let output = try await ExternalTool.run(
            "curl",
            ["-s", "-m", "5", "-X", method, "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"]
        )
        let lines = output.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }

    static func start(_ directory: URL, lifecycle: Bool) async throws -> (ChildProcess, Int) {
        let port = refusedPort()
        let config = directory.appendingPathComponent("exporter-\(lifecycle).yaml")
        try "listen: 127.0.0.1:\(port)\nrule_files: [rules.yml]\nevaluation_interval: 1s\n".write(
            to: config,
            atomically: true,
            encoding: .utf8
        )
        let child = try ChildProcess(
            CommandLineTests.binary,
            ["serve", "--config", config.path] + (lifecycle ? ["--web.enable-lifecycle"] : []),
            environment: CommandLineTests.environment([:])
        )
        #expect(try await CommandLineTests.waitForStatus(port: port, path: "/health/live", status: 200, within: .seconds(15)))
        return (child, port)
    }

    static func ruleNames(port: Int) async throws -> [String] {
        let body = try await CommandLineTests.get(port: port, path: "/api/v1/rules")?.body ?? ""
        let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let groups = (json?["data"] as? [String: Any])?["groups"] as? [[String: Any]] ?? []
        return groups.flatMap { ($0["rules"] as? [[String: Any]]) ?? [] }.compactMap { $0["name"] as? String }
    }

    @Test(.timeLimit(.minutes(1))) func reloadIsRefusedUnlessEnabledAndReloadsTheRulesWhenItIs() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lifecycle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let rules = directory.appendingPathComponent("rules.yml")
        func writeRules(_ names: [String]) throws {
            var text = "groups:\n  - name: g\n    rules:\n"
            for name in names { text += "      - alert: \(name)\n        expr: up == 0\n" }
            try text.write(to: rules, atomically: true, encoding: .utf8)
        }
        try writeRules(["First"])

        let (closed, closedPort) = try await Self.start(directory, lifecycle: false)
        defer { if closed.poll() == nil { closed.signal(SIGKILL) } }
        #expect(try await Self.request("GET", port: closedPort, path: "/-/healthy") == (200, "copythat-exporter is Healthy.\n"))
        #expect(try await Self.request("GET", port: closedPort, path: "/-/ready") == (200, "copythat-exporter is Ready.\n"))
        #expect(try await Self.request("POST", port: closedPort, path: "/-/reload") == (403, "Lifecycle API is not enabled."))
        closed.signal(SIGTERM)

        let (open, port) = try await Self.start(directory, lifecycle: true)
        defer { if open.poll() == nil { open.signal(SIGKILL) } }
        #expect(try await Self.request("GET", port: port, path: "/-/reload") == (405, "Only POST or PUT requests allowed"))
        try writeRules(["First", "Second"])
        #expect(try await Self.request("POST", port: port, path: "/-/reload").status == 200)
        #expect(try await Self.ruleNames(port: port) == ["First", "Second"])
        // A file that no longer loads: a 500 with the reason, and the rules in force stay.
        try "groups: [\n".write(to: rules, atomically: true, encoding: .utf8)
        let broken = try await Self.request("PUT", port: port, path: "/-/reload")
        #expect(broken.status == 500)
        #expect(broken.body.hasPrefix("failed to reload rules: ") && broken.body.contains("rules.yml"), "\(broken.body)")
        #expect(try await Self.ruleNames(port: port) == ["First", "Second"])
        open.signal(SIGTERM)
    }
}
