import Foundation
import TestSupport
import Testing

/// The shipped alert rules, checked by Prometheus's own tool.
@Suite struct AlertRuleFileTests {
    static var repository: URL { URL(fileURLWithPath: TestEnvironment.scriptsDirectory).deletingLastPathComponent() }
    static var rules: String { repository.appendingPathComponent("alerts/copythat.rules.yml").path }

    @Test func promtoolAcceptsTheRulesAndTheirUnitTestsPass() async throws {
        let check = try await ExternalTool.run("promtool", ["check", "rules", Self.rules])
        #expect(check.status == 0, "\(check.standardOutput)\(check.standardError)")
        #expect(check.standardOutput.contains("SUCCESS: 9 rules found"))
        let tests = try await ExternalTool.run(
            "promtool",
            ["test", "rules", Self.repository.appendingPathComponent("alerts/tests/copythat_test.yml").path]
        )
        #expect(tests.status == 0, "\(tests.standardOutput)\(tests.standardError)")
    }

    @Test func theUnitTestsFailWhenAThresholdChanges() async throws {
        // A copy of the rules with HighErrorRate's threshold raised past the test's error rate must fail its test.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("tests"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let rules = try String(contentsOfFile: Self.rules, encoding: .utf8)
        let mutated = rules.replacingOccurrences(
            of: #"rate(http_requests_total{status=~"5.."}[5m])) > 0.1"#,
            with: #"rate(http_requests_total{status=~"5.."}[5m])) > 5"#
        )
        #expect(mutated != rules)
        try mutated.write(to: directory.appendingPathComponent("copythat.rules.yml"), atomically: true, encoding: .utf8)
        let tests = try String(
            contentsOfFile: Self.repository.appendingPathComponent("alerts/tests/copythat_test.yml").path,
            encoding: .utf8
        )
        try tests.write(to: directory.appendingPathComponent("tests/copythat_test.yml"), atomically: true, encoding: .utf8)
        let output = try await ExternalTool.run(
            "promtool",
            ["test", "rules", directory.appendingPathComponent("tests/copythat_test.yml").path]
        )
        #expect(output.status != 0)
        #expect(output.standardOutput.contains("HighErrorRate") || output.standardError.contains("HighErrorRate"))
    }

    @Test func everyRuleHasASummaryADescriptionAndARunbookSectionThatExists() async throws {
        let script = """
            import sys, yaml, json
            rules = [r for g in yaml.safe_load(open(sys.argv[1]))['groups'] for r in g['rules']]
            print(json.dumps([{'alert': r['alert'], 'severity': r.get('labels', {}).get('severity'), **r.get('annotations', {})} for r in rules]))
            """
        let output = try await ExternalTool.run("python3", ["-c", script, Self.rules])
        #expect(output.status == 0, "\(output.standardError)")
        let rules = try #require(try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [[String: String]])
        #expect(rules.count == 9)
        let runbooks = try String(contentsOfFile: Self.repository.appendingPathComponent("docs/runbooks.md").path, encoding: .utf8)
        for rule in rules {
            let name = rule["alert"] ?? "?"
            #expect(rule["summary"]?.isEmpty == false, "\(name) has no summary")
            #expect(rule["description"]?.isEmpty == false, "\(name) has no description")
            #expect(["critical", "warning", "info"].contains(rule["severity"] ?? ""), "\(name) has no severity")
            #expect(rule["runbook_url"] == "docs/runbooks.md#\(name.lowercased())", "\(name) runbook link")
            #expect(runbooks.contains("\n## \(name)\n"), "docs/runbooks.md has no section for \(name)")
        }
    }
}
