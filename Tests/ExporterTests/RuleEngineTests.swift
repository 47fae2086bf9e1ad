import Alerting
import Clients
import Foundation
import Logging
import NIOPosix
import PrometheusRegistry
import TestSupport
import Testing

/// The engine's scrape ingestion and the notifier's retries, against in-process stubs.
@Suite struct RuleEngineTests {
    static func engine(_ rules: String, interval: Int64 = 1000) throws -> RuleEngine {
        var settings = RuleEngine.Settings()
        settings.evaluationInterval = interval
        settings.resendDelay = 1000
        settings.externalLabels = ["cluster": "test"]
        return RuleEngine(groups: try RuleFileLoader.parse(rules, file: "rules.yml"), settings: settings)
    }

    static let targetDownRule = """
        groups:
          - name: g
            rules:
              - alert: TargetDown
                expr: up == 0
              - alert: Errors
                expr: errors_total > 0
        """

    @Test func aScrapePastItsSampleLimitFailsWholeAndStalesWhatTheTargetHad() throws {
        let engine = try Self.engine(Self.targetDownRule)
        var target = ScrapeTarget(job: "api", url: "http://127.0.0.1:1/metrics")
        target.limits.sampleLimit = 3
        let good = engine.ingest(target, body: .success(Array("errors_total{i=\"1\"} 1\n".utf8)), at: 1000, durationSeconds: 0.01)
        #expect(good.error == nil && good.kept == 1)
        let lines = (0..<4).map { "errors_total{i=\"\($0)\"} 1\n" }.joined() + "unread_metric 1\n"
        let over = engine.ingest(target, body: .success(Array(lines.utf8)), at: 2000, durationSeconds: 0.01)
        #expect(over.limit == .sampleLimit)
        #expect(over.kept == 0)
        #expect(over.error?.hasPrefix("sample_limit exceeded") == true)
        engine.withStore { store in
            #expect(store.lastTime(of: Labels([("__name__", "up"), ("instance", "127.0.0.1:1"), ("job", "api")])) == 2000)
            let series = Labels([("__name__", "errors_total"), ("i", "1"), ("instance", "127.0.0.1:1"), ("job", "api")])
            var points: [Point] = []
            store.forEachSeries { labels, seen in if labels == series { points = seen } }
            #expect(points.map(\.t) == [1000], "the failed scrape's stale marker ends the series")
        }
        let tooLarge = engine.ingest(
            target,
            body: .failure(HTTPClientError(code: .responseTooLarge, message: "the response body exceeded 10 bytes")),
            at: 3000,
            durationSeconds: 0.01
        )
        #expect(tooLarge.limit == .bodySizeLimit)
    }

    @Test func pastMaxSeriesNewSeriesAreRefusedAndCounted() throws {
        var settings = RuleEngine.Settings()
        settings.maxSeries = 5  // up, scrape_duration_seconds, scrape_samples_scraped (written first) and two more
        let engine = RuleEngine(groups: try RuleFileLoader.parse(Self.targetDownRule, file: "rules.yml"), settings: settings)
        let target = ScrapeTarget(job: "api", url: "http://127.0.0.1:1/metrics")
        let lines = (0..<4).map { "errors_total{i=\"\($0)\"} 1\n" }.joined()
        let report = engine.ingest(target, body: .success(Array(lines.utf8)), at: 1000, durationSeconds: 0.01)
        #expect(report.kept == 2)
        #expect(report.refusedForSeriesLimit == 2)
        _ = engine.evaluate(at: 1000)
        #expect(engine.storeStatistics.series == 5)
        #expect(engine.storeStatistics.refusedForSeriesLimit >= 2)  // and the rules' own outputs past the limit
        engine.withStore { store in
            #expect(store.lastTime(of: Labels([("__name__", "up"), ("instance", "127.0.0.1:1"), ("job", "api")])) == 1000)
        }
    }

