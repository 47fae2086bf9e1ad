import Clients
import CopyThatAPI
import CopyThatInstrumentation
import Foundation
import TestSupport
import Testing

/// The result cache, the project colour cache and the daily budgets, through the API with a stub provider.
@Suite(.serialized) struct ExtractionCacheTests {
    static let image = Base64Text.encode(ExtractionTests.png)

    static func counter(_ metrics: String, _ series: String) -> Double {
        metrics.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    @Test func aRepeatedImageCostsNoTokensButADifferentCountDoes() async throws {
        try await ExtractionTests.withStub { api, stub, user, projectID in
            stub.script([.text(ExtractionTests.palette(3), inputTokens: 1500, outputTokens: 500)])
            let first = try await ExtractionTests.extract(
                api,
                user,
                ["project_id": projectID, "max_colors": 3, "image_base64": Self.image]
            )
            #expect(try first.object()["cached"] as? Bool == false)
            let second = try await ExtractionTests.extract(
                api,
                user,
                ["project_id": projectID, "max_colors": 3, "image_base64": Self.image]
            )
            #expect(second.status == 200)
            #expect(try second.object()["cached"] as? Bool == true)
            #expect(stub.received.count == 1)
            let metrics = try await api.request("GET", "/metrics").text
            #expect(Self.counter(metrics, #"ai_extraction_total{model="claude-sonnet-4-5-20250929",status="cached"}"#) == 1)
            #expect(Self.counter(metrics, #"ai_tokens_used_total{model="claude-sonnet-4-5-20250929",type="input"}"#) == 1500)
            // The saving is logged at what the call would have cost: 1.5 × $0.003 + 0.5 × $0.015.
            let rows = try await api.sql(
                "SELECT cached, cost_nanodollars FROM api_usage_logs WHERE project_id = $1 ORDER BY id",
                [String(projectID)]
            )
            #expect(rows == [["f", "12000000"], ["t", "12000000"]])
            // Both extractions stored their colours.
            #expect(try await api.request("GET", "/api/v1/projects/\(projectID)/colors", headers: [user.bearer]).array().count == 6)
            // Another count is another question: the seeds' key ignored it.
            stub.script([.text(ExtractionTests.palette(4))])
            let other = try await ExtractionTests.extract(
                api,
                user,
                ["project_id": projectID, "max_colors": 4, "image_base64": Self.image]
            )
            #expect(try other.object()["cached"] as? Bool == false)
            #expect(stub.received.count == 2)
        }
    }

    /// An entry the API read or wrote is held in the process (`EXTRACTION_CACHE_HOLD_SECONDS`): the repeated image is
    /// answered from it even once Redis lost the entry; with the hold off, Redis is asked and the provider called again.
    @Test(arguments: [60, 0]) func aHeldEntryAnswersWithoutRedisWhileItLasts(holdSeconds: Int) async throws {
        let hold: @Sendable (inout APIConfiguration) -> Void = { $0.resultHold = .seconds(holdSeconds) }
        try await ExtractionTests.withStub(change: hold) { api, stub, user, projectID in
            stub.script([.text(ExtractionTests.palette(2)), .text(ExtractionTests.palette(2))])
            let fields: [String: Any] = ["project_id": projectID, "max_colors": 2, "image_base64": Self.image]
            #expect(try await ExtractionTests.extract(api, user, fields).object()["cached"] as? Bool == false)
            let redis = try await Self.redis(api)
            guard let key = try await Self.onlyResultKey(redis, api) else { return }
            #expect(try await redis.command(["DEL", key], timeout: .seconds(5)) == .integer(1))
            await redis.close()

            let again = try await ExtractionTests.extract(api, user, fields)
            #expect(again.status == 200)
            #expect(try again.object()["cached"] as? Bool == (holdSeconds > 0))
            #expect(stub.received.count == (holdSeconds > 0 ? 1 : 2))
        }
    }

    /// An entry that does not answer the request (two colours found under the key for three, as a damaged or
    /// hand-written entry would be) is a miss, counted as one, and the provider is asked.
    @Test func anEntryThatDoesNotFitTheRequestIsAMiss() async throws {
        let noHold: @Sendable (inout APIConfiguration) -> Void = { $0.resultHold = .zero }
        try await ExtractionTests.withStub(change: noHold) { api, stub, user, projectID in
            stub.script([.text(ExtractionTests.palette(2)), .text(ExtractionTests.palette(3))])
            #expect(
                try await ExtractionTests.extract(api, user, ["project_id": projectID, "max_colors": 2, "image_base64": Self.image]).status
                    == 200
            )
            let redis = try await Self.redis(api)
            guard let key = try await Self.onlyResultKey(redis, api), key.contains(":2:") else {
                Issue.record("expected the result-cache key for two colours")
                return
            }
            let twoColours = try await redis.command(["GET", key], timeout: .seconds(5))
            let threeKey = key.replacingOccurrences(of: ":2:", with: ":3:")
            _ = try await redis.command(["SET", threeKey, twoColours.string ?? ""], timeout: .seconds(5))
            await redis.close()

            let misses = Self.counter(try await api.request("GET", "/metrics").text, Self.misses)
            let three = try await ExtractionTests.extract(
                api,
                user,
                ["project_id": projectID, "max_colors": 3, "image_base64": Self.image]
            )
            #expect(three.status == 200)
            #expect(try three.object()["cached"] as? Bool == false)
            #expect((try three.object()["colors"] as? [Any])?.count == 3)
            #expect(stub.received.count == 2)
            #expect(Self.counter(try await api.request("GET", "/metrics").text, Self.misses) == misses + 1)
        }
    }

