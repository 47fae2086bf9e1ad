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

    /// A target whose body never ends is cut at `body_size_limit` (32 MiB) every time, and a hundred such scrapes
    /// leave nothing behind: resident memory after the hundredth is within 20 MB of after the first.
    @Test(.timeLimit(.minutes(3))) func aHundredOversizedScrapesLeaveNoMemoryBehind() async throws {
        let target = try await RawHTTPTarget(
            serve: """
                chunk = b"".join(b'x{i="%d"} 1\\n' % i for i in range(40000))
                def serve(c):
                    try:
                        c.recv(65536)
                        c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nConnection: close\\r\\n\\r\\n")
                        while True: c.sendall(chunk)
                    except Exception: pass
                    finally: c.close()
                """
        )
        let (child, exporterPort, directory) = try await Self.startExporter(
            rule: "count(x) > 0",
            interval: "200ms",
            target: "{job: endless, url: 'http://127.0.0.1:\(target.port)/metrics', timeout: 5s}"
        )
        defer { try? FileManager.default.removeItem(at: directory) }
        defer { child.signal(SIGKILL) }
        let afterFirst = try await Self.settledResident(of: child, port: exporterPort, afterFailures: 1)
        let afterHundredth = try await Self.settledResident(of: child, port: exporterPort, afterFailures: 100)
        print("endless target: resident \(afterFirst) kB after the first cut scrape, \(afterHundredth) kB after the hundredth")
        #expect(afterHundredth - afterFirst < 20_000, "\(afterFirst) kB -> \(afterHundredth) kB")
        #expect(child.standardOutput.components(separatedBy: "body_size_limit exceeded").count - 1 == 1, "logged once")
    }

    /// A scrape with invalid UTF-8 fails with its line (`up` 0), as in Prometheus, rather than being ingested with
    /// U+FFFD.
    @Test func invalidUTF8FailsTheScrapeWithItsLine() async throws {
        let target = try await RawHTTPTarget(
            serve: """
                body = b'errors_total 1\\nerrors_total{path="/caf\\xe9"} 2\\n'
                def serve(c):
                    if c.recv(65536):
                        c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body) + body)
                    c.close()
                """
        )
        let (child, exporterPort, directory) = try await Self.startExporter(
            rule: #"up{job="latin1"} == 0"#,
            interval: "300ms",
            target: "{job: latin1, url: 'http://127.0.0.1:\(target.port)/metrics'}"
        )
        defer { try? FileManager.default.removeItem(at: directory) }
        defer { child.signal(SIGKILL) }
        let reason = "invalid exposition: line 2: invalid UTF-8"
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(30) && !child.standardOutput.contains(reason) {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(child.standardOutput.contains(reason), "\(child.standardOutput.suffix(1500))")
        try await Task.sleep(for: .seconds(1))  // an evaluation after that scrape
        let metrics = try await CommandLineTests.get(port: exporterPort, path: "/metrics")?.body ?? ""
        #expect(metrics.contains(#"ALERTS{alertname="Down""#), "up was not 0")
        #expect(metrics.contains(#"copythat_exporter_scrape_failures_total{job="latin1"}"#))
    }

    /// The built exporter with one alerting rule (`expr`), evaluated every `interval`, and one scrape target (a YAML
    /// flow mapping).
    static func startExporter(rule expr: String, interval: String, target: String) async throws -> (ChildProcess, Int, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let rules = directory.appendingPathComponent("rules.yml")
        try "groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: '\(expr)'\n".write(
            to: rules,
            atomically: true,
            encoding: .utf8
        )
        let (child, port) = try await CommandLineTests.startExporter(
            """
            probe_interval: 15s
            rule_files: [\(rules.path)]
            evaluation_interval: \(interval)
            scrape_targets:
              - \(target)
            """,
            in: directory
        )
        return (child, port, directory)
    }

    /// Once `failures` scrapes have been cut at the body limit, the lowest resident size seen over a second of
    /// samples (between scrapes, not with a buffer in flight), in kB.
    static func settledResident(of child: ChildProcess, port: Int, afterFailures failures: Int) async throws -> Int {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(120) {
            let metrics = try await CommandLineTests.get(port: port, path: "/metrics")?.body ?? ""
            let line = metrics.split(separator: "\n").first {
                $0.hasPrefix(#"copythat_exporter_scrape_limit_exceeded_total{job="endless""#)
            }
            if let count = line.flatMap({ Double($0.split(separator: " ").last ?? "") }), Int(count) >= failures { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        var lowest = Int.max
        for _ in 0..<20 {
            lowest = min(lowest, Self.resident(of: child))
            try await Task.sleep(for: .milliseconds(50))
        }
        return lowest
    }

    /// `VmRSS` of the child, in kB.
    static func resident(of child: ChildProcess) -> Int {
        ((try? String(contentsOfFile: "/proc/\(child.pid)/status", encoding: .utf8)) ?? "")
            .split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
            .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true)[1]) } ?? Int.max
    }
}
