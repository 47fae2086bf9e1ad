import Testing

@testable import Probes

@Suite struct DependencyHealthTests {
    let pass = ProbeOutcome(success: true, durationSeconds: 0.01)
    let fail = ProbeOutcome(success: false, durationSeconds: 0.5, error: "timeout")

    @Test func theFirstOutcomeDecidesAtOnce() {
        var up = DependencyHealth(thresholds: .init(failures: 3, successes: 3))
        #expect(up.status == .unknown)
        #expect(up.record(self.pass, at: 1) == .becameHealthy)
        var down = DependencyHealth(thresholds: .init(failures: 3, successes: 3))
        #expect(down.record(self.fail, at: 1) == .becameUnhealthy)
        #expect(down.status == .unhealthy)
    }

    @Test func failureThresholdNeedsConsecutiveFailures() {
        var health = DependencyHealth(thresholds: .init(failures: 3, successes: 1))
        health.record(self.pass, at: 1)
        #expect(health.record(self.fail, at: 2) == .none)
        #expect(health.record(self.fail, at: 3) == .none)
        #expect(health.record(self.pass, at: 4) == .none)  // the streak restarts
        #expect(health.record(self.fail, at: 5) == .none)
        #expect(health.record(self.fail, at: 6) == .none)
        #expect(health.status == .healthy)
        #expect(health.record(self.fail, at: 7) == .becameUnhealthy)
        #expect(health.consecutiveFailures == 3)
        #expect(health.lastSuccessTime == 4)
        #expect(health.lastCheckTime == 7)
    }

    @Test func successThresholdNeedsConsecutiveSuccesses() {
        var health = DependencyHealth(thresholds: .init(failures: 1, successes: 2))
        health.record(self.fail, at: 1)
        #expect(health.record(self.pass, at: 2) == .none)
        #expect(health.record(self.fail, at: 3) == .none)
        #expect(health.record(self.pass, at: 4) == .none)
        #expect(health.record(self.pass, at: 5) == .becameHealthy)
        #expect(health.record(self.pass, at: 6) == .none)
    }

    @Test func thresholdsBelowOneCountAsOne() {
        let thresholds = DependencyHealth.Thresholds(failures: 0, successes: -2)
        #expect(thresholds.failures == 1)
        #expect(thresholds.successes == 1)
    }
}

@Suite struct ReadinessReportTests {
    func check(_ name: String, critical: Bool, _ outcomes: [Bool]) -> ReadinessReport.Check {
        var health = DependencyHealth()
        for (index, success) in outcomes.enumerated() {
            health.record(ProbeOutcome(success: success, durationSeconds: 0), at: Double(index))
        }
        return .init(name: name, type: "x", critical: critical, health: health)
    }

    @Test func notReadyBeforeTheFirstRound() {
        let report = ReadinessReport.evaluate(checks: [self.check("db", critical: true, [])], firstRoundDone: false, draining: false)
        #expect(!report.ready)
        #expect(report.status == "unhealthy")
    }

    @Test func healthyDegradedUnhealthy() {
        let allUp = ReadinessReport.evaluate(
            checks: [self.check("db", critical: true, [true]), self.check("ai", critical: false, [true])],
            firstRoundDone: true,
            draining: false
        )
        #expect(allUp.ready && allUp.status == "healthy")
        let aiDown = ReadinessReport.evaluate(
            checks: [self.check("db", critical: true, [true]), self.check("ai", critical: false, [false])],
            firstRoundDone: true,
            draining: false
        )
        #expect(aiDown.ready && aiDown.status == "degraded")
        let dbDown = ReadinessReport.evaluate(
            checks: [self.check("db", critical: true, [false]), self.check("ai", critical: false, [true])],
            firstRoundDone: true,
            draining: false
        )
        #expect(!dbDown.ready && dbDown.status == "unhealthy")
    }

    @Test func drainingIsNeverReady() {
        let report = ReadinessReport.evaluate(checks: [self.check("db", critical: true, [true])], firstRoundDone: true, draining: true)
        #expect(!report.ready)
        #expect(report.status == "unhealthy")
        #expect(report.draining)
    }

    @Test func noDependenciesIsReadyAfterTheFirstRound() {
        #expect(ReadinessReport.evaluate(checks: [], firstRoundDone: true, draining: false).ready)
    }
}
