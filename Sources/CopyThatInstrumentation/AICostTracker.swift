public import Logging
import Synchronization

/// Prices per 1,000 tokens, kept as whole nanodollars so that every cost is exact.
///
/// Money is never a floating-point sum here: a price of $0.003 per 1K tokens is 3,000,000 nanodollars, and a cost is
/// `tokens × price / 1000` in integers (exact for any price with at most six decimals per 1K tokens, that is to a
/// millionth of a dollar). Rounding to cents happens once, for display (``Money/cents``), half away from zero.
public struct ModelPrice: Sendable, Hashable {
    /// Nanodollars per 1,000 input tokens.
    public var inputPer1K: Int64
    /// Nanodollars per 1,000 output tokens.
    public var outputPer1K: Int64

    /// Creates a price from dollars per 1,000 tokens (`0.003` is $0.003 per 1K).
    public init(inputDollarsPer1K: Double, outputDollarsPer1K: Double) {
        self.inputPer1K = Int64((inputDollarsPer1K * 1e9).rounded())
        self.outputPer1K = Int64((outputDollarsPer1K * 1e9).rounded())
    }

    /// The cost of a call, in nanodollars.
    public func cost(inputTokens: Int, outputTokens: Int) -> Money {
        Money(nanodollars: (Int64(inputTokens) * self.inputPer1K + Int64(outputTokens) * self.outputPer1K) / 1000)
    }
}

/// An amount of money in whole nanodollars (10⁻⁹ USD).
public struct Money: Sendable, Hashable, Comparable, AdditiveArithmetic, CustomStringConvertible {
    /// The amount in nanodollars.
    public var nanodollars: Int64

    /// Creates an amount.
    public init(nanodollars: Int64) { self.nanodollars = nanodollars }

    /// Zero.
    public static let zero = Money(nanodollars: 0)

    /// The amount in whole cents, rounded half away from zero: what a report shows.
    public var cents: Int64 {
        let (quotient, remainder) = self.nanodollars.quotientAndRemainder(dividingBy: 10_000_000)
        return quotient + (abs(remainder) >= 5_000_000 ? (self.nanodollars < 0 ? -1 : 1) : 0)
    }

    /// The amount in dollars, for metrics (a `Double` is exact to well below a cent for any realistic total).
    public var dollars: Double { Double(self.nanodollars) / 1e9 }

    /// `$12.34`, rounded to the cent.
    public var description: String {
        let cents = self.cents
        let sign = cents < 0 ? "-" : ""
        let magnitude = abs(cents)
        let fraction = magnitude % 100
        return "\(sign)$\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    public static func + (lhs: Money, rhs: Money) -> Money { Money(nanodollars: lhs.nanodollars + rhs.nanodollars) }
    public static func - (lhs: Money, rhs: Money) -> Money { Money(nanodollars: lhs.nanodollars - rhs.nanodollars) }
    public static func < (lhs: Money, rhs: Money) -> Bool { lhs.nanodollars < rhs.nanodollars }
}

/// Records AI usage into the `ai_*` metrics: tokens, cost, success or error, duration.
///
/// Prices come from ``defaultPrices`` (the seeds' two models and current Anthropic and OpenAI models), overridable
/// per model. An unknown model is charged ``fallbackPrice`` (the seeds' fallback: $0.01 input, $0.03 output per 1K
/// tokens, the most expensive of the seeds' models, so costs are never under-counted) and logged once per model.
public final class AICostTracker: Sendable {
    /// The outcome of one AI call.
    public struct Usage: Sendable {
        /// The model name as the provider reports it.
        public var model: String
        /// Prompt tokens.
        public var inputTokens: Int
        /// Completion tokens.
        public var outputTokens: Int
        /// `nil` for success, else a short error type (`timeout`, `rate_limited`, `invalid_response`).
        public var errorType: String?
        /// Whether the result came from the cache (no tokens were spent).
        public var cached: Bool
        /// How long the call took.
        public var duration: Duration

