/// `histogram_quantile` over classic histograms, as Prometheus computes it (`bucketQuantile`).
enum HistogramQuantile {
    static func evaluate(_ q: Double, _ samples: [Sample]) -> [Sample] {
        var groups: [Labels: [(upperBound: Double, count: Double)]] = [:]
        var order: [Labels] = []
        for sample in samples {
            guard let upperBound = Self.parseBound(sample.labels["le"]) else { continue }
            let key = sample.labels.removing([Labels.metricName, "le"])
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append((upperBound, sample.value))
        }
        return order.map { Sample(labels: $0, value: self.bucketQuantile(q, groups[$0]!)) }
    }

    private static func parseBound(_ text: String) -> Double? {
        switch text {
        case "": return nil
        case "+Inf", "Inf", "+inf", "inf": return .infinity
        case "-Inf", "-inf": return -.infinity
        default: return Double(text)
        }
    }

    static func bucketQuantile(_ q: Double, _ unsorted: [(upperBound: Double, count: Double)]) -> Double {
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
