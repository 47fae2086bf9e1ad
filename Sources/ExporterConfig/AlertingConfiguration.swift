package import Alerting

/// The rule engine's part of the configuration: rule files, what to scrape, where alerts go.
package struct AlertingConfiguration: Sendable {
    /// Rule files (Prometheus format), resolved against the configuration file's directory.
    package var ruleFiles: [String] = []
    /// Time between evaluations (and scrapes).
    package var evaluationInterval: Duration = .seconds(15)
    /// Labels added to alerts sent and available to templates as `$externalLabels`.
    package var externalLabels: [String: String] = [:]
    /// `$externalURL` in templates and the base of each alert's generator URL.
    package var externalURL = ""
    /// How often a firing alert is sent again.
    package var resendDelay: Duration = .seconds(60)
    /// Targets to scrape for rule evaluation (each with the top-level `scrape_limits`, then its own).
    package var scrapeTargets: [ScrapeTarget] = []
    /// `scrape_limits` at the top level: every target's defaults.
    package var scrapeLimits = ScrapeLimits()
    /// `max_series`: the most series the rule engine holds.
    package var maxSeries = 200_000
    /// `alert_for_overrides`: alert name → the `for` to use instead of the rule file's (tests, demos).
    package var alertForOverrides: [String: Duration] = [:]
    /// `compatibility`: which Prometheus release's PromQL details the rules follow (`prometheus3`, the default, or
    /// `prometheus2`), so that the exporter alerts as the user's Prometheus would.
    package var compatibility: PromQLCompatibility = .prometheus3
    /// `query_retention`: how long the series rules read are kept for the query API and `/graph` (at least; the
    /// rules may need longer).
    package var queryRetention: Duration = .seconds(3600)
    /// Whether the exporter's own registry is scraped too (as job `copythat-exporter`).
    package var scrapeSelf = true
    /// Alertmanagers and webhooks to notify.
    package var destinations: [NotificationDestination] = []

    /// Whether the rule engine runs at all.
    package var isEnabled: Bool { !self.ruleFiles.isEmpty }

    /// ``alertForOverrides`` in milliseconds, as the rule engine counts.
    package var alertForOverrideMilliseconds: [String: Int64] {
        self.alertForOverrides.mapValues { Int64($0.components.seconds) * 1000 + $0.components.attoseconds / 1_000_000_000_000_000 }
    }
}
