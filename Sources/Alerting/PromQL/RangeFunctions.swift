/// The functions over range vectors, each computing one value from one series' samples in the window.
enum RangeFunctions {
    /// `rate`, `increase` and `delta` (`extrapolatedRate` in Prometheus): nil with fewer than two samples. A counter
    /// is never extrapolated back past its zero point; Prometheus 3 (`zeroPointAfterThreshold`) applies that cap after
    /// deciding whether the start is near enough to extrapolate to, 2.x before.
    static func extrapolatedRate(
        _ points: [Point],
        rangeStart: Int64,
        rangeEnd: Int64,
        rangeSeconds: Double,
        isCounter: Bool,
        isRate: Bool,
        zeroPointAfterThreshold: Bool = true
    ) -> Double? {
        guard points.count >= 2 else { return nil }
        let first = points[0]
        let last = points[points.count - 1]
        var resultValue = last.v - first.v
        if isCounter {
            var lastValue = 0.0
            for point in points {
                if point.v < lastValue { resultValue += lastValue }
                lastValue = point.v
            }
        }
        var durationToStart = Double(first.t - rangeStart) / 1000
        let durationToEnd = Double(rangeEnd - last.t) / 1000
        let sampledInterval = Double(last.t - first.t) / 1000
        let averageDurationBetweenSamples = sampledInterval / Double(points.count - 1)
        let extrapolationThreshold = averageDurationBetweenSamples * 1.1
        let capsAtZero = isCounter && resultValue > 0 && first.v >= 0
        if zeroPointAfterThreshold {
            var extrapolateToStart = durationToStart >= extrapolationThreshold ? averageDurationBetweenSamples / 2 : durationToStart
            if capsAtZero { extrapolateToStart = Swift.min(extrapolateToStart, sampledInterval * (first.v / resultValue)) }
            let extrapolateToEnd = durationToEnd >= extrapolationThreshold ? averageDurationBetweenSamples / 2 : durationToEnd
            var factor = (sampledInterval + extrapolateToStart + extrapolateToEnd) / sampledInterval
            if isRate { factor /= rangeSeconds }
            return resultValue * factor
        }
        if capsAtZero {
            // Counters cannot go below zero: extrapolate to where the counter would have been zero at most.
            let durationToZero = sampledInterval * (first.v / resultValue)
            if durationToZero < durationToStart { durationToStart = durationToZero }
        }
        var extrapolateToInterval = sampledInterval
        extrapolateToInterval += durationToStart < extrapolationThreshold ? durationToStart : averageDurationBetweenSamples / 2
        extrapolateToInterval += durationToEnd < extrapolationThreshold ? durationToEnd : averageDurationBetweenSamples / 2
        var factor = extrapolateToInterval / sampledInterval
        if isRate { factor /= rangeSeconds }
        return resultValue * factor
    }

    /// `irate` and `idelta` from the last two samples.
    static func instantValue(_ points: [Point], isRate: Bool) -> Double? {
        guard points.count >= 2 else { return nil }
        let last = points[points.count - 1]
        let previous = points[points.count - 2]
        var value = isRate && last.v < previous.v ? last.v : last.v - previous.v
        let interval = last.t - previous.t
        guard interval != 0 else { return nil }
        if isRate { value /= Double(interval) / 1000 }
        return value
    }

    /// Least-squares slope and intercept at `interceptTime` (`linearRegression` in Prometheus).
    static func linearRegression(_ points: [Point], interceptTime: Int64) -> (slope: Double, intercept: Double) {
        var n = 0.0
        var (sumX, cX, sumY, cY, sumXY, cXY, sumX2, cX2) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
        let initY = points[0].v
        var constY = true
        for (index, point) in points.enumerated() {
            if constY && index > 0 && point.v != initY { constY = false }
            n += 1
            let x = Double(point.t - interceptTime) / 1e3
            (sumX, cX) = GoMath.kahanSumInc(x, sumX, cX)
            (sumY, cY) = GoMath.kahanSumInc(point.v, sumY, cY)
            (sumXY, cXY) = GoMath.kahanSumInc(x * point.v, sumXY, cXY)
            (sumX2, cX2) = GoMath.kahanSumInc(x * x, sumX2, cX2)
        }
        if constY { return initY.isInfinite ? (.nan, .nan) : (0, initY) }
        sumX += cX
        sumY += cY
        sumXY += cXY
        sumX2 += cX2
        let covXY = sumXY - sumX * sumY / n
        let varX = sumX2 - sumX * sumX / n
        let slope = covXY / varX
        return (slope, sumY / n - slope * sumX / n)
    }

