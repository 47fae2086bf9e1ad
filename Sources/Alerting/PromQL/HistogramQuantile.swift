/// `histogram_quantile` over classic histograms, as Prometheus computes it (`bucketQuantile`).
enum HistogramQuantile {
    /// One quantile per label set of `samples` (`le` and the name dropped). `correctPrecision`: Prometheus 3 first
    /// evens out counts that differ from the bucket below by a relative 1e-12 or less (floating-point noise from
    /// `rate` over many series), so that they are not mistaken for a step.
    static func evaluate(_ q: Double, _ samples: [Sample], correctPrecision: Bool = false) -> [Sample] {
        Self.grouped(samples).map {
            Sample(labels: $0.labels, value: self.bucketQuantile(q, $0.buckets, correctPrecision: correctPrecision))
        }
    }

    /// `histogram_fraction(lower, upper, buckets)` over classic histograms (Prometheus 3): per label set, the share
    /// of observations between `lower` and `upper`.
    static func fractions(lower: Double, upper: Double, _ samples: [Sample]) -> [Sample] {
        Self.grouped(samples).map { Sample(labels: $0.labels, value: self.bucketFraction(lower: lower, upper: upper, $0.buckets)) }
    }

    /// The samples with an `le` label, grouped by their other labels, name included (two histograms of different names
    /// stay two, as in Prometheus), in order of first appearance; each group labelled without the name.
    private static func grouped(_ samples: [Sample]) -> [(labels: Labels, buckets: [(upperBound: Double, count: Double)])] {
        var groups: [Labels: [(upperBound: Double, count: Double)]] = [:]
        var order: [Labels] = []
        for sample in samples {
            guard let upperBound = Self.parseBound(sample.labels["le"]) else { continue }
            let key = sample.labels.removing(["le"])
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append((upperBound, sample.value))
        }
        return order.map { ($0.droppingMetricName, groups[$0]!) }
    }

    /// Sorted by upper bound, buckets of one bound added together.
    private static func coalesced(_ unsorted: [(upperBound: Double, count: Double)]) -> [(upperBound: Double, count: Double)] {
        var buckets: [(upperBound: Double, count: Double)] = []
        for bucket in unsorted.sorted(by: { $0.upperBound < $1.upperBound }) {
            if let last = buckets.last, last.upperBound == bucket.upperBound {
                buckets[buckets.count - 1].count += bucket.count
            } else {
                buckets.append(bucket)
            }
        }
        return buckets
    }

    /// Prometheus 3's `BucketFraction`: the observations' rank at `lower` and at `upper`, each interpolated linearly
    /// inside its bucket (the lowest bucket starts at 0 when its bound is above 0, else at -Inf, where nothing can be
    /// interpolated and the whole bucket counts), over the total. NaN without a `+Inf` bucket, without observations or
    /// for a NaN bound; 0 when `lower >= upper`. Counts are taken as they are (no monotonic envelope, as in Prometheus).
    static func bucketFraction(lower: Double, upper: Double, _ unsorted: [(upperBound: Double, count: Double)]) -> Double {
        let buckets = Self.coalesced(unsorted)
        guard let top = buckets.last, top.upperBound == .infinity else { return .nan }
        let count = top.count
        if count == 0 || lower.isNaN || upper.isNaN { return .nan }
        if lower >= upper { return 0 }
        var rank = 0.0
        var lowerRank = 0.0
        var upperRank = 0.0
        var lowerSet = false
        var upperSet = false
        var lowerBound = buckets[0].upperBound <= 0 ? -Double.infinity : 0
        for (index, bucket) in buckets.enumerated() {
            if index > 0 { lowerBound = buckets[index - 1].upperBound }
            let upperBound = bucket.upperBound
            let rankBelow = rank
            func interpolated(_ value: Double) -> Double {
                lowerBound == -.infinity
                    ? bucket.count : rankBelow + (bucket.count - rankBelow) * (value - lowerBound) / (upperBound - lowerBound)
            }
            if !lowerSet && lowerBound >= lower {
                lowerRank = rank
                lowerSet = true
            }
            if !upperSet && lowerBound >= upper {
                upperRank = rank
                upperSet = true
            }
            if lowerSet && upperSet { break }
            if !lowerSet && lowerBound < lower && upperBound > lower {
                lowerRank = interpolated(lower)
                lowerSet = true
            }
            if !upperSet && lowerBound < upper && upperBound > upper {
                upperRank = interpolated(upper)
                upperSet = true
            }
            if lowerSet && upperSet { break }
            rank = bucket.count
        }
        if !lowerSet || lowerRank > count { lowerRank = count }
        if !upperSet || upperRank > count { upperRank = count }
        return (upperRank - lowerRank) / count
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
        // Coalesce buckets with the same bound, then force the counts to be monotonic.
        var buckets = Self.coalesced(unsorted)
        guard let top = buckets.last, top.upperBound == .infinity else { return .nan }
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
