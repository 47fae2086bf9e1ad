import Clients
import CopyThatInstrumentation
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import CopyThatAPI

/// Cache hits recorded together: which go in one statement (a pure queue), and that a shared statement gives each hit
/// its own job, colours and usage row, on the real database, with one bad hit failing only itself.
@Suite(.serialized) struct CacheHitBatchTests {
    @Test func aLoneWriteGoesAtOnceAndWaitingOnesGoTogetherWhenOneFinishes() {
        var queue = CoalescingQueue<Int>(maxInFlight: 2, maxBatch: 3)
        #expect(queue.enqueue(1) == [1])
        #expect(queue.enqueue(2) == [2])
        for item in 3...7 { #expect(queue.enqueue(item) == nil) }  // two running: these wait
        #expect(queue.waiting == [3, 4, 5, 6, 7])
        #expect(queue.finish() == [3, 4, 5])  // at most maxBatch, oldest first
        #expect(queue.finish() == [6, 7])
        #expect(queue.inFlight == 2)
        #expect(queue.finish() == nil)
        #expect(queue.finish() == nil)
        #expect(queue.inFlight == 0)
        #expect(queue.enqueue(8) == [8])  // idle again: no waiting
    }

    @Test func aWriteRunsInItsCallerOnlyWhenNothingWaitsAndThereIsRoom() {
        var queue = CoalescingQueue<Int>(maxInFlight: 1, maxBatch: 8)
        #expect(queue.startAlone() == true)
        #expect(queue.startAlone() == false)  // the one batch allowed is running
        #expect(queue.enqueue(1) == nil)
        #expect(queue.finish() == [1])  // the waiting write goes next, not a newcomer
        #expect(queue.startAlone() == false)
        #expect(queue.finish() == nil)
        #expect(queue.startAlone() == true)
        var wider = CoalescingQueue<Int>(maxInFlight: 2, maxBatch: 8)
        #expect(wider.startAlone() == true)
        #expect(wider.startAlone() == true)
        #expect(wider.enqueue(1) == nil)
        #expect(wider.finish() == [1])
        #expect(wider.startAlone() == false)  // the waiting write took the slot that was freed
    }

    static func palette(_ seed: Int, count: Int = 3) -> Palette {
        Palette(
            colors: (0..<count).map { index in
                ExtractedColor(
                    hex: String(format: "#%02X%02X%02X", seed, index, 0xAA),
                    name: "Hit \(seed) colour \(index)",
                    designIntent: Palette.designIntents[index],
                    confidence: 0.5,
                    usage: "tests",
                    prominence: Double(50 - index)
                )
            },
            dominantColors: [],
            paletteDescription: "Hit \(seed)",
            overallConfidence: 0.5
        )
    }

    static func hit(_ seed: Int, projectID: Int, userID: String) -> CompletedExtraction {
        let usage = AICostTracker.Usage(model: "model-\(seed)", inputTokens: seed, outputTokens: 1, cached: true, duration: .zero)
        return CompletedExtraction(
            projectID: projectID,
            userID: userID,
            sourceType: "base64",
            imageSHA256: String(repeating: String(seed % 10), count: 64),
            maxColors: 3,
            palette: Self.palette(seed),
            provider: "anthropic",
            model: "model-\(seed)",
            usage: [UsageLog.Entry(usage: usage, cost: Money(nanodollars: 1000), userID: userID, projectID: projectID, endpoint: "/test")],
            durable: false
        )
    }

    /// What a ``HeldRecorder`` saw: the sizes of its batches, its single writes, and the hold on its first write.
    final class Observed: Sendable {
        let batches = Mutex<[Int]>([])
        let alone = Mutex(0)
        let reached = AsyncStream<Void>.makeStream()
        let gate = AsyncStream<Void>.makeStream()
    }

    /// A recorder that lets one batch run at a time and holds its first write until the gate opens, so that the hits
    /// started meanwhile queue up and go as one batch; it counts the batches and their sizes.
    struct HeldRecorder {
        let observed = Observed()
        let recorder: CacheHitRecorder

        init(database: Database) {
            let observed = self.observed
            self.recorder = CacheHitRecorder(
                maxInFlight: 1,
                writeBatch: { records in
                    observed.batches.withLock { $0.append(records.count) }
                    return try await ExtractionRepository.recordCacheHits(records, on: database)
                },
                writeOne: { record in
                    let first = observed.alone.withLock { count in
                        count += 1
                        return count == 1
                    }
                    if first {
                        observed.reached.continuation.yield()
                        for await _ in observed.gate.stream { break }
                    }
                    return try await ExtractionRepository.recordAlone(record, on: database)
                }
            )
        }
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(condition())
    }

    @Test func hitsThatArriveTogetherShareAStatementAndEachGetsItsOwnJobAndColours() async throws {
        try await ExtractionTests.withStub { api, _, user, projectID in
            let held = HeldRecorder(database: api.api.services.database)
            let recorder = held.recorder
            let first = Task { try await recorder.record(Self.hit(1, projectID: projectID, userID: user.id)) }
            for await _ in held.observed.reached.stream { break }  // the first write is running (held)
            let others = (2...6).map { seed in
                Task { try await recorder.record(Self.hit(seed, projectID: projectID, userID: user.id)) }
            }
            try await Self.waitUntil { recorder.waitingCount == 5 }
            held.observed.gate.continuation.yield()
            var results = [try await first.value]
            for task in others { results.append(try await task.value) }

            #expect(held.observed.batches.withLock { $0 } == [5])  // one statement for the five that waited
            #expect(Set(results.map(\.jobID)).count == 6)
            for (offset, result) in results.enumerated() {
                let seed = offset + 1
                #expect(result.tokens.map(\.hex) == Self.palette(seed).colors.map(\.hex))
                #expect(result.tokens.allSatisfy { $0.extractionJobID == result.jobID })
                // As stored: the job's own colours, its model and digest.
                let stored = try await api.sql(
                    "SELECT string_agg(t.hex, ',' ORDER BY t.id), j.model, j.image_sha256, j.status FROM extraction_jobs j JOIN color_tokens t ON t.extraction_job_id = j.id WHERE j.id = $1 GROUP BY j.id",
                    [String(result.jobID)]
                )
                #expect(
                    stored == [
                        [
                            Self.palette(seed).colors.map(\.hex).joined(separator: ","), "model-\(seed)",
                            String(repeating: String(seed % 10), count: 64), "completed",
                        ]
                    ]
                )
            }
            let usage = try await api.sql(
                "SELECT string_agg(model || ':' || input_tokens || ':' || cached, ',' ORDER BY input_tokens) FROM api_usage_logs WHERE project_id = $1",
                [String(projectID)]
            )
            #expect(usage == [[(1...6).map { "model-\($0):\($0):true" }.joined(separator: ",")]])
        }
    }