    /// `quantile` over plain values, interpolating between neighbours (shared with the `quantile` aggregation).
    static func quantile(_ q: Double, _ values: [Double]) -> Double {
        guard !values.isEmpty, !q.isNaN else { return .nan }
        if q < 0 { return -.infinity }
        if q > 1 { return .infinity }
        let sorted = values.sorted { $0 < $1 || ($0.isNaN && !$1.isNaN) }
        let n = Double(sorted.count)
        let rank = q * (n - 1)
        let lowerIndex = Swift.max(0, rank.rounded(.down))
        let upperIndex = Swift.min(n - 1, lowerIndex + 1)
        let weight = rank - rank.rounded(.down)
        return sorted[Int(lowerIndex)] * (1 - weight) + sorted[Int(upperIndex)] * weight
    }

    /// The `*_over_time` family and `changes`/`resets`. `directMean` is Prometheus 3.5's `avg_over_time`: a
    /// compensated sum divided by the count, turning incremental only when the sum would overflow.
    static func overTime(_ name: String, _ points: [Point], directMean: Bool = false) -> Double? {
        switch name {
        case "count_over_time": return Double(points.count)
        case "last_over_time": return points.last?.v
        case "present_over_time": return 1
        case "sum_over_time":
            var (sum, c) = (0.0, 0.0)
            for point in points { (sum, c) = GoMath.kahanSumInc(point.v, sum, c) }
            return sum.isInfinite ? sum : sum + c
        case "avg_over_time" where directMean:
            return Self.directMean(points)
        case "avg_over_time":
            var (mean, count, c) = (0.0, 0.0, 0.0)
            for point in points {
                count += 1
                if mean.isInfinite {
                    if point.v.isInfinite && (mean > 0) == (point.v > 0) { continue }
                    if !point.v.isInfinite && !point.v.isNaN { continue }
                }
                (mean, c) = GoMath.kahanSumInc(point.v / count - mean / count, mean, c)
            }
            return mean.isInfinite ? mean : mean + c
        case "min_over_time":
            var minimum = points[0].v
            for point in points where point.v < minimum || minimum.isNaN { minimum = point.v }
            return minimum
        case "max_over_time":
            var maximum = points[0].v
            for point in points where point.v > maximum || maximum.isNaN { maximum = point.v }
            return maximum
        case "stddev_over_time", "stdvar_over_time":
            var (count, mean, cMean, aux, cAux) = (0.0, 0.0, 0.0, 0.0, 0.0)
            for point in points {
                count += 1
                let delta = point.v - (mean + cMean)
                (mean, cMean) = GoMath.kahanSumInc(delta / count, mean, cMean)
                (aux, cAux) = GoMath.kahanSumInc(delta * (point.v - (mean + cMean)), aux, cAux)
            }
            let variance = (aux + cAux) / count
            return name == "stdvar_over_time" ? variance : variance.squareRoot()
        case "changes", "resets":
            var count = 0.0
            var previous = points[0].v
            for point in points.dropFirst() {
                if name == "changes" {
                    if !(point.v == previous || (point.v.isNaN && previous.isNaN)) { count += 1 }
                } else if point.v < previous {
                    count += 1
                }
                previous = point.v
            }
            return count
        default:
            return nil
        }
    }

    /// Prometheus 3.5's mean of a window: the Kahan sum over the count while the sum stays finite; past an overflow,
    /// the mean so far is scaled by `(n - 1) / n` at each further sample and the sample's share added.
    private static func directMean(_ points: [Point]) -> Double {
        var sum = points[0].v
        var count = 1.0
        var (mean, compensation) = (0.0, 0.0)
        var incremental = false
        for (index, point) in points.dropFirst().enumerated() {
            count = Double(index + 2)
            if !incremental {
                let (newSum, newCompensation) = GoMath.kahanSumIncFinite(point.v, sum, compensation)
                if !newSum.isInfinite {
                    (sum, compensation) = (newSum, newCompensation)
                    continue
                }
                incremental = true
                mean = sum / (count - 1)
                compensation /= count - 1
            }
            let scale = (count - 1) / count
            (mean, compensation) = GoMath.kahanSumIncFinite(point.v / count, scale * mean, scale * compensation)
        }
        return incremental ? mean + compensation : sum / count + compensation / count
    }

    /// Prometheus 2's `holt_winters` over one series: `nil` with fewer than two samples.
    static func holtWinters(_ points: [Point], smoothing: Double, trend: Double) -> Double? {
        guard points.count >= 2 else { return nil }
        var s0 = 0.0
        var s1 = points[0].v
        var b = points[1].v - points[0].v
        for i in 1..<points.count {
            let x = smoothing * points[i].v
            // calcTrendValue: the first step keeps the initial trend.
            if i > 1 { b = trend * (s1 - s0) + (1 - trend) * b }
            let y = (1 - smoothing) * (s1 + b)
            (s0, s1) = (s1, x + y)
        }
        return s1
    }
}
