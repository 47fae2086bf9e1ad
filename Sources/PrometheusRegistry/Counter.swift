import Atomics
import Synchronization

/// A monotonically increasing value: requests served, errors seen, dollars spent.
///
/// Updates are single atomic operations and never block. Integer and floating-point increments are kept in two
/// cells, so integer counting stays exact at any size; the exposed value is their sum.
// @unchecked Sendable: `cells` is allocated in init, freed in deinit, and only ever accessed through `UnsafeAtomic`;
// the exemplar is behind a Mutex.
public final class Counter: MetricSeries, @unchecked Sendable {
    /// Four cells in one allocation: the integer part, the floating-point part's bit pattern, then the address of
    /// the integer part's per-CPU stripes and its last sampled CPU (see ``StripedCounterCell``). Raw cells rather than `ManagedAtomic`
    /// objects, so that an update or a scrape touches no reference count.
    private let cells: UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>
    private let exemplarBox = Mutex<Exemplar?>(nil)

    init() {
        self.cells = .allocate(capacity: 4)
        self.cells.initialize(repeating: UnsafeAtomic<UInt64>.Storage(0), count: 4)
        (self.cells + 1).pointee = UnsafeAtomic<UInt64>.Storage(0.0.bitPattern)
    }

    deinit {
        self.integerPart.deallocateStripes()
        self.cells.deinitialize(count: 4)
        self.cells.deallocate()
    }

    private var integerPart: StripedCounterCell { Self.integerPart(self.cells) }
    private var floatingPart: UnsafeAtomic<UInt64> { UnsafeAtomic(at: self.cells + 1) }

    @inline(__always)
    private static func integerPart(_ cells: UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>) -> StripedCounterCell {
        StripedCounterCell(base: UnsafeAtomic(at: cells), stripes: UnsafeAtomic(at: cells + 2), owner: UnsafeAtomic(at: cells + 3))
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
        Double(self.integerPart.load()) + Double(bitPattern: self.floatingPart.load(ordering: .relaxed))
    }

    /// Whether increments from several CPUs made the integer part spread over per-CPU stripes.
    var isStriped: Bool {
        UnsafeAtomic<UInt64>(at: self.cells + 2).load(ordering: .acquiring) != 0
    }

    /// Records an increment sample as if it came from `cpu`; for tests of the striping.
    func sampleContention(cpu: UInt64) {
        self.integerPart.sampleOwner(cpu: cpu)
    }

    /// The last exemplar recorded, if any.
    public var exemplar: Exemplar? {
        self.exemplarBox.withLock { $0 }
    }

    /// Sets the counter back to zero, as a process restart would (swift-metrics' `reset()`).
    func reset() {
        self.integerPart.reset()
        self.floatingPart.store(0.0.bitPattern, ordering: .relaxed)
    }

    @usableFromInline
    func addInteger(_ amount: UInt64) {
        self.integerPart.add(amount)
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
            writer.writeSeriesPrefix(names.openMetricsStemBytes, suffix: "_total", labels: labels)
        } else {
            writer.writeSeriesPrefix(names.textBytes, labels: labels)
        }
        let floating = Double(bitPattern: self.floatingPart.load(ordering: .relaxed))
        let integer = self.integerPart.load()
        if floating == 0 {
            writer.appendUInt(integer)
        } else {
            writer.appendDouble(Double(integer) + floating)
        }
        writer.endSample(exemplar: writer.format.isOpenMetrics ? self.exemplar : nil)
    }
}

extension Counter: OneLineSeries {
    var cellsAddress: UnsafeMutableRawPointer { UnsafeMutableRawPointer(self.cells) }

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
        let base = cells.assumingMemoryBound(to: UnsafeAtomic<UInt64>.Storage.self)
        let integer = Self.integerPart(base).load()
        let floating = Double(bitPattern: UnsafeAtomic<UInt64>(at: base + 1).load(ordering: .relaxed))
        if floating == 0 {
            NumberFormatting.appendUInt(integer, to: &bytes)
        } else {
            NumberFormatting.appendDouble(Double(integer) + floating, to: &bytes)
        }
    }

    static func needsFullWrite(_ format: ExpositionFormat) -> Bool { format.isOpenMetrics }
}
