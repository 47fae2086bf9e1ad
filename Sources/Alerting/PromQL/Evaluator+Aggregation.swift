extension Evaluator {
    private struct Group {
        var labels: Labels
        var value: Double
        var mean: Double
        var count: Int
        var members: [Sample] = []
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
                case .stddev, .stdvar: group.value = 0
                case .group: group.value = 1
                case .topk, .bottomk, .quantile: group.members = [sample]
                default: break
                }
                ordered.append(group)
                continue
            }
            let value = sample.value
            switch aggregation.op {
            case .sum: ordered[index].value += value
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
}
