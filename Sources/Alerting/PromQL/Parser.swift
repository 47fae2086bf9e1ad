/// Parses PromQL into an `Expression`, checking types the way Prometheus does so that a rule the engine cannot
/// evaluate is rejected when it loads.
public struct Parser {
    private var lexer: Lexer
    private var token: Token = .end
    private var tokenStart = 0
    private var peeked: (Token, Int)?

    /// Whether a plain number may stand for a duration in seconds (`x[100]`, `offset 50`), as since Prometheus 3.
    private var numbersAsDurations = true

    /// Parses `text` as the given Prometheus release does; throws a `PromQLError` with the position and reason.
    public static func parse(_ text: String, compatibility: PromQLCompatibility = .prometheus3) throws(PromQLError) -> Expression {
        var parser = Parser(lexer: Lexer(text))
        parser.numbersAsDurations = compatibility == .prometheus3
        try parser.advance()
        if parser.token == .end { throw PromQLError(message: "no expression found in input", position: 0) }
        let expression = try parser.expression(minimumPrecedence: 1)
        guard parser.token == .end else { throw parser.unexpected("end of input") }
        return expression
    }

    private init(lexer: Lexer) { self.lexer = lexer }

    private mutating func advance() throws(PromQLError) {
        if let peeked {
            (self.token, self.tokenStart) = peeked
            self.peeked = nil
        } else {
            (self.token, self.tokenStart) = try self.lexer.next()
        }
    }

    private mutating func peek() throws(PromQLError) -> Token {
        if let peeked { return peeked.0 }
        let next = try self.lexer.next()
        self.peeked = next
        return next.0
    }

    private func unexpected(_ expected: String) -> PromQLError {
        let found: String
        switch self.token {
        case .end: found = "end of input"
        case .identifier(let word): found = "identifier \"\(word)\""
        case .number(let value): found = "number \"\(GoFloat.format(value))\""
        case .duration: found = "duration"
        case .string(let text): found = "string \"\(text)\""
        case .op(let text): found = "\"\(text)\""
        case .leftParen: found = "\"(\""
        case .rightParen: found = "\")\""
        case .leftBrace: found = "\"{\""
        case .rightBrace: found = "\"}\""
        case .leftBracket: found = "\"[\""
        case .rightBracket: found = "\"]\""
        case .comma: found = "\",\""
        case .colon: found = "\":\""
        }
        return PromQLError(message: "unexpected \(found), expected \(expected)", position: self.tokenStart)
    }

    private mutating func expect(_ expected: Token, _ description: String) throws(PromQLError) {
        guard self.token == expected else { throw self.unexpected(description) }
        try self.advance()
    }

    // MARK: Binary expressions (precedence climbing)

    private func binaryOperator() -> BinaryOperator? {
        switch self.token {
        case .op(let text): return text == "=" || text == "=~" || text == "!~" ? nil : BinaryOperator(rawValue: text)
        case .identifier(let word):
            switch word.lowercased() {
            case "and": return .and
            case "or": return .or
            case "unless": return .unless
            case "atan2": return .atan2
            default: return nil
            }
        default: return nil
        }
    }

    private mutating func expression(minimumPrecedence: Int) throws(PromQLError) -> Expression {
        var lhs = try self.unary()
        while let op = self.binaryOperator(), op.precedence >= minimumPrecedence {
            let operatorStart = self.tokenStart
            try self.advance()
            var operation = BinaryOperation(op: op, lhs: lhs, rhs: .number(0))
            try self.modifiers(&operation)
            let nextMinimum = op.rightAssociative ? op.precedence : op.precedence + 1
            operation.rhs = try self.expression(minimumPrecedence: nextMinimum)
            try Self.check(&operation, at: operatorStart)
            lhs = .binary(operation)
        }
        return lhs
    }

    private mutating func modifiers(_ operation: inout BinaryOperation) throws(PromQLError) {
        if case .identifier(let word) = self.token, word.lowercased() == "bool" {
            guard operation.op.isComparison else {
                throw PromQLError(message: "bool modifier can only be used on comparison operators", position: self.tokenStart)
            }
            operation.returnBool = true
            try self.advance()
        }
        if case .identifier(let word) = self.token, ["on", "ignoring"].contains(word.lowercased()) {
            operation.matching.on = word.lowercased() == "on"
            operation.matching.explicit = true
            try self.advance()
            operation.matching.labels = try self.labelList()
            if case .identifier(let group) = self.token, ["group_left", "group_right"].contains(group.lowercased()) {
                guard !operation.op.isSetOperator else {
                    throw PromQLError(message: "no grouping allowed for \"\(operation.op.rawValue)\" operation", position: self.tokenStart)
                }
                operation.matching.cardinality = group.lowercased() == "group_left" ? .manyToOne : .oneToMany
                try self.advance()
                if self.token == .leftParen { operation.matching.include = try self.labelList() }
            }
        }
        if operation.op.isSetOperator { operation.matching.cardinality = .manyToMany }
    }

