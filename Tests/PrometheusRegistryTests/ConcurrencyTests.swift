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

    @Test func aCounterHammeredFromSeveralThreadsStaysExact() throws {
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

    @Test func threadsThatComeAndGoReuseShardsAndLoseNothing() throws {
        let registry = PrometheusRegistry()
        let counter = try registry.makeCounter(name: "churn_total", help: "Churn.")
        let histogram = try registry.makeHistogram(name: "churn_seconds", help: "Churn.", buckets: [0.5, 1])
        let slotsBefore = ShardedCells.threadSlotsClaimed
        let generations = 40
        // Two threads at a time, each exiting before the next pair starts: their slots, and so their shards, are
        // handed on, so the slots ever claimed grow by a handful, not by 80.
        for _ in 0..<generations {
            let threads = (0..<2).map { _ in
                JoinableThread {
                    for index in 0..<1000 {
                        counter.inc()
                        histogram.observe(index % 2 == 0 ? 0.25 : 2)
                    }
                    try? counter.inc(by: 0.5)
                }
            }
            // Joined: the threads have exited and given their slots back before the next pair starts.
            for thread in threads { thread.join() }
        }
        #expect(counter.value == Double(generations * 2 * 1000) + Double(generations * 2) * 0.5)
        let snapshot = histogram.snapshot
        #expect(snapshot.cumulativeCounts == [UInt64(generations * 1000), UInt64(generations * 1000), UInt64(generations * 2000)])
        #expect(snapshot.sum == Double(generations * 1000) * 0.25 + Double(generations * 1000) * 2)
        #expect(ShardedCells.threadSlotsClaimed - slotsBefore < 20)
        counter.reset()
        #expect(counter.value == 0)
        counter.inc()
        #expect(registry.renderString().contains("churn_total 1\n"))
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

/// A POSIX thread that can be joined: `join()` returns once the thread has exited, its thread-local destructors run.
final class JoinableThread: Sendable {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    private let thread: pthread_t

    init(_ body: @escaping @Sendable () -> Void) {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        let result = pthread_create(
            &thread,
            nil,
            { context in
                Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
                return nil
            },
            context
        )
        precondition(result == 0, "pthread_create failed: \(result)")
        self.thread = thread
    }

    func join() {
        pthread_join(self.thread, nil)
    }
}
