import Foundation
import TestSupport
import Testing

@testable import PrometheusRegistry

/// Renders a registry holding every type, with awkward label values, and has independent parsers read it back:
/// `promtool check metrics` and Python `prometheus_client`'s text and OpenMetrics parsers.
@Suite struct ConformanceTests {
    static let awkwardValues = [
        "plain", "quote\"inside", "back\\slash", "new\nline", "tab\there", "unicode ✓ ünï 🚀", "", "{braces}=,comma",
        "# not a comment",
    ]

    /// Every type, with known values; returns the registry and the samples a parser must find.
    static func everyType() throws -> (PrometheusRegistry, [ExpectedSample]) {
        let registry = PrometheusRegistry()
        var expected: [ExpectedSample] = []
        let counter = try registry.makeCounterFamily(
            name: "conformance_events_total",
            help: "Events with \"quotes\" and \\ and\nnewline.",
            labelNames: ["value"]
        )
        for (index, value) in Self.awkwardValues.enumerated() {
            try counter.labels(value).inc(by: index + 1)
            expected.append(ExpectedSample(name: "conformance_events_total", labels: ["value": value], value: Double(index + 1)))
        }
        let cost = try registry.makeCounter(name: "conformance_cost_usd_total", help: "Cost.", unit: "usd")
        try cost.inc(by: 0.125, exemplar: [Label("trace_id", "4bf92f3577b34da6")])
        expected.append(ExpectedSample(name: "conformance_cost_usd_total", labels: [:], value: 0.125))
        let gauge = try registry.makeGaugeFamily(name: "conformance_temperature_celsius", help: "Temperature.", labelNames: ["room"])
        try gauge.labels("a").set(-3.25)
        try gauge.labels("b").set(1e-9)
        try gauge.labels("c").set(.infinity)
        expected.append(ExpectedSample(name: "conformance_temperature_celsius", labels: ["room": "a"], value: -3.25))
        expected.append(ExpectedSample(name: "conformance_temperature_celsius", labels: ["room": "b"], value: 1e-9))
        expected.append(ExpectedSample(name: "conformance_temperature_celsius", labels: ["room": "c"], value: .infinity))
        let histogram = try registry.makeHistogramFamily(
            name: "conformance_latency_seconds",
            help: "Latency.",
            labelNames: ["route"],
            buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
            unit: "seconds"
        )
        let routeValue = "/api/v1/projects/{id}"
        let observations = [0.003, 0.07, 0.07, 0.3, 4, 11]
        for value in observations { try histogram.labels(routeValue).observe(value) }
        try histogram.labels(routeValue).observe(0.2, exemplar: [Label("trace_id", "abc")])
        let bounds = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
        let all = observations + [0.2]
        for bound in bounds {
            let count = all.filter { $0 <= bound }.count
            expected.append(
                ExpectedSample(
                    name: "conformance_latency_seconds_bucket",
                    labels: ["route": routeValue, "le": ExpectedSample.float(bound)],
                    value: Double(count)
                )
            )
        }
        expected.append(ExpectedSample(name: "conformance_latency_seconds_bucket", labels: ["route": routeValue, "le": "+Inf"], value: 7))
        expected.append(ExpectedSample(name: "conformance_latency_seconds_count", labels: ["route": routeValue], value: 7))
        expected.append(ExpectedSample(name: "conformance_latency_seconds_sum", labels: ["route": routeValue], value: all.reduce(0, +)))
        let summary = try registry.makeSummary(
            name: "conformance_payload_bytes",
            help: "Payload.",
            configuration: .init(quantiles: [0.5, 0.9])
        )
        for value in 1...10 { summary.observe(Double(value)) }
        expected.append(ExpectedSample(name: "conformance_payload_bytes", labels: ["quantile": "0.5"], value: 5))
        expected.append(ExpectedSample(name: "conformance_payload_bytes", labels: ["quantile": "0.9"], value: 9))
        expected.append(ExpectedSample(name: "conformance_payload_bytes_sum", labels: [:], value: 55))
        expected.append(ExpectedSample(name: "conformance_payload_bytes_count", labels: [:], value: 10))
        _ = try registry.makeInfo(
            name: "copythat",
            help: "Copy That application info",
            labels: [Label("version", "1.0.0"), Label("environment", "test")]
        )
        expected.append(ExpectedSample(name: "copythat_info", labels: ["version": "1.0.0", "environment": "test"], value: 1))
        try registry.register(ProcessCollector())
        return (registry, expected)
    }

    @Test func promtoolAcceptsTheTextFormatWithoutLintProblems() async throws {
        let (registry, _) = try Self.everyType()
        let output = try await ExternalTool.run("promtool", ["check", "metrics"], input: Data(registry.render(format: .text004)))
        #expect(output.status == 0, "promtool: \(output.standardOutput) \(output.standardError)")
        #expect(output.standardOutput.isEmpty && output.standardError.isEmpty, "promtool: \(output.standardOutput) \(output.standardError)")
    }

