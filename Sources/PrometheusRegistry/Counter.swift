import Synchronization

/// A monotonically increasing value: requests served, errors seen, dollars spent.
///
/// Updates never block and take no locked instruction: each thread adds to its own shard of the counter (see
/// `ShardedCells`). Integer and floating-point increments are kept in two cells, so integer counting stays exact at
/// any size; the exposed value is their sum over every shard.
// @unchecked Sendable: `cells` is allocated in init, freed in deinit, and only ever accessed through the C shard
// functions, which use atomic loads and stores; the exemplar is behind a Mutex.
public final class Counter: MetricSeries, @unchecked Sendable {
    /// Two cells per shard: the integer part, then the floating-point part's bit pattern. Raw cells rather than
    /// `ManagedAtomic` objects, so that an update or a scrape touches no reference count.
    private let cells = ShardedCells(cellCount: 2)
    private let exemplarBox = Mutex<Exemplar?>(nil)

    init() {}

    deinit {
        self.cells.deallocate()
    }

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
        let (integer, floating) = self.cells.counterSums()
        return Double(integer) + floating
    }

    /// The last exemplar recorded, if any.
    public var exemplar: Exemplar? {
        self.exemplarBox.withLock { $0 }
    }

    /// Sets the counter back to zero, as a process restart would (swift-metrics' `reset()`).
    /// Increments racing with the reset may count before it.
    func reset() {
        self.cells.reset()
    }

    @usableFromInline
    func addInteger(_ amount: UInt64) {
        self.cells.add(amount, at: 0)
    }

    func addFloating(_ amount: Double) {
        self.cells.add(amount, at: 1)
    }

    func write(to writer: inout ExpositionWriter, names: FamilyNames, labels: [UInt8]) {
        if writer.format.isOpenMetrics {
            writer.writeSeriesPrefix(names.openMetricsStemBytes, suffix: "_total", labels: labels)
        } else {
            writer.writeSeriesPrefix(names.textBytes, labels: labels)
        }
        Self.appendValue(of: self.cells, to: &writer.bytes)
        writer.endSample(exemplar: writer.format.isOpenMetrics ? self.exemplar : nil)
    }
}

extension Counter: OneLineSeries {
    var cellsAddress: UnsafeMutableRawPointer { self.cells.address }

    static func linePrefix(names: FamilyNames, labels: [UInt8], format: ExpositionFormat) -> [UInt8] {
        var writer = ExpositionWriter(format: format, capacity: 128)
        if format.isOpenMetrics {
            writer.writeSeriesPrefix(names.openMetricsStemBytes, suffix: "_total", labels: labels)
        } else {
            writer.writeSeriesPrefix(names.textBytes, labels: labels)
        }
        return writer.bytes
    }

    static func appendValue(cells: UnsafeMutableRawPointer, to bytes: inout [UInt8]) {
        Self.appendValue(of: ShardedCells(address: cells, cellCount: 2), to: &bytes)
    }

    private static func appendValue(of cells: ShardedCells, to bytes: inout [UInt8]) {
        let (integer, floating) = cells.counterSums()
        if floating == 0 {
            NumberFormatting.appendUInt(integer, to: &bytes)
        } else {
            NumberFormatting.appendDouble(Double(integer) + floating, to: &bytes)
        }
    }

    static func needsFullWrite(_ format: ExpositionFormat) -> Bool { format.isOpenMetrics }
}
