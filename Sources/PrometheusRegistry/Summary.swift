import Atomics
import Synchronization

/// Observations summarised as quantiles over a sliding time window, plus an all-time `_sum` and `_count`.
///
/// The window is split into age buckets that rotate: an observation stays in the quantiles for between
/// `maxAge × (ageBuckets − 1) / ageBuckets` and `maxAge`. Each age bucket keeps at most ``Configuration/samplesPerBucket``
/// observations by reservoir sampling, so memory is bounded; quantiles are exact until a bucket fills, then estimated
/// from a uniform sample weighted by how many observations it stands for. Observing takes a short lock, as in
/// every Prometheus client: prefer a ``Histogram`` on hot paths.
public final class Summary: MetricSeries {
    /// How a summary computes its quantiles.
    public struct Configuration: Sendable {
        /// The quantiles to expose, each in `[0, 1]`.
        public var quantiles: [Double]
        /// How long an observation counts towards the quantiles.
        public var maxAge: Duration
        /// How many buckets the window is split into.
        public var ageBuckets: Int
        /// The most observations one age bucket keeps.
        public var samplesPerBucket: Int

        /// Creates a configuration.
        /// - Parameters:
        ///   - quantiles: the quantiles to expose (default 0.5, 0.9, 0.99).
        ///   - maxAge: the sliding window (default 10 minutes, as Prometheus's Go client).
        ///   - ageBuckets: how many buckets the window rotates through (default 5).
        ///   - samplesPerBucket: the most observations each bucket keeps (default 1,024).
        public init(
            quantiles: [Double] = [0.5, 0.9, 0.99],
            maxAge: Duration = .seconds(600),
            ageBuckets: Int = 5,
            samplesPerBucket: Int = 1024
        ) {
            self.quantiles = quantiles
            self.maxAge = maxAge
            self.ageBuckets = ageBuckets
            self.samplesPerBucket = samplesPerBucket
        }

        func validated(metricName: String) throws(MetricError) -> Configuration {
            for quantile in self.quantiles where !(0...1).contains(quantile) {
                throw MetricError(code: .invalidQuantile, metricName: metricName, reason: "quantile \(quantile) is outside [0, 1]")
            }
            guard self.maxAge > .zero, self.ageBuckets >= 1, self.samplesPerBucket >= 1 else {
                throw MetricError(
                    code: .invalidConfiguration,
                    metricName: metricName,
                    reason: "maxAge must be positive; ageBuckets and samplesPerBucket at least 1"
                )
            }
            var copy = self
            copy.quantiles = Array(Set(self.quantiles)).sorted()
            return copy
        }
    }

    private struct AgeBucket {
        var samples: [Double] = []
        var seen: UInt64 = 0
    }

    private struct Window {
        var buckets: [AgeBucket]
        var current = 0
        var currentStart: Double
        var random = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
    }

    private let configuration: Configuration
    private let bucketSpan: Double
    private let clock: @Sendable () -> Double
    private let window: Mutex<Window>
    private let count = ManagedAtomic<UInt64>(0)
    private let sumBits = ManagedAtomic<UInt64>(0.0.bitPattern)

    init(configuration: Configuration, clock: @escaping @Sendable () -> Double) {
        self.configuration = configuration
        self.clock = clock
        self.bucketSpan = configuration.maxAge.seconds / Double(configuration.ageBuckets)
        self.window = Mutex(Window(buckets: Array(repeating: AgeBucket(), count: configuration.ageBuckets), currentStart: clock()))
    }

    /// Records one observation.
    public func observe(_ value: Double) {
        let now = self.clock()
        let limit = self.configuration.samplesPerBucket
        self.window.withLock { window in
            self.rotate(&window, now: now)
            window.buckets[window.current].seen += 1
            let seen = window.buckets[window.current].seen
            if window.buckets[window.current].samples.count < limit {
                window.buckets[window.current].samples.append(value)
            } else {
                let slot = window.random.next() % seen
                if slot < UInt64(limit) {
                    window.buckets[window.current].samples[Int(slot)] = value
                }
            }
        }
        self.count.wrappingIncrement(ordering: .relaxed)
        var current = self.sumBits.load(ordering: .relaxed)
        while true {
            let (exchanged, original) = self.sumBits.weakCompareExchange(
                expected: current,
                desired: (Double(bitPattern: current) + value).bitPattern,
                ordering: .relaxed
            )
            if exchanged { break }
            current = original
        }
    }

    /// Runs `body` and observes how long it took, in seconds.
    public func time<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        let start = ContinuousClock.now
        defer { self.observe((ContinuousClock.now - start).seconds) }
        return try body()
    }

    /// The quantiles over the current window, in the order of ``Configuration/quantiles``; NaN when the window is empty.
    public var quantileValues: [(quantile: Double, value: Double)] {
        let now = self.clock()
        let weighted: [(value: Double, weight: Double)] = self.window.withLock { window in
            self.rotate(&window, now: now)
            var result: [(Double, Double)] = []
            for bucket in window.buckets where !bucket.samples.isEmpty {
                let weight = Double(bucket.seen) / Double(bucket.samples.count)
                for sample in bucket.samples { result.append((sample, weight)) }
            }
            return result
        }
        let sorted = weighted.sorted { $0.value < $1.value }
        let total = sorted.reduce(0) { $0 + $1.weight }
        return self.configuration.quantiles.map { quantile in
            guard total > 0 else { return (quantile, .nan) }
            let rank = quantile * total
            var cumulative = 0.0
            for entry in sorted {
                cumulative += entry.weight
                if cumulative >= rank { return (quantile, entry.value) }
            }
            return (quantile, sorted.last?.value ?? .nan)
        }
    }

    /// The number of observations ever made.
    public var observationCount: UInt64 { self.count.load(ordering: .relaxed) }

    /// The sum of all observations ever made.
    public var sum: Double { Double(bitPattern: self.sumBits.load(ordering: .relaxed)) }

    private func rotate(_ window: inout Window, now: Double) {
        var steps = 0
        while now - window.currentStart >= self.bucketSpan && steps <= window.buckets.count {
            window.current = (window.current + 1) % window.buckets.count
            window.buckets[window.current] = AgeBucket()
            window.currentStart += self.bucketSpan
            steps += 1
        }
        if now - window.currentStart >= self.bucketSpan {
            window.currentStart = now  // idle for longer than the window: every bucket is already empty
        }
    }

    func write(to writer: inout ExpositionWriter, names: FamilyNames, labels: [UInt8]) {
        let count = self.observationCount
        let sum = self.sum
        for (quantile, value) in self.quantileValues {
            writer.writeSeriesPrefix(names.textBytes, labels: labels, extraLabel: "quantile", extraValue: quantile)
            writer.appendDouble(value)
            writer.endSample(exemplar: nil)
        }
        writer.writeSeriesPrefix(names.textBytes, suffix: "_sum", labels: labels)
        writer.appendDouble(sum)
        writer.endSample(exemplar: nil)
        writer.writeSeriesPrefix(names.textBytes, suffix: "_count", labels: labels)
        writer.appendUInt(count)
        writer.endSample(exemplar: nil)
    }
}

/// A small, fast pseudo-random generator for reservoir sampling (not for anything secret).
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { self.state = seed }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
