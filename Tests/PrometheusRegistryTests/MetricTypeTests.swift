import Testing

@testable import PrometheusRegistry

@Suite struct CounterTests {
    @Test func integerAndFloatingIncrementsAddUp() throws {
        let counter = try PrometheusRegistry().makeCounter(name: "jobs_total", help: "Jobs.")
        counter.inc()
        try counter.inc(by: 41)
        try counter.inc(by: 0.5)
        #expect(counter.value == 42.5)
    }

    @Test func negativeAndNonFiniteIncrementsAreRejectedAndChangeNothing() throws {
        let counter = try PrometheusRegistry().makeCounter(name: "jobs_total", help: "Jobs.")
        try counter.inc(by: 3)
        #expect(throws: MetricError.self) { try counter.inc(by: -1) }
        #expect(throws: MetricError.self) { try counter.inc(by: -0.5) }
        #expect(throws: MetricError.self) { try counter.inc(by: Double.nan) }
        #expect(throws: MetricError.self) { try counter.inc(by: Double.infinity) }
        do {
            try counter.inc(by: -2)
        } catch {
            #expect(error.code == .invalidValue)
        }
        #expect(counter.value == 3)
    }

    @Test func exemplarIsKept() throws {
        let counter = try PrometheusRegistry().makeCounter(name: "jobs_total", help: "Jobs.")
        try counter.inc(by: 2, exemplar: [Label("trace_id", "abc")])
        #expect(counter.value == 2)
        #expect(counter.exemplar?.labels == [Label("trace_id", "abc")])
        #expect(counter.exemplar?.value == 2)
        let tooLong = String(repeating: "x", count: 200)
        #expect(throws: MetricError.self) { try counter.inc(by: 1, exemplar: [Label("trace_id", tooLong)]) }
        #expect(counter.value == 2)
    }
}

@Suite struct GaugeTests {
    @Test func setIncDec() throws {
        let gauge = try PrometheusRegistry().makeGauge(name: "queue_depth", help: "Depth.")
        gauge.set(10)
        gauge.inc()
        gauge.inc(by: 2.5)
        gauge.dec(by: 4)
        #expect(gauge.value == 9.5)
        gauge.dec()
        #expect(gauge.value == 8.5)
    }

    @Test func setToCurrentTimeIsNow() throws {
        let gauge = try PrometheusRegistry().makeGauge(name: "last_success_seconds", help: "Time.")
        let before = WallClock.now()
        gauge.setToCurrentTime()
        let after = WallClock.now()
        #expect(gauge.value >= before && gauge.value <= after)
        #expect(gauge.value > 1_700_000_000)
    }

    @Test func trackInProgressCountsWhileRunningAndAfterThrowing() async throws {
        let gauge = try PrometheusRegistry().makeGauge(name: "in_flight", help: "In flight.")
        let seen = gauge.trackInProgress { gauge.value }
        #expect(seen == 1)
        #expect(gauge.value == 0)
        struct Boom: Error {}
        #expect(throws: Boom.self) { try gauge.trackInProgress { () throws(Boom) in throw Boom() } }
        #expect(gauge.value == 0)
        let seenAsync = await gauge.trackInProgress { () async in gauge.value }
        #expect(seenAsync == 1)
        #expect(gauge.value == 0)
    }
}

@Suite struct HistogramTests {
    @Test func observationsLandInCumulativeBuckets() throws {
        let histogram = try PrometheusRegistry().makeHistogram(name: "latency_seconds", help: "Latency.", buckets: [0.1, 0.5, 1])
        for value in [0.05, 0.1, 0.3, 0.7, 2, 1] {
            histogram.observe(value)
        }
        let snapshot = histogram.snapshot
        #expect(snapshot.cumulativeCounts == [2, 3, 5, 6])
        #expect(snapshot.count == 6)
        #expect(abs(snapshot.sum - 4.15) < 1e-12)
    }

    @Test func defaultBucketsAreBuiltIn() throws {
        let histogram = try PrometheusRegistry().makeHistogram(name: "latency_seconds", help: "Latency.")
        #expect(histogram.upperBounds == [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
    }

    @Test func manyBucketsUseBinarySearchCorrectly() throws {
        let bounds = (1...40).map { Double($0) }
        let histogram = try PrometheusRegistry().makeHistogram(name: "sizes", help: "Sizes.", buckets: bounds)
        for value in [0.5, 1, 1.5, 20, 40, 41] { histogram.observe(value) }
        let counts = histogram.snapshot.cumulativeCounts
        #expect(counts[0] == 2)  // 0.5 and 1 are <= 1
        #expect(counts[1] == 3)  // 1.5
        #expect(counts[19] == 4)  // 20
        #expect(counts[39] == 5)  // 40
        #expect(counts[40] == 6)  // +Inf
    }

