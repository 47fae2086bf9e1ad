import CLinuxEpoll
import NIOConcurrencyHelpers
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Waits, on one thread, for the descriptors of many non-blocking connections to become readable or writable.
///
/// A PostgreSQL query or a Redis command on a non-blocking connection then needs no thread of its own: the caller
/// sends (a non-blocking write), suspends in ``wait(for:writable:deadline:)`` and is resumed when the answer arrives or
/// the deadline passes. Registering a wait is one `epoll_ctl` and wakes the reactor's thread only when the new deadline
/// is earlier than the wake-up it sleeps towards (at most 100 ms ahead, so in practice never); one `epoll_wait`
/// collects the answers of many connections at once. Compared
/// with a blocking call on a thread pool, each round trip saves a thread wake-up and a context switch.
///
/// When the process is otherwise idle (nothing else waits here, and a server that says when it serves requests,
/// ``requestStarted()``, serves only this one), a wait first polls its descriptor on the caller's thread for up to
/// ``pollLimit``, yielding the processor between polls, so an answer that comes back within it is read with no
/// wake-up at all; past the limit, or when busy, it suspends as above (the rule is `ReadinessWaiters.startPolling()`).
public final class IOReactor: Sendable {
    /// The process's reactor, started on first use and never stopped, like NIO's singletons.
    public static let shared = IOReactor()

    private let epoll: Int32
    private let wakeup: Int32
    // A pthread mutex (NIOLockedValueBox) rather than Synchronization's Mutex, whose futex ThreadSanitizer cannot see: CI
    // runs the concurrency tests of this type under TSan (scripts/tsan.sh).
    private let waiters: NIOLockedValueBox<ReadinessWaiters<CheckedContinuation<Bool, Never>>>
    private let thread: NIOThreadPool
    /// The longest the reactor's thread sleeps, even with nobody waiting: ten idle wake-ups a second, so that a wait
    /// whose deadline is further off (every timeout the clients use) never wakes it (see ``ReadinessWaiters``).
    static let longestSleep: Duration = .milliseconds(100)
    /// ``pollLimit`` in microseconds.
    private let pollMicroseconds = Atomic<Int>(IOReactor.defaultPollLimit.wholeMicroseconds)
    /// Requests in flight, as servers report them (``requestStarted()``).
    let requestsInFlight = Atomic<Int>(0)
    /// How many waits were answered while polling (for tests).
    let answeredWhilePolling = Atomic<Int>(0)

    /// The default ``pollLimit``: a PostgreSQL statement or a Redis command of a cached request comes back within it
    /// on loopback.
    public static let defaultPollLimit: Duration = .microseconds(500)
    /// The longest ``pollLimit``.
    public static let longestPollLimit: Duration = .milliseconds(10)

    /// How long a wait may poll its descriptor before it suspends, when nothing else waits, to the microsecond and at
    /// most ``longestPollLimit``; zero turns polling off.
    public var pollLimit: Duration {
        get { .microseconds(self.pollMicroseconds.load(ordering: .relaxed)) }
        set { self.pollMicroseconds.store(min(newValue, Self.longestPollLimit).wholeMicroseconds, ordering: .relaxed) }
    }

    /// Says that a request is being served: while more than one is, no wait polls (a polling thread would take a
    /// processor from the others). Pair with ``requestFinished()``.
    public func requestStarted() {
        self.requestsInFlight.add(1, ordering: .relaxed)
    }

    /// Says that a request ``requestStarted()`` announced is answered.
    public func requestFinished() {
        self.requestsInFlight.subtract(1, ordering: .relaxed)
    }

    init() {
        self.epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        self.wakeup = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        precondition(self.epoll >= 0 && self.wakeup >= 0, "epoll_create1 or eventfd failed (errno \(errno))")
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = self.wakeup
        precondition(epoll_ctl(self.epoll, EPOLL_CTL_ADD, self.wakeup, &event) == 0, "epoll_ctl failed (errno \(errno))")
        self.waiters = NIOLockedValueBox(ReadinessWaiters())
        self.thread = NIOThreadPool(numberOfThreads: 1)
        self.thread.start()
        self.thread.submit { [self] _ in self.run() }
    }