    private static func check(_ operation: inout BinaryOperation, at position: Int) throws(PromQLError) {
        let lhsType = operation.lhs.valueType
        let rhsType = operation.rhs.valueType
        for type in [lhsType, rhsType] where type != .scalar && type != .vector {
            throw PromQLError(
                message: "binary expression must contain only scalar and instant vector types",
                position: position
            )
        }
        if operation.op.isComparison && lhsType == .scalar && rhsType == .scalar && !operation.returnBool {
            throw PromQLError(message: "comparisons between scalars must use BOOL modifier", position: position)
        }
        if operation.op.isSetOperator && (lhsType == .scalar || rhsType == .scalar) {
            throw PromQLError(
                message: "set operator \"\(operation.op.rawValue)\" not allowed in binary scalar expression",
                position: position
            )
        }
        if (lhsType == .scalar || rhsType == .scalar) && operation.matching.explicit {
            throw PromQLError(message: "vector matching only allowed between instant vectors", position: position)
        }
        if operation.matching.on {
            let included = Set(operation.matching.include)
            if let clash = operation.matching.labels.first(where: { included.contains($0) }) {
                throw PromQLError(message: "label \"\(clash)\" must not occur in ON and GROUP clause at once", position: position)
            }
        }
    }

    private mutating func unary() throws(PromQLError) -> Expression {
        if case .op(let sign) = self.token, sign == "-" || sign == "+" {
            let start = self.tokenStart
            try self.advance()
            // Unary minus binds looser than ^: -2^2 is -(2^2).
            let operand = try self.expression(minimumPrecedence: BinaryOperator.power.precedence)
            guard operand.valueType == .scalar || operand.valueType == .vector else {
                throw PromQLError(message: "unary expression only allowed on expressions of type scalar or instant vector", position: start)
            }
            if sign == "+" { return operand }
            if case .number(let value) = operand { return .number(-value) }
            return .negate(operand)
        }
        let start = self.tokenStart
        return try self.postfix(try self.primary(), start: start)
    }

    // MARK: Primaries

    /// Ranges, subqueries, `offset` and `@` after `base`, which starts at `start` (where errors about them point, as
    /// Prometheus's do).
    private mutating func postfix(_ base: Expression, start: Int) throws(PromQLError) -> Expression {
        var expression = base
        while true {
            switch self.token {
            case .leftBracket:
                let bracket = self.tokenStart
                try self.advance()
                if case .number = self.token, !self.numbersAsDurations {
                    throw PromQLError(message: "missing unit character in duration", position: self.tokenStart)
                }
                guard let range = self.durationToken(), range > 0 else { throw self.unexpected("a positive duration") }
                try self.advance()
                if self.token == .colon {
                    try self.advance()
                    var step: Int64?
                    if let value = self.durationToken() {
                        guard value > 0 else { throw self.unexpected("a positive step") }
                        step = value
                        try self.advance()
                    }
                    try self.expect(.rightBracket, "\"]\"")
                    guard expression.valueType == .vector else {
                        throw PromQLError(
                            message: "subquery is only allowed on instant vector, got \(expression.valueType.rawValue)",
                            position: bracket
                        )
                    }
                    expression = .subquery(Subquery(expression: expression, range: range, step: step))
                    continue
                }
                try self.expect(.rightBracket, "\"]\"")
                guard case .vector(let selector) = expression else {
                    throw PromQLError(message: "ranges only allowed for vector selectors", position: bracket)
                }
                expression = .matrix(selector, range: range)
            case .identifier(let word) where word.lowercased() == "offset":
                let position = start
                try self.advance()
                var negative = false
                if case .op("-") = self.token {
                    negative = true
                    try self.advance()
                }
                if case .number(let value) = self.token, !self.numbersAsDurations {
                    throw PromQLError(
                        message: "unexpected number \"\(GoFloat.format(value))\" in offset, expected duration",
                        position: self.tokenStart
                    )
                }
                guard let offset = self.durationToken() else { throw self.unexpected("a duration after offset") }
                try self.advance()
                expression = try Self.modified(expression, position: position, what: "offset") { selectorOffset, _ in
                    guard selectorOffset == 0 else { return "offset may not be set multiple times" }
                    selectorOffset = negative ? -offset : offset
                    return nil
                }
            case .op("@"):
                let position = start
                try self.advance()
                let at: AtModifier
                switch self.token {
                case .number(let seconds):
                    guard seconds.isFinite, seconds.magnitude < 9.2e15 else {
                        throw PromQLError(message: "timestamp out of bounds for @ modifier: \(GoFloat.format(seconds))", position: position)
                    }
                    at = .timestamp(Int64((seconds * 1000).rounded()))
                    try self.advance()
                case .duration(let milliseconds) where self.numbersAsDurations:
                    at = .timestamp(milliseconds)
                    try self.advance()
                case .identifier(let word) where ["start", "end"].contains(word.lowercased()):
                    try self.advance()
                    try self.expect(.leftParen, "\"(\"")
                    try self.expect(.rightParen, "\")\"")
                    at = word.lowercased() == "start" ? .start : .end
                default:
                    throw self.unexpected("a timestamp, start() or end() after @")
                }
                expression = try Self.modified(expression, position: position, what: "@") { _, modifier in
                    guard modifier == nil else { return "@ <timestamp> may not be set multiple times" }
                    modifier = at
                    return nil
                }
            default:
                return expression
            }
        }
    }

