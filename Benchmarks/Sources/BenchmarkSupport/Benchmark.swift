#if canImport(Glibc)
import Glibc
#endif

/// Times our implementation and a peer's on the same workload, interleaved, and prints one contract JSON line.
///
/// Each round runs `iterations` operations of one side; rounds alternate ours, peer, ours, peer… after a warm-up, so
/// that noise from the shared machine lands on both. The figure reported is the median round, per operation.
public struct Benchmark {
    /// The work of one round: performs `iterations` operations and returns the nanoseconds they took (measured by
    /// the closure, so that per-round setup can stay outside the timing).
    public typealias Round = (_ iterations: Int) -> Double

    public var rounds: Int
    public var warmUpRounds: Int

    public init(rounds: Int = 15, warmUpRounds: Int = 2) {
        self.rounds = rounds
        self.warmUpRounds = warmUpRounds
    }

    /// Measures a case in ns per operation and prints its line.
    public func compare(_ name: String, iterations: Int, peer: String, ours: Round, theirs: Round) {
        guard Self.isSelected(name) else { return }
        // BENCH_PROFILE=ours runs only our side, for `perf record`; its figures are not comparisons.
        if let side = getenv("BENCH_PROFILE").map({ String(cString: $0) }), side == "ours" {
            let samples = (0..<(self.rounds + self.warmUpRounds)).map { _ in ours(iterations) / Double(iterations) }
            Self.printLine(name: name, unit: "ns/op", ours: Self.median(samples), peer: "none", peerValue: nil, speedup: nil)
            return
        }
        for _ in 0..<self.warmUpRounds {
            _ = ours(iterations)
            _ = theirs(iterations)
        }
        var oursSamples: [Double] = []
        var peerSamples: [Double] = []
        for round in 0..<self.rounds {
            // Alternate which side goes first, so neither always runs on a cache the other warmed.
            if round % 2 == 0 {
                oursSamples.append(ours(iterations) / Double(iterations))
                peerSamples.append(theirs(iterations) / Double(iterations))
            } else {
                peerSamples.append(theirs(iterations) / Double(iterations))
                oursSamples.append(ours(iterations) / Double(iterations))
            }
        }
        let oursMedian = Self.median(oursSamples)
        let peerMedian = Self.median(peerSamples)
        Self.printLine(name: name, unit: "ns/op", ours: oursMedian, peer: peer, peerValue: peerMedian, speedup: peerMedian / oursMedian)
    }

    /// Whether `name` was asked for: every case when the command line names none.
    public static func isSelected(_ name: String) -> Bool {
        let wanted = CommandLine.arguments.dropFirst()
        return wanted.isEmpty || wanted.contains(name)
    }

    /// Times `body` in nanoseconds.
    @inline(never)
    public static func time(_ body: () -> Void) -> Double {
        let start = ContinuousClock.now
        body()
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Prints `{"case": …, "unit": …, "ours": …, "peer": …, "peer_value": …, "speedup": …}`.
    public static func printLine(name: String, unit: String, ours: Double, peer: String, peerValue: Double?, speedup: Double?) {
        func number(_ value: Double?) -> String {
            guard let value, value.isFinite else { return "null" }
            return String(Double(Int64((value * 1000).rounded())) / 1000)
        }
        print(
            "{\"case\": \"\(name)\", \"unit\": \"\(unit)\", \"ours\": \(number(ours)), \"peer\": \"\(peer)\", "
                + "\"peer_value\": \(number(peerValue)), \"speedup\": \(number(speedup))}"
        )
        fflush(nil)
    }
}

/// Keeps a value alive so the optimiser cannot remove the work that produced it.
@inline(never)
public func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

/// Runs `body` on `count` threads at once and returns the wall-clock nanoseconds until all finish.
public func timeOnThreads(_ count: Int, _ body: @escaping @Sendable () -> Void) -> Double {
    var threads: [pthread_t] = []
    let start = ContinuousClock.now
    for _ in 0..<count {
        let box = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        var thread = pthread_t()
        pthread_create(
            &thread,
            nil,
            { argument in
                let body = Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue()
                body.run()
                return nil
            },
            box
        )
        threads.append(thread)
    }
    for thread in threads { pthread_join(thread, nil) }
    let (seconds, attoseconds) = (ContinuousClock.now - start).components
    return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
}

private final class ThreadBody: Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}
