/// `histogram_quantile` over classic histograms, as Prometheus computes it (`bucketQuantile`).
enum HistogramQuantile {
    /// One quantile per label set of `samples` (`le` and the name dropped). `correctPrecision`: Prometheus 3 first
    /// evens out counts that differ from the bucket below by a relative 1e-12 or less (floating-point noise from
    /// `rate` over many series), so that they are not mistaken for a step.
    static func evaluate(_ q: Double, _ samples: [Sample], correctPrecision: Bool = false) -> [Sample] {
        var groups: [Labels: [(upperBound: Double, count: Double)]] = [:]
        var order: [Labels] = []
        for sample in samples {
            guard let upperBound = Self.parseBound(sample.labels["le"]) else { continue }
            let key = sample.labels.removing([Labels.metricName, "le"])
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append((upperBound, sample.value))
        }
        return order.map { Sample(labels: $0, value: self.bucketQuantile(q, groups[$0]!, correctPrecision: correctPrecision)) }
    }

    private static func parseBound(_ text: String) -> Double? {
        switch text {
        case "": return nil
        case "+Inf", "Inf", "+inf", "inf": return .infinity
        case "-Inf", "-inf": return -.infinity
        default: return Double(text)
        }
    }

    static func bucketQuantile(_ q: Double, _ unsorted: [(upperBound: Double, count: Double)], correctPrecision: Bool = false) -> Double {
        if q.isNaN { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        let sorted = unsorted.sorted { $0.upperBound < $1.upperBound }
        guard let top = sorted.last, top.upperBound == .infinity else { return .nan }
        // Coalesce buckets with the same bound, then force the counts to be monotonic.
        var buckets: [(upperBound: Double, count: Double)] = []
        for bucket in sorted {
            if let last = buckets.last, last.upperBound == bucket.upperBound {
                buckets[buckets.count - 1].count += bucket.count
            } else {
                buckets.append(bucket)
            }
        }
        if correctPrecision, var previous = buckets.first?.count {
            for index in buckets.indices.dropFirst() {
                let current = buckets[index].count
                let delta = Swift.abs(current - previous)
                if delta == 0 { continue }
                if delta / current <= 1e-12 {
                    buckets[index].count = previous
                } else {
                    previous = current
                }
            }
        }
        var maximum = -Double.infinity
        for index in buckets.indices {
            if buckets[index].count > maximum {
                maximum = buckets[index].count
            } else if buckets[index].count < maximum {
                buckets[index].count = maximum
            }
        }
        guard buckets.count >= 2 else { return .nan }
        let observations = buckets[buckets.count - 1].count
        guard observations != 0 else { return .nan }
        var rank = q * observations
        var b = 0
        while b < buckets.count - 1 && !(buckets[b].count >= rank) { b += 1 }
        if b == buckets.count - 1 { return buckets[buckets.count - 2].upperBound }
        if b == 0 && buckets[0].upperBound <= 0 { return buckets[0].upperBound }
        var bucketStart = 0.0
        let bucketEnd = buckets[b].upperBound
        var count = buckets[b].count
        if b > 0 {
            bucketStart = buckets[b - 1].upperBound
            count -= buckets[b - 1].count
            rank -= buckets[b - 1].count
        }
        return bucketStart + (bucketEnd - bucketStart) * (rank / count)
    }
}