    @Test func scrapeFailuresSetUpToZeroAndMarkSeriesStale() throws {
        let engine = try Self.engine(Self.targetDownRule)
        let target = ScrapeTarget(job: "api", url: "http://127.0.0.1:1/metrics")
        let report = engine.ingest(
            target,
            body: .success(Array("errors_total 3\nignored_metric 1\n".utf8)),
            at: 1000,
            durationSeconds: 0.01
        )
        #expect(report.samples == 2 && report.kept == 1 && report.error == nil)
        _ = engine.evaluate(at: 1000)
        #expect(engine.groups[0].alertStates[1]?.alerts.map(\.labels["instance"]) == ["127.0.0.1:1"])

        let failed = engine.ingest(target, body: .failure(ScrapeError(message: "connection refused")), at: 2000, durationSeconds: 0.01)
        #expect(failed.error == "connection refused")
        _ = engine.evaluate(at: 2000)
        // up == 0 fires; the errors series went stale at once, so Errors resolves.
        #expect(engine.groups[0].alertStates[0]?.alerts.map(\.state) == [.firing])
        #expect(engine.groups[0].alertStates[1]?.alerts.map(\.state) == [.inactive])

        let sent = engine.alertsToSend(at: 2000)
        #expect(sent.count == 2)
        #expect(sent.allSatisfy { $0.labels["cluster"] == "test" })
        #expect(sent.first { $0.labels["alertname"] == "Errors" }?.resolved == true)
        let firing = try #require(sent.first { $0.labels["alertname"] == "TargetDown" })
        #expect(firing.endsAt == Int64(2000 + 4 * 1000))
        // Nothing new to send until the resend delay has passed; then both again (resolved alerts too, as
        // Prometheus resends them until it forgets them).
        #expect(engine.alertsToSend(at: 2500).isEmpty)
        let resent = engine.alertsToSend(at: 3001)
        #expect(resent.map(\.labels["alertname"]).sorted() == ["Errors", "TargetDown"])
        #expect(resent.first { $0.labels["alertname"] == "Errors" }?.endsAt == 2000)

        let invalid = engine.ingest(target, body: .success(Array("errors_total{ 3\n".utf8)), at: 3000, durationSeconds: 0.01)
        #expect(invalid.error?.hasPrefix("invalid exposition: line 1") == true)
    }

    @Test func alertsAPIAndCollectorShowWhatFires() throws {
        let engine = try Self.engine(Self.targetDownRule)
        engine.ingest(
            ScrapeTarget(job: "api", url: "http://h:9/metrics"),
            body: .success(Array("errors_total 1\n".utf8)),
            at: 1000,
            durationSeconds: 0
        )
        _ = engine.evaluate(at: 1000)
        let alerts = try #require(try JSONSerialization.jsonObject(with: Data(RulesAPI.alerts(engine.groups))) as? [String: Any])
        let list = try #require((alerts["data"] as? [String: Any])?["alerts"] as? [[String: Any]])
        #expect(list.count == 1)
        #expect(list.first?["state"] as? String == "firing")
        #expect(list.first?["value"] as? String == "1e+00")
        let rules = try #require(
            try JSONSerialization.jsonObject(with: Data(RulesAPI.rules(engine.groups, defaultInterval: 1000))) as? [String: Any]
        )
        let group = try #require(((rules["data"] as? [String: Any])?["groups"] as? [[String: Any]])?.first)
        #expect((group["rules"] as? [[String: Any]])?.map { $0["health"] as? String } == ["ok", "ok"])
        #expect((group["rules"] as? [[String: Any]])?.map { $0["query"] as? String } == ["up == 0", "errors_total > 0"])

