import Clients
import LibYAML

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A promtool rule unit-test file (`promtool test rules` format), parsed.
public struct RuleTestFile: Sendable {
    /// The rule files, resolved against the test file's directory.
    public var ruleFiles: [String] = []
    /// The evaluation interval in milliseconds (default 1 m).
    public var evaluationInterval: Int64 = 60_000
    /// The order to evaluate groups in, by name.
    public var groupEvalOrder: [String] = []
    /// The test groups.
    public var tests: [TestGroup] = []

    /// One entry of `tests`.
    public struct TestGroup: Sendable {
        /// The group's `name`, shown in failures.
        public var name = ""
        /// Spacing of input samples in milliseconds; nil (or 0s) when not given, which each mode reads as promtool
        /// does (see ``RuleTestRunner``).
        public var interval: Int64?
        /// `input_series`, expanded.
        public var inputSeries: [(labels: Labels, values: [SeriesNotation.Item])] = []
        /// `alert_rule_test` entries.
        public var alertTests: [AlertTest] = []
        /// `promql_expr_test` entries.
        public var exprTests: [ExprTest] = []
        /// `external_labels`.
        public var externalLabels: [String: String] = [:]
        /// `external_url`.
        public var externalURL = ""
    }

    /// An `alert_rule_test` entry.
    public struct AlertTest: Sendable {
        /// When to check, in milliseconds from the start.
        public var evalTime: Int64
        /// The alert checked.
        public var alertname: String
        /// The firing alerts expected (labels include `alertname`).
        public var expected: [(labels: Labels, annotations: Labels)]
    }

    /// A `promql_expr_test` entry.
    public struct ExprTest: Sendable {
        /// The PromQL to evaluate.
        public var expression: String
        /// When to check, in milliseconds from the start.
        public var evalTime: Int64
        /// The samples expected, labels in series notation.
        public var expected: [(labels: String, value: Double)]
    }

