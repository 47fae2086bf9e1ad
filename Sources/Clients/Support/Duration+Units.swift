extension Duration {
    /// This duration in seconds.
    public var seconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// This duration in whole milliseconds, rounded down, never negative: what C timeouts take.
    public var wholeMilliseconds: Int {
        let (seconds, attoseconds) = self.components
        return max(0, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }

    /// This duration in whole microseconds, rounded down, never negative.
    public var wholeMicroseconds: Int {
        let (seconds, attoseconds) = self.components
        return max(0, Int(seconds) * 1_000_000 + Int(attoseconds / 1_000_000_000_000))
    }
}
