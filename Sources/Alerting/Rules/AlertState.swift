/// The states of an alert, as Prometheus keeps them.
public enum AlertState: String, Sendable, Hashable {
    /// Resolved (kept a while so that the resolution is sent).
    case inactive
    /// Returned by the expression, `for` not yet passed.
    case pending
    /// Returned for at least `for`.
    case firing
}

/// One alert of an alerting rule: a label set the expression returned, and where it stands.
public struct ActiveAlert: Sendable, Hashable {
    /// The alert's labels: the series' labels (without the metric name), the rule's labels and `alertname`.
    public var labels: Labels
    /// The expanded annotations.
    public var annotations: Labels
    /// Where it stands.
    public var state: AlertState
    /// The value of the expression at the last evaluation that returned it.
    public var value: Double
    /// When the expression first returned it (milliseconds since the epoch).
    public var activeAt: Int64
    /// When it started firing.
    public var firedAt: Int64?
    /// When it stopped (for resolved notifications).
    public var resolvedAt: Int64?
    /// When the expression stopped returning it while `keep_firing_for` keeps it firing.
    public var keepFiringSince: Int64?
    /// When it was last sent to notifiers.
    public var lastSentAt: Int64?
    /// The `endsAt` the last notification promised.
    public var validUntil: Int64?
}

/// The state of one alerting rule across evaluations: a pure value, advanced by `evaluate`, that Prometheus's
/// `AlertingRule.Eval` semantics define (pending until `for` has passed, firing, `keep_firing_for`, inactive
/// alerts kept 15 minutes so that their resolution is sent).
public struct AlertingRuleState: Sendable {
    /// How long resolved alerts are kept for notification.
    public static let resolvedRetentionMilliseconds: Int64 = 15 * 60_000

    /// The rule.
    public let rule: AlertingRuleDefinition
    /// Alerts by their label set.
    public private(set) var active: [Labels: ActiveAlert] = [:]
    /// Health of the last evaluation.
    public var lastError: String?

    /// A rule with no alerts yet.
    public init(rule: AlertingRuleDefinition) { self.rule = rule }

    /// Advances the state with the expression's result at `time`, expanding labels and annotations with
    /// `externalLabels` and `externalURL`. Returns the `ALERTS` and `ALERTS_FOR_STATE` samples for this time; throws when
    /// two results have the same labels once the rule's labels are applied.
    public mutating func evaluate(
        _ result: [Sample],
        at time: Int64,
        externalLabels: [String: String] = [:],
        externalURL: String = ""
    ) throws(PromQLError) -> [Sample] {
        var current: [Labels: ActiveAlert] = [:]
        for sample in result {
            var labelMap: [String: String] = [:]
            for label in sample.labels.items { labelMap[label.name] = label.value }
            let data = AlertTemplate.Data(labels: labelMap, value: sample.value, externalLabels: externalLabels, externalURL: externalURL)
            var labels = sample.labels.droppingMetricName
            for (name, template) in self.rule.labels { labels = labels.setting(name, to: template.expand(data)) }
            labels = labels.setting("alertname", to: self.rule.name)
            let annotations = Labels(self.rule.annotations.map { ($0.name, $0.template.expand(data)) })
            guard current[labels] == nil else {
                throw PromQLError(message: "vector contains metrics with the same labelset after applying alert labels")
            }
            current[labels] = ActiveAlert(labels: labels, annotations: annotations, state: .pending, value: sample.value, activeAt: time)
        }
        for (labels, alert) in current {
            if var existing = self.active[labels], existing.state != .inactive {
                existing.value = alert.value
                existing.annotations = alert.annotations
                self.active[labels] = existing
            } else {
                self.active[labels] = alert
            }
        }
        var samples: [Sample] = []
        for labels in Array(self.active.keys) {
            var alert = self.active[labels]!
            if current[labels] == nil {
                var keepFiring = false
                if alert.state == .firing && self.rule.keepFiringForMilliseconds > 0 {
                    if alert.keepFiringSince == nil { alert.keepFiringSince = time }
                    if time - alert.keepFiringSince! < self.rule.keepFiringForMilliseconds { keepFiring = true }
                }
                if !keepFiring {
                    if alert.state == .pending
                        || (alert.resolvedAt.map { time - $0 > Self.resolvedRetentionMilliseconds } ?? false)
                    {
                        self.active[labels] = nil
                        continue
                    }
                    if alert.state != .inactive {
                        alert.state = .inactive
                        alert.resolvedAt = time
                    }
                    self.active[labels] = alert
                    continue
                }
            } else {
                alert.keepFiringSince = nil
            }
            if alert.state == .pending && time - alert.activeAt >= self.rule.holdMilliseconds {
                alert.state = .firing
                alert.firedAt = time
            }
            self.active[labels] = alert
            samples.append(
                Sample(
                    labels: alert.labels.setting(Labels.metricName, to: "ALERTS").setting("alertstate", to: alert.state.rawValue),
                    value: 1
                )
            )
            samples.append(
                Sample(labels: alert.labels.setting(Labels.metricName, to: "ALERTS_FOR_STATE"), value: Double(alert.activeAt / 1000))
            )
        }
        return samples
    }

    /// Takes the alerts of `other` (the same rule before a reload).
    mutating func adopt(_ other: AlertingRuleState) { self.active = other.active }

    /// Records that `alert` was sent at `time` with the given `endsAt`.
    public mutating func markSent(_ labels: Labels, at time: Int64, validUntil: Int64) {
        self.active[labels]?.lastSentAt = time
        self.active[labels]?.validUntil = validUntil
    }

    /// The alerts in a stable order (by labels).
    public var alerts: [ActiveAlert] { self.active.values.sorted { $0.labels < $1.labels } }
}