    @Test func aBadHitInASharedStatementFailsAloneAndTheOthersAreRecorded() async throws {
        try await ExtractionTests.withStub { api, _, user, projectID in
            let held = HeldRecorder(database: api.api.services.database)
            let recorder = held.recorder
            let missingProject = Int(Int32.max)
            let first = Task { try await recorder.record(Self.hit(1, projectID: projectID, userID: user.id)) }
            for await _ in held.observed.reached.stream { break }
            let good = [2, 4].map { seed in Task { try await recorder.record(Self.hit(seed, projectID: projectID, userID: user.id)) } }
            let bad = Task { try await recorder.record(Self.hit(3, projectID: missingProject, userID: user.id)) }
            try await Self.waitUntil { recorder.waitingCount == 3 }
            held.observed.gate.continuation.yield()
            _ = try await first.value
            for task in good { #expect(try await task.value.tokens.count == 3) }
            await #expect(throws: PostgresError.self) { try await bad.value }

            #expect(held.observed.batches.withLock { $0 } == [3])  // tried together once, then each alone
            #expect(held.observed.alone.withLock { $0 } == 4)
            let jobs = try await api.sql("SELECT count(*) FROM extraction_jobs WHERE project_id = $1", [String(projectID)])
            #expect(jobs == [["3"]])
            let strays = try await api.sql(
                "SELECT (SELECT count(*) FROM api_usage_logs WHERE project_id = $1) + (SELECT count(*) FROM extraction_jobs WHERE project_id = $1)",
                [String(missingProject)]
            )
            #expect(strays == [["0"]])  // nothing of the bad hit, not even its usage row
        }
    }

    @Test func concurrentCachedExtractionsEachAnswerWithTheirOwnJob() async throws {
        let manyExtractions: @Sendable (inout APIConfiguration) -> Void = { $0.extractionRateLimit = 1000 }
        try await ExtractionTests.withStub(change: manyExtractions) { api, stub, user, projectID in
            stub.script([.text(ExtractionTests.palette(3))])
            let body: @Sendable () -> [String: Any] = {
                ["project_id": projectID, "max_colors": 3, "image_base64": ExtractionCacheTests.image]
            }
            #expect(try await ExtractionTests.extract(api, user, body()).status == 200)
            let answers = try await withThrowingTaskGroup(of: (Int, Bool, Int, Set<Int>).self) { group in
                for _ in 0..<24 {
                    group.addTask {
                        let response = try await ExtractionTests.extract(api, user, body())
                        let object = try response.object()
                        let colors = object["colors"] as? [[String: Any]] ?? []
                        return (
                            response.status, object["cached"] as? Bool ?? false, object["job_id"] as? Int ?? 0,
                            Set(colors.compactMap { $0["extraction_job_id"] as? Int })
                        )
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.0 == 200 && $0.1 && $0.3 == [$0.2] })
            #expect(Set(answers.map(\.2)).count == 24)
            #expect(stub.received.count == 1)
            #expect(try await api.request("GET", "/api/v1/projects/\(projectID)/colors", headers: [user.bearer]).array().count == 25 * 3)
        }
    }
}
