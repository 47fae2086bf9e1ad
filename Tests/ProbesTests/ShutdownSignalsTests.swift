import Testing

@testable import Probes

/// The shutdown deadline's decisions, without signals or clocks.
@Suite struct ShutdownSignalsTests {
    @Test func theFirstSignalArmsTheDeadlineAndEveryLaterOneExitsNow() {
        var signals = ShutdownSignals()
        #expect(signals.heard() == .armDeadline)
        #expect(signals.heard() == .exitNow)
        #expect(signals.heard() == .exitNow)
        #expect(signals.count == 3)
    }
}