        /// Creates a usage record.
        public init(model: String, inputTokens: Int, outputTokens: Int, errorType: String? = nil, cached: Bool = false, duration: Duration)
        {
            self.model = model
            self.inputTokens = inputTokens
            self.outputTokens = outputTokens
            self.errorType = errorType
            self.cached = cached
            self.duration = duration
        }
    }

    /// Prices per model: the seeds' two, and current Anthropic and OpenAI models.
    public static let defaultPrices: [String: ModelPrice] = [
        "claude-sonnet-4-5-20250929": .init(inputDollarsPer1K: 0.003, outputDollarsPer1K: 0.015),
        "gpt-4o": .init(inputDollarsPer1K: 0.01, outputDollarsPer1K: 0.03),
        "claude-opus-4-1-20250805": .init(inputDollarsPer1K: 0.015, outputDollarsPer1K: 0.075),
        "claude-haiku-4-5-20251001": .init(inputDollarsPer1K: 0.001, outputDollarsPer1K: 0.005),
        "gpt-4o-mini": .init(inputDollarsPer1K: 0.00015, outputDollarsPer1K: 0.0006),
        "gpt-4.1": .init(inputDollarsPer1K: 0.002, outputDollarsPer1K: 0.008),
    ]
    /// What an unknown model is charged.
    public static let fallbackPrice = ModelPrice(inputDollarsPer1K: 0.01, outputDollarsPer1K: 0.03)

    private let metrics: CopyThatMetrics
    private let prices: [String: ModelPrice]
    private let logger: Logger
    private let reportedUnknown = Mutex<Set<String>>([])

    /// Creates a tracker; `overrides` replace or add prices by model name.
    public init(metrics: CopyThatMetrics, overrides: [String: ModelPrice] = [:], logger: Logger) {
        self.metrics = metrics
        self.prices = Self.defaultPrices.merging(overrides) { _, override in override }
        self.logger = logger
    }

    /// The price of `model`, or the fallback.
    public func price(of model: String) -> ModelPrice {
        if let price = self.prices[model] { return price }
        let first = self.reportedUnknown.withLock { $0.insert(model).inserted }
        if first {
            self.logger.warning(
                "unknown AI model priced at the fallback rate",
                metadata: ["model": "\(model)", "input_per_1k_usd": "0.01", "output_per_1k_usd": "0.03"]
            )
        }
        return Self.fallbackPrice
    }

    /// Creates `model`'s series at zero (cost, tokens, successful extractions), so that the first calls after start
    /// show as an increase: a counter series that appears with its first value already counted gives `increase()`
    /// nothing, and an alert over it would miss the spending that created it.
    public func prepare(model: String) {
        _ = try? self.metrics.aiCost.labels(model)
        _ = try? self.metrics.aiTokens.labels(model, "input")
        _ = try? self.metrics.aiTokens.labels(model, "output")
        _ = try? self.metrics.aiExtractions.labels(model, "success")
    }

    /// Records one call; returns its cost (zero for a cached result).
    @discardableResult
    public func record(_ usage: Usage) -> Money {
        let cost = usage.cached ? .zero : self.price(of: usage.model).cost(inputTokens: usage.inputTokens, outputTokens: usage.outputTokens)
        let status = usage.errorType.map { "error_\($0)" } ?? (usage.cached ? "cached" : "success")
        try? self.metrics.aiExtractions.labels(usage.model, status).inc()
        try? self.metrics.aiExtractionDuration.labels(usage.model).observe(usage.duration)
        if !usage.cached {
            try? self.metrics.aiTokens.labels(usage.model, "input").inc(by: usage.inputTokens)
            try? self.metrics.aiTokens.labels(usage.model, "output").inc(by: usage.outputTokens)
            if cost.nanodollars > 0 {
                try? self.metrics.aiCost.labels(usage.model).inc(by: cost.dollars)
            }
        }
        return cost
    }
}
