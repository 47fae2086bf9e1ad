extension Evaluator {
    private struct Group {
        var labels: Labels
        var value: Double
        var mean: Double
        var count: Int
        var members: [Sample] = []
        /// Prometheus 3's Kahan compensation for `sum` and `avg`.
        var compensation = 0.0
        /// Prometheus 3's `avg`: the running sum overflowed, so the mean is computed incrementally from here on.
        var incrementalMean = false
    }

    func aggregate(_ aggregation: Aggregation) throws(PromQLError) -> [Sample] {
        let samples = try self.vector(aggregation.expression)
        var parameter = 0.0
        var valueLabel = ""
        if let expression = aggregation.parameter {
            if aggregation.op == .countValues {
                guard case .string(let label) = try self.eval(expression), LabelNames.isValid(label) else {
                    throw PromQLError(message: "invalid label name in count_values")
                }
                valueLabel = label
            } else {
                parameter = try self.scalar(expression)
            }
        }
        // Prometheus 3 sums with Kahan compensation and averages directly while the sum stays finite.
        let compensated = self.options.compatibility == .prometheus3
        // count_values groups by the label it adds, too.
        var grouping = Set(aggregation.grouping)
        let removed = grouping.union([Labels.metricName])
        if aggregation.op == .countValues && !aggregation.without { grouping.insert(valueLabel) }
        var groups: [Labels: Int] = [:]
        var ordered: [Group] = []
        for sample in samples {
            var labels = sample.labels
            if aggregation.op == .countValues { labels = labels.setting(valueLabel, to: GoFloat.formatPlain(sample.value)) }
            let key = aggregation.without ? labels.removing(removed) : labels.keeping(grouping)
            guard let index = groups[key] else {
                groups[key] = ordered.count
                var group = Group(labels: key, value: sample.value, mean: sample.value, count: 1)
                switch aggregation.op {
                // Prometheus 3: a first sample that is NaN or infinite makes the deviation NaN (2.x: 0).
                case .stddev, .stdvar: group.value = compensated && !sample.value.isFinite ? .nan : 0
                case .group: group.value = 1
                case .topk, .bottomk, .quantile: group.members = [sample]
                default: break
                }
                ordered.append(group)
                continue
            }
            let value = sample.value
            switch aggregation.op {
            case .sum where compensated:
                (ordered[index].value, ordered[index].compensation) = GoMath.kahanSumIncFinite(
                    value,
                    ordered[index].value,
                    ordered[index].compensation
                )
            case .sum: ordered[index].value += value
            case .avg where compensated: Self.addToMean(&ordered[index], value)
            case .avg:
                ordered[index].count += 1
                let mean = ordered[index].mean
                if mean.isInfinite {
                    if value.isInfinite && (mean > 0) == (value > 0) { break }
                    if !value.isInfinite && !value.isNaN { break }
                }
                let count = Double(ordered[index].count)
                ordered[index].mean += value / count - mean / count
            case .group: break
            case .max: if ordered[index].value < value || ordered[index].value.isNaN { ordered[index].value = value }
            case .min: if ordered[index].value > value || ordered[index].value.isNaN { ordered[index].value = value }
            case .count, .countValues: ordered[index].count += 1
            case .stddev, .stdvar:
                ordered[index].count += 1
                let delta = value - ordered[index].mean
                ordered[index].mean += delta / Double(ordered[index].count)
                ordered[index].value += delta * (value - ordered[index].mean)
            case .topk, .bottomk, .quantile: ordered[index].members.append(sample)
            }
        }
        var output: [Sample] = []
        output.reserveCapacity(ordered.count)
        for group in ordered {
            switch aggregation.op {
            case .sum where compensated: output.append(Sample(labels: group.labels, value: group.value + group.compensation))
            case .avg where compensated:
                let mean =
                    group.incrementalMean ? group.mean + group.compensation : (group.value + group.compensation) / Double(group.count)
                output.append(Sample(labels: group.labels, value: mean))
            case .avg: output.append(Sample(labels: group.labels, value: group.mean))
            case .count, .countValues: output.append(Sample(labels: group.labels, value: Double(group.count)))
            case .stdvar: output.append(Sample(labels: group.labels, value: group.value / Double(group.count)))
            case .stddev: output.append(Sample(labels: group.labels, value: (group.value / Double(group.count)).squareRoot()))
            case .quantile:
                output.append(Sample(labels: group.labels, value: RangeFunctions.quantile(parameter, group.members.map(\.value))))
            case .topk, .bottomk:
                guard parameter >= 1 else { continue }
                let k = Int(Swift.min(parameter, Double(group.members.count)))
                let top = aggregation.op == .topk
                let sorted = group.members.sorted { lhs, rhs in
                    if lhs.value.isNaN { return false }
                    if rhs.value.isNaN { return true }
                    return top ? lhs.value > rhs.value : lhs.value < rhs.value
                }
                output.append(contentsOf: sorted.prefix(k))
            default: output.append(Sample(labels: group.labels, value: group.value))
            }
        }
        return output
    }

    /// Prometheus 3's `avg` step: a compensated running sum while it stays finite; once it would overflow, an
    /// incremental (compensated) mean from the values so far.
    private static func addToMean(_ group: inout Group, _ value: Double) {
        group.count += 1
        let count = Double(group.count)
        if !group.incrementalMean {
            let (sum, compensation) = GoMath.kahanSumIncFinite(value, group.value, group.compensation)
            if !sum.isInfinite {
                (group.value, group.compensation) = (sum, compensation)
                return
            }
            group.incrementalMean = true
            group.mean = group.value / (count - 1)
            group.compensation /= count - 1
        }
        if group.mean.isInfinite {
            if value.isInfinite && (group.mean > 0) == (value > 0) { return }
            if !value.isInfinite && !value.isNaN { return }
        }
        let current = group.mean + group.compensation
        (group.mean, group.compensation) = GoMath.kahanSumIncFinite(value / count - current / count, group.mean, group.compensation)
    }
}
