import Atomics

/// A value that goes up and down: connections open, queue depth, the time of the last success.
///
/// `set` is one atomic store; `inc` and `dec` are a compare-and-swap loop. Nothing blocks.
// @unchecked Sendable: `cell` is allocated in init, freed in deinit, and only ever accessed through `UnsafeAtomic`.
public final class Gauge: MetricSeries, @unchecked Sendable {
    /// The value's bit pattern, in a raw cell so that updates and scrapes touch no reference count.
    private let cell: UnsafeMutablePointer<UnsafeAtomic<UInt64>.Storage>

    init() {
        self.cell = .allocate(capacity: 1)
        self.cell.initialize(to: UnsafeAtomic<UInt64>.Storage(0.0.bitPattern))
    }

    deinit {
        self.cell.deinitialize(count: 1)
        self.cell.deallocate()
    }

    private var bits: UnsafeAtomic<UInt64> { UnsafeAtomic(at: self.cell) }

    /// Sets the value.
    public func set(_ value: Double) {
        self.bits.store(value.bitPattern, ordering: .relaxed)
    }

    /// Adds `amount` (which may be negative).
    public func inc(by amount: Double = 1) {
        var current = self.bits.load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + amount).bitPattern
            let (exchanged, original) = self.bits.weakCompareExchange(expected: current, desired: next, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// Subtracts `amount`.
    public func dec(by amount: Double = 1) {
        self.inc(by: -amount)
    }

    /// Sets the value to the current Unix time in seconds.
    public func setToCurrentTime() {
        self.set(WallClock.now())
    }

    /// Adds one while `body` runs and subtracts it when `body` returns or throws: requests in flight.
    public func trackInProgress<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        self.inc()
        defer { self.dec() }
        return try body()
    }

    /// Adds one while the asynchronous `body` runs and subtracts it when `body` returns or throws.
    public func trackInProgress<Result, Failure: Error>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: () async throws(Failure) -> Result
    ) async throws(Failure) -> Result {
        self.inc()
        defer { self.dec() }
        return try await body()
    }

    /// The current value.
    public var value: Double {
        Double(bitPattern: self.bits.load(ordering: .relaxed))
    }

    func write(to writer: inout ExpositionWriter, names: FamilyNames, labels: [UInt8]) {
        writer.writeSeriesPrefix(names.textBytes, labels: labels)
        writer.appendDouble(self.value)
        writer.endSample(exemplar: nil)
    }
}

extension Gauge: OneLineSeries {
    var cellsAddress: UnsafeMutableRawPointer { UnsafeMutableRawPointer(self.cell) }

    static func linePrefix(names: FamilyNames, labels: [UInt8], format: ExpositionFormat) -> [UInt8] {
        var writer = ExpositionWriter(format: format, capacity: 128)
        writer.writeSeriesPrefix(names.textBytes, labels: labels)
        return writer.bytes
    }

    static func appendValue(cells: UnsafeMutableRawPointer, to bytes: inout [UInt8]) {
        let bits = UnsafeAtomic<UInt64>(at: cells.assumingMemoryBound(to: UnsafeAtomic<UInt64>.Storage.self)).load(ordering: .relaxed)
        NumberFormatting.appendDouble(Double(bitPattern: bits), to: &bytes)
    }

    static func needsFullWrite(_ format: ExpositionFormat) -> Bool { false }
}
