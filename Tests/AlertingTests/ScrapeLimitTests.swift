import Testing

@testable import Alerting

/// Prometheus's scrape limits and the parse-time drop of series no rule reads, in the parser and the store.
@Suite struct ScrapeLimitTests {
    static func exposition(_ lines: [String]) -> [UInt8] { Array((lines.joined(separator: "\n") + "\n").utf8) }

    @Test func seriesNoRuleReadsAreDroppedWhileParsingButCountedAsScraped() throws {
        let bytes = Self.exposition(["# HELP kept a", "kept{a=\"1\"} 1", "dropped{a=\"1\"} 2", "dropped{a=\"2\"} 3", "kept 4"])
        let parsed = try TextFormatParser.parse(bytes, limits: ScrapeLimits(), keeping: { $0 == "kept" })
        #expect(parsed.lines.map(\.value) == [1, 4])
        #expect(parsed.sampleCount == 4)
    }

    @Test func aDroppedLineIsReadOnlyAsFarAsItsName() throws {
        // Its label set is never built, so its malformed rest is not reported; a kept malformed line still is.
        let bytes = Self.exposition(["dropped{a=\"unterminated 1", "kept 2"])
        #expect(try TextFormatParser.parse(bytes, limits: ScrapeLimits(), keeping: { $0 == "kept" }).lines.count == 1)
        #expect(throws: ExpositionError.self) {
            try TextFormatParser.parse(bytes, limits: ScrapeLimits(), keeping: { _ in true })
        }
    }

    @Test func pastTheSampleLimitTheScrapeFailsCountingOnlyKeptSamples() throws {
        let lines = (0..<11).map { "kept{i=\"\($0)\"} 1" } + (0..<100).map { "other{i=\"\($0)\"} 1" }
        var limits = ScrapeLimits()
        limits.sampleLimit = 10
        #expect {
            try TextFormatParser.parse(Self.exposition(lines), limits: limits, keeping: { $0 == "kept" })
        } throws: { ($0 as? ExpositionError)?.limit == .sampleLimit }
        limits.sampleLimit = 11
        #expect(try TextFormatParser.parse(Self.exposition(lines), limits: limits, keeping: { $0 == "kept" }).lines.count == 11)
        limits.sampleLimit = 0  // off
        #expect(try TextFormatParser.parse(Self.exposition(lines), limits: limits, keeping: { _ in true }).lines.count == 111)
    }

    @Test func labelLimitsCountNameJobAndInstanceAndMeasureBytes() throws {
        var limits = ScrapeLimits()
        limits.labelLimit = 4  // __name__, a, job, instance
        #expect(try TextFormatParser.parse(Self.exposition(["m{a=\"1\"} 1"]), limits: limits, keeping: { _ in true }).lines.count == 1)
        #expect {
            try TextFormatParser.parse(Self.exposition(["m{a=\"1\",b=\"2\"} 1"]), limits: limits, keeping: { _ in true })
        } throws: { error in
            let error = error as? ExpositionError
            return error?.limit == .labelLimit && error?.message.contains("number of labels: 5, limit: 4") == true
        }
        limits = ScrapeLimits()
        limits.labelNameLengthLimit = 8
        #expect {
            try TextFormatParser.parse(Self.exposition(["m{abcdefghi=\"1\"} 1"]), limits: limits, keeping: { _ in true })
        } throws: { ($0 as? ExpositionError)?.limit == .labelNameLengthLimit }
        limits = ScrapeLimits()
        limits.labelValueLengthLimit = 4
        #expect(try TextFormatParser.parse(Self.exposition(["m{a=\"éé\"} 1"]), limits: limits, keeping: { _ in true }).lines.count == 1)
        #expect {
            try TextFormatParser.parse(Self.exposition(["m{a=\"ééé\"} 1"]), limits: limits, keeping: { _ in true })
        } throws: { ($0 as? ExpositionError)?.limit == .labelValueLengthLimit }
        // The metric name is the value of __name__, so it counts against the value limit too, as in Prometheus.
        #expect {
            try TextFormatParser.parse(Self.exposition(["metric 1"]), limits: limits, keeping: { _ in true })
        } throws: { ($0 as? ExpositionError)?.limit == .labelValueLengthLimit }
    }

    @Test func theStoreRefusesNewSeriesPastItsLimitAndCountsThem() {
        var store = SampleStore(seriesLimit: 2)
        let accepted = [("a", 1), ("b", 1), ("c", 1), ("a", 2)].map { name, t in
            store.append(Labels([("__name__", name)]), t: Int64(t), v: 1)
        }
        #expect(accepted == [true, true, false, true])  // known series still grow
        #expect(store.seriesCount == 2)
        #expect(store.refusedForSeriesLimit == 1)
    }
}