    /// The current token as a duration in milliseconds: a duration literal, or (Prometheus 3) a number of seconds.
    private func durationToken() -> Int64? {
        switch self.token {
        case .duration(let milliseconds): return milliseconds
        case .number(let seconds) where self.numbersAsDurations && seconds.isFinite && seconds.magnitude < 9.2e12:
            let milliseconds = (seconds * 1000).rounded()
            return milliseconds == seconds * 1000 ? Int64(milliseconds) : nil
        default: return nil
        }
    }

    /// Applies `change` (to the offset and the `@` modifier; it returns an error message or nil) to the selector,
    /// range or subquery `expression` ends with; anything else cannot take `what`.
    private static func modified(
        _ expression: Expression,
        position: Int,
        what: String,
        _ change: (inout Int64, inout AtModifier?) -> String?
    ) throws(PromQLError) -> Expression {
        var result = expression
        var problem: String?
        switch expression {
        case .vector(var selector):
            problem = change(&selector.offset, &selector.at)
            result = .vector(selector)
        case .matrix(var selector, let range):
            problem = change(&selector.offset, &selector.at)
            result = .matrix(selector, range: range)
        case .subquery(var subquery):
            problem = change(&subquery.offset, &subquery.at)
            result = .subquery(subquery)
        default:
            problem = "\(what) modifier must be preceded by an instant vector selector or range vector selector or a subquery"
        }
        if let problem { throw PromQLError(message: problem, position: position) }
        return result
    }

    private mutating func primary() throws(PromQLError) -> Expression {
        switch self.token {
        case .number(let value):
            try self.advance()
            return .number(value)
        case .duration(let milliseconds) where self.numbersAsDurations:
            // Prometheus 3: a duration is also a float literal, its number of seconds (`predict_linear(x[1h], 2h)`).
            try self.advance()
            return .number(Double(milliseconds) / 1000)
        case .string(let text):
            try self.advance()
            return .string(text)
        case .leftParen:
            try self.advance()
            let inner = try self.expression(minimumPrecedence: 1)
            try self.expect(.rightParen, "\")\"")
            return .parenthesized(inner)
        case .leftBrace:
            return .vector(try self.selector(name: nil, start: self.tokenStart))
        case .identifier(let word):
            let start = self.tokenStart
            if let op = AggregationOperator(rawValue: word.lowercased()) {
                let next = try self.peek()
                // Keywords are case-insensitive in Prometheus's lexer: `SUM BY (job) (x)` is an aggregation.
                if next == .leftParen || Self.isGroupingKeyword(next) {
                    return try self.aggregation(op, start: start)
                }
            }
            if ["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset", "and", "or", "unless"]
                .contains(word.lowercased())
            {
                throw self.unexpected("an expression")
            }
            if try self.peek() == .leftParen {
                return try self.call(word, start: start)
            }
            try self.advance()
            return .vector(try self.selector(name: word, start: start))
        default:
            throw self.unexpected("an expression")
        }
    }

    private mutating func call(_ name: String, start: Int) throws(PromQLError) -> Expression {
        guard let function = Function.all[name] else {
            if name == "histogram_count" || name == "histogram_sum" {
                throw PromQLError(message: "native histogram function \"\(name)\" is not supported by this engine", position: start)
            }
            throw PromQLError(message: "unknown function with name \"\(name)\"", position: start)
        }
        try self.advance()
        try self.expect(.leftParen, "\"(\"")
        var arguments: [Expression] = []
        if self.token != .rightParen {
            arguments.append(try self.expression(minimumPrecedence: 1))
            while self.token == .comma {
                try self.advance()
                arguments.append(try self.expression(minimumPrecedence: 1))
            }
        }
        try self.expect(.rightParen, "\")\"")
        if let problem = function.check(arguments) { throw PromQLError(message: problem, position: start) }
        return .call(function, arguments)
    }

