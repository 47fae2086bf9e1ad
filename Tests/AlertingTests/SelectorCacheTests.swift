import Testing

@testable import Alerting

/// What the selector cache remembers across evaluations stays true when the store's series change under it.
@Suite struct SelectorCacheTests {
    static func labels(_ expression: String, at time: Int64, in store: SampleStore, cache: SelectorCache) throws -> [String] {
        let value = try Evaluator(store: store, time: time, cache: cache).evaluate(try Parser.parse(expression))
        guard case .vector(let samples) = value else { return [] }
        return samples.map(\.labels.description).sorted()
    }

    /// Series ids shift when a series leaves the store; the labels remembered for an id must not outlive that.
    @Test func labelsRememberedForASeriesFollowItWhenOthersLeave() throws {
        var store = try Fixtures.store([("a{job=\"x\"}", "1 2"), ("b{job=\"y\"}", "1 2 3 4 5 6 7 8 9 10")])
        let cache = SelectorCache()
        let expression = #"sum_over_time({__name__=~"a|b"}[10m])"#
        #expect(try Self.labels(expression, at: 60_000, in: store, cache: cache) == [#"{job="x"}"#, #"{job="y"}"#])
        store.dropSamples(before: 300_000)  // a's only chunk ends at 1m: a leaves, b takes its id
        #expect(try Self.labels(expression, at: 540_000, in: store, cache: cache) == [#"{job="y"}"#])
        #expect(try Self.labels("rate(b[5m])", at: 540_000, in: store, cache: cache) == [#"{job="y"}"#])
    }
}
