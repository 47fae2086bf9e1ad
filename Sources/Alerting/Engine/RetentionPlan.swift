/// What the rule engine must keep to evaluate its rules: how far back, and which metric names (all, when a selector
/// does not name its metric).
public struct RetentionPlan: Sendable, Equatable {
    /// Milliseconds of history the longest selector needs, lookback included.
    public var milliseconds: Int64
    /// The metric names selectors read; nil means every name.
    public var metricNames: Set<String>?

    /// The plan for `groups` with the given lookback.
    public init(groups: [RuleGroup], lookbackMilliseconds: Int64) {
        var longest: Int64 = 0
        var names: Set<String>? = ["ALERTS", "ALERTS_FOR_STATE", "up", "scrape_duration_seconds", "scrape_samples_scraped"]
        func visit(_ expression: Expression) {
            switch expression {
            case .number, .string: break
            case .vector(let selector):
                longest = max(longest, selector.offset + lookbackMilliseconds)
                note(selector)
            case .matrix(let selector, let range):
                longest = max(longest, selector.offset + range + lookbackMilliseconds)
                note(selector)
            case .call(_, let arguments): arguments.forEach(visit)
            case .aggregate(let aggregation):
                visit(aggregation.expression)
                if let parameter = aggregation.parameter { visit(parameter) }
            case .binary(let operation):
                visit(operation.lhs)
                visit(operation.rhs)
            case .negate(let inner), .parenthesized(let inner): visit(inner)
            }
        }
        func note(_ selector: VectorSelector) {
            if let name = selector.matchers.first(where: { $0.name == Labels.metricName && $0.kind == .equal })?.value {
                names?.insert(name)
            } else {
                names = nil
            }
        }
        for group in groups {
            for rule in group.rules {
                visit(rule.expression)
                if case .recording(let definition) = rule { names?.insert(definition.name) }
            }
        }
        self.milliseconds = max(longest, lookbackMilliseconds)
        self.metricNames = names
    }

    /// Whether samples of `name` are worth keeping.
    public func keeps(_ name: String) -> Bool { self.metricNames?.contains(name) ?? true }
}
