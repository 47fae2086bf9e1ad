import Testing

@testable import PrometheusRegistry

@Suite struct FamilyTests {
    @Test func childLookupReturnsTheSameHandle() throws {
        let family = try PrometheusRegistry().makeCounterFamily(
            name: "http_requests_total",
            help: "Requests.",
            labelNames: ["method", "status"]
        )
        let first = try family.labels("GET", "200")
        let second = try family.labels(["GET", "200"])
        let byName = try family.labels(["status": "200", "method": "GET"])
        #expect(first === second)
        #expect(first === byName)
        #expect(try family.labels("GET", "500") !== first)
        #expect(family.seriesCount == 2)
    }

    @Test func wrongLabelCountIsATypedError() throws {
        let family = try PrometheusRegistry().makeCounterFamily(name: "x_total", help: "X.", labelNames: ["a", "b"])
        #expect {
            try family.labels("only-one")
        } throws: { error in
            (error as? MetricError)?.code == .wrongLabelCount
        }
        #expect {
            try family.labels(["a": "1", "c": "2"])
        } throws: { error in
            (error as? MetricError)?.code == .unknownLabelName
        }
        #expect {
            try family.labels(["a": "1"])
        } throws: { error in
            (error as? MetricError)?.code == .wrongLabelCount
        }
    }

    @Test(arguments: [
        ("bad-name", MetricError.Code.invalidMetricName, [String]()),
        ("1starts_with_digit", .invalidMetricName, []),
        ("", .invalidMetricName, []),
        ("ok", .invalidLabelName, ["bad-label"]),
        ("ok", .reservedLabelName, ["__reserved"]),
        ("ok", .duplicateLabelName, ["a", "a"]),
    ])
    func invalidNamesAreTypedErrors(name: String, code: MetricError.Code, labels: [String]) {
        #expect {
            try PrometheusRegistry().makeGaugeFamily(name: name, help: "H.", labelNames: labels)
        } throws: { error in
            (error as? MetricError)?.code == code
        }
    }

    @Test func reservedLabelsPerType() {
        #expect {
            try PrometheusRegistry().makeHistogramFamily(name: "h", help: "H.", labelNames: ["le"])
        } throws: { ($0 as? MetricError)?.code == .reservedLabelName }
        #expect {
            try PrometheusRegistry().makeSummaryFamily(name: "s", help: "S.", labelNames: ["quantile"])
        } throws: { ($0 as? MetricError)?.code == .reservedLabelName }
        #expect(throws: Never.self) { try PrometheusRegistry().makeGaugeFamily(name: "g", help: "G.", labelNames: ["le", "quantile"]) }
    }

    @Test func colonsAreValidInMetricNamesButNotLabels() throws {
        #expect(throws: Never.self) { try PrometheusRegistry().makeGauge(name: "job:rate5m", help: "H.") }
        #expect(throws: MetricError.self) { try PrometheusRegistry().makeGaugeFamily(name: "g", help: "H.", labelNames: ["a:b"]) }
    }

    @Test func cardinalityGuardFoldsIntoOneOverflowSeriesAndCountsIt() throws {
        let registry = PrometheusRegistry(configuration: .init(maxSeriesPerFamily: 3))
        let family = try registry.makeCounterFamily(name: "user_requests_total", help: "Per user.", labelNames: ["user"])
        for user in 0..<10 {
            try family.labels("user-\(user)").inc()
        }
        #expect(family.seriesCount == 4)  // three real series and the overflow series
        let overflow = try family.labels("user-99")
        #expect(overflow === (try family.labels("user-42")))
        #expect(overflow.value == 7)
        let text = registry.renderString()
        #expect(text.contains(#"user_requests_total{user="__overflow__"} 7"#))
        #expect(text.contains(#"registry_series_overflow_total{metric="user_requests_total"} 9"#))
        // Existing series keep working past the limit.
        try family.labels("user-0").inc()
        #expect(try family.labels("user-0").value == 2)
    }

    @Test func perFamilyLimitOverridesTheRegistryDefault() throws {
        let family = try PrometheusRegistry().makeGaugeFamily(name: "g", help: "G.", labelNames: ["k"], maxSeries: 1)
        #expect(try family.labels("a") !== (try family.labels("b")))
        #expect(try family.labels("b") === (try family.labels("c")))
        #expect(throws: MetricError.self) {
            try PrometheusRegistry().makeGaugeFamily(name: "g", help: "G.", labelNames: ["k"], maxSeries: 0)
        }
    }

    @Test func removeAndExisting() throws {
        let family = try PrometheusRegistry().makeGaugeFamily(name: "g", help: "G.", labelNames: ["k"])
        try family.labels("a").set(1)
        #expect(family.existing("a")?.value == 1)
        #expect(family.existing("b") == nil)
        #expect(family.remove("a"))
        #expect(!family.remove("a"))
        #expect(family.seriesCount == 0)
        try family.labels("x").set(1)
        family.removeAll()
        #expect(family.seriesCount == 0)
    }
}

