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
        // `earlier`: how far before the evaluation time the enclosing subqueries reach (their range and offset).
        func visit(_ expression: Expression, earlier: Int64 = 0) {
            switch expression {
            case .number, .string: break
            case .vector(let selector):
                longest = max(longest, earlier + max(0, selector.offset) + lookbackMilliseconds)
                note(selector)
            case .matrix(let selector, let range):
                longest = max(longest, earlier + max(0, selector.offset) + range + lookbackMilliseconds)
                note(selector)
            case .subquery(let subquery):
                visit(subquery.expression, earlier: earlier + max(0, subquery.offset) + subquery.range)
            case .call(_, let arguments):
                for argument in arguments { visit(argument, earlier: earlier) }
            case .aggregate(let aggregation):
                visit(aggregation.expression, earlier: earlier)
                if let parameter = aggregation.parameter { visit(parameter, earlier: earlier) }
            case .binary(let operation):
                visit(operation.lhs, earlier: earlier)
                visit(operation.rhs, earlier: earlier)
            case .negate(let inner), .parenthesized(let inner): visit(inner, earlier: earlier)
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
