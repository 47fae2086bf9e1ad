import Clients
import Foundation
import Synchronization
import Testing

@testable import Clients

#if canImport(Glibc)
import Glibc
#endif

/// A wait that polls on its caller's thread while the process is idle, on a reactor of its own and a socket pair.
@Suite struct IOReactorPollingTests {
    /// A connected pair of non-blocking stream sockets, closed by `body`'s end.
    static func withSocketPair(_ body: (Int32, Int32) async throws -> Void) async throws {
        var descriptors: [Int32] = [0, 0]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &descriptors) == 0)
        defer { for descriptor in descriptors { close(descriptor) } }
        try await body(descriptors[0], descriptors[1])
    }

    /// Writes one byte to `descriptor` from another thread after `delay`.
    static func answer(_ descriptor: Int32, after delay: Duration) {
        let thread = Thread {
            Thread.sleep(forTimeInterval: delay.seconds)
            var byte: UInt8 = 1
            _ = write(descriptor, &byte, 1)
        }
        thread.start()
    }

    static func deadline(_ duration: Duration) -> Deadline { Deadline(instant: .now + duration) }

    /// Writes one byte to `descriptor` now: the answer is there when the wait starts, so the test depends on no
    /// timing; which path read it is what the counter tells.
    static func answerNow(_ descriptor: Int32) {
        var byte: UInt8 = 1
        _ = write(descriptor, &byte, 1)
    }

    @Test func anAnswerWithinTheLimitIsReadWhilePollingWhenIdle() async throws {
        let reactor = IOReactor()
        reactor.pollLimit = .milliseconds(10)
        try await Self.withSocketPair { reader, writer in
            Self.answerNow(writer)
            #expect(await reactor.wait(for: reader, writable: false, deadline: Self.deadline(.seconds(5))))
            #expect(reactor.answeredWhilePolling.load(ordering: .relaxed) == 1)
        }
    }

    @Test func withTwoRequestsInFlightOrPollingOffTheWaitSleepsOnTheReactor() async throws {
        let busy = IOReactor()
        busy.pollLimit = .milliseconds(10)
        busy.requestStarted()
        busy.requestStarted()
        let off = IOReactor()
        off.pollLimit = .zero
        #expect(off.pollLimit == .zero)
        for reactor in [busy, off] {
            try await Self.withSocketPair { reader, writer in
                Self.answerNow(writer)
                #expect(await reactor.wait(for: reader, writable: false, deadline: Self.deadline(.seconds(5))))
                #expect(reactor.answeredWhilePolling.load(ordering: .relaxed) == 0)  // answered by epoll
            }
        }
        busy.requestFinished()  // one in flight: this one
        try await Self.withSocketPair { reader, writer in
            Self.answerNow(writer)
            #expect(await busy.wait(for: reader, writable: false, deadline: Self.deadline(.seconds(5))))
            #expect(busy.answeredWhilePolling.load(ordering: .relaxed) == 1)
        }
    }

    @Test func anAnswerPastTheLimitStillArrivesAndTheDeadlineBoundsThePoll() async throws {
        let reactor = IOReactor()
        reactor.pollLimit = .microseconds(200)
        try await Self.withSocketPair { reader, writer in
            Self.answer(writer, after: .milliseconds(50))
            #expect(await reactor.wait(for: reader, writable: false, deadline: Self.deadline(.seconds(5))))
            #expect(reactor.answeredWhilePolling.load(ordering: .relaxed) == 0)
        }
        reactor.pollLimit = .seconds(60)
        #expect(reactor.pollLimit == IOReactor.longestPollLimit)  // bounded
        try await Self.withSocketPair { reader, _ in
            let start = ContinuousClock.now
            #expect(await reactor.wait(for: reader, writable: false, deadline: Self.deadline(.milliseconds(3))) == false)
            #expect(ContinuousClock.now - start < .seconds(1))  // generous: the deadline, not the limit, ended it
        }
    }
}
