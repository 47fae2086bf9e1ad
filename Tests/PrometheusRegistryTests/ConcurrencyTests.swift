import Dispatch
import Foundation
import Synchronization
import Testing

@testable import PrometheusRegistry

@Suite struct ConcurrencyTests {
    @Test func manyTasksIncrementingGiveExactTotals() async throws {
        let registry = PrometheusRegistry()
        let family = try registry.makeCounterFamily(name: "hits_total", help: "Hits.", labelNames: ["worker"])
        let shared = try registry.makeCounter(name: "shared_total", help: "Shared.")
        let floating = try registry.makeCounter(name: "cost_total", help: "Cost.")
        let gauge = try registry.makeGauge(name: "level", help: "Level.")
        let tasks = 16
        let perTask = 20_000
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    for iteration in 0..<perTask {
                        shared.inc()
                        try? family.labels("w\(task % 4)").inc()
                        try? floating.inc(by: 0.25)
                        gauge.inc()
                        if iteration % 2 == 0 { gauge.dec(by: 2) }
                    }
                }
            }
        }
        #expect(shared.value == Double(tasks * perTask))
        #expect(floating.value == Double(tasks * perTask) * 0.25)
        #expect(gauge.value == 0)
        for worker in 0..<4 {
            #expect(try family.labels("w\(worker)").value == Double(tasks / 4 * perTask))
        }
    }

    @Test func aCounterHammeredFromSeveralThreadsStripesAndStaysExact() throws {
        let registry = PrometheusRegistry()
        let counter = try registry.makeCounter(name: "hot_total", help: "Hot.")
        let threads = 4
        let perThread = 500_000
        // Real threads, released together, so that the increments really overlap on several CPUs.
        let ready = DispatchSemaphore(value: 0)
        let go = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        for _ in 0..<threads {
            Thread {
                ready.signal()
                go.wait()
                for _ in 0..<perThread { counter.inc() }
                finished.signal()
            }.start()
        }
        for _ in 0..<threads { ready.wait() }
        for _ in 0..<threads { go.signal() }
        for _ in 0..<threads { finished.wait() }
        #expect(counter.value == Double(threads * perThread))
        #expect(registry.renderString().contains("hot_total \(threads * perThread)\n"))
        counter.reset()
        #expect(counter.value == 0)
        counter.inc()
        #expect(counter.value == 1)
    }

    @Test func samplesFromTwoCPUsSpreadTheCounterOverStripesWithoutLosingCounts() throws {
        let registry = PrometheusRegistry()
        let counter = try registry.makeCounter(name: "striped_total", help: "Striped.")
        for _ in 0..<200 { counter.inc() }  // below 256: no real sample taken yet
        counter.sampleContention(cpu: 100)
        counter.sampleContention(cpu: 100)
        #expect(!counter.isStriped)
        counter.sampleContention(cpu: 101)
        #expect(counter.isStriped)
        for _ in 0..<1800 { counter.inc() }
        try counter.inc(by: 5)
        try counter.inc(by: 0.5)
        #expect(counter.value == 2005.5)
        #expect(registry.renderString().contains("striped_total 2005.5\n"))
        counter.reset()
        #expect(counter.value == 0)
        counter.inc()
        #expect(registry.renderString().contains("striped_total 1\n"))
    }

    @Test func everyScrapeDuringWritesIsInternallyConsistent() async throws {
        let registry = PrometheusRegistry()
        let histogram = try registry.makeHistogramFamily(
            name: "latency_seconds",
            help: "Latency.",
            labelNames: ["route"],
            buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
        )
        let writers = 4
        let perWriter = 50_000
        let done = Countdown()
        let scrapes = try await withThrowingTaskGroup(of: Int.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    let child = try histogram.labels(writer % 2 == 0 ? "/a" : "/b")
                    for index in 0..<perWriter {
                        child.observe(Double(index % 1000) / 100)
                    }
                    done.finishOne()
                    return 0
                }
            }
            group.addTask {
                var scrapes = 0
                repeat {
                    let text = registry.renderString()
                    try Self.checkHistogramConsistency(text)
                    scrapes += 1
                } while done.finished < writers
                return scrapes
            }
            return try await group.reduce(0, +)
        }
        #expect(scrapes > 0)
        let final = registry.renderString()
        #expect(try Self.checkHistogramConsistency(final) == 2)
        #expect(final.contains(#"latency_seconds_count{route="/a"} 100000"#))
        #expect(final.contains(#"latency_seconds_count{route="/b"} 100000"#))
    }

    final class Countdown: Sendable {
        private let count = Mutex(0)
        func finishOne() { self.count.withLock { $0 += 1 } }
        var finished: Int { self.count.withLock { $0 } }
    }

    struct Inconsistent: Error, CustomStringConvertible {
        var description: String
    }

    /// Cumulative buckets never decrease and `le="+Inf"` equals `_count`, for every series in `text`.
    @discardableResult
    static func checkHistogramConsistency(_ text: String) throws -> Int {
        var checked = 0
        var previous: [String: Double] = [:]
        var infinity: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[1]) else { continue }
            let series = String(parts[0])
            if series.contains("_bucket{") {
                let route = String(series.split(separator: ",")[0])
                if let last = previous[route], value < last {
                    throw Inconsistent(description: "bucket decreased in \(line)")
                }
                previous[route] = value
                if series.contains("le=\"+Inf\"") {
                    infinity[route] = value
                    previous[route] = nil
                }
            } else if series.contains("_count{") {
                let route = series.replacingOccurrences(of: "_count{", with: "_bucket{").replacingOccurrences(of: "}", with: "")
                guard infinity[route] == value else {
                    throw Inconsistent(description: "+Inf bucket \(infinity[route] ?? -1) differs from \(line)")
                }
                checked += 1
            }
        }
        return checked
    }
}
