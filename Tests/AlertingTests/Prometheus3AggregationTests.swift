import Testing

@testable import Alerting

/// Where Prometheus 3's aggregations and rate differ from 2.x's (read from Prometheus 3's engine), each in its own
/// mode.
@Suite struct Prometheus3AggregationTests {
    static func store(_ values: [String]) throws -> SampleStore {
        try Fixtures.store(values.enumerated().map { ("x{i=\"\($0.offset)\"}", $0.element) })
    }

    /// `sum` is Kahan-compensated in Prometheus 3: 2 + 8 + 1e100 − 1e100 is 10 there, 0 in 2.x.
    @Test func sumIsCompensatedInPrometheus3() throws {
        let store = try Self.store(["2", "8", "1e100", "-1e100"])
        #expect(try Fixtures.values("sum(x)", at: 0, in: store, compatibility: .prometheus3) == [10])
        #expect(try Fixtures.values("sum(x)", at: 0, in: store, compatibility: .prometheus2) == [0])
        // An infinite sum stays infinite rather than turning NaN through the compensation.
        let infinite = try Self.store(["1", "Inf", "2"])
        #expect(try Fixtures.values("sum(x)", at: 0, in: infinite, compatibility: .prometheus3) == [.infinity])
    }

    /// `avg` is the compensated sum over the count while the sum stays finite, then an incremental mean: the average of
    /// 1e308, 1e308 and −1e308 is about 3.3e307 rather than infinite or NaN.
    @Test func avgSurvivesAnOverflowingSum() throws {
        let store = try Self.store(["1e308", "1e308", "-1e308"])
        let average = try #require(try Fixtures.values("avg(x)", at: 0, in: store, compatibility: .prometheus3).first)
        #expect(average.isFinite)
        #expect(abs(average - 1e308 / 3) < 1e293)
        // Direct mean with compensation: the average of 2, 8, 1e100, -1e100 is 2.5 exactly.
        let cancelling = try Self.store(["2", "8", "1e100", "-1e100"])
        #expect(try Fixtures.values("avg(x)", at: 0, in: cancelling, compatibility: .prometheus3) == [2.5])
    }

    /// `avg_over_time` in Prometheus 3.5 is a compensated sum over the count (1, 1e100, 1, −1e100 average to 0.5; the
    /// incremental mean of 2.x loses them), turning incremental only past an overflow.
    @Test func avgOverTimeIsADirectMeanInPrometheus3() throws {
        let store = try Fixtures.store([("x", "1 1e100 1 -1e100")], interval: 10_000)
        #expect(try Fixtures.values("avg_over_time(x[2m])", at: 60_000, in: store, compatibility: .prometheus3) == [0.5])
        #expect(try Fixtures.values("avg_over_time(x[2m])", at: 60_000, in: store, compatibility: .prometheus2) != [0.5])
        let huge = try Fixtures.store([("x", "1.78264E+50 0.76342771 1.9592258 2.258E+220 7.69805412 458.90154")], interval: 5000)
        let mean = try #require(try Fixtures.values("avg_over_time(x[1m])", at: 55_000, in: huge).first)
        #expect(abs(mean - 3.76333333333333e219) / 3.76333333333333e219 < 1e-6)
        let infinite = try Fixtures.store([("x", "1 2 3 4 Inf")], interval: 10_000)
        #expect(try Fixtures.values("avg_over_time(x[1m])", at: 55_000, in: infinite) == [.infinity])
    }

    /// A one-to-one match with two series on the "many" side is an error in Prometheus 3 even when the comparison
    /// would filter both away; 2.x only sees the samples it keeps.
    @Test func oneToOneMatchingIsCheckedBeforeFilteringInPrometheus3() throws {
        let store = try Fixtures.store([
            ("many_side{label=\"foo\",job=\"test\"}", "0"), ("many_side{label=\"bar\",job=\"test\"}", "1"),
            ("one_side{job=\"test\"}", "1"),
        ])
        #expect(throws: PromQLError.self) { try Fixtures.values("many_side > on(job) one_side", at: 0, in: store) }
        #expect(try Fixtures.values("many_side > on(job) one_side", at: 0, in: store, compatibility: .prometheus2) == [])
        #expect(try Fixtures.values("many_side >= on(job) one_side", at: 0, in: store, compatibility: .prometheus2) == [1])
    }

