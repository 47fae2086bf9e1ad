import Foundation
import JSONLogging
import Logging
import PrometheusRegistry
import Testing

@testable import CopyThatInstrumentation

@Suite struct AICostTrackerTests {
    func makeTracker() throws -> (AICostTracker, PrometheusRegistry, InMemoryLogSink) {
        let registry = PrometheusRegistry()
        let metrics = try CopyThatMetrics(registry: registry, version: "test", environment: "test")
        let logs = InMemoryLogSink()
        let logger = Logger(label: "ai") { JSONLogHandler(label: $0, sink: logs, logLevel: .debug) }
        return (
            AICostTracker(
                metrics: metrics,
                overrides: ["house-model": .init(inputDollarsPer1K: 0.002, outputDollarsPer1K: 0.004)],
                logger: logger
            ), registry, logs
        )
    }

    @Test func costsAreExactInNanodollars() throws {
        let (tracker, _, _) = try self.makeTracker()
        // The seeds' Claude price: 1,234 input tokens × $0.003/1K + 567 output × $0.015/1K = $0.003702 + $0.008505.
        let claude = tracker.record(.init(model: "claude-sonnet-4-5-20250929", inputTokens: 1234, outputTokens: 567, duration: .seconds(2)))
        #expect(claude.nanodollars == 12_207_000)
        #expect(claude.cents == 1)
        #expect(claude.description == "$0.01")
        let gpt = tracker.record(.init(model: "gpt-4o", inputTokens: 100_000, outputTokens: 50_000, duration: .seconds(3)))
        #expect(gpt == Money(nanodollars: 2_500_000_000))
        #expect(gpt.description == "$2.50")
        let house = tracker.record(.init(model: "house-model", inputTokens: 1000, outputTokens: 1000, duration: .seconds(1)))
        #expect(house.nanodollars == 6_000_000)
    }

    @Test func centsRoundHalfAwayFromZero() {
        #expect(Money(nanodollars: 5_000_000).cents == 1)
        #expect(Money(nanodollars: 4_999_999).cents == 0)
        #expect(Money(nanodollars: 1_234_999_999).description == "$1.23")
        #expect(Money(nanodollars: 1_235_000_000).description == "$1.24")
        #expect(Money(nanodollars: -5_000_000).cents == -1)
    }

    @Test func metricsRecordTokensCostStatusAndCachedCalls() throws {
        let (tracker, registry, _) = try self.makeTracker()
        tracker.record(.init(model: "gpt-4o", inputTokens: 1000, outputTokens: 1000, duration: .milliseconds(800)))
        tracker.record(.init(model: "gpt-4o", inputTokens: 500, outputTokens: 0, errorType: "timeout", duration: .seconds(30)))
        tracker.record(.init(model: "gpt-4o", inputTokens: 1000, outputTokens: 1000, cached: true, duration: .milliseconds(3)))
        let text = registry.renderString()
        #expect(text.contains(#"ai_extraction_total{model="gpt-4o",status="success"} 1"#))
        #expect(text.contains(#"ai_extraction_total{model="gpt-4o",status="error_timeout"} 1"#))
        #expect(text.contains(#"ai_extraction_total{model="gpt-4o",status="cached"} 1"#))
        #expect(text.contains(#"ai_tokens_used_total{model="gpt-4o",type="input"} 1500"#))
        #expect(text.contains(#"ai_tokens_used_total{model="gpt-4o",type="output"} 1000"#))
        #expect(text.contains(#"ai_cost_usd_total{model="gpt-4o"} 0.045"#))
        #expect(text.contains(#"ai_extraction_duration_seconds_count{model="gpt-4o"} 3"#))
    }

    @Test func anUnknownModelUsesTheFallbackAndIsLoggedOnce() throws {
        let (tracker, _, logs) = try self.makeTracker()
        let first = tracker.record(.init(model: "mystery-1", inputTokens: 1000, outputTokens: 1000, duration: .seconds(1)))
        tracker.record(.init(model: "mystery-1", inputTokens: 1, outputTokens: 1, duration: .seconds(1)))
        #expect(first.nanodollars == 40_000_000)  // $0.01 + $0.03
        #expect(logs.lines.filter { $0.contains("unknown AI model") }.count == 1)
    }
}

@Suite struct PriceTableTests {
    @Test func pricesFromJSONOverrideTheDefaults() throws {
        let prices = try PriceTable.parse(
            Data(#"{"gpt-4o": {"input_per_1k": 0.0025, "output_per_1k": 0.01}, "new-model": {"input_per_1k": 1, "output_per_1k": 2}}"#.utf8)
        )
        #expect(prices["gpt-4o"] == ModelPrice(inputDollarsPer1K: 0.0025, outputDollarsPer1K: 0.01))
        #expect(prices["gpt-4o"]?.inputPer1K == 2_500_000)
        #expect(prices["new-model"]?.cost(inputTokens: 1000, outputTokens: 1000).description == "$3.00")
    }

    @Test(arguments: [
        #"["not", "an", "object"]"#,
        #"{"m": {"input_per_1k": -1, "output_per_1k": 1}}"#,
        #"{"m": {"input_per_1k": 1}}"#,
        #"{"m": {"input_per_1k": 1, "output_per_1k": 1, "currency": "EUR"}}"#,
        #"{"m": {"input_per_1k": "cheap", "output_per_1k": 1}}"#,
    ])
    func invalidPriceFilesAreRejectedWithTheModelNamed(json: String) {
        #expect(throws: PriceTable.Invalid.self) { try PriceTable.parse(Data(json.utf8)) }
    }
}
