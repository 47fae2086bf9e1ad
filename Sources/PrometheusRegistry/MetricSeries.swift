/// One time series of a family: a ``Counter``, ``Gauge``, ``Histogram`` or ``Summary``.
///
/// Only the registry's own types conform; it is public so that ``MetricFamily`` can name them.
public protocol MetricSeries: AnyObject, Sendable {}

/// A 64-bit hash of label values, eight bytes at a time (multiply and xor-shift, seeded per process).
///
/// Faster than `Hasher` for the short strings labels are, which matters because a labelled lookup is on every
/// request's path. The per-process seed keeps crafted label values from colliding on purpose; a collision of the
/// full 64 bits only costs a string comparison.
struct LabelHasher {
    private static let seed: UInt64 = UInt64.random(in: .min ... .max) | 1
    private var state: UInt64

    init() {
        self.state = Self.seed
    }

    @inline(__always)
    private mutating func mix(_ word: UInt64) {
        self.state = (self.state ^ word) &* 0x9E37_79B9_7F4A_7C15
        self.state ^= self.state >> 29
    }

    /// Adds one label value; values are delimited, so `["ab", "c"]` and `["a", "bc"]` differ.
    mutating func combine(_ value: String) {
        var value = value
        value.withUTF8 { bytes in
            let count = bytes.count
            var offset = 0
            if let base = UnsafeRawPointer(bytes.baseAddress) {
                while offset + 8 <= count {
                    self.mix(base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                    offset += 8
                }
                var tail: UInt64 = 0
                var shift: UInt64 = 0
                while offset < count {
                    tail |= UInt64(bytes[offset]) << shift
                    shift += 8
                    offset += 1
                }
                self.mix(tail)
            }
            self.mix(UInt64(count) | 0xA5A5_0000_0000_0000)
        }
    }

    /// The hash of everything combined.
    var value: UInt64 {
        var result = self.state
        result ^= result >> 33
        result &*= 0xFF51_AFD7_ED55_8CCD
        result ^= result >> 33
        return result
    }

    static func hash(_ values: [String]) -> UInt64 {
        var hasher = LabelHasher()
        for value in values { hasher.combine(value) }
        return hasher.value
    }
}

/// Label values with their hash computed once.
struct LabelKey: Hashable, Sendable {
    let values: [String]
    let hash: UInt64

    init(_ values: [String]) {
        self.values = values
        self.hash = LabelHasher.hash(values)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(self.hash)
    }

    static func == (lhs: LabelKey, rhs: LabelKey) -> Bool {
        lhs.hash == rhs.hash && lhs.values == rhs.values
    }
}
