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

    typealias Recorded = (jobID: Int, tokens: [ColorToken])

    /// The real batch and single statements, with the first held so that the others queue up behind it.
    static func heldRecorder(_ database: Database) -> HeldCoalescer<CompletedExtraction, Recorded> {
        HeldCoalescer(
            runBatch: { records in try await ExtractionRepository.recordCacheHits(records, on: database) },
            runOne: { record in try await ExtractionRepository.recordAlone(record, on: database) }
        )
    }

    @Test func hitsThatArriveTogetherShareAStatementAndEachGetsItsOwnJobAndColours() async throws {
        try await ExtractionTests.withStub { api, _, user, projectID in
            let held = Self.heldRecorder(api.api.services.database)
            let results = try await held.run(
                Self.hit(1, projectID: projectID, userID: user.id),
                whileHeld: (2...6).map { Self.hit($0, projectID: projectID, userID: user.id) }
            ).map { try $0.get() }

            #expect(held.counts.batches.withLock { $0 } == [5])  // one statement for the five that waited
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
            let held = Self.heldRecorder(api.api.services.database)
            let missingProject = Int(Int32.max)
            let results = try await held.run(
                Self.hit(1, projectID: projectID, userID: user.id),
                whileHeld: [
                    Self.hit(2, projectID: projectID, userID: user.id), Self.hit(3, projectID: missingProject, userID: user.id),
                    Self.hit(4, projectID: projectID, userID: user.id),
                ]
            )
            for index in [0, 1, 3] { #expect(try results[index].get().tokens.count == 3) }
            #expect(throws: PostgresError.self) { try results[2].get() }

            #expect(held.counts.batches.withLock { $0 } == [3])  // tried together once, then each alone
            #expect(held.counts.alone.withLock { $0 } == 4)
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
