import Alerting
import CopyThatInstrumentation
import Foundation
import Logging
import PrometheusRegistry
import TestSupport
import Testing

@testable import CopyThatExporter
@testable import ExporterConfig

/// The Grafana dashboard: imports as is, every query is valid PromQL, and every metric it reads is one we expose.
@Suite struct DashboardTests {
    static var path: String {
        URL(fileURLWithPath: TestEnvironment.scriptsDirectory).deletingLastPathComponent().appendingPathComponent(
            "dashboards/copythat.json"
        ).path
    }

    func dashboard() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    func panels() throws -> [[String: Any]] {
        try #require(try self.dashboard()["panels"] as? [[String: Any]]).filter { $0["type"] as? String != "row" }
    }

    func expressions() throws -> [String] {
        try self.panels().flatMap { panel in (panel["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
    }

    @Test func importsAsIsWithADatasourceVariableAndAStableUID() throws {
        let dashboard = try self.dashboard()
        let uid = try #require(dashboard["uid"] as? String)
        #expect((8...40).contains(uid.count))
        #expect(dashboard["schemaVersion"] is Int)
        #expect(dashboard["__inputs"] == nil)
        let variables = try #require((dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]])
        #expect(variables.contains { $0["name"] as? String == "datasource" && $0["type"] as? String == "datasource" })
        for panel in try self.panels() {
            let title = panel["title"] as? String ?? ""
            #expect(!title.isEmpty)
            #expect(
                ((panel["fieldConfig"] as? [String: Any])?["defaults"] as? [String: Any])?["unit"] as? String != nil,
                "\(title) has no unit"
            )
            let targets = panel["targets"] as? [[String: Any]] ?? []
            #expect(!targets.isEmpty, "\(title) has no query")
            #expect(
                (panel["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}",
                "\(title) does not use the datasource variable"
            )
        }
        #expect(try self.panels().count >= 12)
    }

    @Test func everyQueryIsValidPromQL() async throws {
        // promtool checks PromQL in rule files: load every panel query as a recording rule.
        let expressions = try self.expressions()
        var rules = "groups:\n  - name: dashboard\n    rules:\n"
        for (index, expression) in expressions.enumerated() {
            let promql = expression.replacingOccurrences(of: "$__rate_interval", with: "5m")
            rules += "      - record: dashboard:panel_\(index)\n        expr: '\(promql.replacingOccurrences(of: "'", with: "''"))'\n"
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dashboard-\(UUID().uuidString).rules.yml").path
        try rules.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let output = try await ExternalTool.run("promtool", ["check", "rules", file])
        #expect(output.status == 0, "\(output.standardOutput)\(output.standardError)")
        #expect(output.standardOutput.contains("SUCCESS: \(expressions.count) rules found"))
        // Rate queries follow Grafana's interval, as the dashboard linter expects.
        for expression in expressions where expression.contains("rate(") {
            #expect(expression.contains("$__rate_interval"), "\(expression)")
        }
    }

    @Test func theExportersEngineEvaluatesEveryPanelQuery() throws {
        // The same rule file, loaded by the exporter's own engine and evaluated over samples of every metric the
        // dashboard reads: no query is rejected and none fails to evaluate.
        var rules = "groups:\n  - name: dashboard\n    rules:\n"
        for (index, expression) in try self.expressions().enumerated() {
            let promql = expression.replacingOccurrences(of: "$__rate_interval", with: "5m")
            rules += "      - record: dashboard:panel_\(index)\n        expr: '\(promql.replacingOccurrences(of: "'", with: "''"))'\n"
        }
        let groups = try RuleFileLoader.parse(rules, file: "dashboard.rules.yml")
        var store = SampleStore()
        var names = Set<String>()
        for expression in try self.expressions() { names.formUnion(try Self.metricNames(in: expression)) }
        for name in names {
            for step in 0..<10 {
                store.append(Labels([("__name__", name), ("job", "api"), ("le", "+Inf")]), t: Int64(step) * 15_000, v: Double(step))
            }
        }
        var state = RuleGroupState(group: groups[0])
        let errors = state.evaluate(at: 135_000, store: &store, options: EvaluationOptions())
        #expect(errors.isEmpty, "\(errors)")
        #expect(groups[0].rules.count == (try self.expressions()).count)
    }

    /// The metric names a PromQL expression reads: identifiers left once strings, label matchers, ranges and
    /// grouping clauses are removed, that are not function calls or keywords.
    static func metricNames(in expression: String) throws -> Set<String> {
        var text = expression
        for pattern in [#""[^"]*""#, #"\{[^}]*\}"#, #"\[[^\]]*\]"#, #"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"#] {
            text = text.replacing(try Regex(pattern), with: " ")
        }
        let keywords: Set<String> = [
            "and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right",
        ]
        var names = Set<String>()
        for match in text.matches(of: try Regex(#"([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?"#)) {
            guard let name = match.output[1].substring, match.output[2].substring == nil, !keywords.contains(String(name)) else { continue }
            names.insert(String(name))
        }
        return names
    }

    @Test func theMetricNameExtractionFindsBareAndSelectedNames() throws {
        let names = try Self.metricNames(
            in: #"min by (dependency) (probe_success) / sum(rate(http_requests_total{status=~"5.."}[5m])) > bool 1"#
        )
        #expect(names == ["probe_success", "http_requests_total"])
    }

    @Test func everyMetricItReadsIsExposedByTheProject() throws {
        let registry = PrometheusRegistry()
        _ = try CopyThatMetrics(registry: registry, version: "t", environment: "t")
        _ = try ExporterRuntime(configuration: ExporterConfiguration(), logger: Logger(label: "test"), registry: registry)
        var exposed = Set(registry.metricNames)
        exposed.insert("ALERTS")
        var used = Set<String>()
        for expression in try self.expressions() {
            used.formUnion(try Self.metricNames(in: expression))
        }
        #expect(!used.isEmpty)
        for name in used {
            let family = name.hasSuffix("_bucket") ? String(name.dropLast(7)) : name
            #expect(exposed.contains(family), "the dashboard reads \(name), which nothing exposes")
        }
    }
}
