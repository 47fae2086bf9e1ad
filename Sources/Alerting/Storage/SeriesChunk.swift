/// A timestamped sample value.
public struct Point: Hashable, Sendable {
    /// Milliseconds since the Unix epoch.
    public var t: Int64
    /// The value.
    public var v: Double

    /// A point.
    public init(t: Int64, v: Double) {
        self.t = t
        self.v = v
    }
}

/// Up to `SeriesChunk.capacity` samples of one series: timestamps as 32-bit offsets from the chunk's first one, values
/// as doubles, so a sample costs 12 bytes plus a share of the chunk's two array headers.
struct SeriesChunk {
    static let capacity = 120

    let base: Int64
    private(set) var offsets: [UInt32]
    private(set) var values: [Double]

    init(first: Point) {
        self.base = first.t
        self.offsets = []
        self.values = []
        self.offsets.reserveCapacity(8)
        self.values.reserveCapacity(8)
        self.offsets.append(0)
        self.values.append(first.v)
    }

    var count: Int { self.offsets.count }
    var isFull: Bool { self.offsets.count >= Self.capacity }
    var firstTime: Int64 { self.base }
    var lastTime: Int64 { self.base + Int64(self.offsets[self.offsets.count - 1]) }

    /// Whether `t` fits in a 32-bit offset from the base.
    func accepts(_ t: Int64) -> Bool { t - self.base <= Int64(UInt32.max) }

    mutating func append(_ point: Point) {
        // Grow both arrays together, never past the chunk's capacity (their capacities can differ by malloc rounding).
        if self.offsets.count == self.offsets.capacity || self.values.count == self.values.capacity {
            let grown = Swift.min(Swift.max(self.offsets.count, self.values.count) * 2, Self.capacity)
            self.offsets.reserveCapacity(grown)
            self.values.reserveCapacity(grown)
        }
        self.offsets.append(UInt32(point.t - self.base))
        self.values.append(point.v)
    }

    @inline(__always)
    func time(at index: Int) -> Int64 { self.base + Int64(self.offsets[index]) }

    @inline(__always)
    func value(at index: Int) -> Double { self.values[index] }

    /// The index of the first sample with a timestamp at or after `t` (`count` when none).
    func firstIndex(atOrAfter t: Int64) -> Int {
        if t <= self.base { return 0 }
        let offset = t - self.base
        if offset > Int64(UInt32.max) { return self.count }
        let target = UInt32(offset)
        var low = 0
        var high = self.offsets.count
        while low < high {
            let middle = (low + high) / 2
            if self.offsets[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Bytes of memory the chunk holds for its samples.
    var bytes: Int { self.offsets.capacity * 4 + self.values.capacity * 8 + 2 * 32 + 8 }
}