    @Test(arguments: [
        [0.5, 0.1],
        [0.1, 0.1],
        [0.1, Double.nan],
        [-Double.infinity, 1],
    ])
    func invalidBucketsAreRejected(buckets: [Double]) {
        #expect(throws: MetricError.self) {
            try PrometheusRegistry().makeHistogram(name: "h", help: "H.", buckets: buckets)
        }
    }

    @Test func trailingInfinityIsAcceptedAndImplied() throws {
        let histogram = try PrometheusRegistry().makeHistogram(name: "h", help: "H.", buckets: [1, 2, .infinity])
        #expect(histogram.upperBounds == [1, 2])
    }

    @Test func timeObservesElapsedSeconds() async throws {
        let histogram = try PrometheusRegistry().makeHistogram(name: "h_seconds", help: "H.")
        histogram.time { usleepMilliseconds(20) }
        try await histogram.time { () async throws in try await Task.sleep(for: .milliseconds(20)) }
        let snapshot = histogram.snapshot
        #expect(snapshot.count == 2)
        #expect(snapshot.sum >= 0.04)
        #expect(snapshot.sum < 5)
    }
}

func usleepMilliseconds(_ milliseconds: Int) {
    let end = ContinuousClock.now + .milliseconds(milliseconds)
    while ContinuousClock.now < end {}
}

@Suite struct SummaryTests {
    final class ManualClock: @unchecked Sendable {
        // @unchecked Sendable: tests drive it from one task at a time.
        var now = 0.0
    }

    @Test func quantilesSumAndCount() throws {
        let clock = ManualClock()
        let family = try PrometheusRegistry().makeSummaryFamily(
            name: "request_size_bytes",
            help: "Sizes.",
            labelNames: [],
            configuration: .init(quantiles: [0.5, 0.9, 0.99]),
            clock: { clock.now }
        )
        let summary = try family.labels([])
        for value in 1...100 { summary.observe(Double(value)) }
        let quantiles = summary.quantileValues
        #expect(quantiles.map(\.quantile) == [0.5, 0.9, 0.99])
        #expect(quantiles.map(\.value) == [50, 90, 99])
        #expect(summary.observationCount == 100)
        #expect(summary.sum == 5050)
    }

    @Test func observationsAgeOutOfTheWindowButNotOutOfSumAndCount() throws {
        let clock = ManualClock()
        let summary = try PrometheusRegistry().makeSummaryFamily(
            name: "s",
            help: "S.",
            labelNames: [],
            configuration: .init(quantiles: [0.5], maxAge: .seconds(60), ageBuckets: 3),
            clock: { clock.now }
        ).labels([])
        summary.observe(1000)
        clock.now = 30
        summary.observe(1)
        #expect(summary.quantileValues[0].value == 1)  // rank 1 of 2 by weight
        clock.now = 61  // the first observation is older than maxAge
        #expect(summary.quantileValues[0].value == 1)
        clock.now = 200
        #expect(summary.quantileValues[0].value.isNaN)
        #expect(summary.observationCount == 2)
        #expect(summary.sum == 1001)
    }

    @Test func memoryIsBoundedAndQuantilesStayClose() throws {
        let summary = try PrometheusRegistry().makeSummary(
            name: "s",
            help: "S.",
            configuration: .init(quantiles: [0.5, 0.9], samplesPerBucket: 500)
        )
        for value in 0..<100_000 { summary.observe(Double(value % 1000)) }
        let quantiles = summary.quantileValues
        #expect(abs(quantiles[0].value - 500) < 60)
        #expect(abs(quantiles[1].value - 900) < 60)
        #expect(summary.observationCount == 100_000)
    }

    @Test func invalidQuantilesAreRejected() {
        #expect(throws: MetricError.self) {
            try PrometheusRegistry().makeSummary(name: "s", help: "S.", configuration: .init(quantiles: [1.5]))
        }
        #expect(throws: MetricError.self) {
            try PrometheusRegistry().makeSummary(name: "s", help: "S.", configuration: .init(ageBuckets: 0))
        }
    }
}

@Suite struct DurationObservationTests {
    @Test func durationsAreObservedInSeconds() throws {
        let histogram = try PrometheusRegistry().makeHistogram(name: "d_seconds", help: "D.", buckets: [0.1, 1])
        histogram.observe(Duration.milliseconds(250))
        histogram.observe(Duration.seconds(2))
        let snapshot = histogram.snapshot
        #expect(snapshot.cumulativeCounts == [0, 1, 2])
        #expect(snapshot.sum == 2.25)
    }
}