    private mutating func aggregation(_ op: AggregationOperator, start: Int) throws(PromQLError) -> Expression {
        try self.advance()
        var aggregation = Aggregation(op: op, expression: .number(0))
        var groupingSeen = false
        if case .identifier(let word) = self.token, ["by", "without"].contains(word.lowercased()) {
            aggregation.without = word.lowercased() == "without"
            try self.advance()
            aggregation.grouping = try self.labelList()
            groupingSeen = true
        }
        try self.expect(.leftParen, "\"(\"")
        var arguments = [try self.expression(minimumPrecedence: 1)]
        while self.token == .comma {
            try self.advance()
            arguments.append(try self.expression(minimumPrecedence: 1))
        }
        try self.expect(.rightParen, "\")\"")
        if !groupingSeen, case .identifier(let word) = self.token, ["by", "without"].contains(word.lowercased()) {
            aggregation.without = word.lowercased() == "without"
            try self.advance()
            aggregation.grouping = try self.labelList()
        }
        let expected = op.takesParameter ? 2 : 1
        guard arguments.count == expected else {
            throw PromQLError(
                message: "wrong number of arguments for aggregate expression provided, expected \(expected), got \(arguments.count)",
                position: start
            )
        }
        if op.takesParameter {
            aggregation.parameter = arguments[0]
            let parameterType: ValueType = op == .countValues ? .string : .scalar
            guard arguments[0].valueType == parameterType else {
                throw PromQLError(
                    message: "expected type \(parameterType.rawValue) in aggregation parameter, got \(arguments[0].valueType.rawValue)",
                    position: start
                )
            }
        }
        aggregation.expression = arguments[expected - 1]
        guard aggregation.expression.valueType == .vector else {
            throw PromQLError(
                message: "expected type instant vector in aggregation expression, got \(aggregation.expression.valueType.rawValue)",
                position: start
            )
        }
        return .aggregate(aggregation)
    }

    private mutating func labelList() throws(PromQLError) -> [String] {
        try self.expect(.leftParen, "\"(\"")
        var names: [String] = []
        while case .identifier(let name) = self.token {
            guard !name.contains(":") else { throw PromQLError(message: "invalid label name \"\(name)\"", position: self.tokenStart) }
            names.append(name)
            try self.advance()
            if self.token == .comma { try self.advance() } else { break }
        }
        try self.expect(.rightParen, "\")\" or a label name")
        return names
    }

    private mutating func selector(name: String?, start: Int) throws(PromQLError) -> VectorSelector {
        var matchers: [LabelMatcher] = []
        if let name { matchers.append(try LabelMatcher(name: Labels.metricName, kind: .equal, value: name)) }
        if self.token == .leftBrace {
            try self.advance()
            while self.token != .rightBrace {
                guard case .identifier(let label) = self.token else { throw self.unexpected("a label name") }
                try self.advance()
                guard case .op(let text) = self.token, let kind = LabelMatcher.Kind(rawValue: text) else {
                    throw self.unexpected("a label matching operator (=, !=, =~, !~)")
                }
                try self.advance()
                guard case .string(let value) = self.token else { throw self.unexpected("a quoted label value") }
                let matcherStart = self.tokenStart
                try self.advance()
                do {
                    matchers.append(try LabelMatcher(name: label, kind: kind, value: value))
                } catch {
                    throw PromQLError(message: error.message, position: matcherStart)
                }
                if self.token == .comma { try self.advance() } else if self.token != .rightBrace { throw self.unexpected("\",\" or \"}\"") }
            }
            try self.advance()
        }
        if name != nil && matchers.dropFirst().contains(where: { $0.name == Labels.metricName }) {
            throw PromQLError(message: "metric name must not be set twice", position: start)
        }
        guard matchers.contains(where: { !$0.matchesEmpty }) else {
            throw PromQLError(message: "vector selector must contain at least one non-empty matcher", position: start)
        }
        return VectorSelector(name: name, matchers: matchers)
    }

    /// Whether `token` is `by` or `without`, in any case.
    private static func isGroupingKeyword(_ token: Token) -> Bool {
        guard case .identifier(let word) = token else { return false }
        let lowered = word.lowercased()
        return lowered == "by" || lowered == "without"
    }
}
