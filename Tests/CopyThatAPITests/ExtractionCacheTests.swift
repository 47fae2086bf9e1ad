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

    @Test func projectColoursAreCachedAndDroppedWhenTheyChange() async throws {
        try await ExtractionTests.withStub { api, stub, user, projectID in
            let path = "/api/v1/projects/\(projectID)/colors"
            #expect(try await api.request("GET", path, headers: [user.bearer]).array().isEmpty)
            #expect(try await api.request("GET", path, headers: [user.bearer]).array().isEmpty)
            var metrics = try await api.request("GET", "/metrics").text
            #expect(Self.counter(metrics, #"cache_operations_total{operation="get",result="hit"}"#) >= 1)
            let deletes = Self.counter(metrics, #"cache_operations_total{operation="delete",result="success"}"#)
            stub.script([.text(ExtractionTests.palette(2))])
            #expect(
                try await ExtractionTests.extract(api, user, ["project_id": projectID, "max_colors": 2, "image_base64": Self.image]).status
                    == 200
            )
            #expect(try await api.request("GET", path, headers: [user.bearer]).array().count == 2)  // not the cached empty list
            metrics = try await api.request("GET", "/metrics").text
            #expect(Self.counter(metrics, #"cache_operations_total{operation="delete",result="success"}"#) == deletes + 1)
            // The cache never lets anyone else read the list: access is checked first.
            let stranger = try await api.newUser()
            #expect(try await api.request("GET", path, headers: [stranger.bearer]).status == 403)
        }
    }

    @Test func withRedisDownTheCacheIsSkippedNotTheRequest() async throws {
        var configuration = try APIFixture.configuration()
        configuration.redisURL = try ConnectionURL("redis://127.0.0.1:\(refusedPort())/0")
        try await APIFixture.with(configuration) { api in
            // Sign-in fails closed without Redis, so the token is issued directly for a registered account.
            let email = "no-redis-\(UUID().uuidString.prefix(8).lowercased())@example.com"
            let registered = try await api.json(
                "POST",
                "/api/v1/auth/register",
                ["email": email, "password": "correct horse battery staple"]
            )
            let userID = try registered.object()["id"] as? String ?? ""
            let family = UUID().uuidString.lowercased()
            _ = try await api.sql("INSERT INTO refresh_token_families (id, user_id) VALUES ($1::uuid, $2::uuid)", [family, userID])
            let token = try await api.api.services.tokens.issue(.access, userID: userID, email: email, roles: ["user"], family: family)
            let bearer = ("Authorization", "Bearer \(token.token)")
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
