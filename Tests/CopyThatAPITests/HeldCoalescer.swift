import Synchronization
import Testing

@testable import CopyThatAPI

/// A ``StatementCoalescer`` that runs one batch at a time and holds its first lone run until released, so that the
/// calls started meanwhile queue up and go as one batch; it counts the batches, their sizes and the lone runs.
struct HeldCoalescer<Input: Sendable, Output: Sendable>: Sendable {
    /// The sizes of the batches run, and the number of lone runs (the held one included).
    final class Counts: Sendable {
        let batches = Mutex<[Int]>([])
        let alone = Mutex(0)
    }

    let counts = Counts()
    let coalescer: StatementCoalescer<Input, Output>
    private let reached = AsyncStream<Void>.makeStream()
    private let gate = AsyncStream<Void>.makeStream()

    init(
        runBatch: @escaping @Sendable ([Input]) async throws -> [Output],
        runOne: @escaping @Sendable (Input) async throws -> Output
    ) {
        let counts = self.counts
        let reached = self.reached.continuation
        let gate = self.gate.stream
        self.coalescer = StatementCoalescer(
            maxInFlight: 1,
            runBatch: { inputs in
                counts.batches.withLock { $0.append(inputs.count) }
                return try await runBatch(inputs)
            },
            runOne: { input in
                let first = counts.alone.withLock { count in
                    count += 1
                    return count == 1
                }
                if first {
                    reached.yield()
                    for await _ in gate { break }
                }
                return try await runOne(input)
            }
        )
    }

    /// Runs `first` alone and, while it is held, starts `others` (they wait, so they go together when it is
    /// released); returns each call's own result: `first`'s, then `others`' in their order.
    func run(_ first: Input, whileHeld others: [Input]) async throws -> [Result<Output, any Error>] {
        let coalescer = self.coalescer
        let head = Task { try await coalescer.run(first) }
        for await _ in self.reached.stream { break }  // the first call is running (held)
        let tasks = others.map { input in Task { try await coalescer.run(input) } }
        for _ in 0..<500 where coalescer.waitingCount < others.count { try await Task.sleep(for: .milliseconds(10)) }
        #expect(coalescer.waitingCount == others.count)
        self.gate.continuation.yield()
        var results = [await head.result]
        for task in tasks { results.append(await task.result) }
        return results
    }
}
