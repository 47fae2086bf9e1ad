import Foundation
import Testing

@testable import Alerting

@Suite struct EvaluatorTests {
    @Test func rateExtrapolatesToTheWindowEdges() throws {
        // 1 per second, samples every minute: rate is exactly 1 wherever the window is.
        let store = try Fixtures.store([("c", "0+60x20")])
        #expect(try Fixtures.values("rate(c[5m])", at: 600_000, in: store) == [1])
        #expect(try Fixtures.values("increase(c[5m])", at: 600_000, in: store) == [300])
        // Samples 4 minutes apart at most in the window; the first sample sits on the counter's zero.
        #expect(try Fixtures.values("increase(c[5m])", at: 300_000, in: store) == [300])
    }

    @Test func counterResetsAddThePreviousValueBack() throws {
        let store = try Fixtures.store([("c", "0 10 20 5 15")])
        // 10 + 10 + (20, reset, 5) + 10 = 35 over 4 minutes, extrapolated to the window.
        let increase = try Fixtures.values("increase(c[4m])", at: 240_000, in: store, compatibility: .prometheus2)
        #expect(increase == [35])
        #expect(try Fixtures.values("resets(c[10m])", at: 240_000, in: store) == [1])
        #expect(try Fixtures.values("irate(c[5m])", at: 180_000, in: store) == [5.0 / 60])
    }

    @Test func windowsAreLeftOpenInPrometheus3AndClosedIn2() throws {
        let store = try Fixtures.store([("g", "1 2 3 4 5 6")])
        #expect(try Fixtures.values("count_over_time(g[2m])", at: 300_000, in: store) == [2])
        #expect(try Fixtures.values("count_over_time(g[2m])", at: 300_000, in: store, compatibility: .prometheus2) == [3])
    }

    @Test func instantSelectorsLookBackFiveMinutesAndStopAtStaleMarkers() throws {
        let store = try Fixtures.store([("a", "1 _x9"), ("b", "1 2 stale _ _")])
        #expect(try Fixtures.values("a", at: 240_000, in: store) == [1])
        #expect(try Fixtures.values("a", at: 300_000, in: store) == [])
        #expect(try Fixtures.values("a", at: 300_000, in: store, compatibility: .prometheus2) == [1])
        #expect(try Fixtures.values("b", at: 60_000, in: store) == [2])
        #expect(try Fixtures.values("b", at: 120_000, in: store) == [])
        #expect(try Fixtures.values("b", at: 180_000, in: store) == [])
        // Range selectors skip the marker but keep the samples before it.
        #expect(try Fixtures.values("count_over_time(b[5m])", at: 180_000, in: store) == [2])
    }

    @Test func histogramQuantileInterpolatesInsideTheBucket() throws {
        let store = try Fixtures.store([
            ("h_bucket{le=\"0.1\"}", "10"), ("h_bucket{le=\"0.5\"}", "25"), ("h_bucket{le=\"1\"}", "28"), ("h_bucket{le=\"+Inf\"}", "30"),
        ])
        // Rank 15 lies in (0.1, 0.5]: 0.1 + 0.4 × (5 / 15).
        #expect(try Fixtures.values("histogram_quantile(0.5, h_bucket)", at: 0, in: store) == [0.1 + 0.4 * (5.0 / 15.0)])
        // A rank in the +Inf bucket gives the highest finite bound.
        #expect(try Fixtures.values("histogram_quantile(0.99, h_bucket)", at: 0, in: store) == [1])
        #expect(try Fixtures.values("histogram_quantile(2, h_bucket)", at: 0, in: store) == [.infinity])
        let noInf = try Fixtures.store([("h_bucket{le=\"0.1\"}", "10")])
        #expect(try Fixtures.values("histogram_quantile(0.5, h_bucket)", at: 0, in: noInf).first?.isNaN == true)
    }

    @Test func aggregationGroupsByAndWithout() throws {
        let store = try Fixtures.store([
            ("r{job=\"api\",instance=\"a\"}", "1"), ("r{job=\"api\",instance=\"b\"}", "2"), ("r{job=\"web\",instance=\"c\"}", "4"),
        ])
        let byJob = try Fixtures.vector("sum by (job) (r)", at: 0, in: store)
        #expect(byJob.map(\.labels.description) == ["{job=\"api\"}", "{job=\"web\"}"])
        #expect(byJob.map(\.value) == [3, 4])
        #expect(try Fixtures.vector("max without (instance) (r)", at: 0, in: store).map(\.value) == [2, 4])
        #expect(try Fixtures.values("count(r)", at: 0, in: store) == [3])
        // Prometheus averages incrementally, so the last bit can differ from 7/3 (the differential tests check the bits).
        #expect(try Fixtures.values("avg(r)", at: 0, in: store).map { abs($0 - 7.0 / 3.0) < 1e-12 } == [true])
        #expect(try Fixtures.vector("topk(1, r)", at: 0, in: store).map(\.labels.description) == ["r{instance=\"c\", job=\"web\"}"])
    }

    @Test func vectorMatchingAndItsErrors() throws {
        let store = try Fixtures.store([
            ("errors{job=\"api\",code=\"500\"}", "2"), ("errors{job=\"api\",code=\"503\"}", "1"), ("requests{job=\"api\"}", "10"),
        ])
        let ratio = try Fixtures.vector("errors / ignoring(code) group_left requests", at: 0, in: store)
        #expect(ratio.map(\.value) == [0.2, 0.1])
        #expect(ratio.allSatisfy { $0.labels.name.isEmpty })
        #expect(throws: PromQLError.self) { try Fixtures.vector("requests / ignoring(code) errors", at: 0, in: store) }
        #expect(try Fixtures.vector("errors > 1", at: 0, in: store).map(\.labels.name) == ["errors"])
        #expect(try Fixtures.values("errors > bool 1", at: 0, in: store) == [1, 0])
        #expect(try Fixtures.values("errors and on(job) requests", at: 0, in: store).count == 2)
        #expect(try Fixtures.values("errors unless on(job) requests", at: 0, in: store).isEmpty)
    }

    @Test func functionsThatDropTheNameCannotMergeSeries() throws {
        let store = try Fixtures.store([("a{job=\"x\"}", "0 1 2"), ("b{job=\"x\"}", "0 1 2")])
        #expect(throws: PromQLError.self) { try Fixtures.vector("rate({job=\"x\"}[5m])", at: 120_000, in: store) }
        #expect(try Fixtures.vector("last_over_time({job=\"x\"}[5m])", at: 120_000, in: store).count == 2)
    }

    @Test func absentGivesTheEqualityLabels() throws {
        let store = SampleStore()
        let result = try Fixtures.vector("absent(up{job=\"api\", instance=~\".*\"})", at: 0, in: store)
        #expect(result.map(\.labels.description) == ["{job=\"api\"}"])
        #expect(result.map(\.value) == [1])
    }

    @Test func mathFunctionsAndOperatorsUseLibm() throws {
        let store = try Fixtures.store([("g", "8")])
        #expect(try Fixtures.values("exp(g - 8)", at: 0, in: store) == [1])
        #expect(try Fixtures.values("ln(g)", at: 0, in: store) == [log(8)])
        #expect(try Fixtures.values("log2(g)", at: 0, in: store) == [3])
        #expect(try Fixtures.values("log10(g * 12.5)", at: 0, in: store) == [2])
        #expect(try Fixtures.values("g ^ 2", at: 0, in: store) == [64])
        #expect(try Fixtures.values("g atan2 g", at: 0, in: store) == [atan2(8, 8)])
    }
}
