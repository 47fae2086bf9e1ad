import JSONLogging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON bodies notifiers post: Alertmanager API v2's list of alerts, and Alertmanager's webhook message for
/// on-call tools that take webhooks directly.
enum NotificationPayload {
    private struct PostableAlert: Encodable {
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: String
        var endsAt: String
        var generatorURL: String
    }

    private struct WebhookAlert: Encodable {
        var status: String
        var labels: [String: String]
        var annotations: [String: String]
        var startsAt: String
        var endsAt: String
        var generatorURL: String
        var fingerprint: String
    }

    private struct WebhookMessage: Encodable {
        var version = "4"
        var groupKey: String
        var truncatedAlerts = 0
        var status: String
        var receiver: String
        var groupLabels: [String: String]
        var commonLabels: [String: String]
        var commonAnnotations: [String: String]
        var externalURL: String
        var alerts: [WebhookAlert]
    }

    static func dictionary(_ labels: Labels) -> [String: String] {
        Dictionary(labels.items.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    static func timestamp(_ milliseconds: Int64) -> String { RFC3339.format(secondsSinceEpoch: Double(milliseconds) / 1000) }

    private static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// `POST /api/v2/alerts` body.
    static func alertmanager(_ alerts: [OutgoingAlert]) -> [UInt8] {
        let body = alerts.map {
            PostableAlert(
                labels: self.dictionary($0.labels),
                annotations: self.dictionary($0.annotations),
                startsAt: self.timestamp($0.startsAt),
                endsAt: self.timestamp($0.endsAt),
                generatorURL: $0.generatorURL
            )
        }
        return Array((try? self.encoder().encode(body)) ?? Data("[]".utf8))
    }

    /// An Alertmanager webhook message (version 4) carrying `alerts`.
    static func webhook(_ alerts: [OutgoingAlert], receiver: String, externalURL: String) -> [UInt8] {
        let dictionaries = alerts.map { self.dictionary($0.labels) }
        let common = dictionaries.dropFirst().reduce(dictionaries.first ?? [:]) { common, next in common.filter { next[$0.key] == $0.value }
        }
        let annotationDictionaries = alerts.map { self.dictionary($0.annotations) }
        let commonAnnotations = annotationDictionaries.dropFirst().reduce(annotationDictionaries.first ?? [:]) { common, next in
            common.filter { next[$0.key] == $0.value }
        }
        let groupLabels = common["alertname"].map { ["alertname": $0] } ?? [:]
        let message = WebhookMessage(
            groupKey: "{}:" + (groupLabels.isEmpty ? "{}" : "{alertname=\"\(groupLabels["alertname"]!)\"}"),
            status: alerts.contains { !$0.resolved } ? "firing" : "resolved",
            receiver: receiver,
            groupLabels: groupLabels,
            commonLabels: common,
            commonAnnotations: commonAnnotations,
            externalURL: externalURL,
            alerts: alerts.map {
                WebhookAlert(
                    status: $0.resolved ? "resolved" : "firing",
                    labels: self.dictionary($0.labels),
                    annotations: self.dictionary($0.annotations),
                    startsAt: self.timestamp($0.startsAt),
                    endsAt: $0.resolved ? self.timestamp($0.endsAt) : "0001-01-01T00:00:00Z",
                    generatorURL: $0.generatorURL,
                    fingerprint: self.fingerprint($0.labels)
                )
            }
        )
        return Array((try? self.encoder().encode(message)) ?? Data("{}".utf8))
    }

    /// A stable 64-bit FNV-1a hash of the labels, in hex, as an alert fingerprint.
    static func fingerprint(_ labels: Labels) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for label in labels.items {
            for byte in label.name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            hash = (hash ^ 0xff) &* 0x100_0000_01b3
            for byte in label.value.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            hash = (hash ^ 0xff) &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