    /// `atan2` drops the metric name since Prometheus 2.46 (prometheus/prometheus#12595), as arithmetic does; 2.42 kept
    /// the left side's name, between vectors and with a scalar alike.
    @Test func atan2DropsTheMetricNameInPrometheus3() throws {
        let store = try Fixtures.store([("trigy{job=\"a\"}", "10"), ("trigx{job=\"a\"}", "20")])
        for expression in ["trigy atan2 trigx", "trigy atan2 2", "1 atan2 trigy"] {
            let three = try Fixtures.vector(expression, at: 0, in: store, compatibility: .prometheus3)
            #expect(three.map(\.labels.description) == ["{job=\"a\"}"], "\(expression)")
            let two = try Fixtures.vector(expression, at: 0, in: store, compatibility: .prometheus2)
            #expect(two.map(\.labels.description) == ["trigy{job=\"a\"}"], "\(expression)")
        }
        #expect(try Fixtures.values("trigy atan2 trigx", at: 0, in: store) == [0.4636476090008061])  // atan(1/2)
    }

    /// `stddev` and `stdvar` of a lone NaN or infinity are NaN in Prometheus 3, 0 in 2.x.
    @Test func aDeviationOverNaNIsNaNInPrometheus3() throws {
        let store = try Self.store(["NaN"])
        #expect(try Fixtures.values("stddev(x)", at: 0, in: store, compatibility: .prometheus3).first?.isNaN == true)
        #expect(try Fixtures.values("stdvar(x)", at: 0, in: store, compatibility: .prometheus3).first?.isNaN == true)
        #expect(try Fixtures.values("stddev(x)", at: 0, in: store, compatibility: .prometheus2) == [0])
        let finite = try Self.store(["1", "3"])
        #expect(try Fixtures.values("stdvar(x)", at: 0, in: finite, compatibility: .prometheus3) == [1])
    }

    /// A counter is never extrapolated back past its zero point; Prometheus 3 caps the extrapolation it would make
    /// (half a sample interval here, the series starting late in the window), 2.x caps the distance to the window's
    /// start and then extrapolates all of it. 10, 20, 30, 40 at 2–5 min: the zero point is 60 s before the first
    /// sample, so 2.x's increase over 5 min is 40 and 3.x's 35.
    @Test func rateCapsAtTheZeroPointAfterTheThresholdInPrometheus3() throws {
        let store = try Fixtures.store([("x", "_ _ 10 20 30 40")])
        #expect(try Fixtures.values("increase(x[5m])", at: 300_000, in: store, compatibility: .prometheus2) == [40])
        #expect(try Fixtures.values("increase(x[5m])", at: 300_000, in: store, compatibility: .prometheus3) == [35])
    }

