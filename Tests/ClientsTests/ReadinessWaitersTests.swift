import Testing

@testable import Clients

/// The reactor's waiter table, without sockets or clocks.
@Suite struct ReadinessWaitersTests {
    let base = ContinuousClock.now

    func at(_ milliseconds: Int) -> Deadline { Deadline(instant: self.base + .milliseconds(milliseconds)) }

    @Test func onlyAnEarlierDeadlineWakesTheReactor() {
        var waiters = ReadinessWaiters<String>()
        #expect(waiters.add(5, deadline: self.at(500), waiter: "a") == .added(wakeReactor: true))
        #expect(waiters.add(6, deadline: self.at(900), waiter: "b") == .added(wakeReactor: false))
        #expect(waiters.add(7, deadline: self.at(100), waiter: "c") == .added(wakeReactor: true))
        #expect(waiters.planWake(now: self.base, longestSleep: .seconds(10)) == self.at(100))
        #expect(waiters.add(8, deadline: self.at(300), waiter: "d") == .added(wakeReactor: false))
    }

    @Test func theSleepIsBoundedSoALaterDeadlineNeverWakesTheReactor() {
        var waiters = ReadinessWaiters<String>()
        // Nobody waits: the reactor still plans to wake 100 ms on, so a wait for 250 ms needs no wake-up.
        #expect(waiters.planWake(now: self.base, longestSleep: .milliseconds(100)) == self.at(100))
        #expect(waiters.add(5, deadline: self.at(250), waiter: "redis") == .added(wakeReactor: false))
        #expect(waiters.add(6, deadline: self.at(50), waiter: "short") == .added(wakeReactor: true))
        #expect(waiters.planWake(now: self.base, longestSleep: .milliseconds(100)) == self.at(50))
        _ = waiters.ready(6)
        // The earliest deadline past the bound: the bound is planned.
        #expect(waiters.planWake(now: self.base + .milliseconds(10), longestSleep: .milliseconds(100)) == self.at(110))
        #expect(waiters.add(7, deadline: self.at(105), waiter: "before it") == .added(wakeReactor: true))
    }

    @Test func aWaitPollsOnlyWhenNothingElseWaitsOrPolls() {
        var waiters = ReadinessWaiters<String>()
        var answers: [Bool] = []
        answers.append(waiters.startPolling())
        answers.append(waiters.startPolling())  // one poller at a time
        waiters.endPolling()
        _ = waiters.add(5, deadline: self.at(100), waiter: "a")
        answers.append(waiters.startPolling())  // someone waits: the process is busy
        _ = waiters.ready(5)
        answers.append(waiters.startPolling())
        _ = waiters.add(6, deadline: self.at(100), waiter: "arrived while polling")  // the poller does not block waits
        #expect(waiters.count == 1)
        waiters.endPolling()
        answers.append(waiters.startPolling())
        #expect(answers == [true, false, false, true, false])
    }

    @Test func aSecondWaitForTheSameDescriptorIsRefusedAndChangesNothing() {
        var waiters = ReadinessWaiters<String>()
        #expect(waiters.add(5, deadline: self.at(500), waiter: "first") == .added(wakeReactor: true))
        #expect(waiters.add(5, deadline: self.at(100), waiter: "second") == .alreadyWaiting)
        #expect(waiters.planWake(now: self.base, longestSleep: .seconds(10)) == self.at(500))
        #expect(waiters.ready(5) == "first")
        #expect(waiters.count == 0)
    }

    @Test func readyRemovesTheWaiterSoALateTimeoutFindsNothing() {
        var waiters = ReadinessWaiters<String>()
        _ = waiters.add(5, deadline: self.at(100), waiter: "a")
        #expect(waiters.ready(5) == "a")
        #expect(waiters.ready(5) == nil)
        #expect(waiters.expire(now: self.base + .seconds(1)).isEmpty)
        #expect(waiters.planWake(now: self.base, longestSleep: .seconds(10)) == self.at(10_000))  // nobody: the bound
    }

    @Test func expiryTakesExactlyTheWaitersWhoseDeadlineHasPassed() {
        var waiters = ReadinessWaiters<String>()
        _ = waiters.add(5, deadline: self.at(100), waiter: "early")
        _ = waiters.add(6, deadline: self.at(200), waiter: "on time")
        _ = waiters.add(7, deadline: self.at(300), waiter: "late")
        let expired = waiters.expire(now: self.base + .milliseconds(200))
        #expect(Set(expired.map(\.waiter)) == ["early", "on time"])
        #expect(Set(expired.map(\.descriptor)) == [5, 6])
        #expect(waiters.count == 1)
        #expect(waiters.planWake(now: self.base, longestSleep: .seconds(10)) == self.at(300))
    }
}
