import Atomics
import Synchronization

/// A monotonically increasing value: requests served, errors seen, dollars spent.
///
/// Updates are single atomic operations and never block. Integer and floating-point increments are kept in two
/// cells, so integer counting stays exact at any size; the exposed value is their sum.
public final class Counter: MetricSeries {
    private let integerPart = ManagedAtomic<UInt64>(0)
    private let floatingPart = ManagedAtomic<UInt64>(0.0.bitPattern)
    private let exemplarBox = Mutex<Exemplar?>(nil)

    init() {}

    /// Adds one.
    @inlinable
    public func inc() {
        self.addInteger(1)
    }

    /// Adds a whole amount.
    /// - Throws: ``MetricError/Code-swift.struct/invalidValue`` when `amount` is negative; the counter is unchanged.
    public func inc(by amount: Int) throws(MetricError) {
        guard amount >= 0 else {
            throw MetricError(code: .invalidValue, reason: "a counter cannot be decreased (increment \(amount))")
        }
        self.addInteger(UInt64(amount))
    }

    /// Adds a floating-point amount, such as a cost in dollars.
    /// - Throws: ``MetricError/Code-swift.struct/invalidValue`` when `amount` is negative, NaN or infinite;
    ///   the counter is unchanged.
    public func inc(by amount: Double) throws(MetricError) {
        guard amount >= 0, amount.isFinite else {
            throw MetricError(code: .invalidValue, reason: "a counter increment must be finite and non-negative (\(amount))")
        }
        self.addFloating(amount)
    }

    /// Adds `amount` and records an exemplar for it (exposed in OpenMetrics).
    /// - Throws: ``MetricError`` when `amount` is negative, NaN or infinite.
    public func inc(by amount: Double = 1, exemplar labels: [Label]) throws(MetricError) {
        let exemplar = try Exemplar(labels: labels, value: amount, timestamp: WallClock.now())
        try self.inc(by: amount)
        self.exemplarBox.withLock { $0 = exemplar }
    }

    /// The current value.
    public var value: Double {
        Double(self.integerPart.load(ordering: .relaxed)) + Double(bitPattern: self.floatingPart.load(ordering: .relaxed))
    }

    /// The last exemplar recorded, if any.
    public var exemplar: Exemplar? {
        self.exemplarBox.withLock { $0 }
    }

    /// Sets the counter back to zero, as a process restart would (swift-metrics' `reset()`).
    func reset() {
        self.integerPart.store(0, ordering: .relaxed)
        self.floatingPart.store(0.0.bitPattern, ordering: .relaxed)
    }

    @usableFromInline
    func addInteger(_ amount: UInt64) {
        self.integerPart.wrappingIncrement(by: amount, ordering: .relaxed)
    }

    func addFloating(_ amount: Double) {
        var current = self.floatingPart.load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + amount).bitPattern
            let (exchanged, original) = self.floatingPart.weakCompareExchange(
                expected: current,
                desired: next,
                ordering: .relaxed
            )
            if exchanged { return }
            current = original
        }
    }

    func write(to writer: inout ExpositionWriter, names: FamilyNames, labels: [UInt8]) {
        if writer.format.isOpenMetrics {
            writer.writeSeriesPrefix(names.openMetricsStem, suffix: "_total", labels: labels)
        } else {
            writer.writeSeriesPrefix(names.text, labels: labels)
        }
        let floating = Double(bitPattern: self.floatingPart.load(ordering: .relaxed))
        let integer = self.integerPart.load(ordering: .relaxed)
        if floating == 0 {
            writer.appendUInt(integer)
        } else {
            writer.appendDouble(Double(integer) + floating)
        }
        writer.endSample(exemplar: writer.format.isOpenMetrics ? self.exemplar : nil)
    }
}
