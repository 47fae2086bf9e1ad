/// One element of an instant vector.
public struct Sample: Hashable, Sendable {
    /// The series labels.
    public var labels: Labels
    /// The value.
    public var value: Double

    /// A sample.
    public init(labels: Labels, value: Double) {
        self.labels = labels
        self.value = value
    }
}

/// One series of a range vector.
public struct RangeSeries: Sendable {
    /// The series labels.
    public var labels: Labels
    /// Its samples in the range, oldest first.
    public var points: [Point]
}

/// The result of evaluating an expression.
public enum Value: Sendable {
    /// A single number.
    case scalar(Double)
    /// An instant vector.
    case vector([Sample])
    /// A range vector.
    case matrix([RangeSeries])
    /// A string.
    case string(String)
}

/// Which Prometheus release's evaluation details to follow where they differ.
public enum PromQLCompatibility: String, Sendable, CaseIterable {
    /// Prometheus 2.x: range and lookback windows include their start, `[t - range, t]`.
    case prometheus2
    /// Prometheus 3.x: windows are left-open, `(t - range, t]`.
    case prometheus3
}

/// Settings of an evaluation.
public struct EvaluationOptions: Sendable {
    /// How far an instant selector looks back for a sample (5 minutes in Prometheus).
    public var lookbackMilliseconds: Int64 = 300_000
    /// Which release's details to follow.
    public var compatibility: PromQLCompatibility = .prometheus3
    /// The step of a subquery written without one (`x[1h:]`): the global evaluation interval, as in Prometheus.
    public var subqueryStepMilliseconds: Int64 = 60_000

    /// Default options: 5 minutes of lookback, Prometheus 3 semantics, subqueries stepping by 1 minute.
    public init(
        lookbackMilliseconds: Int64 = 300_000,
        compatibility: PromQLCompatibility = .prometheus3,
        subqueryStepMilliseconds: Int64 = 60_000
    ) {
        self.lookbackMilliseconds = lookbackMilliseconds
        self.compatibility = compatibility
        self.subqueryStepMilliseconds = subqueryStepMilliseconds
    }
}
