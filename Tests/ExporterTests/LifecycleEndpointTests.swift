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

    @Test(.timeLimit(.minutes(1))) func reloadIsRefusedUnlessEnabledAndReloadsTheRulesWhenItIs() async throws {
        let closed = try await RulesExporter(rules: RulesExporter.alerts(["First"]))
        #expect(try await Self.request("GET", port: closed.port, path: "/-/healthy") == (200, "copythat-exporter is Healthy.\n"))
        #expect(try await Self.request("GET", port: closed.port, path: "/-/ready") == (200, "copythat-exporter is Ready.\n"))
        #expect(try await Self.request("POST", port: closed.port, path: "/-/reload") == (403, "Lifecycle API is not enabled."))

        let open = try await RulesExporter(rules: RulesExporter.alerts(["First"]), arguments: ["--web.enable-lifecycle"])
        #expect(try await Self.request("GET", port: open.port, path: "/-/reload") == (405, "Only POST or PUT requests allowed"))
        try open.writeRules(RulesExporter.alerts(["First", "Second"]))
        #expect(try await Self.request("POST", port: open.port, path: "/-/reload").status == 200)
        #expect(try await open.ruleNames() == ["First", "Second"])
        // A file that no longer loads: a 500 with the reason, and the rules in force stay.
        try open.writeRules("groups: [\n")
        let broken = try await Self.request("PUT", port: open.port, path: "/-/reload")
        #expect(broken.status == 500)
        #expect(broken.body.hasPrefix("failed to reload rules: ") && broken.body.contains("rules.yml"), "\(broken.body)")
        #expect(try await open.ruleNames() == ["First", "Second"])
    }
}
