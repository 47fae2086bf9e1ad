#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Evaluator {
    func binary(_ operation: BinaryOperation) throws(PromQLError) -> Value {
        let lhs = try self.eval(operation.lhs)
        let rhs = try self.eval(operation.rhs)
        switch (lhs, rhs) {
        case (.scalar(let a), .scalar(let b)):
            let (value, keep) = Self.apply(operation.op, a, b)
            return .scalar(operation.op.isComparison ? (keep ? 1 : 0) : value)
        case (.vector(let vector), .scalar(let scalar)):
            let output = Self.vectorScalar(operation, vector, scalar, swap: false, prometheus3: self.isPrometheus3)
            return .vector(try Self.uniqueAfterDroppingNames(output, from: vector))
        case (.scalar(let scalar), .vector(let vector)):
            let output = Self.vectorScalar(operation, vector, scalar, swap: true, prometheus3: self.isPrometheus3)
            return .vector(try Self.uniqueAfterDroppingNames(output, from: vector))
        case (.vector(let left), .vector(let right)):
            switch operation.op {
            case .and, .or, .unless: return .vector(Self.setOperation(operation, left, right))
            default:
                return .vector(
                    try Self.vectorVector(operation, left, right, prometheus3: self.isPrometheus3)
                )
            }
        default:
            throw PromQLError(message: "binary expression must contain only scalar and instant vector types")
        }
    }

    /// `vectorElemBinop`: the value, and for comparisons whether the element is kept.
    static func apply(_ op: BinaryOperator, _ lhs: Double, _ rhs: Double) -> (Double, Bool) {
        switch op {
        case .add: return (lhs + rhs, true)
        case .subtract: return (lhs - rhs, true)
        case .multiply: return (lhs * rhs, true)
        case .divide: return (lhs / rhs, true)
        case .modulo: return (GoMath.mod(lhs, rhs), true)
        case .power: return (GoMath.pow(lhs, rhs), true)
        case .atan2: return (GoMath.atan2(lhs, rhs), true)
        case .equal: return (lhs, lhs == rhs)
        case .notEqual: return (lhs, lhs != rhs)
        case .greater: return (lhs, lhs > rhs)
        case .less: return (lhs, lhs < rhs)
        case .greaterOrEqual: return (lhs, lhs >= rhs)
        case .lessOrEqual: return (lhs, lhs <= rhs)
        case .and, .or, .unless: return (.nan, false)
        }
    }

    var isPrometheus3: Bool { self.options.compatibility == .prometheus3 }

    /// Arithmetic drops the metric name; comparisons and set operators keep it (Prometheus's `shouldDropMetricName`).
    /// `atan2` kept it until Prometheus 2.46 (prometheus/prometheus#12595): kept in 2.42's mode, dropped in 3's.
    private static func dropsMetricName(_ op: BinaryOperator, prometheus3: Bool) -> Bool {
        !op.isComparison && !op.isSetOperator && (op != .atan2 || prometheus3)
    }

    private static func vectorScalar(
        _ operation: BinaryOperation,
        _ vector: [Sample],
        _ scalar: Double,
        swap: Bool,
        prometheus3: Bool
    ) -> [Sample] {
        var output: [Sample] = []
        output.reserveCapacity(vector.count)
        let dropName = Self.dropsMetricName(operation.op, prometheus3: prometheus3) || operation.returnBool
        for sample in vector {
            let (lv, rv) = swap ? (scalar, sample.value) : (sample.value, scalar)
            var (value, keep) = Self.apply(operation.op, lv, rv)
            // A comparison keeps the vector's value even when the scalar is on the left.
            if operation.op.isComparison && swap { value = rv }
            if operation.returnBool {
                value = keep ? 1 : 0
                keep = true
            }
            guard keep else { continue }
            output.append(Sample(labels: dropName ? sample.labels.droppingMetricName : sample.labels, value: value))
        }
        return output
    }

    static func signature(_ labels: Labels, _ matching: VectorMatching) -> Labels {
        matching.on ? labels.keeping(Set(matching.labels)) : labels.removing(Set(matching.labels + [Labels.metricName]))
    }

    /// `prometheus3`: Prometheus 3 reports a one-to-one match with two series on the "many" side even when a
    /// comparison would filter them away (2.x checks only the samples the comparison keeps), and `atan2` drops the
    /// metric name.
    private static func vectorVector(
        _ operation: BinaryOperation,
        _ left: [Sample],
        _ right: [Sample],
        prometheus3: Bool
    ) throws(PromQLError) -> [Sample] {
        let matching = operation.matching
        let oneToMany = matching.cardinality == .oneToMany
        let oneToOne = matching.cardinality == .oneToOne
        let (many, one) = oneToMany ? (right, left) : (left, right)
        var oneBySignature: [Labels: Sample] = [:]
        for sample in one {
            let signature = Self.signature(sample.labels, matching)
            if let duplicate = oneBySignature[signature] {
                throw PromQLError(
                    message: "found duplicate series for the match group \(signature) on the \(oneToMany ? "left" : "right") hand-side "
                        + "of the operation: [\(sample.labels), \(duplicate.labels)];many-to-many matching not allowed: matching "
                        + "labels must be unique on one side"
                )
            }
            oneBySignature[signature] = sample
        }
        var matched: [Labels: Set<Labels>] = [:]
        var output: [Sample] = []
        for sample in many {
            let signature = Self.signature(sample.labels, matching)
            guard let other = oneBySignature[signature] else { continue }
            let (vl, vr) = oneToMany ? (other.value, sample.value) : (sample.value, other.value)
            var (value, keep) = Self.apply(operation.op, vl, vr)
            if oneToOne && prometheus3 { try Self.claim(signature, in: &matched) }
            if operation.returnBool {
                value = keep ? 1 : 0
            } else if !keep {
                continue
            }
            var labels = Self.resultLabels(sample.labels, other.labels, operation.op, matching, prometheus3: prometheus3)
            if operation.returnBool { labels = labels.droppingMetricName }
            if oneToOne {
                if !prometheus3 { try Self.claim(signature, in: &matched) }
            } else if !matched[signature, default: []].insert(labels).inserted {
                throw PromQLError(message: "multiple matches for labels: grouping labels must ensure unique matches")
            }
            output.append(Sample(labels: labels, value: value))
        }
        return output
    }

    /// Records a one-to-one match for `signature`; a second one is Prometheus's "must be explicit" error.
    private static func claim(_ signature: Labels, in matched: inout [Labels: Set<Labels>]) throws(PromQLError) {
        guard matched[signature] == nil else {
            throw PromQLError(message: "multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)")
        }
        matched[signature] = []
    }

    private static func resultLabels(
        _ lhs: Labels,
        _ rhs: Labels,
        _ op: BinaryOperator,
        _ matching: VectorMatching,
        prometheus3: Bool
    ) -> Labels {
        var labels = Self.dropsMetricName(op, prometheus3: prometheus3) ? lhs.droppingMetricName : lhs
        if matching.cardinality == .oneToOne {
            labels = matching.on ? labels.keeping(Set(matching.labels)) : labels.removing(Set(matching.labels))
        }
        for name in matching.include {
            labels = labels.setting(name, to: rhs[name])
        }
        return labels
    }

    private static func setOperation(_ operation: BinaryOperation, _ left: [Sample], _ right: [Sample]) -> [Sample] {
        let matching = operation.matching
        switch operation.op {
        case .and:
            guard !left.isEmpty && !right.isEmpty else { return [] }
            let rightSignatures = Set(right.map { Self.signature($0.labels, matching) })
            return left.filter { rightSignatures.contains(Self.signature($0.labels, matching)) }
        case .or:
            let leftSignatures = Set(left.map { Self.signature($0.labels, matching) })
            return left + right.filter { !leftSignatures.contains(Self.signature($0.labels, matching)) }
        default:
            let rightSignatures = Set(right.map { Self.signature($0.labels, matching) })
            return left.filter { !rightSignatures.contains(Self.signature($0.labels, matching)) }
        }
    }
}