    /// A connection to the Redis the fixture's API uses (its keys start with the fixture's own prefix).
    static func redis(_ api: APIFixture) async throws -> RedisConnection {
        try await RedisConnection.connect(url: api.configuration.redisURL, timeout: .seconds(5), threadPool: APIFixture.clientThreads)
    }

    /// The fixture's one result-cache key (an issue is recorded, and `nil` returned, when there is not exactly one).
    static func onlyResultKey(_ redis: RedisConnection, _ api: APIFixture) async throws -> String? {
        let keys = try await redis.command(["KEYS", "\(api.configuration.redisKeyPrefix)colors:extract:*"], timeout: .seconds(5))
        guard case .array(let found) = keys, found.count == 1, let key = found[0].string else {
            Issue.record("expected one result-cache key, found \(keys)")
            return nil
        }
        return key
    }

    static let hits = #"cache_operations_total{operation="get",result="hit"}"#
    static let misses = #"cache_operations_total{operation="get",result="miss"}"#

    @Test func projectColoursAreCachedAndDroppedWhenTheyChange() async throws {
        try await ExtractionTests.withStub { api, stub, user, projectID in
            let path = "/api/v1/projects/\(projectID)/colors"
            #expect(try await api.request("GET", path, headers: [user.bearer]).array().isEmpty)
            #expect(try await api.request("GET", path, headers: [user.bearer]).array().isEmpty)
            var metrics = try await api.request("GET", "/metrics").text
            let hits = Self.counter(metrics, Self.hits)
            #expect(hits >= 1)
            stub.script([.text(ExtractionTests.palette(2))])
            #expect(
                try await ExtractionTests.extract(api, user, ["project_id": projectID, "max_colors": 2, "image_base64": Self.image]).status
                    == 200
            )
            metrics = try await api.request("GET", "/metrics").text
            let misses = Self.counter(metrics, Self.misses)
            #expect(try await api.request("GET", path, headers: [user.bearer]).array().count == 2)  // not the cached empty list
            metrics = try await api.request("GET", "/metrics").text
            #expect(Self.counter(metrics, Self.misses) == misses + 1)  // the stale list is a miss, and was replaced
            #expect(try await api.request("GET", path, headers: [user.bearer]).array().count == 2)
            metrics = try await api.request("GET", "/metrics").text
            #expect(Self.counter(metrics, Self.hits) == hits + 1)
            #expect(!metrics.contains(#"operation="delete""#))  // invalidated by the commit, with no DEL sent
            // The cache never lets anyone else read the list: access is checked first.
            let stranger = try await api.newUser()
            #expect(try await api.request("GET", path, headers: [stranger.bearer]).status == 403)
        }
    }

    /// The list is invalidated by the change's own commit: a change made through an instance that cannot reach
    /// Redis at all (so could send no `DEL`) is still seen at once through one that can and holds the old list.
    @Test func aChangeMadeWithoutRedisStillInvalidatesTheCachedList() async throws {
        try await ExtractionTests.withStub { api, stub, user, projectID in
            stub.script([.text(ExtractionTests.palette(2))])
            let extraction = try await ExtractionTests.extract(
                api,
                user,
                ["project_id": projectID, "max_colors": 2, "image_base64": Self.image]
            )
            let ids = (try extraction.object()["colors"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            #expect(ids.count == 2)
            let path = "/api/v1/projects/\(projectID)/colors"
            _ = try await api.request("GET", path, headers: [user.bearer])
            #expect(try await api.request("GET", path, headers: [user.bearer]).array().count == 2)
            let hits = Self.counter(try await api.request("GET", "/metrics").text, Self.hits)
            #expect(hits >= 1)  // the list is in Redis now

            var withoutRedis = api.configuration  // the same database and signing key: the same users and tokens
            withoutRedis.redisURL = try ConnectionURL("redis://127.0.0.1:\(refusedPort())/0")
            try await APIFixture.with(withoutRedis) { blind in
                let assigned = try await blind.json(
                    "PUT",
                    "\(path)/roles",
                    ["role_assignments": ids.map { ["token_id": $0, "role": "accent"] }],
                    headers: [user.bearer]
                )
                #expect(assigned.status == 200, "\(assigned.text)")
            }
            let listed = try await api.request("GET", path, headers: [user.bearer]).array()
            #expect(listed.map { $0["role"] as? String } == ["accent", "accent"])
            #expect(Self.counter(try await api.request("GET", "/metrics").text, Self.hits) == hits)  // a miss, not the old list
        }
    }

    /// A cache hit is recorded either way; with `durable` its answer comes after the commit reached the disk (the WAL
    /// is never found unflushed right after it), and by default it does not wait (PostgreSQL's WAL writer flushes it
    /// within 200 ms, so right after the answer the WAL is found unflushed).
    @Test(arguments: [CacheHitCommit.asynchronous, .durable])
    func aCacheHitsCommitWaitsForTheFlushOnlyWhenDurable(_ mode: CacheHitCommit) async throws {
        let change: @Sendable (inout APIConfiguration) -> Void = {
            $0.cacheHitCommit = mode
            $0.extractionRateLimit = 100
        }
        try await ExtractionTests.withStub(change: change) { api, stub, user, projectID in
            stub.script([.text(ExtractionTests.palette(2))])
            let fields: [String: Any] = ["project_id": projectID, "max_colors": 2, "image_base64": Self.image]
            #expect(try await ExtractionTests.extract(api, user, fields).status == 200)
            let hits = 20
            var unflushed = 0
            for _ in 0..<hits {
                let answer = try await ExtractionTests.extract(api, user, fields)
                #expect(try answer.object()["cached"] as? Bool == true)
                let state = try await api.sql("SELECT pg_current_wal_insert_lsn() > pg_current_wal_flush_lsn()")
                if state == [["t"]] { unflushed += 1 }
            }
            if mode == .durable {
                #expect(unflushed == 0)
            } else {
                #expect(unflushed > 0, "an asynchronous commit answers before its flush")
            }
            // Every hit is recorded, whichever the mode.
            let jobs = try await api.sql("SELECT count(*) FROM extraction_jobs WHERE project_id = $1", [String(projectID)])
            #expect(jobs == [[String(hits + 1)]])
        }
    }

    @Test func withRedisDownTheCacheIsSkippedNotTheRequest() async throws {
        var configuration = try APIFixture.configuration()
        configuration.redisURL = try ConnectionURL("redis://127.0.0.1:\(refusedPort())/0")
        try await APIFixture.with(configuration) { api in
            let bearer = try await api.newUserWithoutSignIn().bearer
            let project = try await api.json("POST", "/api/v1/projects", ["name": "No Redis"], headers: [bearer])
            let id = try project.object()["id"] as? Int ?? 0
            #expect(project.status == 201, "\(project.text)")
            let colors = try await api.request("GET", "/api/v1/projects/\(id)/colors", headers: [bearer])
            #expect(colors.status == 200)
            let metrics = try await api.request("GET", "/metrics").text
            #expect(Self.counter(metrics, #"cache_operations_total{operation="get",result="error"}"#) >= 1)
            #expect(Self.counter(metrics, #"cache_operations_total{operation="set",result="error"}"#) >= 1)
            #expect(api.logs.lines.filter { $0.contains("cache unavailable") }.count == 1)  // once per outage
        }
    }

    @Test func pastTheDailyBudgetNothingIsSpent() async throws {
        // $0.05 a user: a call estimated at 2,000 tokens each way costs $0.036 before it is made.
        let budgets = ExtractionBudgets(perUser: Money(nanodollars: 50_000_000), global: Money(nanodollars: 1_000_000_000_000))
        let setBudgets: @Sendable (inout APIConfiguration) -> Void = { $0.budgets = budgets }
        try await ExtractionTests.withStub(change: setBudgets) { api, stub, user, projectID in
            stub.script([.text(ExtractionTests.palette(2), inputTokens: 1500, outputTokens: 500)])
            #expect(
                try await ExtractionTests.extract(api, user, ["project_id": projectID, "max_colors": 2, "image_base64": Self.image]).status
                    == 200
            )
            // $0.012 spent + $0.036 estimated fits; the next image would not ($0.024 + $0.036).
            let otherImage = Base64Text.encode(ExtractionTests.png + [9])
            #expect(
                try await ExtractionTests.extract(api, user, ["project_id": projectID, "max_colors": 2, "image_base64": otherImage]).status
                    == 200
            )
            let refused = try await ExtractionTests.extract(
                api,
                user,
                ["project_id": projectID, "max_colors": 2, "image_base64": Base64Text.encode(ExtractionTests.png + [10])]
            )
            #expect(refused.status == 429)
            let body = try refused.object()
            #expect(body["budget_usd"] as? Double == 0.05)
            #expect(body["spent_usd"] as? Double == 0.02)
            #expect(stub.received.count == 2)
            // A cached answer spends nothing, so it is still served.
            #expect(
                try await ExtractionTests.extract(api, user, ["project_id": projectID, "max_colors": 2, "image_base64": Self.image]).status
                    == 200
            )
        }
    }

    @Test func theGlobalBudgetStopsEveryone() async throws {
        let budgets = ExtractionBudgets(perUser: Money(nanodollars: 10_000_000_000), global: Money(nanodollars: 0))
        let setBudgets: @Sendable (inout APIConfiguration) -> Void = { $0.budgets = budgets }
        try await ExtractionTests.withStub(change: setBudgets) { api, stub, user, projectID in
            let refused = try await ExtractionTests.extract(api, user, ["project_id": projectID, "image_base64": Self.image])
            #expect(refused.status == 429)
            #expect(refused.text.contains("service's daily AI budget"))
            #expect(stub.received.isEmpty)
        }
    }
}

