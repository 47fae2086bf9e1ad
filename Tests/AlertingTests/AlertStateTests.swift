import Testing

@testable import Alerting

/// The alert state machine, driven by hand-made results and times: no clock, no store.
@Suite struct AlertStateTests {
    static func rule(hold: Int64, keepFiringFor: Int64 = 0) throws -> AlertingRuleDefinition {
        var rule = AlertingRuleDefinition(name: "High", expression: try Parser.parse("x > 1"))
        rule.holdMilliseconds = hold
        rule.keepFiringForMilliseconds = keepFiringFor
        rule.labels = [("severity", try AlertTemplate("page"))]
        rule.annotations = [("summary", try AlertTemplate("{{ $labels.job }} at {{ $value }}"))]
        return rule
    }

    static let result = [Sample(labels: Labels([("__name__", "x"), ("job", "api")]), value: 5)]

    @Test func pendingUntilForHasPassedThenFiring() throws {
        var state = AlertingRuleState(rule: try Self.rule(hold: 120_000))
        var samples = try state.evaluate(Self.result, at: 0)
        #expect(state.alerts.map(\.state) == [.pending])
        #expect(samples.contains { $0.labels["alertstate"] == "pending" && $0.labels.name == "ALERTS" })
        _ = try state.evaluate(Self.result, at: 60_000)
        #expect(state.alerts.map(\.state) == [.pending])
        samples = try state.evaluate(Self.result, at: 120_000)
        #expect(state.alerts.map(\.state) == [.firing])
        #expect(state.alerts.first?.firedAt == 120_000)
        #expect(state.alerts.first?.activeAt == 0)
        #expect(state.alerts.first?.labels.description == "{alertname=\"High\", job=\"api\", severity=\"page\"}")
        #expect(state.alerts.first?.annotations["summary"] == "api at 5")
        let forState = try #require(samples.first { $0.labels.name == "ALERTS_FOR_STATE" })
        #expect(forState.value == 0)
    }

    @Test func pendingAlertsVanishAndFiringOnesResolve() throws {
        var state = AlertingRuleState(rule: try Self.rule(hold: 60_000))
        _ = try state.evaluate(Self.result, at: 0)
        _ = try state.evaluate([], at: 30_000)
        #expect(state.alerts.isEmpty)
        _ = try state.evaluate(Self.result, at: 60_000)
        _ = try state.evaluate(Self.result, at: 120_000)
        #expect(state.alerts.map(\.state) == [.firing])
        let samples = try state.evaluate([], at: 180_000)
        #expect(samples.isEmpty)
        #expect(state.alerts.map(\.state) == [.inactive])
        #expect(state.alerts.first?.resolvedAt == 180_000)
        // Kept 15 minutes for the resolved notification, then forgotten.
        _ = try state.evaluate([], at: 180_000 + AlertingRuleState.resolvedRetentionMilliseconds)
        #expect(state.alerts.count == 1)
        _ = try state.evaluate([], at: 181_000 + AlertingRuleState.resolvedRetentionMilliseconds)
        #expect(state.alerts.isEmpty)
    }

    @Test func keepFiringForHoldsAFiringAlert() throws {
        var state = AlertingRuleState(rule: try Self.rule(hold: 0, keepFiringFor: 120_000))
        _ = try state.evaluate(Self.result, at: 0)
        #expect(state.alerts.map(\.state) == [.firing])
        _ = try state.evaluate([], at: 60_000)
        #expect(state.alerts.map(\.state) == [.firing])
        #expect(state.alerts.first?.keepFiringSince == 60_000)
        _ = try state.evaluate([], at: 120_000)
        #expect(state.alerts.map(\.state) == [.firing])
        _ = try state.evaluate([], at: 180_000)
        #expect(state.alerts.map(\.state) == [.inactive])
    }

    @Test func aReturningAlertStartsPendingAgain() throws {
        var state = AlertingRuleState(rule: try Self.rule(hold: 60_000))
        _ = try state.evaluate(Self.result, at: 0)
        _ = try state.evaluate(Self.result, at: 60_000)
        _ = try state.evaluate([], at: 120_000)
        _ = try state.evaluate(Self.result, at: 180_000)
        #expect(state.alerts.map(\.state) == [.pending])
        #expect(state.alerts.first?.activeAt == 180_000)
    }

    @Test func duplicateLabelSetsAfterRuleLabelsAreAnError() throws {
        var state = AlertingRuleState(rule: try Self.rule(hold: 0))
        let clash = [
            Sample(labels: Labels([("__name__", "x"), ("job", "api")]), value: 1),
            Sample(labels: Labels([("__name__", "y"), ("job", "api")]), value: 2),
        ]
        #expect(throws: PromQLError.self) { try state.evaluate(clash, at: 0) }
    }

    @Test func sendingFollowsResendDelayAndResolution() throws {
        var alert = ActiveAlert(labels: Labels(), annotations: Labels(), state: .pending, value: 1, activeAt: 0)
        #expect(!RuleEngine.needsSending(alert, at: 0, resendDelay: 60_000))
        alert.state = .firing
        #expect(RuleEngine.needsSending(alert, at: 0, resendDelay: 60_000))
        alert.lastSentAt = 0
        #expect(!RuleEngine.needsSending(alert, at: 60_000, resendDelay: 60_000))
        #expect(RuleEngine.needsSending(alert, at: 60_001, resendDelay: 60_000))
        alert.state = .inactive
        alert.resolvedAt = 30_000
        #expect(RuleEngine.needsSending(alert, at: 30_000, resendDelay: 60_000))
        alert.lastSentAt = 30_000
        #expect(!RuleEngine.needsSending(alert, at: 30_000, resendDelay: 60_000))
    }
}