    /// Suspends until `descriptor` is readable (or writable) or `deadline` passes.
    /// - Returns: `true` when the descriptor is ready (or in error, which the library then reports), `false` at the
    ///   deadline, or at once when another task already waits for the same descriptor.
    public func wait(for descriptor: Int32, writable: Bool, deadline: Deadline) async -> Bool {
        if deadline.hasPassed { return false }
        if self.poll(descriptor, writable: writable, deadline: deadline) { return true }
        return await withCheckedContinuation { continuation in
            let added = self.waiters.withLockedValue { $0.add(descriptor, deadline: deadline, waiter: continuation) }
            guard case .added(let wakeReactor) = added else {
                continuation.resume(returning: false)
                return
            }
            // Armed outside the lock (a system call): the waiter is in the table before any event can name it.
            guard self.register(descriptor, writable: writable) else {
                // epoll refused the descriptor: let the library see its error (unless the deadline already resumed it).
                self.waiters.withLockedValue { $0.ready(descriptor) }?.resume(returning: true)
                return
            }
            if wakeReactor { self.wake() }
        }
    }

    /// Polls `descriptor` on the caller's thread for up to ``pollLimit`` (and never past `deadline`) when nothing else
    /// waits; `true` when it became ready meanwhile.
    private func poll(_ descriptor: Int32, writable: Bool, deadline: Deadline) -> Bool {
        let limit = self.pollLimit
        guard limit > .zero, self.requestsInFlight.load(ordering: .relaxed) <= 1, self.waiters.withLockedValue({ $0.startPolling() })
        else { return false }
        defer { self.waiters.withLockedValue { $0.endPolling() } }
        let end = Swift.min(ContinuousClock.now + limit, deadline.instant)
        var entry = pollfd(fd: descriptor, events: Int16(writable ? POLLOUT : POLLIN), revents: 0)
        repeat {
            if Glibc.poll(&entry, 1, 0) != 0 {  // ready, in error, or a bad descriptor: the library reads which
                self.answeredWhilePolling.add(1, ordering: .relaxed)
                return true
            }
            sched_yield()  // a thread that the answer depends on may want this processor
        } while ContinuousClock.now < end
        return false
    }

    /// Arms `descriptor` for one event (modifying a registration left from an earlier wait, else adding one).
    private func register(_ descriptor: Int32, writable: Bool) -> Bool {
        var event = epoll_event()
        event.events = (writable ? EPOLLOUT.rawValue : EPOLLIN.rawValue) | EPOLLONESHOT.rawValue
        event.data.fd = descriptor
        if epoll_ctl(self.epoll, EPOLL_CTL_MOD, descriptor, &event) == 0 { return true }
        return errno == ENOENT && epoll_ctl(self.epoll, EPOLL_CTL_ADD, descriptor, &event) == 0
    }

    private func wake() {
        var one: UInt64 = 1
        _ = Glibc.write(self.wakeup, &one, MemoryLayout<UInt64>.size)
    }

    /// The reactor's loop: sleep until an event or the earliest deadline, then resume whoever it concerns.
    private func run() {
        let capacity: Int32 = 64
        var events = [epoll_event](repeating: epoll_event(), count: Int(capacity))
        var resumed: [(CheckedContinuation<Bool, Never>, Bool)] = []
        while true {
            let timeout = self.waiters.withLockedValue { waiters in
                Int32(clamping: max(1, waiters.planWake(now: .now, longestSleep: Self.longestSleep).remainingMilliseconds))
            }
            let count = epoll_wait(self.epoll, &events, capacity, timeout)
            if count < 0 && errno != EINTR { fatalError("epoll_wait failed (errno \(errno))") }
            self.waiters.withLockedValue { waiters in
                for index in 0..<Int(max(0, count)) {
                    let descriptor = events[index].data.fd
                    if descriptor == self.wakeup {
                        var value: UInt64 = 0
                        _ = Glibc.read(self.wakeup, &value, MemoryLayout<UInt64>.size)
                    } else if let waiter = waiters.ready(descriptor) {
                        resumed.append((waiter, true))
                    }
                }
                for (descriptor, waiter) in waiters.expire(now: .now) {
                    var unused = epoll_event()
                    _ = epoll_ctl(self.epoll, EPOLL_CTL_DEL, descriptor, &unused)
                    resumed.append((waiter, false))
                }
            }
            for (waiter, ready) in resumed { waiter.resume(returning: ready) }
            resumed.removeAll(keepingCapacity: true)
        }
    }
}
