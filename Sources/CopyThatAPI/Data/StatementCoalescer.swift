import Clients
import Synchronization

/// Records cache hits, many in one statement when they arrive together (``CoalescingQueue``: a lone hit goes at once;
/// hits that arrive while two statements are running go together in the next). Each hit still gets its own job, its
/// own colours and its own usage row, all of a statement's hits commit together, and when a statement of several fails,
/// each of them is tried again alone, so one bad hit fails only itself.
///
/// Under load this is what a cache hit costs PostgreSQL: one statement per batch instead of one per hit (executor
/// start-up, the transaction and the round trip shared).
final class CacheHitRecorder: Sendable {
    typealias Recorded = (jobID: Int, tokens: [ColorToken])
    typealias WriteBatch = @Sendable ([CompletedExtraction]) async throws -> [Recorded]
    typealias WriteOne = @Sendable (CompletedExtraction) async throws -> Recorded

    private struct Waiting: Sendable {
        var record: CompletedExtraction
        var continuation: CheckedContinuation<Recorded, any Error>
    }

    private let queue: Mutex<CoalescingQueue<Waiting>>
    private let writeBatch: WriteBatch
    private let writeOne: WriteOne

    /// `writeBatch` writes several hits in one statement (returning their results in order); `writeOne` one alone.
    init(maxInFlight: Int = 2, maxBatch: Int = 64, writeBatch: @escaping WriteBatch, writeOne: @escaping WriteOne) {
        self.queue = Mutex(CoalescingQueue(maxInFlight: maxInFlight, maxBatch: maxBatch))
        self.writeBatch = writeBatch
        self.writeOne = writeOne
    }

    /// Records `record` (with others waiting at the same moment); returns its job's id and its colour tokens.
    func record(_ record: CompletedExtraction) async throws -> Recorded {
        if record.spends { return try await self.writeOne(record) }
        if self.queue.withLock({ $0.startAlone() }) {
            // Nothing running or waiting: this task writes its own hit, then hands what arrived meanwhile to a new one.
            let result: Result<Recorded, any Error>
            do {
                result = .success(try await self.writeOne(record))
            } catch {
                result = .failure(error)
            }
            if let next = self.queue.withLock({ $0.finish() }) { Task { await self.run(next) } }
            return try result.get()
        }
        return try await withCheckedThrowingContinuation { continuation in
            let batch = self.queue.withLock { $0.enqueue(Waiting(record: record, continuation: continuation)) }
            if let batch { Task { await self.run(batch) } }
        }
    }

    /// Hits waiting for a running statement to finish.
    var waitingCount: Int { self.queue.withLock { $0.waiting.count } }

    /// Runs `first`, then whatever batches are waiting when each finishes.
    private func run(_ first: [Waiting]) async {
        var batch = first
        while true {
            await self.write(batch)
            guard let next = self.queue.withLock({ $0.finish() }) else { return }
            batch = next
        }
    }

    private func write(_ batch: [Waiting]) async {
        if batch.count == 1 {
            await self.writeAlone(batch[0])
            return
        }
        let results: [Recorded]
        do {
            results = try await self.writeBatch(batch.map(\.record))
        } catch let error where !(error is PostgresError) {
            // The database could not be reached or did not answer in time: every hit fails alike.
            for waiting in batch { waiting.continuation.resume(throwing: error) }
            return
        } catch {
            // The server refused the statement as a whole (a project deleted in the meantime, say): each hit alone,
            // so only the one at fault fails.
            await withTaskGroup(of: Void.self) { group in
                for waiting in batch { group.addTask { await self.writeAlone(waiting) } }
            }
            return
        }
        guard results.count == batch.count else {
            // Committed, but not answered hit by hit: trying again would record them twice.
            for waiting in batch { waiting.continuation.resume(throwing: BatchMismatch(expected: batch.count, got: results.count)) }
            return
        }
        for (waiting, result) in zip(batch, results) { waiting.continuation.resume(returning: result) }
    }

    /// Writes one waiting hit in a statement of its own and answers it.
    private func writeAlone(_ waiting: Waiting) async {
        do {
            waiting.continuation.resume(returning: try await self.writeOne(waiting.record))
        } catch {
            waiting.continuation.resume(throwing: error)
        }
    }

    /// A statement of several hits answered for other rows than it wrote (a defect, never a client's doing).
    struct BatchMismatch: Error, CustomStringConvertible {
        var expected: Int
        var got: Int
        var description: String { "a statement of cache hits expected \(self.expected) rows back and got \(self.got)" }
    }
}
