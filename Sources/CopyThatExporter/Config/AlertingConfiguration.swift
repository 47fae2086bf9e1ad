import Alerting

/// The rule engine's part of the configuration: rule files, what to scrape, where alerts go.
struct AlertingConfiguration: Sendable {
    /// Rule files (Prometheus format), resolved against the configuration file's directory.
    var ruleFiles: [String] = []
    /// Time between evaluations (and scrapes).
    var evaluationInterval: Duration = .seconds(15)
    /// Labels added to alerts sent and available to templates as `$externalLabels`.
    var externalLabels: [String: String] = [:]
    /// `$externalURL` in templates and the base of each alert's generator URL.
    var externalURL = ""
    /// How often a firing alert is sent again.
    var resendDelay: Duration = .seconds(60)
    /// Targets to scrape for rule evaluation (each with the top-level `scrape_limits`, then its own).
    var scrapeTargets: [ScrapeTarget] = []
    /// `scrape_limits` at the top level: every target's defaults.
    var scrapeLimits = ScrapeLimits()
    /// `max_series`: the most series the rule engine holds.
    var maxSeries = 200_000
    /// Whether the exporter's own registry is scraped too (as job `copythat-exporter`).
    var scrapeSelf = true
    /// Alertmanagers and webhooks to notify.
    var destinations: [NotificationDestination] = []

    /// Whether the rule engine runs at all.
    var isEnabled: Bool { !self.ruleFiles.isEmpty }
}
