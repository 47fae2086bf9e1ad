public import PrometheusRegistry

/// Exposes the engine's `ALERTS` and `ALERTS_FOR_STATE` series on the exporter's `/metrics`, as Prometheus writes them:
/// one series per pending or firing alert.
public struct AlertsCollector: Collector {
    /// The engine.
    public let engine: RuleEngine

    /// A collector over `engine`.
    public init(engine: RuleEngine) { self.engine = engine }

    /// The two families.
    public func collect() -> [CollectedFamily] {
        var alerts: [CollectedSample] = []
        var forState: [CollectedSample] = []
        for group in self.engine.groups {
            for (_, state) in group.alertStates.sorted(by: { $0.key < $1.key }) {
                for alert in state.alerts where alert.state != .inactive {
                    let labels = alert.labels.items.map { Label($0.name, $0.value) }
                    alerts.append(CollectedSample(labels: labels + [Label("alertstate", alert.state.rawValue)], value: 1))
                    forState.append(CollectedSample(labels: labels, value: Double(alert.activeAt / 1000)))
                }
            }
        }
        return [
            CollectedFamily(name: "ALERTS", help: "Pending and firing alerts of the exporter's rules.", type: .gauge, samples: alerts),
            CollectedFamily(
                name: "ALERTS_FOR_STATE",
                help: "When each pending or firing alert became active (Unix seconds).",
                type: .gauge,
                samples: forState
            ),
        ]
    }
}
