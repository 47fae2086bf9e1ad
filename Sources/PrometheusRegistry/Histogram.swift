import CRegistryShims
import Synchronization

/// Observations counted into buckets: request durations, response sizes.
///
/// An observation never blocks and takes no locked instruction: each thread adds to its own shard (see
/// `ShardedCells`), its bucket and the sum. Buckets are stored non-cumulatively and summed at scrape time, so every
/// scrape is internally consistent: the cumulative buckets never decrease and `le="+Inf"` always equals `_count`.
/// `_sum` may trail by observations still in flight.
// @unchecked Sendable: `cells` and `bounds` are allocated once in init and freed in deinit; cells are only accessed
// through the C shard functions (atomic loads and stores), bounds are immutable; `exemplars` is behind a Mutex.
public final class Histogram: MetricSeries, @unchecked Sendable {
    /// Prometheus's default buckets: 5 ms to 10 s.
    public static let defaultBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// The finite upper bounds; the `+Inf` bucket is implied.
    public let upperBounds: [Double]
    /// Per shard, one cell per bucket (the last is `+Inf`), then the sum's bit pattern.
    private let cells: ShardedCells
    /// The bounds, out of the array, so that an observation reads no array and touches no reference count.
    private let bounds: UnsafeMutablePointer<Double>
    private let boundCount: Int
    private let exemplars = Mutex<[Exemplar?]>([])

    init(upperBounds: [Double]) {
        self.upperBounds = upperBounds
        self.boundCount = upperBounds.count
        self.cells = ShardedCells(cellCount: upperBounds.count + 2)
        self.bounds = .allocate(capacity: max(1, upperBounds.count))
        self.bounds.initialize(from: upperBounds, count: upperBounds.count)
    }

    deinit {
        self.cells.deallocate()
        self.bounds.deinitialize(count: self.boundCount)
        self.bounds.deallocate()
    }

    /// Checks that `buckets` are finite, unique and sorted, dropping a trailing `+Inf` (it is always implied).
    static func validatedBounds(_ buckets: [Double], metricName: String) throws(MetricError) -> [Double] {
        var bounds = buckets
        if bounds.last == .infinity { bounds.removeLast() }
        guard !bounds.contains(where: { !$0.isFinite }) else {
            throw MetricError(code: .invalidBuckets, metricName: metricName, reason: "bucket bounds must be finite numbers")
        }
        for index in bounds.indices.dropFirst() where bounds[index - 1] >= bounds[index] {
            throw MetricError(
                code: .invalidBuckets,
                metricName: metricName,
                reason: "bucket bounds must be sorted and unique (\(bounds[index - 1]) then \(bounds[index]))"
            )
        }
        return bounds
    }

    /// Records one observation.
    public func observe(_ value: Double) {
        let index = self.bucketIndex(for: value)
        let shard = self.cells.shard()
        cregistry_cell_add_u64(shard + index, 1)
        cregistry_cell_add_f64(shard + self.boundCount + 1, value)
    }

    /// Records a duration, in seconds (the unit Prometheus expects of every timing).
    public func observe(_ duration: Duration) {
        self.observe(duration.seconds)
    }

    /// Records one observation with an exemplar for its bucket (exposed in OpenMetrics).
    /// - Throws: ``MetricError`` when the exemplar's labels are invalid; the observation is then not recorded.
    public func observe(_ value: Double, exemplar labels: [Label]) throws(MetricError) {
        let exemplar = try Exemplar(labels: labels, value: value, timestamp: WallClock.now())
        let index = self.bucketIndex(for: value)
        self.observe(value)
        self.exemplars.withLock { exemplars in
            if exemplars.isEmpty {
                exemplars = Array(repeating: nil, count: self.upperBounds.count + 1)
            }
            exemplars[index] = exemplar
        }
    }

    /// Runs `body` and observes how long it took, in seconds.
    public func time<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        let start = ContinuousClock.now
        defer { self.observe((ContinuousClock.now - start).seconds) }
        return try body()
    }

    /// Runs the asynchronous `body` and observes how long it took, in seconds.
    public func time<Result, Failure: Error>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws(Failure) -> Result
    ) async throws(Failure) -> Result {
        let start = ContinuousClock.now
        defer { self.observe((ContinuousClock.now - start).seconds) }
        return try await body()
    }

    /// A consistent snapshot: cumulative bucket counts (the last is `+Inf`), the count and the sum.
    public var snapshot: HistogramSnapshot {
        var cumulative = self.cells.integerSums(count: self.boundCount + 1)
        var running: UInt64 = 0
        for index in cumulative.indices {
            running &+= cumulative[index]
            cumulative[index] = running
        }
        let sum = self.cells.doubleSum(at: self.boundCount + 1)
        return HistogramSnapshot(upperBounds: self.upperBounds, cumulativeCounts: cumulative, sum: sum)
    }

    @inline(__always)
    private func bucketIndex(for value: Double) -> Int {
        let bounds = self.bounds
        let count = self.boundCount
        if count <= 16 {
            for index in 0..<count where value <= bounds[index] {
                return index
            }
            return count
        }
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if value <= bounds[middle] { high = middle } else { low = middle + 1 }
        }
        return low
    }

    func write(to writer: inout ExpositionWriter, names: FamilyNames, labels: [UInt8]) {
        let snapshot = self.snapshot
        let exemplars = writer.format.isOpenMetrics ? self.exemplars.withLock { $0 } : []
        for index in 0...self.upperBounds.count {
            let bound = index < self.upperBounds.count ? self.upperBounds[index] : .infinity
            writer.writeSeriesPrefix(names.textBytes, suffix: "_bucket", labels: labels, extraLabel: "le", extraValue: bound)
            writer.appendUInt(snapshot.cumulativeCounts[index])
            writer.endSample(exemplar: exemplars.isEmpty ? nil : exemplars[index])
        }
        writer.writeSeriesPrefix(names.textBytes, suffix: "_sum", labels: labels)
        writer.appendDouble(snapshot.sum)
        writer.endSample(exemplar: nil)
        writer.writeSeriesPrefix(names.textBytes, suffix: "_count", labels: labels)
        writer.appendUInt(snapshot.count)
        writer.endSample(exemplar: nil)
    }
}

/// A point-in-time reading of a ``Histogram``.
public struct HistogramSnapshot: Sendable, Hashable {
    /// The finite upper bounds.
    public var upperBounds: [Double]
    /// Cumulative counts per bucket; the last entry is the `+Inf` bucket.
    public var cumulativeCounts: [UInt64]
    /// The sum of all observations.
    public var sum: Double
    /// The number of observations (the `+Inf` bucket).
    public var count: UInt64 { self.cumulativeCounts.last ?? 0 }
}

extension Duration {
    /// This duration in seconds, as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