    /// Reads and parses `path`.
    public static func load(path: String) throws(RuleFileError) -> RuleTestFile {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw RuleFileError(file: path, line: nil, message: "cannot read the test file")
        }
        return try self.parse(text, file: path)
    }

    /// Parses test-file text; rule file paths are resolved against the directory of `file`.
    public static func parse(_ text: String, file: String) throws(RuleFileError) -> RuleTestFile {
        let reader = YAMLReader(file: file)
        let fields = try reader.fields(
            try reader.load(text),
            allowed: ["rule_files", "evaluation_interval", "group_eval_order", "tests"],
            what: "the test file"
        )
        var result = RuleTestFile()
        let directory = FilePaths.directory(of: file)
        for node in try reader.sequence(fields["rule_files"] ?? .scalar(.init("")), what: "rule_files") {
            let path = try reader.string(node)
            result.ruleFiles.append(path.hasPrefix("/") || directory.isEmpty ? path : directory + "/" + path)
        }
        if let interval = fields["evaluation_interval"] {
            // 0s is promtool's "not set": the default of 1 m.
            let value = try reader.duration(interval, what: "evaluation_interval")
            guard value >= 0 else { throw reader.error(interval, "evaluation_interval must not be negative") }
            if value > 0 { result.evaluationInterval = value }
        }
        for node in try reader.sequence(fields["group_eval_order"] ?? .scalar(.init("")), what: "group_eval_order") {
            result.groupEvalOrder.append(try reader.string(node))
        }
        for node in try reader.sequence(fields["tests"] ?? .scalar(.init("")), what: "tests") {
            result.tests.append(try self.testGroup(node, reader: reader))
        }
        return result
    }

    private static func testGroup(_ node: YAMLNode, reader: YAMLReader) throws(RuleFileError) -> TestGroup {
        let fields = try reader.fields(
            node,
            allowed: ["name", "interval", "input_series", "alert_rule_test", "promql_expr_test", "external_labels", "external_url"],
            what: "a test group"
        )
        var group = TestGroup()
        if let name = fields["name"] { group.name = try reader.string(name) }
        if let interval = fields["interval"] {
            // 0s, as promtool reads it: the evaluation interval.
            let value = try reader.duration(interval, what: "interval")
            guard value >= 0 else { throw reader.error(interval, "interval must not be negative") }
            group.interval = value > 0 ? value : nil
        }
        if let url = fields["external_url"] { group.externalURL = try reader.string(url) }
        for label in try reader.stringMap(fields["external_labels"] ?? .scalar(.init("")), what: "external_labels") {
            group.externalLabels[label.key] = label.value
        }
        for seriesNode in try reader.sequence(fields["input_series"] ?? .scalar(.init("")), what: "input_series") {
            let series = try reader.fields(seriesNode, allowed: ["series", "values"], what: "an input series")
            guard let description = series["series"] else { throw reader.error(seriesNode, "input series needs series") }
            let labels: Labels
            let values: [SeriesNotation.Item]
            do {
                labels = try SeriesNotation.labels(try reader.string(description))
                values = try SeriesNotation.values(try series["values"].map { node throws(RuleFileError) in try reader.string(node) } ?? "")
            } catch let error as PromQLError {
                throw reader.error(seriesNode, error.message)
            } catch let error as RuleFileError {
                throw error
            } catch {
                throw reader.error(seriesNode, "\(error)")
            }
            // promtool's loader keeps one definition a series: a later one replaces the earlier entirely.
            if let earlier = group.inputSeries.firstIndex(where: { $0.labels == labels }) {
                group.inputSeries[earlier].values = values
            } else {
                group.inputSeries.append((labels, values))
            }
        }
        for testNode in try reader.sequence(fields["alert_rule_test"] ?? .scalar(.init("")), what: "alert_rule_test") {
            let test = try reader.fields(testNode, allowed: ["eval_time", "alertname", "exp_alerts"], what: "an alert_rule_test")
            guard let alertname = test["alertname"] else { throw reader.error(testNode, "alert_rule_test needs alertname") }
            let name = try reader.string(alertname)
            var expected: [(labels: Labels, annotations: Labels)] = []
            for alertNode in try reader.sequence(test["exp_alerts"] ?? .scalar(.init("")), what: "exp_alerts") {
                let alert = try reader.fields(alertNode, allowed: ["exp_labels", "exp_annotations"], what: "an expected alert")
                var labels = try reader.stringMap(alert["exp_labels"] ?? .scalar(.init("")), what: "exp_labels").map { ($0.key, $0.value) }
                labels.append(("alertname", name))
                let annotations = try reader.stringMap(alert["exp_annotations"] ?? .scalar(.init("")), what: "exp_annotations")
                expected.append((Labels(labels), Labels(annotations.map { ($0.key, $0.value) })))
            }
            let evalTime = try test["eval_time"].map { node throws(RuleFileError) in try reader.duration(node, what: "eval_time") } ?? 0
            group.alertTests.append(AlertTest(evalTime: evalTime, alertname: name, expected: expected))
        }
        for testNode in try reader.sequence(fields["promql_expr_test"] ?? .scalar(.init("")), what: "promql_expr_test") {
            let test = try reader.fields(testNode, allowed: ["expr", "eval_time", "exp_samples"], what: "a promql_expr_test")
            guard let exprNode = test["expr"] else { throw reader.error(testNode, "promql_expr_test needs expr") }
            var expected: [(labels: String, value: Double)] = []
            for sampleNode in try reader.sequence(test["exp_samples"] ?? .scalar(.init("")), what: "exp_samples") {
                let sample = try reader.fields(sampleNode, allowed: ["labels", "value", "histogram"], what: "an expected sample")
                // A YAML float, read as promtool's YAML library reads it (`.inf`, `0x10`; not `Inf` or a quoted "5").
                var value = 0.0
                if let node = sample["value"] {
                    guard case .scalar(let scalar) = node, let number = YAMLFloat.value(of: scalar) else {
                        let text = (try? reader.string(node)) ?? "a collection"
                        throw reader.error(node, "invalid value \"\(text)\": expected a YAML number (such as 1.5, 1e3, .inf, -.inf, .nan)")
                    }
                    value = number
                }
                expected.append((try sample["labels"].map { node throws(RuleFileError) in try reader.string(node) } ?? "", value))
            }
            let evalTime = try test["eval_time"].map { node throws(RuleFileError) in try reader.duration(node, what: "eval_time") } ?? 0
            group.exprTests.append(ExprTest(expression: try reader.string(exprNode), evalTime: evalTime, expected: expected))
        }
        return group
    }
}
