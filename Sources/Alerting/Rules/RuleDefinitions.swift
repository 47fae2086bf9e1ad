/// A group of rules evaluated together, in order, every interval.
public struct RuleGroup: Sendable {
    /// The group name (unique within its file).
    public var name: String
    /// The file it came from.
    public var file: String
    /// The evaluation interval in milliseconds; nil means the global one.
    public var intervalMilliseconds: Int64?
    /// The rules, in file order.
    public var rules: [Rule]
}

/// An alerting or recording rule.
public enum Rule: Sendable {
    case alerting(AlertingRuleDefinition)
    case recording(RecordingRuleDefinition)

    /// The alert name or recorded metric name.
    public var name: String {
        switch self {
        case .alerting(let rule): return rule.name
        case .recording(let rule): return rule.name
        }
    }

    /// The expression.
    public var expression: Expression {
        switch self {
        case .alerting(let rule): return rule.expression
        case .recording(let rule): return rule.expression
        }
    }
}

/// `alert:` rules.
public struct AlertingRuleDefinition: Sendable {
    /// The alert name.
    public var name: String
    /// The parsed expression.
    public var expression: Expression
    /// How long the expression must hold before the alert fires, in milliseconds.
    public var holdMilliseconds: Int64 = 0
    /// How long the alert keeps firing after the expression stops returning it, in milliseconds.
    public var keepFiringForMilliseconds: Int64 = 0
    /// Extra labels (templated).
    public var labels: [(name: String, template: AlertTemplate)] = []
    /// Annotations (templated).
    public var annotations: [(name: String, template: AlertTemplate)] = []
}

/// `record:` rules.
public struct RecordingRuleDefinition: Sendable {
    /// The metric name to record under.
    public var name: String
    /// The parsed expression.
    public var expression: Expression
    /// Labels to add or overwrite.
    public var labels: [(name: String, value: String)] = []
}
