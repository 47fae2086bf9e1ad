import Testing

@testable import PrometheusRegistry

@Suite struct ExpositionTests {
    static func sampleRegistry() throws -> PrometheusRegistry {
        let registry = PrometheusRegistry()
        let requests = try registry.makeCounterFamily(
            name: "http_requests_total",
            help: "Total HTTP requests",
            labelNames: ["method", "status"]
        )
        try requests.labels("POST", "500").inc()
        try requests.labels("GET", "200").inc(by: 3)
        let latency = try registry.makeHistogramFamily(
            name: "http_request_duration_seconds",
            help: "HTTP request duration",
            labelNames: ["method"],
            buckets: [0.1, 1],
            unit: "seconds"
        )
        try latency.labels("GET").observe(0.05)
        try latency.labels("GET").observe(0.5)
        try latency.labels("GET").observe(3)
        let gauge = try registry.makeGauge(name: "temperature", help: "Line one\nback\\slash \"quoted\"")
        gauge.set(-1.5)
        _ = try registry.makeInfo(
            name: "copythat",
            help: "Copy That application info",
            labels: [Label("version", "1.0.0"), Label("environment", "local")]
        )
        return registry
    }

    @Test func text004IsExact() throws {
        let expected = """
            # HELP copythat_info Copy That application info
            # TYPE copythat_info gauge
            copythat_info{version="1.0.0",environment="local"} 1
            # HELP http_request_duration_seconds HTTP request duration
            # TYPE http_request_duration_seconds histogram
            http_request_duration_seconds_bucket{method="GET",le="0.1"} 1
            http_request_duration_seconds_bucket{method="GET",le="1.0"} 2
            http_request_duration_seconds_bucket{method="GET",le="+Inf"} 3
            http_request_duration_seconds_sum{method="GET"} 3.55
            http_request_duration_seconds_count{method="GET"} 3
            # HELP http_requests_total Total HTTP requests
            # TYPE http_requests_total counter
            http_requests_total{method="GET",status="200"} 3
            http_requests_total{method="POST",status="500"} 1
            # HELP temperature Line one\\nback\\\\slash "quoted"
            # TYPE temperature gauge
            temperature -1.5

            """
        #expect(try Self.sampleRegistry().renderString(format: .text004) == expected)
    }

    @Test func openMetricsIsExact() throws {
        let expected = """
            # HELP copythat Copy That application info
            # TYPE copythat info
            copythat_info{version="1.0.0",environment="local"} 1
            # HELP http_request_duration_seconds HTTP request duration
            # TYPE http_request_duration_seconds histogram
            # UNIT http_request_duration_seconds seconds
            http_request_duration_seconds_bucket{method="GET",le="0.1"} 1
            http_request_duration_seconds_bucket{method="GET",le="1.0"} 2
            http_request_duration_seconds_bucket{method="GET",le="+Inf"} 3
            http_request_duration_seconds_sum{method="GET"} 3.55
            http_request_duration_seconds_count{method="GET"} 3
            # HELP http_requests Total HTTP requests
            # TYPE http_requests counter
            http_requests_total{method="GET",status="200"} 3
            http_requests_total{method="POST",status="500"} 1
            # HELP temperature Line one\\nback\\\\slash \\"quoted\\"
            # TYPE temperature gauge
            temperature -1.5
            # EOF

            """
        #expect(try Self.sampleRegistry().renderString(format: .openMetrics) == expected)
    }

    @Test func labelValuesAreEscapedAndAnyUTF8Survives() throws {
        let registry = PrometheusRegistry()
        let family = try registry.makeGaugeFamily(name: "g", help: "G.", labelNames: ["v"])
        try family.labels("quote\" backslash\\ newline\n tab\t emoji 🚀 ünï").set(1)
        #expect(registry.renderString().contains(#"g{v="quote\" backslash\\ newline\n tab\#t emoji 🚀 ünï"} 1"#))
    }

