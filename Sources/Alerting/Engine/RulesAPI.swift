import JSONLogging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `GET /api/v1/alerts` and `GET /api/v1/rules` bodies in Prometheus's JSON shape.
public enum RulesAPI {
    private struct Envelope<T: Encodable>: Encodable {
        var status = "success"
        var data: T
    }

    private struct AlertsData: Encodable { var alerts: [AlertJSON] }

    private struct AlertJSON: Encodable {
        var labels: [String: String]
        var annotations: [String: String]
        var state: String
        var activeAt: String
        var value: String
        var keepFiringSince: String?
    }

    private struct RulesData: Encodable { var groups: [GroupJSON] }

    private struct GroupJSON: Encodable {
        var name: String
        var file: String
        var rules: [RuleJSON]
        var interval: Double
        var limit = 0
        var evaluationTime: Double
        var lastEvaluation: String
    }

    private struct RuleJSON: Encodable {
        var state: String?
        var name: String
        var query: String
        var duration: Double?
        var keepFiringFor: Double?
        var labels: [String: String]
        var annotations: [String: String]?
        var alerts: [AlertJSON]?
        var health: String
        var lastError: String?
        var evaluationTime: Double
        var lastEvaluation: String
        var type: String
    }

    private static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(value)) ?? Data(#"{"status":"error"}"#.utf8))
    }

    private static func time(_ milliseconds: Int64?) -> String {
        guard let milliseconds else { return "0001-01-01T00:00:00Z" }
        return RFC3339.format(secondsSinceEpoch: Double(milliseconds) / 1000)
    }

    private static func alertJSON(_ alert: ActiveAlert) -> AlertJSON {
        AlertJSON(
            labels: NotificationPayload.dictionary(alert.labels),
            annotations: NotificationPayload.dictionary(alert.annotations),
            state: alert.state.rawValue,
            activeAt: self.time(alert.activeAt),
            value: GoFloat.formatLowerExponent(alert.value),
            keepFiringSince: alert.keepFiringSince.map { self.time($0) }
        )
    }

    /// Every pending and firing alert.
    public static func alerts(_ groups: [RuleGroupState]) -> [UInt8] {
        var alerts: [AlertJSON] = []
        for group in groups {
            for (_, state) in group.alertStates.sorted(by: { $0.key < $1.key }) {
                alerts += state.alerts.filter { $0.state != .inactive }.map(self.alertJSON)
            }
        }
        return self.encode(Envelope(data: AlertsData(alerts: alerts)))
    }

    /// Every group and rule with its health, and alerting rules with their alerts.
    public static func rules(_ groups: [RuleGroupState], defaultInterval: Int64, type: String? = nil) -> [UInt8] {
        let output = groups.map { group -> GroupJSON in
            var rules: [RuleJSON] = []
            for (index, rule) in group.group.rules.enumerated() {
                let error = group.lastErrors[index]
                let evaluated = group.lastEvaluation
                switch rule {
                case .alerting(let definition):
                    guard type == nil || type == "alert" else { continue }
                    let alerts = group.alertStates[index]?.alerts.filter { $0.state != .inactive } ?? []
                    let state = alerts.contains { $0.state == .firing } ? "firing" : alerts.isEmpty ? "inactive" : "pending"
                    rules.append(
                        RuleJSON(
                            state: state,
                            name: definition.name,
                            query: definition.expression.description,
                            duration: Double(definition.holdMilliseconds) / 1000,
                            keepFiringFor: Double(definition.keepFiringForMilliseconds) / 1000,
                            labels: Dictionary(
                                definition.labels.map { ($0.name, $0.template.source) },
                                uniquingKeysWith: { _, last in last }
                            ),
                            annotations: Dictionary(
                                definition.annotations.map { ($0.name, $0.template.source) },
                                uniquingKeysWith: { _, last in last }
                            ),
                            alerts: alerts.map(self.alertJSON),
                            health: evaluated == nil ? "unknown" : error == nil ? "ok" : "err",
                            lastError: error,
                            evaluationTime: group.lastRuleDurations[index] ?? 0,
                            lastEvaluation: self.time(evaluated),
                            type: "alerting"
                        )
                    )
                case .recording(let definition):
                    guard type == nil || type == "record" else { continue }
                    rules.append(
                        RuleJSON(
                            name: definition.name,
                            query: definition.expression.description,
                            labels: Dictionary(definition.labels.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last }),
                            health: evaluated == nil ? "unknown" : error == nil ? "ok" : "err",
                            lastError: error,
                            evaluationTime: group.lastRuleDurations[index] ?? 0,
                            lastEvaluation: self.time(evaluated),
                            type: "recording"
                        )
                    )
                }
            }
            return GroupJSON(
                name: group.group.name,
                file: group.group.file,
                rules: rules,
                interval: Double(group.group.intervalMilliseconds ?? defaultInterval) / 1000,
                evaluationTime: group.lastDurationSeconds,
                lastEvaluation: self.time(group.lastEvaluation)
            )
        }
        return self.encode(Envelope(data: RulesData(groups: output)))
    }
}