    /// Prometheus 3 treats bucket counts within a relative 1e-12 of the bucket below as equal (noise from summing rates),
    /// where 2.x sees a tiny step and interpolates inside it.
    @Test func histogramQuantileIgnoresPrecisionNoiseInPrometheus3() throws {
        let store = try Fixtures.store([
            ("x_bucket{le=\"1\"}", "1"), ("x_bucket{le=\"2\"}", "1.0000000000000004"), ("x_bucket{le=\"+Inf\"}", "1.0000000000000004"),
        ])
        let three = try #require(try Fixtures.values("histogram_quantile(0.99999999999999999, x_bucket)", at: 0, in: store).first)
        let two = try #require(
            try Fixtures.values("histogram_quantile(0.99999999999999999, x_bucket)", at: 0, in: store, compatibility: .prometheus2).first
        )
        #expect(three == 1)  // every observation is in the first bucket
        #expect(two > 1)  // 2.x interpolates into the second
    }

    /// `histogram_fraction` over classic buckets (Prometheus 3; the cases and answers of its `histograms.test`, at the
    /// counts its series reach at 50m): interpolated inside a bucket, the lowest bucket starting at 0 or at -Inf. In
    /// 2.x it reads native histograms only, so floats give nothing.
    @Test func histogramFractionReadsClassicBucketsInPrometheus3() throws {
        let two = try Fixtures.store([
            ("h2_bucket{le=\"0\"}", "0"), ("h2_bucket{le=\"2\"}", "10"), ("h2_bucket{le=\"4\"}", "20"), ("h2_bucket{le=\"6\"}", "30"),
            ("h2_bucket{le=\"+Inf\"}", "30"),
        ])
        #expect(try Fixtures.values("histogram_fraction(0, 4, h2_bucket)", at: 0, in: two) == [0.6666666666666666])
        #expect(try Fixtures.values("histogram_fraction(0, 6, h2_bucket)", at: 0, in: two) == [1])
        #expect(try Fixtures.values("histogram_fraction(0, 3.5, h2_bucket)", at: 0, in: two) == [0.5833333333333334])
        #expect(try Fixtures.values("histogram_fraction(4, 0, h2_bucket)", at: 0, in: two) == [0])
        #expect(try Fixtures.values("histogram_fraction(NaN, 1, h2_bucket)", at: 0, in: two).first?.isNaN == true)
        #expect(try Fixtures.values("histogram_fraction(0, 4, h2_bucket)", at: 0, in: two, compatibility: .prometheus2).isEmpty)
        let three = try Fixtures.store([
            ("h3_bucket{le=\"0\", start=\"positive\"}", "0"), ("h3_bucket{le=\"0.1\", start=\"positive\"}", "50"),
            ("h3_bucket{le=\".2\", start=\"positive\"}", "70"), ("h3_bucket{le=\"1e0\", start=\"positive\"}", "110"),
            ("h3_bucket{le=\"+Inf\", start=\"positive\"}", "110"), ("h3_bucket{le=\"-.25\", start=\"negative\"}", "0"),
            ("h3_bucket{le=\"-.2\", start=\"negative\"}", "10"), ("h3_bucket{le=\"-0.1\", start=\"negative\"}", "20"),
            ("h3_bucket{le=\"0.3\", start=\"negative\"}", "20"), ("h3_bucket{le=\"+Inf\", start=\"negative\"}", "20"),
        ])
        let fractions = try Fixtures.values("histogram_fraction(0, 0.2, h3_bucket)", at: 0, in: three)
        #expect(fractions.sorted() == [0, 0.6363636363636364])
        // Without a +Inf bucket there is no histogram to read; without observations no fraction.
        let open = try Fixtures.store([("o_bucket{le=\"1\"}", "3"), ("z_bucket{le=\"1\"}", "0"), ("z_bucket{le=\"+Inf\"}", "0")])
        #expect(try Fixtures.values("histogram_fraction(0, 1, o_bucket)", at: 0, in: open).first?.isNaN == true)
        #expect(try Fixtures.values("histogram_fraction(0, 1, z_bucket)", at: 0, in: open).first?.isNaN == true)
        // Below the lowest bound, where the bucket reaches down to -Inf, the whole bucket counts.
        let negative = try Fixtures.store([("n_bucket{le=\"-1\"}", "4"), ("n_bucket{le=\"1\"}", "8"), ("n_bucket{le=\"+Inf\"}", "8")])
        #expect(try Fixtures.values("histogram_fraction(-Inf, -2, n_bucket)", at: 0, in: negative) == [0.5])
        #expect(try Fixtures.values("histogram_fraction(-1, 0, n_bucket)", at: 0, in: negative) == [0.25])
    }
}