    @Test func specialValuesUseTheFormatsSpelling() throws {
        let registry = PrometheusRegistry()
        let family = try registry.makeGaugeFamily(name: "g", help: "G.", labelNames: ["k"])
        try family.labels("a").set(.infinity)
        try family.labels("b").set(-.infinity)
        try family.labels("c").set(.nan)
        try family.labels("d").set(1e-7)
        try family.labels("e").set(123_456_789_012)
        try family.labels("f").set(1e300)
        let text = registry.renderString()
        for line in [
            "g{k=\"a\"} +Inf", "g{k=\"b\"} -Inf", "g{k=\"c\"} NaN", "g{k=\"d\"} 1e-07", "g{k=\"e\"} 123456789012", "g{k=\"f\"} 1e+300",
        ] {
            #expect(text.contains(line + "\n"), "missing \(line)")
        }
    }

    @Test func seriesComeOutSortedRegardlessOfCreationOrder() throws {
        let registry = PrometheusRegistry()
        let family = try registry.makeCounterFamily(name: "c_total", help: "C.", labelNames: ["k"])
        for key in ["delta", "alpha", "charlie", "bravo"] { try family.labels(key).inc() }
        let lines = registry.renderString().split(separator: "\n").filter { $0.hasPrefix("c_total{") }
        #expect(lines == [#"c_total{k="alpha"} 1"#, #"c_total{k="bravo"} 1"#, #"c_total{k="charlie"} 1"#, #"c_total{k="delta"} 1"#])
        #expect(registry.renderString() == registry.renderString())
    }

    @Test func exemplarsAppearInOpenMetricsOnly() throws {
        let registry = PrometheusRegistry()
        let counter = try registry.makeCounter(name: "jobs_total", help: "Jobs.")
        try counter.inc(by: 1, exemplar: [Label("trace_id", "abc123")])
        let histogram = try registry.makeHistogram(name: "h_seconds", help: "H.", buckets: [1, 2])
        try histogram.observe(1.5, exemplar: [Label("trace_id", "def")])
        let openMetrics = registry.renderString(format: .openMetrics)
        #expect(openMetrics.contains(#"jobs_total 1 # {trace_id="abc123"} 1 "#))
        #expect(openMetrics.contains(#"h_seconds_bucket{le="2.0"} 1 # {trace_id="def"} 1.5 "#))
        #expect(!registry.renderString(format: .text004).contains("#  {"))
        #expect(!registry.renderString(format: .text004).contains("trace_id"))
    }

    @Test func emptyLabelledFamiliesRenderNothing() throws {
        let registry = PrometheusRegistry()
        _ = try registry.makeCounterFamily(name: "c_total", help: "C.", labelNames: ["k"])
        #expect(registry.renderString() == "")
        #expect(registry.renderString(format: .openMetrics) == "# EOF\n")
    }

    @Test func summaryRendersQuantilesSumAndCount() throws {
        let registry = PrometheusRegistry()
        let summary = try registry.makeSummary(name: "rpc_seconds", help: "RPC.", configuration: .init(quantiles: [0.5, 0.99]))
        for value in [1.0, 2, 3] { summary.observe(value) }
        let text = registry.renderString()
        #expect(text.contains("# TYPE rpc_seconds summary\n"))
        #expect(text.contains(#"rpc_seconds{quantile="0.5"} 2"# + "\n"))
        #expect(text.contains(#"rpc_seconds{quantile="0.99"} 3"# + "\n"))
        #expect(text.contains("rpc_seconds_sum 6\nrpc_seconds_count 3\n"))
    }

    @Test(
        arguments: [
            (nil, ExpositionFormat.text004),
            ("", .text004),
            ("*/*", .text004),
            ("text/plain;version=0.0.4", .text004),
            ("application/openmetrics-text", .openMetrics),
            ("application/openmetrics-text; version=1.0.0; charset=utf-8", .openMetrics),
            (
                "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
                .openMetrics
            ),
            ("application/openmetrics-text;q=0.2,text/plain;q=0.9", .text004),
            ("application/openmetrics-text;version=2.0.0", .text004),
            ("application/openmetrics-text;q=0", .text004),
            ("application/json", .text004),
        ] as [(String?, ExpositionFormat)]
    )
    func negotiation(accept: String?, expected: ExpositionFormat) {
        #expect(ExpositionFormat.negotiate(accept: accept) == expected)
    }

    @Test func contentTypes() {
        #expect(ExpositionFormat.text004.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(ExpositionFormat.openMetrics.contentType == "application/openmetrics-text; version=1.0.0; charset=utf-8")
    }
}
