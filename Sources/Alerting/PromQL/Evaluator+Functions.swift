#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Evaluator {
    func call(_ function: Function, _ arguments: [Expression]) throws(PromQLError) -> Value {
        // `changes((x[5m]))`, `label_replace(x, ("dst"), …)`: parentheses around a range or a string change nothing.
        let arguments = arguments.map { argument in
            switch Self.unwrap(argument) {
            case .matrix, .string: Self.unwrap(argument)
            default: argument
            }
        }
        switch function.name {
        case "rate", "increase", "delta", "irate", "idelta", "deriv", "predict_linear", "quantile_over_time":
            return .vector(try self.rangeCall(function.name, arguments))
        case "absent_over_time":
            var found = false
            let window = try self.forEachRangeSeries(arguments[0]) { _, _ in found = true }
            return .vector(found ? [] : [Sample(labels: window.selector.map(Self.absentLabels) ?? Labels(), value: 1)])
        case _ where function.name.hasSuffix("_over_time") || function.name == "changes" || function.name == "resets":
            var samples: [Sample] = []
            let keepName = function.name == "last_over_time"
            let window = try self.forEachRangeSeries(arguments[0]) { series, points in
                guard let value = RangeFunctions.overTime(function.name, points, directMean: self.options.compatibility == .prometheus3)
                else { return }
                samples.append(Sample(labels: keepName ? self.labels(of: series) : self.labelsWithoutName(of: series), value: value))
            }
            if !keepName && !window.namesOneMetric { try Self.checkUnique(samples) }
            return .vector(samples)
        case _ where Self.mathFunctionNames.contains(function.name):
            let transform = Self.mathFunction(function.name, compatibility: self.options.compatibility)
            let input = try self.vector(arguments[0])
            return .vector(
                try Self.uniqueAfterDroppingNames(
                    input.map { Sample(labels: $0.labels.droppingMetricName, value: transform($0.value)) },
                    from: input
                )
            )
        case "round":
            let toNearest = arguments.count > 1 ? try self.scalar(arguments[1]) : 1
            let inverse = 1.0 / toNearest
            let input = try self.vector(arguments[0])
            return .vector(
                try Self.uniqueAfterDroppingNames(
                    input.map {
                        Sample(labels: $0.labels.droppingMetricName, value: ($0.value * inverse + 0.5).rounded(.down) / inverse)
                    },
                    from: input
                )
            )
        case "clamp", "clamp_min", "clamp_max":
            let samples = try self.vector(arguments[0])
            let low = function.name == "clamp_max" ? -Double.infinity : try self.scalar(arguments[1])
            let high =
                function.name == "clamp"
                ? try self.scalar(arguments[2]) : function.name == "clamp_max" ? try self.scalar(arguments[1]) : .infinity
            if function.name == "clamp" && high < low { return .vector([]) }
            return .vector(
                try Self.uniqueAfterDroppingNames(
                    samples.map { sample in
                        let value: Double
                        switch function.name {
                        case "clamp_min": value = GoMath.max(low, sample.value)
                        case "clamp_max": value = GoMath.min(high, sample.value)
                        default: value = GoMath.max(low, GoMath.min(high, sample.value))
                        }
                        return Sample(labels: sample.labels.droppingMetricName, value: value)
                    },
                    from: samples
                )
            )
        case "histogram_fraction":
            // Prometheus 3 reads classic buckets as histogram_quantile does; 2.x only native histograms, which this
            // engine does not hold, so a vector of floats gives nothing there.
            let lower = try self.scalar(arguments[0])
            let upper = try self.scalar(arguments[1])
            let buckets = try self.vector(arguments[2])
            guard self.options.compatibility == .prometheus3 else { return .vector([]) }
            return .vector(
                try Self.uniqueAfterDroppingNames(HistogramQuantile.fractions(lower: lower, upper: upper, buckets), from: buckets)
            )
        case "histogram_quantile":
            let buckets = try self.vector(arguments[1])
            let quantiles = HistogramQuantile.evaluate(
                try self.scalar(arguments[0]),
                buckets,
                correctPrecision: self.options.compatibility == .prometheus3
            )
            return .vector(try Self.uniqueAfterDroppingNames(quantiles, from: buckets))
        case "absent":
            guard try self.vector(arguments[0]).isEmpty else { return .vector([]) }
            if case .vector(let selector) = Self.unwrap(arguments[0]) {
                return .vector([Sample(labels: Self.absentLabels(selector), value: 1)])
            }
            return .vector([Sample(labels: Labels(), value: 1)])
        case "scalar":
            let samples = try self.vector(arguments[0])
            return .scalar(samples.count == 1 ? samples[0].value : .nan)
        case "vector":
            return .vector([Sample(labels: Labels(), value: try self.scalar(arguments[0]))])
        case "time":
            return .scalar(Double(self.time) / 1000)
        case "sort", "sort_desc":
            let samples = try self.vector(arguments[0])
            let descending = function.name == "sort_desc"
            return .vector(samples.sorted { descending ? $0.value > $1.value : $0.value < $1.value })
        case "timestamp":
            return .vector(try self.timestamps(arguments[0]))
        case "pi":
            return .scalar(Double.pi)
        case _ where CalendarFunctions.names.contains(function.name):
            guard let argument = arguments.first else {
                let seconds = Int64((Double(self.time) / 1000).rounded(.down))
                return .vector([Sample(labels: Labels(), value: CalendarFunctions.evaluate(function.name, unixSeconds: seconds))])
            }
            let input = try self.vector(argument)
            return .vector(
                try Self.uniqueAfterDroppingNames(
                    input.map {
                        Sample(labels: $0.labels.droppingMetricName, value: CalendarFunctions.evaluate(function.name, value: $0.value))
                    },
                    from: input
                )
            )
        case "holt_winters":
            return .vector(try self.holtWinters(arguments))
        case "label_replace":
            return .vector(try self.labelReplace(arguments))
        case "label_join":
            return .vector(try self.labelJoin(arguments))
        default:
            throw PromQLError(message: "function \"\(function.name)\" is not implemented")
        }
    }

    private func rangeCall(_ name: String, _ arguments: [Expression]) throws(PromQLError) -> [Sample] {
        let matrixIndex = name == "quantile_over_time" ? 1 : 0
        let parameter = arguments.count > 1 ? try self.scalar(arguments[matrixIndex == 0 ? 1 : 0]) : 0
        let window = try self.rangeWindow(arguments[matrixIndex])
        let rangeEnd = window.end
        let rangeStart = window.start
        let rangeSeconds = Double(rangeEnd - rangeStart) / 1000
        var samples: [Sample] = []
        _ = try self.forEachRangeSeries(arguments[matrixIndex]) { series, points in
            let value: Double?
            switch name {
            case "rate", "increase", "delta":
                value = RangeFunctions.extrapolatedRate(
                    points,
                    rangeStart: rangeStart,
                    rangeEnd: rangeEnd,
                    rangeSeconds: rangeSeconds,
                    isCounter: name != "delta",
                    isRate: name == "rate",
                    zeroPointAfterThreshold: self.options.compatibility == .prometheus3
                )
            case "irate", "idelta": value = RangeFunctions.instantValue(points, isRate: name == "irate")
            case "deriv": value = points.count < 2 ? nil : RangeFunctions.linearRegression(points, interceptTime: points[0].t).slope
            case "predict_linear":
                guard points.count >= 2 else { return }
                let (slope, intercept) = RangeFunctions.linearRegression(points, interceptTime: self.time)
                value = slope * parameter + intercept
            default: value = RangeFunctions.quantile(parameter, points.map(\.v))
            }
            if let value { samples.append(Sample(labels: self.labelsWithoutName(of: series), value: value)) }
        }
        if !window.namesOneMetric { try Self.checkUnique(samples) }
        return samples
    }

    /// `timestamp(v)`: each sample's own time in seconds when `v` is a selector (Prometheus evaluates that case
    /// specially), otherwise the evaluation time; the metric name dropped.
    private func timestamps(_ argument: Expression) throws(PromQLError) -> [Sample] {
        guard case .vector(let selector) = Self.unwrap(argument) else {
            let now = Double(self.time) / 1000
            let input = try self.vector(argument)
            return try Self.uniqueAfterDroppingNames(input.map { Sample(labels: $0.labels.droppingMetricName, value: now) }, from: input)
        }
        var samples: [Sample] = []
        var names = Set<String>()
        self.forEachLatest(selector) { id, point in
            let labels = self.store.labels(of: id)
            if names.count < 2 { names.insert(labels.name) }
            samples.append(Sample(labels: labels.droppingMetricName, value: Double(point.t) / 1000))
        }
        if names.count > 1 { try Self.checkUnique(samples) }
        return samples
    }

    /// Prometheus 2's `holt_winters(range, sf, tf)`: double exponential smoothing, both factors in (0, 1).
    private func holtWinters(_ arguments: [Expression]) throws(PromQLError) -> [Sample] {
        let smoothing = try self.scalar(arguments[1])
        let trend = try self.scalar(arguments[2])
        guard smoothing > 0 && smoothing < 1 else {
            throw PromQLError(message: "invalid smoothing factor. Expected: 0 < sf < 1, got: \(GoFloat.formatFixed6(smoothing))")
        }
        guard trend > 0 && trend < 1 else {
            throw PromQLError(message: "invalid trend factor. Expected: 0 < tf < 1, got: \(GoFloat.formatFixed6(trend))")
        }
        var samples: [Sample] = []
        let window = try self.forEachRangeSeries(arguments[0]) { series, points in
            guard let value = RangeFunctions.holtWinters(points, smoothing: smoothing, trend: trend) else { return }
            samples.append(Sample(labels: self.labelsWithoutName(of: series), value: value))
        }
        if !window.namesOneMetric { try Self.checkUnique(samples) }
        return samples
    }

    static func selectsOneName(_ selector: VectorSelector) -> Bool {
        selector.matchers.contains { $0.name == Labels.metricName && $0.kind == .equal }
    }

    static func unwrap(_ expression: Expression) -> Expression {
        if case .parenthesized(let inner) = expression { return self.unwrap(inner) }
        return expression
    }

    /// The labels `absent` gives, as Prometheus builds them: matchers in order, the metric name skipped; the first
    /// equality matcher of a name sets it, and any later or other matcher of that name removes it again.
    static func absentLabels(_ selector: VectorSelector) -> Labels {
        var pairs: [(name: String, value: String)] = []
        var set = Set<String>()
        for matcher in selector.matchers where matcher.name != Labels.metricName {
            if matcher.kind == .equal && !set.contains(matcher.name) {
                pairs.append((matcher.name, matcher.value))
                set.insert(matcher.name)
            } else {
                pairs.removeAll { $0.name == matcher.name }
            }
        }
        return Labels(pairs.map { ($0.name, $0.value) })
    }

    /// The functions of one value, applied to each sample (the metric name dropped).
    static let mathFunctionNames: Set<String> = [
        "abs", "ceil", "floor", "exp", "ln", "log2", "log10", "sqrt", "sgn", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh",
        "tanh", "asinh", "acosh", "atanh", "rad", "deg",
    ]

    private static func mathFunction(_ name: String, compatibility: PromQLCompatibility) -> (Double) -> Double {
        let olderGo = compatibility == .prometheus2  // Prometheus 2.42 was built with Go 1.19
        switch name {
        case "sin": return { GoTrig.sin($0) }
        case "cos": return { GoTrig.cos($0) }
        case "tan": return { GoTrig.tan($0) }
        case "asin": return { GoTrig.asin($0) }
        case "acos": return { GoTrig.acos($0) }
        case "atan": return { GoMath.atan($0) }
        case "sinh": return { GoTrig.sinh($0, asGo119: olderGo) }
        case "cosh": return { GoTrig.cosh($0, asGo119: olderGo) }
        case "tanh": return { GoTrig.tanh($0) }
        case "asinh": return { GoTrig.asinh($0) }
        case "acosh": return { GoTrig.acosh($0) }
        case "atanh": return { GoTrig.atanh($0) }
        case "rad": return { $0 * Double.pi / 180 }
        case "deg": return { $0 * 180 / Double.pi }
        case "abs": return { Swift.abs($0) }
        case "ceil": return { $0.rounded(.up) }
        case "floor": return { $0.rounded(.down) }
        case "exp": return { GoMath.exp($0) }
        case "ln": return { GoMath.log($0) }
        case "log2": return { GoMath.log2($0) }
        case "log10": return { GoMath.log10($0) }
        case "sqrt": return { $0.squareRoot() }
        default: return { $0 > 0 ? 1 : $0 < 0 ? -1 : $0 }
        }
    }

    private func labelReplace(_ arguments: [Expression]) throws(PromQLError) -> [Sample] {
        let samples = try self.vector(arguments[0])
        guard case .string(let destination) = arguments[1], case .string(let replacement) = arguments[2],
            case .string(let source) = arguments[3], case .string(let pattern) = arguments[4]
        else { throw PromQLError(message: "label_replace needs string literals") }
        let regex: Regex<AnyRegexOutput>
        do { regex = try Regex("(?s:" + pattern + ")") } catch {
            throw PromQLError(message: "invalid regular expression in label_replace(): \(pattern)")
        }
        guard LabelNames.isValid(destination) else {
            throw PromQLError(message: "invalid destination label name in label_replace(): \(destination)")
        }
        var output: [Sample] = []
        for sample in samples {
            guard let match = try? regex.wholeMatch(in: sample.labels[source]) else {
                output.append(sample)
                continue
            }
            var captures: [String] = []
            var named: [String: String] = [:]
            for capture in match.output {
                let text = capture.substring.map(String.init) ?? ""
                captures.append(text)
                if let name = capture.name { named[name] = text }
            }
            let value = Self.expand(replacement, captures: captures, named: named)
            output.append(Sample(labels: sample.labels.setting(destination, to: value), value: sample.value))
        }
        try Self.checkUnique(output)
        return output
    }

    /// Expands `$1`, `${1}` and `$name` in a replacement, as Go's `Regexp.Expand` does.
    static func expand(_ template: String, captures: [String], named: [String: String]) -> String {
        var out = ""
        var characters = Substring(template)
        while let dollar = characters.firstIndex(of: "$") {
            out += characters[..<dollar]
            characters = characters[characters.index(after: dollar)...]
            if characters.first == "$" {
                out += "$"
                characters = characters.dropFirst()
                continue
            }
            var name: Substring
            if characters.first == "{", let close = characters.firstIndex(of: "}") {
                name = characters[characters.index(after: characters.startIndex)..<close]
                characters = characters[characters.index(after: close)...]
            } else {
                name = characters.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                characters = characters.dropFirst(name.count)
            }
            if let index = Int(name) { out += index < captures.count ? captures[index] : "" } else { out += named[String(name)] ?? "" }
        }
        return out + characters
    }

    private func labelJoin(_ arguments: [Expression]) throws(PromQLError) -> [Sample] {
        let samples = try self.vector(arguments[0])
        var strings: [String] = []
        for argument in arguments.dropFirst() {
            guard case .string(let text) = argument else { throw PromQLError(message: "label_join needs string literals") }
            strings.append(text)
        }
        let destination = strings[0]
        let separator = strings[1]
        let sources = strings.dropFirst(2)
        guard LabelNames.isValid(destination) else {
            throw PromQLError(message: "invalid destination label name in label_join(): \(destination)")
        }
        let output = samples.map { sample in
            Sample(
                labels: sample.labels.setting(destination, to: sources.map { sample.labels[$0] }.joined(separator: separator)),
                value: sample.value
            )
        }
        try Self.checkUnique(output)
        return output
    }
}

/// Label-name rules.
public enum LabelNames {
    /// `[a-zA-Z_][a-zA-Z0-9_]*`.
    public static func isValid(_ name: String) -> Bool {
        guard let first = name.utf8.first, Lexer.isIdentifierStart(first) else { return false }
        return name.utf8.allSatisfy { Lexer.isIdentifierStart($0) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) }
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    public static func isValidMetricName(_ name: String) -> Bool {
        guard let first = name.utf8.first, Lexer.isIdentifierStart(first) || first == UInt8(ascii: ":") else { return false }
        return name.utf8.allSatisfy { Lexer.isIdentifierPart($0) }
    }
}
