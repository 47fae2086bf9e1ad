import Testing

@testable import Alerting

/// Steps' vectors gathered into series: whatever order each step returns its samples in, each label set's points
/// land in its own series, in time order, and series keep the order in which they first appeared.
@Suite struct SeriesAccumulatorTests {
    static func sample(_ job: String, _ value: Double) -> Sample { Sample(labels: Labels(["job": job]), value: value) }

    @Test func everyLabelSetKeepsItsOwnPointsWhateverTheOrderOfTheSteps() {
        var accumulator = SeriesAccumulator()
        accumulator.add([Self.sample("a", 1), Self.sample("b", 2)], at: 0)
        accumulator.add([Self.sample("a", 3), Self.sample("b", 4)], at: 15)  // the same order
        accumulator.add([Self.sample("b", 6), Self.sample("a", 5)], at: 30)  // swapped
        accumulator.add([Self.sample("c", 7), Self.sample("a", 8)], at: 45)  // one new, one gone
        accumulator.add([Self.sample("b", 9)], at: 60)  // back after a gap, at another position
        let series = accumulator.series
        #expect(series.map(\.labels.description) == [#"{job="a"}"#, #"{job="b"}"#, #"{job="c"}"#])
        #expect(series[0].points == [Point(t: 0, v: 1), Point(t: 15, v: 3), Point(t: 30, v: 5), Point(t: 45, v: 8)])
        #expect(series[1].points == [Point(t: 0, v: 2), Point(t: 15, v: 4), Point(t: 30, v: 6), Point(t: 60, v: 9)])
        #expect(series[2].points == [Point(t: 45, v: 7)])
    }

    @Test func anEmptyStepAddsNothingAndForgetsNoSeries() {
        var accumulator = SeriesAccumulator()
        accumulator.add([Self.sample("a", 1)], at: 0)
        accumulator.add([], at: 15)
        accumulator.add([Self.sample("a", 2)], at: 30)
        #expect(accumulator.series.count == 1)
        #expect(accumulator.series[0].points == [Point(t: 0, v: 1), Point(t: 30, v: 2)])
    }
}