/// `PUT /projects/{id}/colors/roles`: checked, all or nothing, one statement however many tokens.
@Suite(.serialized) struct ColorRoleTests {
    static func statements(_ api: APIFixture) async throws -> Double {
        try await api.request("GET", "/metrics").text.split(separator: "\n")
            .filter { $0.hasPrefix("db_query_duration_seconds_count{") }
            .compactMap { Double($0.split(separator: " ").last ?? "") }
            .reduce(0, +)
    }

    @Test func rolesAreAssignedInOneStatementAndForeignTokensAreNamed() async throws {
        try await ExtractionTests.withStub { api, stub, user, projectID in
            stub.script([.text(ExtractionTests.palette(10))])
            let extraction = try await ExtractionTests.extract(
                api,
                user,
                ["project_id": projectID, "image_base64": ExtractionCacheTests.image]
            )
            let ids = (try extraction.object()["colors"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            #expect(ids.count == 10)
            let path = "/api/v1/projects/\(projectID)/colors/roles"
            _ = try await api.request("GET", "/api/v1/projects/\(projectID)/colors", headers: [user.bearer])  // cached now

            var before = try await Self.statements(api)
            let one = try await api.json(
                "PUT",
                path,
                ["role_assignments": [["token_id": ids[0], "role": "background"]]],
                headers: [user.bearer]
            )
            #expect(one.status == 200, "\(one.text)")
            let forOne = try await Self.statements(api) - before
            before = try await Self.statements(api)
            let all = ids.map { ["token_id": $0, "role": "surface"] as [String: Any] }
            let ten = try await api.json("PUT", path, ["role_assignments": all], headers: [user.bearer])
            #expect(try ten.object()["updated"] as? Int == 10)
            #expect(try ten.object()["total"] as? Int == 10)
            #expect(try await Self.statements(api) - before == forOne)  // the same statements for ten tokens as for one

            // The cached list is stale now: the new roles show.
            let listed = try await api.request("GET", "/api/v1/projects/\(projectID)/colors", headers: [user.bearer]).array()
            #expect(Set(listed.compactMap { $0["role"] as? String }) == ["surface"])

            // Another project's token: 422 naming it, and nothing changed, not even the valid assignment beside it.
            let other = try await api.json("POST", "/api/v1/projects", ["name": "Other"], headers: [user.bearer])
            let otherID = try other.object()["id"] as? Int ?? 0
            stub.script([.text(ExtractionTests.palette(1))])
            let foreignToken = try await ExtractionTests.extract(
                api,
                user,
                ["project_id": otherID, "max_colors": 1, "image_base64": Base64Text.encode(ExtractionTests.png + [7])]
            )
            let foreignID = (try foreignToken.object()["colors"] as? [[String: Any]])?.first?["id"] as? Int ?? 0
            let mixed = try await api.json(
                "PUT",
                path,
                ["role_assignments": [["token_id": ids[0], "role": "primary"], ["token_id": foreignID, "role": "accent"]]],
                headers: [user.bearer]
            )
            #expect(mixed.status == 422)
            let errors = try mixed.object()["errors"] as? [[String: Any]] ?? []
            #expect(errors.first?["field"] as? String == "role_assignments.1.token_id")
            #expect((errors.first?["message"] as? String)?.contains("\(foreignID)") == true)
            let roles = try await api.sql("SELECT role FROM color_tokens WHERE id = $1", [String(ids[0])])
            #expect(roles == [["surface"]])
        }
    }

    @Test func everyAssignmentIsChecked() async throws {
        try await ExtractionTests.withStub { api, stub, user, projectID in
            let path = "/api/v1/projects/\(projectID)/colors/roles"
            func fields(_ body: [String: Any]) async throws -> [String] {
                let response = try await api.json("PUT", path, body, headers: [user.bearer])
                #expect(response.status == 422, "\(body)")
                return (try response.object()["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
            }
            #expect(try await fields([:]) == ["role_assignments"])
            #expect(try await fields(["role_assignments": []]) == ["role_assignments"])
            #expect(try await fields(["role_assignments": [["token_id": 1, "role": "hero"]]]) == ["role_assignments.0.role"])
            #expect(
                try await fields(["role_assignments": [["token_id": 5, "role": "text"], ["token_id": 5, "role": "info"]]])
                    == ["role_assignments.1.token_id"]
            )
            #expect(try await fields(["role_assignments": [["role": "text"]]]) == ["role_assignments.0.token_id"])
            let stranger = try await api.newUser()
            let refused = try await api.json(
                "PUT",
                path,
                ["role_assignments": [["token_id": 1, "role": "text"]]],
                headers: [stranger.bearer]
            )
            #expect(refused.status == 403)
        }
    }
}
