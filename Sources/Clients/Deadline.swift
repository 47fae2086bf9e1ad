#if canImport(Glibc)
import Glibc
#endif

/// A point on the monotonic clock by which a blocking C call must give up.
public struct Deadline: Sendable, Hashable, Comparable {
    /// The instant.
    public var instant: ContinuousClock.Instant

    /// `timeout` from now.
    public static func after(_ timeout: Duration) -> Deadline {
        Deadline(instant: .now + timeout)
    }

    /// What is left, never negative.
    public var remaining: Duration {
        max(.zero, self.instant - .now)
    }

    /// What is left in whole milliseconds, at least 1 while any time remains, else 0.
    public var remainingMilliseconds: Int {
        let remaining = self.remaining
        guard remaining > .zero else { return 0 }
        return max(1, remaining.wholeMilliseconds)
    }

    /// Whether it has passed.
    public var hasPassed: Bool { ContinuousClock.now >= self.instant }

    public static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.instant < rhs.instant }
}

/// Waits until `descriptor` is readable (or writable) or `deadline` passes. Blocking: call only on a thread pool.
/// - Returns: `true` when the descriptor is ready, `false` on timeout.
func waitForDescriptor(_ descriptor: Int32, writable: Bool, deadline: Deadline) -> Bool {
    while true {
        let milliseconds = deadline.remainingMilliseconds
        if milliseconds == 0 { return false }
        var entry = pollfd(fd: descriptor, events: Int16(writable ? POLLOUT : POLLIN), revents: 0)
        let result = poll(&entry, 1, Int32(clamping: milliseconds))
        if result > 0 { return true }
        if result == 0 { continue }  // re-check the deadline: poll may wake early
        if errno == EINTR { continue }
        return true  // let the library report the descriptor's error
    }
}
