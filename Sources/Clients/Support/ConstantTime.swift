/// Comparing secrets without leaking where they differ.
public enum ConstantTime {
    /// Whether `given` equals `expected`, in time that depends only on `expected`'s length (not on where, or
    /// whether, the two differ), so a token cannot be guessed byte by byte from response times.
    public static func equals(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for index in 0..<expected.count {
            difference |= expected[index] ^ (index < given.count ? given[index] : 0)
        }
        return difference == 0
    }
}
