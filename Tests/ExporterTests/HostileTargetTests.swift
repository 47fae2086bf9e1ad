import Foundation
import TestSupport
import Testing

/// The built exporter against scrape targets that misbehave, on loopback.
@Suite struct HostileTargetTests {
    /// A target with a million series no rule reads is parsed only as far as each name, and one with a million
    /// series a rule reads fails at `sample_limit` (`up` 0, counted, logged once); meanwhile `/health/live`,
    /// `/health/ready` and `/metrics` each answer within a second.
    @Test(.timeLimit(.minutes(3))) func aMillionSeriesTargetDelaysNoEndpointAndIsBoundedByTheLimits() async throws {
        let unread = StubHTTPServer()
        let unreadPort = try await unread.start()
        defer { unread.stop() }
        unread.serveMetrics((0..<1_000_000).map { "unread_metric{i=\"\($0)\"} 1\n" }.joined() + "errors_total 1\n")
        let read = StubHTTPServer()
        let readPort = try await read.start()
        defer { read.stop() }
        read.serveMetrics((0..<1_000_000).map { "big_read_metric{i=\"\($0)\"} 1\n" }.joined())

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try """
        groups:
          - name: hostile
            rules:
              - alert: UnreadTargetUp
                expr: up{job="unread"} == 1 and on() errors_total > 0
              - alert: ReadTargetDown
                expr: up{job="read"} == 0
              - alert: BigSeries
                expr: count(big_read_metric) > 0
        """.write(to: directory.appendingPathComponent("rules.yml"), atomically: true, encoding: .utf8)
        let (child, port) = try await CommandLineTests.startExporter(
            """
            probe_interval: 15s
            rule_files: [\(directory.appendingPathComponent("rules.yml").path)]
            evaluation_interval: 1s
            scrape_targets:
              - job: unread
                url: http://127.0.0.1:\(unreadPort)/metrics
              - job: read
                url: http://127.0.0.1:\(readPort)/metrics
            """,
            in: directory
        )
        defer { child.signal(SIGKILL) }

        var slowest: [String: Duration] = [:]
        var metrics = ""
        let start = ContinuousClock.now
        func firing(_ alert: String) -> Bool {
            metrics.split(separator: "\n").contains {
                $0.hasPrefix("ALERTS{alertname=\"\(alert)\"") && $0.contains(#"alertstate="firing""#)
            }
        }
        // Until both targets have been scraped and evaluated (a debug build parses slowly), and for 5 s at least.
        while ContinuousClock.now - start < .seconds(90) {
            if ContinuousClock.now - start > .seconds(5) && firing("UnreadTargetUp") && firing("ReadTargetDown") { break }
            for path in ["/health/live", "/health/ready", "/metrics"] {
                let asked = ContinuousClock.now
                let answer = try await CommandLineTests.get(port: port, path: path)
                slowest[path] = max(slowest[path] ?? .zero, ContinuousClock.now - asked)
                #expect(answer != nil, "\(path) did not answer within curl's 2 s")
                if path == "/metrics", let body = answer?.body { metrics = body }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        for (path, time) in slowest { #expect(time < .seconds(1), "\(path) took \(time)") }
        #expect(firing("UnreadTargetUp"), "the unread target scraped fine: \(child.standardOutput.suffix(3000))")
        #expect(firing("ReadTargetDown"), "the read target failed")
        #expect(!metrics.contains(#"alertname="BigSeries""#), "nothing of the failed scrape was stored")
        #expect(metrics.contains(#"copythat_exporter_scrape_limit_exceeded_total{job="read",limit="sample_limit"}"#))
        let series = metrics.split(separator: "\n").first { $0.hasPrefix("copythat_exporter_rule_store_series ") }
        let count = series.flatMap { Double($0.split(separator: " ").last ?? "") } ?? .infinity
        #expect(count < 100, "series held: \(String(describing: series))")
        let failures = child.standardOutput.components(separatedBy: #""message":"scrape failed""#).count - 1
        #expect(failures == 1, "the reason is logged once per change, not per scrape: \(failures)")
        let resident =
            try String(contentsOfFile: "/proc/\(child.pid)/status", encoding: .utf8)
            .split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[1]) } ?? Int.max
        #expect(resident < 250_000, "resident \(resident) kB")
        print("hostile targets: resident \(resident) kB; slowest answers \(slowest)")
    }
}
