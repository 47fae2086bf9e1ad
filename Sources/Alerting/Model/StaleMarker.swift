/// Prometheus's staleness marker: a NaN with a particular bit pattern that ends a series at once for lookback.
public enum StaleMarker {
    /// The bit pattern of the marker (`value.StaleNaN` in Prometheus).
    public static let bitPattern: UInt64 = 0x7ff0_0000_0000_0002

    /// The marker as a sample value.
    public static var value: Double { Double(bitPattern: Self.bitPattern) }

    /// Whether `value` is the marker (and not some other NaN).
    @inline(__always)
    public static func isStale(_ value: Double) -> Bool { value.bitPattern == Self.bitPattern }
}