    @Test func promtoolRejectsABrokenExpositionSoTheCheckAboveCanFail() async throws {
        let output = try await ExternalTool.run("promtool", ["check", "metrics"], input: Data("metric{label=\"unterminated} 1\n".utf8))
        #expect(output.status != 0)
    }

    @Test(arguments: [ExpositionFormat.text004, .openMetrics])
    func pythonParserReadsBackTheValuesWritten(format: ExpositionFormat) async throws {
        let (registry, expected) = try Self.everyType()
        let parsed = try await PythonParser.parse(registry.render(format: format), openMetrics: format == .openMetrics)
        for sample in expected {
            let match = parsed.first { $0.name == sample.name && $0.labels == sample.labels }
            #expect(match != nil, "\(format): no sample \(sample.name) \(sample.labels)")
            if let match {
                #expect(
                    match.value == sample.value || abs(match.value - sample.value) <= 1e-12 * abs(sample.value),
                    "\(sample.name): \(match.value)"
                )
            }
        }
        let processNames = Set(parsed.map(\.name).filter { $0.hasPrefix("process_") })
        #expect(
            processNames == [
                "process_cpu_seconds_total", "process_max_fds", "process_open_fds", "process_resident_memory_bytes",
                "process_start_time_seconds", "process_virtual_memory_bytes",
            ]
        )
    }

    @Test func pythonOpenMetricsParserSeesExemplarsAndTypes() async throws {
        let (registry, _) = try Self.everyType()
        let families = try await PythonParser.familyTypes(registry.render(format: .openMetrics))
        #expect(families["conformance_events"] == "counter")
        #expect(families["conformance_latency_seconds"] == "histogram")
        #expect(families["conformance_payload_bytes"] == "summary")
        #expect(families["copythat"] == "info")
        #expect(families["conformance_temperature_celsius"] == "gauge")
        let exemplars = try await PythonParser.exemplars(registry.render(format: .openMetrics))
        #expect(exemplars["conformance_cost_usd_total"] == "4bf92f3577b34da6")
        #expect(exemplars["conformance_latency_seconds_bucket"] == "abc")
    }
}

/// A sample a parser must find.
struct ExpectedSample {
    var name: String
    var labels: [String: String]
    var value: Double

    /// A bucket bound or quantile as the canonical float the formats use for `le` and `quantile`.
    static func float(_ value: Double) -> String {
        if value.isInfinite { return "+Inf" }
        return value == value.rounded() ? String(format: "%.1f", value) : "\(value)"
    }
}

/// Runs Python `prometheus_client`'s parsers over exposition text.
enum PythonParser {
    struct Sample: Decodable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    private static let prelude = """
        import sys, json, math
        from prometheus_client.parser import text_string_to_metric_families as parse_text
        from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_om
        text = sys.stdin.buffer.read().decode('utf-8')
        families = list(parse_om(text) if sys.argv[1] == 'om' else parse_text(text))
        def num(v):
            return 'Infinity' if v == math.inf else ('-Infinity' if v == -math.inf else ('NaN' if v != v else v))
        """

    static func parse(_ bytes: [UInt8], openMetrics: Bool) async throws -> [Sample] {
        let script =
            prelude + "\n" + """
                print(json.dumps([{'name': s.name, 'labels': s.labels, 'value': num(s.value)} for f in families for s in f.samples]))
                """
        let data = try await self.run(script: script, bytes: bytes, openMetrics: openMetrics)
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity",
            negativeInfinity: "-Infinity",
            nan: "NaN"
        )
        return try decoder.decode([Sample].self, from: data)
    }

    static func familyTypes(_ bytes: [UInt8]) async throws -> [String: String] {
        let script = prelude + "\n" + "print(json.dumps({f.name: f.type for f in families}))"
        return try await JSONDecoder().decode([String: String].self, from: try self.run(script: script, bytes: bytes, openMetrics: true))
    }

    static func exemplars(_ bytes: [UInt8]) async throws -> [String: String] {
        let script =
            prelude + "\n" + """
                print(json.dumps({s.name: s.exemplar.labels['trace_id'] for f in families for s in f.samples if s.exemplar}))
                """
        return try await JSONDecoder().decode([String: String].self, from: try self.run(script: script, bytes: bytes, openMetrics: true))
    }

    private static func run(script: String, bytes: [UInt8], openMetrics: Bool) async throws -> Data {
        let output = try await ExternalTool.run("python3", ["-c", script, openMetrics ? "om" : "text"], input: Data(bytes))
        guard output.status == 0 else {
            throw ParserFailure(message: output.standardError)
        }
        return Data(output.standardOutput.utf8)
    }

    struct ParserFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { "python parser failed: \(self.message)" }
    }
}