        let registry = PrometheusRegistry()
        try registry.register(AlertsCollector(engine: engine))
        let text = registry.renderString()
        #expect(text.contains("ALERTS{alertname=\"Errors\",instance=\"h:9\",job=\"api\",alertstate=\"firing\"} 1"))
        #expect(text.contains("ALERTS_FOR_STATE{alertname=\"Errors\",instance=\"h:9\",job=\"api\"} 1"))
    }

    @Test func notifierRetriesThenCountsDeliveriesAndDrops() async throws {
        let receiver = StubHTTPServer()
        let port = try await receiver.start()
        defer { receiver.stop() }
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        let registry = PrometheusRegistry()
        var settings = Notifier.Settings()
        settings.initialBackoff = .milliseconds(10)
        settings.timeout = .seconds(2)
        let notifier = try Notifier(
            destinations: [
                NotificationDestination(kind: .webhook, url: "http://127.0.0.1:\(port)/hook"),
                NotificationDestination(kind: .alertmanager, url: "http://127.0.0.1:\(refusedPort())"),
            ],
            settings: settings,
            threadPool: pool,
            registry: registry,
            logger: Logger(label: "test")
        )
        let alert = OutgoingAlert(
            labels: Labels([("alertname", "A"), ("job", "api")]),
            annotations: Labels([("summary", "s")]),
            startsAt: 1_700_000_000_000,
            endsAt: 1_700_000_240_000,
            generatorURL: "http://x/graph",
            resolved: false
        )
        notifier.enqueue([alert])
        await notifier.drain()
        let message = try #require(receiver.posts.first.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect(message["status"] as? String == "firing")
        #expect(message["version"] as? String == "4")
        let alerts = try #require(message["alerts"] as? [[String: Any]])
        #expect(alerts.first?["startsAt"] as? String == "2023-11-14T22:13:20.000Z")
        #expect((alerts.first?["labels"] as? [String: String])?["alertname"] == "A")
        let text = registry.renderString()
        #expect(text.contains("copythat_exporter_notifications_sent_total{destination=\"http://127.0.0.1:\(port)/hook\"} 1"))
        #expect(text.contains("copythat_exporter_notifications_errors_total{destination=\"http://127.0.0.1:"))
        // One destination took the batch: nothing was dropped.
        #expect(text.contains("copythat_exporter_notifications_dropped_total 0"))

        // When no destination takes a batch, its alerts are counted as dropped.
        receiver.stop()
        try await Task.sleep(for: .milliseconds(200))
        notifier.enqueue([alert, alert])
        await notifier.drain()
        #expect(registry.renderString().contains("copythat_exporter_notifications_dropped_total 2"))
        try await pool.shutdownGracefully()
    }

    @Test func reloadKeepsTheAlertsOfUnchangedRulesAndDropsRemovedOnes() throws {
        let engine = try Self.engine(Self.targetDownRule)
        let target = ScrapeTarget(job: "api", url: "http://h:9/metrics")
        engine.ingest(target, body: .success(Array("errors_total 1\n".utf8)), at: 1000, durationSeconds: 0)
        _ = engine.evaluate(at: 1000)
        #expect(engine.groups[0].alertStates[1]?.alerts.first?.activeAt == 1000)
        let changed = """
            groups:
              - name: g
                rules:
                  - alert: Errors
                    expr: errors_total > 0
                  - alert: New
                    expr: errors_total > 100
            """
        engine.reload(groups: try RuleFileLoader.parse(changed, file: "rules.yml"))
        // Errors moved from index 1 to 0 and kept its alert (activeAt unchanged); TargetDown is gone.
        #expect(engine.groups[0].group.rules.map(\.name) == ["Errors", "New"])
        #expect(engine.groups[0].alertStates[0]?.alerts.first?.activeAt == 1000)
        #expect(engine.groups[0].alertStates[1]?.alerts.isEmpty == true)
        engine.ingest(target, body: .success(Array("errors_total 2\n".utf8)), at: 2000, durationSeconds: 0)
        _ = engine.evaluate(at: 2000)
        #expect(engine.groups[0].alertStates[0]?.alerts.map(\.activeAt) == [1000])
    }
}
