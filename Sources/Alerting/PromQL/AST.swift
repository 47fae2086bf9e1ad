/// A parsed PromQL expression.
public indirect enum Expression: Sendable, CustomStringConvertible {
    /// A number literal.
    case number(Double)
    /// A string literal.
    case string(String)
    /// An instant vector selector.
    case vector(VectorSelector)
    /// A range vector selector: a selector and its range in milliseconds.
    case matrix(VectorSelector, range: Int64)
    /// A function call.
    case call(Function, [Expression])
    /// An aggregation such as `sum by (job) (x)`.
    case aggregate(Aggregation)
    /// A binary operation.
    case binary(BinaryOperation)
    /// Unary minus.
    case negate(Expression)
    /// Parentheses, kept for printing.
    case parenthesized(Expression)
    /// A subquery: `expr[range:step]`, an instant-vector expression evaluated at every step of the range.
    case subquery(Subquery)

    /// The type of value the expression produces.
    public var valueType: ValueType {
        switch self {
        case .number: return .scalar
        case .string: return .string
        case .vector: return .vector
        case .matrix, .subquery: return .matrix
        case .call(let function, _): return function.returnType
        case .aggregate: return .vector
        case .binary(let operation):
            return operation.lhs.valueType == .scalar && operation.rhs.valueType == .scalar ? .scalar : .vector
        case .negate(let inner), .parenthesized(let inner): return inner.valueType
        }
    }

    /// The expression printed back as PromQL.
    public var description: String { ExpressionPrinter.print(self) }
}

/// The four PromQL value types.
public enum ValueType: String, Sendable {
    /// A number.
    case scalar
    /// An instant vector.
    case vector = "instant vector"
    /// A range vector.
    case matrix = "range vector"
    /// A string.
    case string
}

/// `name{label op "value", ...} offset 5m`.
public struct VectorSelector: Sendable {
    /// The metric name, when written before the braces.
    public var name: String?
    /// All matchers, including one on `__name__` for the name.
    public var matchers: [LabelMatcher]
    /// The offset in milliseconds.
    public var offset: Int64 = 0
    /// The `@` modifier: the time the selector is evaluated at, before its offset.
    public var at: AtModifier?
}

/// The `@` modifier of a selector or subquery.
public enum AtModifier: Sendable, Hashable {
    /// `@ 1609746000`: milliseconds since the epoch.
    case timestamp(Int64)
    /// `@ start()`: the start of the query's range (the evaluation time of an instant query or a rule).
    case start
    /// `@ end()`: the end of the query's range.
    case end
}

/// `expr[range:step] offset o @ t`.
public struct Subquery: Sendable {
    /// The instant-vector expression evaluated at each step.
    public var expression: Expression
    /// The range in milliseconds.
    public var range: Int64
    /// The step in milliseconds; `nil` for the default (the global evaluation interval).
    public var step: Int64?
    /// The offset in milliseconds.
    public var offset: Int64 = 0
    /// The `@` modifier.
    public var at: AtModifier?
}

/// A label matcher: `=`, `!=`, `=~` or `!~`.
public struct LabelMatcher: Sendable {
    /// The kinds of matcher.
    public enum Kind: String, Sendable {
        /// `=`
        case equal = "="
        /// `!=`
        case notEqual = "!="
        /// `=~`, anchored.
        case regexMatch = "=~"
        /// `!~`, anchored.
        case regexNoMatch = "!~"
    }

    /// The label name.
    public var name: String
    /// The kind of match.
    public var kind: Kind
    /// The value or pattern as written.
    public var value: String
    private let pattern: AnchoredPattern?

    /// A matcher; regular expressions are checked here, anchored at both ends as in Prometheus.
    public init(name: String, kind: Kind, value: String) throws(PromQLError) {
        self.name = name
        self.kind = kind
        self.value = value
        switch kind {
        case .equal, .notEqual: self.pattern = nil
        case .regexMatch, .regexNoMatch: self.pattern = try AnchoredPattern(value)
        }
    }

    /// Whether a label value (empty when the label is absent) satisfies the matcher.
    public func matches(_ labelValue: String) -> Bool {
        switch self.kind {
        case .equal: return labelValue == self.value
        case .notEqual: return labelValue != self.value
        case .regexMatch: return self.pattern!.matches(labelValue)
        case .regexNoMatch: return !self.pattern!.matches(labelValue)
        }
    }

    /// Whether the matcher matches the empty string (selectors need at least one matcher that does not).
    var matchesEmpty: Bool { self.matches("") }
}

/// `sum by (job) (x)`, `topk(3, x)`, `count_values("v", x)`.
public struct Aggregation: Sendable {
    /// The aggregation operator.
    public var op: AggregationOperator
    /// The aggregated expression.
    public var expression: Expression
    /// The parameter of `topk`, `bottomk`, `quantile` and `count_values`.
    public var parameter: Expression?
    /// The grouping labels.
    public var grouping: [String] = []
    /// True for `without`, false for `by` (or no grouping).
    public var without = false
}

/// The aggregation operators.
public enum AggregationOperator: String, Sendable, CaseIterable {
    case sum, avg, min, max, count, group, stddev, stdvar, topk, bottomk, quantile
    case countValues = "count_values"

    var takesParameter: Bool { self == .topk || self == .bottomk || self == .quantile || self == .countValues }
}

/// `lhs op rhs` with its modifiers.
public struct BinaryOperation: Sendable {
    /// The operator.
    public var op: BinaryOperator
    /// The left operand.
    public var lhs: Expression
    /// The right operand.
    public var rhs: Expression
    /// `bool` after a comparison.
    public var returnBool = false
    /// Vector matching (`on`, `ignoring`, `group_left`, `group_right`).
    public var matching = VectorMatching()
}

/// How two vectors are matched.
public struct VectorMatching: Sendable {
    /// The cardinality of the match.
    public enum Cardinality: Sendable {
        /// Plain matching.
        case oneToOne
        /// `group_left`.
        case manyToOne
        /// `group_right`.
        case oneToMany
        /// Set operators.
        case manyToMany
    }

    /// The cardinality.
    public var cardinality: Cardinality = .oneToOne
    /// Labels named in `on` or `ignoring`.
    public var labels: [String] = []
    /// True for `on`, false for `ignoring` (or neither).
    public var on = false
    /// Labels named in `group_left(...)` / `group_right(...)`, copied from the "one" side.
    public var include: [String] = []
    /// Whether `on` or `ignoring` was written (for printing).
    public var explicit = false
}

/// The binary operators, by precedence.
public enum BinaryOperator: String, Sendable {
    case or, and, unless
    case equal = "=="
    case notEqual = "!="
    case greater = ">"
    case less = "<"
    case greaterOrEqual = ">="
    case lessOrEqual = "<="
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case modulo = "%"
    case atan2
    case power = "^"

    var precedence: Int {
        switch self {
        case .or: return 1
        case .and, .unless: return 2
        case .equal, .notEqual, .greater, .less, .greaterOrEqual, .lessOrEqual: return 3
        case .add, .subtract: return 4
        case .multiply, .divide, .modulo, .atan2: return 5
        case .power: return 6
        }
    }

    var isComparison: Bool { self.precedence == 3 }
    var isSetOperator: Bool { self == .and || self == .or || self == .unless }
    var rightAssociative: Bool { self == .power }
}