@Suite struct RegistryTests {
    @Test func duplicateNamesAndClashingSampleNamesAreErrors() throws {
        let registry = PrometheusRegistry()
        _ = try registry.makeCounter(name: "requests_total", help: "R.")
        #expect { try registry.makeCounter(name: "requests_total", help: "R.") } throws: { ($0 as? MetricError)?.code == .duplicateMetric }
        #expect { try registry.makeGauge(name: "requests_total", help: "R.") } throws: { ($0 as? MetricError)?.code == .duplicateMetric }
        _ = try registry.makeHistogram(name: "latency_seconds", help: "L.")
        #expect { try registry.makeGauge(name: "latency_seconds_count", help: "C.") } throws: {
            ($0 as? MetricError)?.code == .duplicateMetric
        }
        #expect { try registry.makeGauge(name: "latency_seconds_bucket", help: "B.") } throws: {
            ($0 as? MetricError)?.code == .duplicateMetric
        }
        // OpenMetrics exposes the counter's family as `requests`.
        #expect { try registry.makeGauge(name: "requests", help: "R.") } throws: { ($0 as? MetricError)?.code == .duplicateMetric }
    }

    @Test func unregisterFreesTheName() throws {
        let registry = PrometheusRegistry()
        _ = try registry.makeHistogram(name: "h", help: "H.")
        #expect(registry.unregister(metricNamed: "h"))
        #expect(!registry.unregister(metricNamed: "h"))
        #expect(throws: Never.self) { try registry.makeGauge(name: "h_count", help: "C.") }
        #expect(registry.metricNames == ["h_count"])
    }

    @Test func unitMustEndTheName() throws {
        let registry = PrometheusRegistry()
        #expect(throws: Never.self) { try registry.makeHistogram(name: "latency_seconds", help: "L.", unit: "seconds") }
        #expect(throws: Never.self) { try registry.makeCounter(name: "spent_usd_total", help: "L.", unit: "usd") }
        #expect { try registry.makeGauge(name: "latency", help: "L.", unit: "seconds") } throws: {
            ($0 as? MetricError)?.code == .invalidMetricName
        }
    }

    @Test func collectorsAreRenderedSortedAmongFamiliesAndCanBeUnregistered() throws {
        struct Fixed: Collector {
            func collect() -> [CollectedFamily] {
                [
                    CollectedFamily(
                        name: "m_middle",
                        help: "Middle.",
                        type: .gauge,
                        samples: [CollectedSample(labels: [Label("k", "v")], value: 2)]
                    )
                ]
            }
        }
        let registry = PrometheusRegistry()
        _ = try registry.makeGauge(name: "z_last", help: "Z.")
        _ = try registry.makeGauge(name: "a_first", help: "A.")
        let id = try registry.register(Fixed())
        #expect(throws: MetricError.self) { try registry.register(Fixed()) }
        #expect(throws: MetricError.self) { try registry.makeGauge(name: "m_middle", help: "M.") }
        let text = registry.renderString()
        let typeLines = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE") }
        #expect(typeLines == ["# TYPE a_first gauge", "# TYPE m_middle gauge", "# TYPE z_last gauge"])
        #expect(text.contains("m_middle{k=\"v\"} 2\n"))
        #expect(registry.unregister(id))
        #expect(!registry.renderString().contains("m_middle"))
    }

    @Test func defaultRegistryIsShared() throws {
        #expect(PrometheusRegistry.default === PrometheusRegistry.default)
    }

    @Test func metricErrorsDescribeTheMetricWithoutLabelValues() throws {
        let family = try PrometheusRegistry().makeCounterFamily(name: "x_total", help: "X.", labelNames: ["a"])
        do {
            _ = try family.labels("secret-value", "extra")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("x_total"))
            #expect(!error.description.contains("secret-value"))
        }
    }
}

@Suite struct NamingTests {
    @Test(arguments: [
        ("http.server.request.duration", "http_server_request_duration"),
        ("hb-requests", "hb_requests"),
        ("9lives", "_9lives"),
        ("ok_name:x", "ok_name:x"),
        ("", "_"),
        ("ünïcode", "__n__code"),
    ])
    func metricNamesAreSanitised(raw: String, expected: String) {
        #expect(MetricNaming.sanitizeMetricName(raw) == expected)
        #expect(MetricNaming.isValidMetricName(MetricNaming.sanitizeMetricName(raw)))
    }

    @Test func labelNamesAreSanitisedAndNeverReserved() {
        #expect(MetricNaming.sanitizeLabelName("http.route") == "http_route")
        #expect(MetricNaming.sanitizeLabelName("__name__") == "_name__")
        #expect(MetricNaming.sanitizeLabelName("a:b") == "a_b")
    }
}
