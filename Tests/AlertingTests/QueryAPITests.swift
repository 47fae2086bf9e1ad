import Foundation
import Testing

@testable import Alerting

/// The query API over a store, byte for byte in Prometheus's shape.
@Suite struct QueryAPITests {
    /// x{job="a"}: 1, 2, 3 … every 15 s from t = 0; y: 10 at 0 s and 30 s.
    static func store() -> SampleStore {
        var store = SampleStore()
        for step in 0..<241 { store.append(Labels([("__name__", "x"), ("job", "a")]), t: Int64(step) * 15_000, v: Double(step + 1)) }
        store.append(Labels([("__name__", "y")]), t: 0, v: 10)
        store.append(Labels([("__name__", "y")]), t: 30_000, v: 10)
        return store
    }

    static func text(_ answer: QueryAPI.Answer) -> String { String(decoding: answer.body, as: UTF8.self) }
    static let window = QueryAPI.Window(oldest: 0, retention: 3_600_000)

    @Test func anInstantQueryAnswersAVectorAScalarAndARange() throws {
        let store = Self.store()
        let vector = QueryAPI.instant(
            parameters: ["query": "x * 2", "time": "60.5"],
            store: store,
            options: EvaluationOptions(),
            window: Self.window,
            now: 0
        )
        #expect(vector.status == 200)
        #expect(
            Self.text(vector)
                == #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"a"},"value":[60.500,"10"]}]}}"#
        )
        let scalar = QueryAPI.instant(
            parameters: ["query": "1 / 3"],
            store: store,
            options: EvaluationOptions(),
            window: Self.window,
            now: 90_000
        )
        #expect(Self.text(scalar) == #"{"status":"success","data":{"resultType":"scalar","result":[90,"0.3333333333333333"]}}"#)
        let range = QueryAPI.instant(
            parameters: ["query": "y[1m]", "time": "1970-01-01T00:00:45Z"],
            store: store,
            options: EvaluationOptions(),
            window: Self.window,
            now: 0
        )
        // The range reaches 15 s before the store's first sample, and the answer says so.
        #expect(
            Self.text(range)
                == #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"y"},"values":[[0,"10"],[30,"10"]]}]},"#
                + #""warnings":["this query reads from 1969-12-31T23:59:45.000Z but the exporter keeps only the last 1h (since "#
                + #"1970-01-01T00:00:00.000Z): the answer covers what it holds"]}"#
        )
    }

    @Test func aRangeQueryStepsThroughTheWindow() throws {
        let answer = QueryAPI.range(
            parameters: ["query": "x", "start": "0", "end": "60", "step": "30s"],
            store: Self.store(),
            options: EvaluationOptions(),
            window: Self.window
        )
        #expect(answer.status == 200)
        #expect(
            Self.text(answer)
                == #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"x","job":"a"},"values":[[0,"1"],[30,"3"],[60,"5"]]}]}}"#
        )
        // A subquery and @ work over ranges too; @ end() is the range's end at every step.
        let pinned = QueryAPI.range(
            parameters: ["query": "x @ end()", "start": "0", "end": "30", "step": "15"],
            store: Self.store(),
            options: EvaluationOptions(),
            window: Self.window
        )
        #expect(Self.text(pinned).contains(#""values":[[0,"3"],[15,"3"],[30,"3"]]"#))
    }

    @Test(arguments: [
        (["start": "0", "end": "60", "step": "15"], #"invalid parameter \"query\": no expression found in input"#),
        (["query": "sum(", "start": "0", "end": "60", "step": "15"], #"invalid parameter \"query\": 1:5: parse error"#),
        (
            ["query": "x", "start": "soon", "end": "60", "step": "15"],
            #"invalid parameter \"start\": cannot parse \"soon\" to a valid timestamp"#
        ),
        (["query": "x", "start": "60", "end": "0", "step": "15"], "end timestamp must not be before start time"),
        (["query": "x", "start": "0", "end": "60", "step": "0"], "zero or negative query resolution step widths are not accepted"),
        (["query": "x", "start": "0", "end": "86400", "step": "1"], "exceeded maximum resolution of 11000 points per timeseries"),
        (["query": "x[5m]", "start": "0", "end": "60", "step": "15"], #"invalid expression type \"range vector\" for range query"#),
    ])
    func badRangeQueriesAre400sThatSayWhy(_ parameters: [String: String], _ reason: String) throws {
        let answer = QueryAPI.range(parameters: parameters, store: Self.store(), options: EvaluationOptions(), window: Self.window)
        #expect(answer.status == 400)
        let text = Self.text(answer)
        #expect(text.hasPrefix(#"{"status":"error","errorType":"bad_data","error":""#))
        #expect(text.contains(reason), "\(text)")
    }

    @Test func aQueryReachingPastTheStoreSaysSo() throws {
        let window = QueryAPI.Window(oldest: 3_000_000, retention: 600_000)
        let answer = QueryAPI.instant(
            parameters: ["query": "max_over_time(x[1h])", "time": "3600"],
            store: Self.store(),
            options: EvaluationOptions(),
            window: window,
            now: 0
        )
        #expect(answer.status == 200)
        #expect(
            Self.text(answer).contains(
                #""warnings":["this query reads from 1970-01-01T00:00:00.000Z but the exporter keeps only the last 10m"#
            )
        )
        // Within what is held: no warning.
        let recent = QueryAPI.instant(
            parameters: ["query": "x", "time": "3600"],
            store: Self.store(),
            options: EvaluationOptions(),
            window: window,
            now: 0
        )
        #expect(!Self.text(recent).contains("warnings"))
    }

    @Test func aQueryOverItsTimeLimitStopsWithATimeout() throws {
        var limits = QueryAPI.Limits()
        limits.timeout = .zero
        let answer = QueryAPI.range(
            parameters: ["query": "x", "start": "0", "end": "3600", "step": "15"],
            store: Self.store(),
            options: EvaluationOptions(),
            window: Self.window,
            limits: limits
        )
        #expect(answer.status == 503)
        #expect(Self.text(answer) == #"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#)
    }

    @Test func timesAreUnixSecondsOrRFC3339() throws {
        #expect(try QueryAPI.timestamp("1.5", name: "t") == 1500)
        #expect(try QueryAPI.timestamp("2026-12-02T01:20:00Z", name: "t") == 1_796_174_400_000)
        #expect(try QueryAPI.timestamp("2026-12-02T02:20:00.250+01:00", name: "t") == 1_796_174_400_250)
        #expect(throws: QueryAPI.QueryError.self) { try QueryAPI.timestamp("2026-13-02T01:20:00Z", name: "t") }
    }
}
