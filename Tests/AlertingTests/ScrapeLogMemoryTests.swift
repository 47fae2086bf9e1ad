import Testing

@testable import Alerting

/// When the evaluation service logs a scrape's failure, recovery or series refusals: once per change, per target.
@Suite struct ScrapeLogMemoryTests {
    let a = ScrapeTarget(job: "a", url: "http://a:1/metrics")
    let b = ScrapeTarget(job: "b", url: "http://b:1/metrics")

    @Test func aReasonIsLoggedWhenItChangesAndARecoveryOnce() {
        var memory = ScrapeLogMemory()
        #expect(memory.record(self.a, reason: nil, refused: 0) == .init())
        #expect(memory.record(self.a, reason: "sample_limit", refused: 0) == .init(logFailure: true))
        #expect(memory.record(self.a, reason: "sample_limit", refused: 0) == .init())
        #expect(memory.record(self.a, reason: "timeout", refused: 0) == .init(logFailure: true))
        #expect(memory.record(self.a, reason: nil, refused: 0) == .init(logRecovery: true))
        #expect(memory.record(self.a, reason: nil, refused: 0) == .init())
    }

    @Test func refusalsAreTrackedPerTargetSoTwoTargetsDoNotFlipEachOther() {
        var memory = ScrapeLogMemory()
        #expect(memory.record(self.a, reason: nil, refused: 5).refusing == true)
        #expect(memory.record(self.b, reason: nil, refused: 0).refusing == nil)
        #expect(memory.record(self.a, reason: nil, refused: 3).refusing == nil)
        #expect(memory.record(self.b, reason: nil, refused: 0).refusing == nil)
        #expect(memory.record(self.a, reason: nil, refused: 0).refusing == false)
    }
}
