/// What the rule engine must keep to evaluate its rules: how far back, and which metric names (all, when a selector
/// does not name its metric).
public struct RetentionPlan: Sendable, Equatable {
    /// Milliseconds of history the longest selector needs, lookback included.
    public var milliseconds: Int64
    /// The metric names selectors read; nil means every name.
    public var metricNames: Set<String>?

    /// The plan for `groups` with the given lookback, keeping at least `minimumMilliseconds` (the query API's
    /// `query_retention`).
    public init(groups: [RuleGroup], lookbackMilliseconds: Int64, minimumMilliseconds: Int64 = 0) {
        var reader = Reader(lookback: lookbackMilliseconds)
        for group in groups {
            for rule in group.rules {
                reader.visit(rule.expression)
                if case .recording(let definition) = rule { reader.names?.insert(definition.name) }
            }
        }
        self.milliseconds = max(reader.longest, lookbackMilliseconds, minimumMilliseconds)
        self.metricNames = reader.names
    }

    /// How far before its evaluation time `expression` reads: ranges, offsets, subqueries and the lookback.
    public static func reach(of expression: Expression, lookbackMilliseconds: Int64) -> Int64 {
        var reader = Reader(lookback: lookbackMilliseconds)
        reader.visit(expression)
        return max(reader.longest, lookbackMilliseconds)
    }

    /// Whether samples of `name` are worth keeping.
    public func keeps(_ name: String) -> Bool { self.metricNames?.contains(name) ?? true }

    /// Walks expressions, noting the longest reach and the names read.
    private struct Reader {
        let lookback: Int64
        var longest: Int64 = 0
        var names: Set<String>? = ["ALERTS", "ALERTS_FOR_STATE", "up", "scrape_duration_seconds", "scrape_samples_scraped"]

        init(lookback: Int64) { self.lookback = lookback }

        /// `earlier`: how far before the evaluation time the enclosing subqueries reach (their range and offset).
        mutating func visit(_ expression: Expression, earlier: Int64 = 0) {
            switch expression {
            case .number, .string: break
            case .vector(let selector):
                self.longest = max(self.longest, earlier + max(0, selector.offset) + self.lookback)
                self.note(selector)
            case .matrix(let selector, let range):
                self.longest = max(self.longest, earlier + max(0, selector.offset) + range + self.lookback)
                self.note(selector)
            case .subquery(let subquery):
                self.visit(subquery.expression, earlier: earlier + max(0, subquery.offset) + subquery.range)
            case .call(_, let arguments):
                for argument in arguments { self.visit(argument, earlier: earlier) }
            case .aggregate(let aggregation):
                self.visit(aggregation.expression, earlier: earlier)
                if let parameter = aggregation.parameter { self.visit(parameter, earlier: earlier) }
            case .binary(let operation):
                self.visit(operation.lhs, earlier: earlier)
                self.visit(operation.rhs, earlier: earlier)
            case .negate(let inner), .parenthesized(let inner): self.visit(inner, earlier: earlier)
            }
        }

        private mutating func note(_ selector: VectorSelector) {
            if let name = selector.matchers.first(where: { $0.name == Labels.metricName && $0.kind == .equal })?.value {
                self.names?.insert(name)
            } else {
                self.names = nil
            }
        }
    }
}
