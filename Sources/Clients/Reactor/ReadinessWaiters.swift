/// The reactor's table of who waits for which descriptor and until when: a pure value, tested without sockets or
/// clocks. One waiter per descriptor (a connection is used by one task at a time).
struct ReadinessWaiters<Waiter> {
    fileprivate struct Entry {
        var deadline: Deadline
        var waiter: Waiter
    }

    private var entries: [Int32: Entry] = [:]
    /// When the reactor thread will next wake of its own accord (`nil` before it first plans).
    private(set) var plannedWake: Deadline?

    /// How many waits are pending.
    var count: Int { self.entries.count }
    /// Whether a wait is polling its descriptor on its caller's thread (see ``startPolling()``).
    private(set) var polling = false

    /// What ``add(_:deadline:waiter:)`` found.
    enum Added: Equatable {
        /// Registered; `wakeReactor` when its deadline comes before the reactor's planned wake-up, so the reactor must
        /// be woken to shorten its sleep.
        case added(wakeReactor: Bool)
        /// Someone already waits for this descriptor; nothing was changed.
        case alreadyWaiting
    }

    /// Registers `waiter` for `descriptor` until `deadline`.
    mutating func add(_ descriptor: Int32, deadline: Deadline, waiter: Waiter) -> Added {
        guard self.entries[descriptor] == nil else { return .alreadyWaiting }
        self.entries[descriptor] = Entry(deadline: deadline, waiter: waiter)
        let wake = self.plannedWake.map { deadline < $0 } ?? true
        if wake { self.plannedWake = deadline }
        return .added(wakeReactor: wake)
    }

    /// The waiter for a descriptor that became ready, removed from the table (`nil` if none: it timed out first).
    mutating func ready(_ descriptor: Int32) -> Waiter? {
        self.entries.removeValue(forKey: descriptor)?.waiter
    }

    /// Removes and returns every waiter whose deadline is at or before `now`.
    mutating func expire(now: ContinuousClock.Instant) -> [(descriptor: Int32, waiter: Waiter)] {
        var expired: [(descriptor: Int32, waiter: Waiter)] = []
        for (descriptor, entry) in self.entries where entry.deadline.instant <= now {
            expired.append((descriptor, entry.waiter))
        }
        for item in expired { self.entries[item.descriptor] = nil }
        return expired
    }

    /// The reactor's next wake-up, recorded: the earliest pending deadline, but never later than `longestSleep` after
    /// `now`. A new wait wakes the reactor only when its deadline comes before the planned wake-up, so with the sleep
    /// bounded, a wait whose deadline is further off than `longestSleep` (every query's and command's timeout is) never
    /// has to wake it; unbounded, each wait arriving when nobody waited cost two extra thread wake-ups (the eventfd's,
    /// then the answer's), three per cached extraction.
    mutating func planWake(now: ContinuousClock.Instant, longestSleep: Duration) -> Deadline {
        let bound = Deadline(instant: now + longestSleep)
        let planned = self.entries.values.lazy.map(\.deadline).min().map { Swift.min($0, bound) } ?? bound
        self.plannedWake = planned
        return planned
    }
}

extension ReadinessWaiters {
    /// Whether a new wait may poll its descriptor on its caller's thread for a while before it suspends: only when
    /// nothing else waits and nobody else polls, that is when the process has one request in flight and the thread
    /// would otherwise sleep. Then the answer is read without waking the reactor's thread and then the caller's: at
    /// one connection those two wake-ups were most of a round trip's cost. With any other wait pending the process is
    /// busy, a thread polling would take CPU from work, and the wait suspends at once. `true` reserves the poll;
    /// ``endPolling()`` returns it.
    mutating func startPolling() -> Bool {
        guard !self.polling, self.entries.isEmpty else { return false }
        self.polling = true
        return true
    }

    /// Ends the poll ``startPolling()`` allowed.
    mutating func endPolling() {
        self.polling = false
    }
}

extension ReadinessWaiters: Sendable where Waiter: Sendable {}
extension ReadinessWaiters.Entry: Sendable where Waiter: Sendable {}
