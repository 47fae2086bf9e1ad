/// A PromQL function the engine implements, with its signature.
public struct Function: Sendable {
    /// The function name.
    public let name: String
    /// Argument types; with `variadic`, the last one may repeat or be omitted (`optional` counts how many of the
    /// trailing ones may be left out).
    let argumentTypes: [ValueType]
    let optionalCount: Int
    let variadic: Bool
    /// The type of the result.
    public let returnType: ValueType

    private init(_ name: String, _ arguments: [ValueType], _ returnType: ValueType, optional: Int = 0, variadic: Bool = false) {
        self.name = name
        self.argumentTypes = arguments
        self.optionalCount = optional
        self.variadic = variadic
        self.returnType = returnType
    }

    /// Every function the engine evaluates, by name.
    public static let all: [String: Function] = {
        var table: [String: Function] = [:]
        let rangeFunctions = [
            "rate", "irate", "increase", "delta", "idelta", "deriv", "changes", "resets", "avg_over_time", "min_over_time",
            "max_over_time", "sum_over_time", "count_over_time", "last_over_time", "present_over_time", "stddev_over_time",
            "stdvar_over_time", "absent_over_time",
        ]
        for name in rangeFunctions { table[name] = Function(name, [.matrix], .vector) }
        table["quantile_over_time"] = Function("quantile_over_time", [.scalar, .matrix], .vector)
        table["predict_linear"] = Function("predict_linear", [.matrix, .scalar], .vector)
        let mathFunctions = [
            "abs", "ceil", "floor", "exp", "ln", "log2", "log10", "sqrt", "sgn", "sin", "cos", "tan", "asin", "acos", "atan", "sinh",
            "cosh", "tanh", "asinh", "acosh", "atanh", "rad", "deg",
        ]
        for name in mathFunctions { table[name] = Function(name, [.vector], .vector) }
        table["round"] = Function("round", [.vector, .scalar], .vector, optional: 1)
        table["clamp"] = Function("clamp", [.vector, .scalar, .scalar], .vector)
        table["clamp_min"] = Function("clamp_min", [.vector, .scalar], .vector)
        table["clamp_max"] = Function("clamp_max", [.vector, .scalar], .vector)
        table["histogram_quantile"] = Function("histogram_quantile", [.scalar, .vector], .vector)
        table["histogram_fraction"] = Function("histogram_fraction", [.scalar, .scalar, .vector], .vector)
        table["absent"] = Function("absent", [.vector], .vector)
        table["scalar"] = Function("scalar", [.vector], .scalar)
        table["vector"] = Function("vector", [.scalar], .vector)
        table["time"] = Function("time", [], .scalar)
        table["sort"] = Function("sort", [.vector], .vector)
        table["sort_desc"] = Function("sort_desc", [.vector], .vector)
        table["label_replace"] = Function("label_replace", [.vector, .string, .string, .string, .string], .vector)
        for name in CalendarFunctions.names { table[name] = Function(name, [.vector], .vector, optional: 1) }
        table["timestamp"] = Function("timestamp", [.vector], .vector)
        table["pi"] = Function("pi", [], .scalar)
        table["holt_winters"] = Function("holt_winters", [.matrix, .scalar, .scalar], .vector)
        table["label_join"] = Function("label_join", [.vector, .string, .string, .string], .vector, optional: 1, variadic: true)
        return table
    }()

    /// Checks the argument count and types; the reason when they do not fit.
    func check(_ arguments: [Expression]) -> String? {
        let required = self.argumentTypes.count - self.optionalCount
        if arguments.count < required || (!self.variadic && arguments.count > self.argumentTypes.count) {
            return "expected \(required == self.argumentTypes.count ? "" : "at least ")\(required) argument(s) in call to "
                + "\"\(self.name)\", got \(arguments.count)"
        }
        for (index, argument) in arguments.enumerated() {
            let expected = index < self.argumentTypes.count ? self.argumentTypes[index] : self.argumentTypes[self.argumentTypes.count - 1]
            if argument.valueType != expected {
                return "expected type \(expected.rawValue) in call to function \"\(self.name)\", got \(argument.valueType.rawValue)"
            }
        }
        return nil
    }
}
