/// Prints an expression back as PromQL, in Prometheus's canonical spacing.
enum ExpressionPrinter {
    static func print(_ expression: Expression) -> String {
        switch expression {
        case .number(let value): return GoFloat.format(value)
        case .string(let text): return "\"\(Labels.escape(text))\""
        case .vector(let selector): return self.selector(selector)
        case .matrix(let selector, let range):
            let text = self.selector(selector, includeModifiers: false) + "[\(PrometheusDuration.format(milliseconds: range))]"
            return text + self.modifiers(offset: selector.offset, at: selector.at)
        case .subquery(let subquery):
            let step = subquery.step.map { PrometheusDuration.format(milliseconds: $0) } ?? ""
            return self.print(subquery.expression) + "[\(PrometheusDuration.format(milliseconds: subquery.range)):\(step)]"
                + self.modifiers(offset: subquery.offset, at: subquery.at)
        case .call(let function, let arguments):
            return "\(function.name)(" + arguments.map(self.print).joined(separator: ", ") + ")"
        case .aggregate(let aggregation):
            var text = aggregation.op.rawValue
            if !aggregation.grouping.isEmpty || aggregation.without {
                text += (aggregation.without ? " without" : " by") + " (" + aggregation.grouping.joined(separator: ", ") + ") "
            }
            text += "("
            if let parameter = aggregation.parameter { text += self.print(parameter) + ", " }
            return text + self.print(aggregation.expression) + ")"
        case .binary(let operation):
            var text = self.print(operation.lhs) + " " + operation.op.rawValue
            if operation.returnBool { text += " bool" }
            if operation.matching.explicit {
                text += (operation.matching.on ? " on" : " ignoring") + " (" + operation.matching.labels.joined(separator: ", ") + ")"
                switch operation.matching.cardinality {
                case .manyToOne: text += " group_left (" + operation.matching.include.joined(separator: ", ") + ")"
                case .oneToMany: text += " group_right (" + operation.matching.include.joined(separator: ", ") + ")"
                default: break
                }
            }
            return text + " " + self.print(operation.rhs)
        case .negate(let inner): return "-" + self.print(inner)
        case .parenthesized(let inner): return "(" + self.print(inner) + ")"
        }
    }

    /// ` @ 1609746000.000`, ` @ start()`, then ` offset 5m`, as Prometheus prints them.
    private static func modifiers(offset: Int64, at: AtModifier?) -> String {
        var text = ""
        switch at {
        case .timestamp(let milliseconds): text += " @ " + GoFloat.formatFixed3(Double(milliseconds) / 1000)
        case .start: text += " @ start()"
        case .end: text += " @ end()"
        case nil: break
        }
        if offset > 0 { text += " offset \(PrometheusDuration.format(milliseconds: offset))" }
        if offset < 0 { text += " offset -\(PrometheusDuration.format(milliseconds: -offset))" }
        return text
    }

    private static func selector(_ selector: VectorSelector, includeModifiers: Bool = true) -> String {
        var text = selector.name ?? ""
        let matchers = selector.matchers.filter { !(selector.name != nil && $0.name == Labels.metricName && $0.kind == .equal) }
        if !matchers.isEmpty || selector.name == nil {
            text += "{" + matchers.map { "\($0.name)\($0.kind.rawValue)\"\(Labels.escape($0.value))\"" }.joined(separator: ", ") + "}"
        }
        if includeModifiers { text += self.modifiers(offset: selector.offset, at: selector.at) }
        return text
    }
}
