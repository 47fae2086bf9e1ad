import Synchronization

/// The sorted-set member that records one request in a rate-limit window: unique across requests and API instances
/// (a random 64-bit prefix drawn once per process, then a counter), without a system call per request as `UUID()`
/// makes (it opens `/dev/urandom`).
enum RequestMember {
    private static let prefix = String(UInt64.random(in: .min ... .max), radix: 36)
    private static let counter = Atomic<UInt64>(0)

    /// The next member.
    static func next() -> String {
        let number = Self.counter.wrappingAdd(1, ordering: .relaxed).newValue
        return Self.prefix + "." + String(number, radix: 36)
    }
}
