/// Stops calling a failing provider for a while: after `threshold` failures in a row the circuit opens and every call
/// is refused at once for `openFor`; then one trial call is let through (half-open), whose outcome closes the circuit
/// or opens it again. A pure value: the caller passes the time.
public struct CircuitBreaker: Sendable, Hashable {
    /// Where the circuit is.
    public enum State: Sendable, Hashable {
        /// Calls go through; `failures` in a row so far.
        case closed(failures: Int)
        /// Calls are refused until `until`.
        case open(until: ContinuousClock.Instant)
        /// One trial call is in flight; others are refused.
        case halfOpen
    }

    /// Failures in a row that open the circuit.
    public let threshold: Int
    /// How long it stays open.
    public let openFor: Duration
    /// The current state.
    public private(set) var state: State = .closed(failures: 0)

    /// A closed circuit.
    public init(threshold: Int = 5, openFor: Duration = .seconds(30)) {
        self.threshold = max(1, threshold)
        self.openFor = openFor
    }

    /// Whether a call may be made at `now` (moving an open circuit whose time is up to half-open: that call is the
    /// trial).
    public mutating func permit(at now: ContinuousClock.Instant) -> Bool {
        switch self.state {
        case .closed: return true
        case .halfOpen: return false
        case .open(let until):
            guard now >= until else { return false }
            self.state = .halfOpen
            return true
        }
    }

    /// Records a permitted call's outcome.
    public mutating func record(success: Bool, at now: ContinuousClock.Instant) {
        if success {
            self.state = .closed(failures: 0)
            return
        }
        switch self.state {
        case .closed(let failures) where failures + 1 < self.threshold: self.state = .closed(failures: failures + 1)
        case .closed, .halfOpen, .open: self.state = .open(until: now + self.openFor)
        }
    }

    /// Whether calls are being refused (open, or half-open with its trial in flight).
    public var isOpen: Bool {
        if case .closed = self.state { return false }
        return true
    }
}
