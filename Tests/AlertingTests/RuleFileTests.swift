import Foundation
import Testing

@testable import Alerting

@Suite struct RuleFileTests {
    static func error(_ yaml: String) -> RuleFileError? {
        do {
            _ = try RuleFileLoader.parse(yaml, file: "rules.yml")
            return nil
        } catch {
            return error
        }
    }

    @Test func loadsTheShippedRules() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let groups = try RuleFileLoader.load(path: root.appendingPathComponent("alerts/copythat.rules.yml").path)
        #expect(groups.map(\.name) == ["copythat-api", "copythat-exporter"])
        let names = groups.flatMap(\.rules).map(\.name)
        #expect(
            names == [
                "HighErrorRate", "SlowRequests", "DatabasePoolExhausted", "HighAICost", "AIProviderCircuitOpen", "RateLimitingTriggered",
                "CriticalDependencyDown", "AIProviderUnreachable", "ScrapeTargetDown",
            ]
        )
    }

    @Test func badRulesAreRejectedWithLineAndReason() {
        let badExpr = Self.error(
            """
            groups:
              - name: g
                rules:
                  - alert: A
                    expr: rate(x) > 1
            """
        )
        #expect(badExpr?.line == 5)
        #expect(badExpr?.message.contains("expected type range vector") == true)

        let unknownKey = Self.error(
            """
            groups:
              - name: g
                rules:
                  - alert: A
                    expr: x > 1
                    fore: 5m
            """
        )
        #expect(unknownKey?.line == 6)
        #expect(unknownKey?.message.contains("field fore not found") == true)

        #expect(Self.error("groups:\n  - name: g\n    rules:\n      - expr: x\n")?.message.contains("one of 'record' or 'alert'") == true)
        #expect(Self.error("groups:\n  - name: g\n  - name: g\n")?.message.contains("repeated in the same file") == true)
        #expect(Self.error("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: x\n        for: 5 minutes\n")?.line == 6)
        #expect(
            Self.error("groups:\n  - name: g\n    rules:\n      - record: 'bad name'\n        expr: x\n")?.message.contains(
                "invalid recording rule name"
            ) == true
        )
        #expect(
            Self.error("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: x[5m]\n")?.message.contains(
                "instant vector or scalar"
            ) == true
        )
        #expect(Self.error("groups: [\n")?.message.hasPrefix("invalid YAML") == true)
    }

    @Test func groupsEvaluateRecordingRulesBeforeTheAlertsThatReadThem() throws {
        let groups = try RuleFileLoader.parse(
            """
            groups:
              - name: g
                rules:
                  - record: job:x:sum
                    expr: sum by (job) (x)
                    labels: {source: recorded}
                  - alert: Big
                    expr: job:x:sum > 5
            """,
            file: "rules.yml"
        )
        var store = try Fixtures.store([("x{job=\"a\",i=\"1\"}", "3 3"), ("x{job=\"a\",i=\"2\"}", "4 1")])
        var state = RuleGroupState(group: groups[0])
        #expect(state.evaluate(at: 0, store: &store, options: EvaluationOptions()).isEmpty)
        #expect(state.alertStates[1]?.alerts.map(\.state) == [.firing])
        let recorded = try Fixtures.vector("job:x:sum", at: 0, in: store)
        #expect(recorded.map(\.labels.description) == ["job:x:sum{job=\"a\", source=\"recorded\"}"])
        // The next evaluation drops below the threshold: the alert resolves and its ALERTS series gets a stale marker.
        _ = state.evaluate(at: 60_000, store: &store, options: EvaluationOptions())
        #expect(state.alertStates[1]?.alerts.map(\.state) == [.inactive])
        #expect(try Fixtures.vector("ALERTS", at: 60_000, in: store).isEmpty)
        #expect(try Fixtures.vector("ALERTS", at: 30_000, in: store).count == 1)
    }
}

@Suite struct RuleFileGlobTests {
    @Test func globsExpandSortedAndAnEmptyMatchIsAnError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("globs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["b.rules.yml", "a.rules.yml", "other.txt"] {
            try "groups:\n  - name: \(name)\n".write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let groups = try RuleFileLoader.load(paths: [directory.path + "/*.rules.yml"])
        #expect(groups.map(\.name) == ["a.rules.yml", "b.rules.yml"])
        #expect(throws: RuleFileError.self) { try RuleFileLoader.load(paths: [directory.path + "/*.yaml"]) }
    }
}
