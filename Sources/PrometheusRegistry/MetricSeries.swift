/// One time series of a family: a ``Counter``, ``Gauge``, ``Histogram`` or ``Summary``.
///
/// Only the registry's own types conform; it is public so that ``MetricFamily`` can name them.
public protocol MetricSeries: AnyObject, Sendable {}

/// The label values of one series, hashed once with FNV-1a so that a lookup hashes each value a single time.
struct LabelKey: Hashable, Sendable {
    let values: [String]
    private let hash: Int

    init(_ values: [String]) {
        self.values = values
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for value in values {
            for byte in value.utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            }
            hash = (hash ^ 0xFF) &* 0x0000_0100_0000_01B3
        }
        self.hash = Int(truncatingIfNeeded: hash)
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(self.hash)
    }

    static func == (lhs: LabelKey, rhs: LabelKey) -> Bool {
        lhs.hash == rhs.hash && lhs.values == rhs.values
    }
}
