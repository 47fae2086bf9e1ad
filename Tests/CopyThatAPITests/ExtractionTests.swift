import Clients
import CopyThatAPI
import Foundation
import TestSupport
import Testing

/// `POST /api/v1/colors/extract` against real PostgreSQL and Redis and a stub of Anthropic's Messages API: the exact
/// request sent, what is stored and costed, the answers checked, retries, deadlines, the circuit breaker, and every
/// refusal a client can provoke.
@Suite(.serialized) struct ExtractionTests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 3, count: 120)

    static func palette(_ count: Int, name: String = "Deep \"Ocean\", Blue\\") -> String {
        let colors = (0..<count).map { index in
            """
            {"hex":"#1A2B3\(index % 10)","name":"\(index == 0 ? name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") : "Colour \(index)")",\
            "design_intent":"\(Palette.designIntents[index % 10])","confidence":0.9,"usage":"buttons","prominence":\(40 - index)}
            """
        }
        return ##"{"colors":["## + colors.joined(separator: ",")
            + ##"],"dominant_colors":["#1A2B30"],"palette_description":"Calm blues.","overall_confidence":0.85}"##
    }

    /// The fixture with the stub as the provider: quick retries, a short call deadline.
    static func withStub(
        attempts: Int = 3,
        callTimeout: Duration = .seconds(5),
        change: @escaping @Sendable (inout APIConfiguration) -> Void = { _ in },
        _ body: @Sendable (APIFixture, MessagesAPIStub, TestUser, Int) async throws -> Void
    ) async throws {
        let stub = MessagesAPIStub()
        try await stub.start()
        defer { stub.stop() }
        let configuration = try APIFixture.configuration {
            $0.anthropic = AnthropicSettings(
                baseURL: stub.baseURL,
                apiKey: "sk-ant-test-secret-key-0123456789",
                callTimeout: callTimeout,
                retry: RetryPolicy(maxAttempts: attempts, base: .milliseconds(20), cap: .seconds(2), totalDeadline: .seconds(10))
            )
            change(&$0)
        }
        try await APIFixture.with(configuration) { api in
            let user = try await api.newUser()
            let project = try await api.json("POST", "/api/v1/projects", ["name": "Palette"], headers: [user.bearer])
            let projectID = try project.object()["id"] as? Int ?? 0
            try await body(api, stub, user, projectID)
        }
    }

    static func extract(_ api: APIFixture, _ user: TestUser, _ fields: [String: Any]) async throws -> HTTPClientResponse {
        try await api.json("POST", "/api/v1/colors/extract", fields, headers: [user.bearer])
    }

    @Test func aPaletteIsExtractedStoredAndCostedAndTheRequestIsExact() async throws {
        try await Self.withStub { api, stub, user, projectID in
            stub.script([.text(Self.palette(3), inputTokens: 1500, outputTokens: 500)])
            let image = Base64Text.encode(Self.png)
            let response = try await Self.extract(api, user, ["project_id": projectID, "max_colors": 3, "image_base64": image])
            #expect(response.status == 200, "\(response.text)")
            let result = try response.object()
            #expect(result["provider"] as? String == "anthropic")
            #expect(result["cached"] as? Bool == false)
            let colors = result["colors"] as? [[String: Any]] ?? []
            #expect(colors.map { $0["hex"] as? String } == ["#1A2B30", "#1A2B31", "#1A2B32"])
            #expect(colors.first?["name"] as? String == "Deep \"Ocean\", Blue\\")  // quotes, comma, backslash stored as sent
            #expect(colors.map { $0["design_intent"] as? String } == ["primary", "secondary", "accent"])
            let stored = try await api.request("GET", "/api/v1/projects/\(projectID)/colors", headers: [user.bearer]).array()
            #expect(stored.count == 3)
            let jobID = result["job_id"] as? Int ?? 0
            let job = try await api.sql(
                "SELECT status, provider, model, source_type, max_colors, length(image_sha256) FROM extraction_jobs WHERE id = $1",
                [String(jobID)]
            )
            #expect(job.first == ["completed", "anthropic", "claude-sonnet-4-5-20250929", "base64", "3", "64"])
            let usage = try await api.sql(
                "SELECT model, input_tokens, output_tokens, project_id, user_id::text FROM api_usage_logs WHERE project_id = $1",
                [String(projectID)]
            )
            #expect(usage == [["claude-sonnet-4-5-20250929", "1500", "500", String(projectID), user.id]])

            // Exactly what the provider was sent.
            let sent = try #require(stub.received.first)
            #expect(stub.received.count == 1)
            #expect(sent.headers["x-api-key"] == "sk-ant-test-secret-key-0123456789")
            #expect(sent.headers["anthropic-version"] == "2023-06-01")
            #expect(sent.headers["content-type"] == "application/json")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(sent.body)) as? [String: Any])
            #expect(body["model"] as? String == "claude-sonnet-4-5-20250929")
            #expect(body["max_tokens"] as? Int == 2000)
            let message = (body["messages"] as? [[String: Any]])?.first
            #expect(message?["role"] as? String == "user")
            let content = message?["content"] as? [[String: Any]] ?? []
            let source = content.first?["source"] as? [String: Any]
            #expect(content.first?["type"] as? String == "image")
            #expect(source?["type"] as? String == "base64")
            #expect(source?["media_type"] as? String == "image/png")
            #expect(source?["data"] as? String == image)
            #expect((content.last?["text"] as? String)?.contains("exactly 3 distinct colours") == true)
            let format = (body["output_config"] as? [String: Any])?["format"] as? [String: Any]
            #expect(format?["type"] as? String == "json_schema")
            let schema = format?["schema"] as? [String: Any]
            let items = ((schema?["properties"] as? [String: Any])?["colors"] as? [String: Any])?["items"] as? [String: Any]
            let intent = (items?["properties"] as? [String: Any])?["design_intent"] as? [String: Any]
            #expect(intent?["enum"] as? [String] == Palette.designIntents)
            #expect(items?["additionalProperties"] as? Bool == false)

            let metrics = try await api.request("GET", "/metrics").text
            #expect(metrics.contains(#"ai_tokens_used_total{model="claude-sonnet-4-5-20250929",type="input"} 1500"#))
            #expect(!metrics.contains("sk-ant-test-secret-key"))
            #expect(!api.logs.lines.joined().contains("sk-ant-test-secret-key"))
        }
    }

    @Test func anInvalidAnswerIsAskedAgainOnceThenIsA502() async throws {
        try await Self.withStub { api, stub, user, projectID in
            let image = Base64Text.encode(Self.png)
            // Wrong count, then right: one retry, a 200.
            stub.script([.text(Self.palette(2)), .text(Self.palette(4))])
            let recovered = try await Self.extract(api, user, ["project_id": projectID, "max_colors": 4, "image_base64": image])
            #expect(recovered.status == 200, "\(recovered.text)")
            #expect(stub.received.count == 2)
            // Twice invalid (a bad hex, then no JSON at all): 502, the provider's words nowhere in the answer.
            stub.script([
                .text(Self.palette(3).replacingOccurrences(of: "#1A2B30", with: "blue")),
                .text("Sure! Here are some colours: PROVIDER-TEXT"),
            ])
            let failed = try await Self.extract(api, user, ["project_id": projectID, "max_colors": 3, "image_base64": image])
            #expect(failed.status == 502)
            #expect(try failed.object()["detail"] as? String == "Color extraction service temporarily unavailable")
            #expect(!failed.text.contains("PROVIDER-TEXT"))
            #expect(stub.received.count == 4)
            let jobs = try await api.sql("SELECT status, error FROM extraction_jobs WHERE project_id = $1 ORDER BY id", [String(projectID)])
            #expect(jobs == [["completed", nil], ["failed", "provider unavailable"]])
            // Every call was costed, the invalid ones too, with their error type.
            let calls = try await api.sql("SELECT count(*) FROM api_usage_logs WHERE project_id = $1", [String(projectID)])
            #expect(calls == [["4"]])
        }
    }

    @Test func rateLimitsAndServerErrorsAreRetriedThenAnswered() async throws {
        try await Self.withStub { api, stub, user, projectID in
            stub.script([
                .init(status: 429, headers: [("retry-after", "0")], body: #"{"type":"error","error":{"type":"rate_limit_error"}}"#),
                .init(status: 529, body: #"{"type":"error","error":{"type":"overloaded_error"}}"#),
                .text(Self.palette(2)),
            ])
            let response = try await Self.extract(
                api,
                user,
                ["project_id": projectID, "max_colors": 2, "image_base64": Base64Text.encode(Self.png)]
            )
            #expect(response.status == 200, "\(response.text)")
            #expect(stub.received.count == 3)
            // A retry-after past the policy's cap is not waited for: 502 at once, after one call.
            stub.script([.init(status: 429, headers: [("retry-after", "3600")], body: "{}")])
            let started = ContinuousClock.now
            let another = Base64Text.encode(Self.png + [1])  // not the image just answered, which is cached now
            let refused = try await Self.extract(api, user, ["project_id": projectID, "max_colors": 2, "image_base64": another])
            #expect(refused.status == 502)
            #expect(stub.received.count == 4)
            #expect(ContinuousClock.now - started < .seconds(2))
        }
    }

    @Test func aHungProviderFailsAtItsDeadline() async throws {
        try await Self.withStub(attempts: 2, callTimeout: .milliseconds(500)) { api, stub, user, projectID in
            stub.script([.init(body: "{}", delay: .seconds(20))])
            let started = ContinuousClock.now
            let response = try await Self.extract(api, user, ["project_id": projectID, "image_base64": Base64Text.encode(Self.png)])
            #expect(response.status == 502)
            #expect(ContinuousClock.now - started < .seconds(4))  // two calls of 0.5 s and a short wait, not 20 s
            #expect(stub.received.count == 2)
            #expect(try await api.request("GET", "/health/live").status == 200)
        }
    }

    @Test func theCircuitOpensAfterRepeatedFailuresAndSaysSoInAMetric() async throws {
        try await Self.withStub(attempts: 1) { api, stub, user, projectID in
            stub.script([.init(status: 500, body: "{}")])
            let image = Base64Text.encode(Self.png)
            for _ in 0..<5 {
                #expect(try await Self.extract(api, user, ["project_id": projectID, "image_base64": image]).status == 502)
            }
            #expect(stub.received.count == 5)
            #expect(try await api.request("GET", "/metrics").text.contains(#"ai_provider_circuit_open{provider="anthropic"} 1"#))
            // Open: refused without a call.
            #expect(try await Self.extract(api, user, ["project_id": projectID, "image_base64": image]).status == 502)
            #expect(stub.received.count == 5)
            let jobs = try await api.sql(
                "SELECT error FROM extraction_jobs WHERE project_id = $1 ORDER BY id DESC LIMIT 1",
                [String(projectID)]
            )
            #expect(jobs == [["provider circuit open"]])
        }
    }

    @Test func everyBadRequestGetsItsOwnAnswer() async throws {
        try await Self.withStub { api, stub, user, projectID in
            stub.script([.text(Self.palette(10))])
            let image = Base64Text.encode(Self.png)
            func status(_ fields: [String: Any]) async throws -> (Int, String) {
                let response = try await Self.extract(api, user, fields)
                return (response.status, response.text)
            }
            #expect(try await status(["project_id": projectID]).0 == 422)  // neither source
            let both = try await status(["project_id": projectID, "image_base64": image, "image_url": "https://example.com/a.png"])
            #expect(both.0 == 422 && both.1.contains("exactly one"))
            #expect(try await status(["project_id": projectID, "image_base64": image, "max_colors": 0]).0 == 422)
            #expect(try await status(["project_id": projectID, "image_base64": image, "max_colors": 51]).0 == 422)
            #expect(try await status(["image_base64": image]).0 == 422)
            let notBase64 = try await status(["project_id": projectID, "image_base64": "not base64!"])
            #expect(notBase64.0 == 422 && notBase64.1.contains("image_base64"))
            let text = try await status(["project_id": projectID, "image_base64": Base64Text.encode(Array("GIF88a plain text".utf8))])
            #expect(text.0 == 415)
            // 10 MiB decoded is allowed; one byte more is 413 with its own message (not "invalid base64").
            let past = Self.png + Array(repeating: 0, count: (10 << 20) + 1 - Self.png.count)
            let tooBig = try await status(["project_id": projectID, "image_base64": Base64Text.encode(past)])
            #expect(tooBig.0 == 413 && tooBig.1.contains("larger than 10 MiB"), "\(tooBig.1.prefix(200))")
            let tooLong = try await status(["project_id": projectID, "image_base64": String(repeating: "A", count: (14 << 20) + 4)])
            #expect(tooLong.0 == 413 && tooLong.1.contains("14 MiB"), "\(tooLong.1.prefix(200))")
            #expect(stub.received.isEmpty)  // none of these reached the provider
            let atLimit = Self.png + Array(repeating: 0, count: (10 << 20) - Self.png.count)
            #expect(try await status(["project_id": projectID, "image_base64": Base64Text.encode(atLimit)]).0 == 200)
        }
    }

    @Test func onlyTheOwnerOrAnAdminMayExtractAndTheLimitIsTenAMinute() async throws {
        try await Self.withStub { api, stub, user, projectID in
            stub.script([.text(Self.palette(10))])
            let image = Base64Text.encode(Self.png)
            let stranger = try await api.newUser()
            #expect(try await Self.extract(api, stranger, ["project_id": projectID, "image_base64": image]).status == 403)
            // The image is decoded before the owner check; the check's refusal still comes first.
            let notAnImage = Base64Text.encode(Array("plain text, not an image".utf8))
            #expect(try await Self.extract(api, stranger, ["project_id": projectID, "image_base64": notAnImage]).status == 403)
            #expect(try await Self.extract(api, user, ["project_id": projectID, "image_base64": notAnImage]).status == 415)
            #expect(try await Self.extract(api, user, ["project_id": 2_000_000_000, "image_base64": image]).status == 404)
            let admin = try await api.newUser(admin: true)
            #expect(try await Self.extract(api, admin, ["project_id": projectID, "image_base64": image]).status == 200)
            #expect(try await api.request("POST", "/api/v1/colors/extract", body: Array("{}".utf8)).status == 401)
            // The user has made two requests in this minute (the 404, the 415); eight more reach the limit, the
            // eleventh is refused.
            for _ in 0..<8 { _ = try await Self.extract(api, user, ["project_id": projectID]) }
            let limited = try await Self.extract(api, user, ["project_id": projectID, "image_base64": image])
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After") != nil)
        }
    }

    @Test func theExtractionLimitCountsEverySpellingOfItsPathInOneWindow() async throws {
        try await Self.withStub { api, _, user, projectID in
            // The router takes a trailing or doubled slash to the same route: the same per-user window, decided
            // with the general limits in one Redis call.
            for path in ["/api/v1/colors/extract", "/api/v1/colors/extract/", "//api/v1//colors/extract"] {
                for _ in 0..<3 {
                    let answer = try await api.json("POST", path, ["project_id": projectID], headers: [user.bearer])
                    #expect(answer.status == 422, "\(path): \(answer.text)")
                }
            }
            let tenth = try await api.json("POST", "/api/v1/colors/extract/", ["project_id": projectID], headers: [user.bearer])
            #expect(tenth.status == 422)
            for path in ["/api/v1/colors/extract", "/api/v1/colors/extract/"] {
                let refused = try await api.json("POST", path, ["project_id": projectID], headers: [user.bearer])
                #expect(refused.status == 429, "\(path)")
                #expect(try refused.object()["detail"] as? String == "Too many extraction requests; try again later")
            }
        }
    }

    @Test func anExtractionDecidesAllItsLimitsInOneRedisCall() async throws {
        try await Self.withStub { api, stub, user, projectID in
            stub.script([.text(Self.palette(10))])
            let body = ["project_id": projectID, "image_base64": Base64Text.encode(Self.png)] as [String: Any]
            #expect(try await Self.extract(api, user, body).status == 200)
            let hit = try await Self.extract(api, user, body)
            #expect(try hit.object()["cached"] as? Bool == true)
            // One decision is one script call; the extraction window has no call of its own.
            let metrics = api.registry.renderString()
            #expect(metrics.contains(#"rate_limit_decisions_total{limit_type="minute+hour+extraction",decision="allowed"} 2"#))
            #expect(!metrics.contains(#"rate_limit_decisions_total{limit_type="extraction""#))
            #expect(hit.header("X-RateLimit-Limit") == "10")  // the window with the least remaining: 8 of 10
            #expect(hit.header("X-RateLimit-Remaining") == "8")
        }
    }

    @Test func withoutRedisExtractionFailsClosedAndTheProviderIsNeverCalled() async throws {
        let stub = MessagesAPIStub()
        try await stub.start()
        defer { stub.stop() }
        stub.script([.text(Self.palette(10))])
        let dead = refusedPort()
        let configuration = try APIFixture.configuration {
            $0.anthropic = AnthropicSettings(baseURL: stub.baseURL, apiKey: "sk-ant-test-secret-key-0123456789")
            $0.redisURL = try! ConnectionURL("redis://127.0.0.1:\(dead)/0")
        }
        try await APIFixture.with(configuration) { api in
            let user = try await api.newUserWithoutSignIn()
            let project = try await api.json("POST", "/api/v1/projects", ["name": "No Redis"], headers: [user.bearer])
            #expect(project.status == 201, "\(project.text)")  // the general limits fail open
            let projectID = try project.object()["id"] as? Int ?? 0
            let body = ["project_id": projectID, "image_base64": Base64Text.encode(Self.png)] as [String: Any]
            let refused = try await Self.extract(api, user, body)
            #expect(refused.status == 503)
            #expect(try refused.object()["detail"] as? String == "Color extraction is temporarily unavailable, try again shortly")
            #expect(stub.received.isEmpty, "no call is paid for without the limit that guards it")
            let jobs = try await api.sql("SELECT count(*) FROM extraction_jobs WHERE project_id = $1", [String(projectID)])
            #expect(jobs == [["0"]])
            #expect(
                api.registry.renderString().contains(
                    #"rate_limit_decisions_total{limit_type="minute+hour+extraction",decision="fail_closed"} 1"#
                )
            )
        }
    }

    @Test func anImageURLIsFetchedUnderThePolicy() async throws {
        let origin = try await CountingOrigin(routes: ["logo.png": .init(body: Self.png)])
        let allowLoopback: @Sendable (inout APIConfiguration) -> Void = {
            $0.imageFetchPolicy = try! ImageFetchPolicy.parse(allowList: "127.0.0.1").get()
        }
        try await Self.withStub(change: allowLoopback) { api, stub, user, projectID in
            stub.script([.text(Self.palette(2))])
            let fetched = try await Self.extract(
                api,
                user,
                ["project_id": projectID, "max_colors": 2, "image_url": "http://127.0.0.1:\(origin.port)/logo.png"]
            )
            #expect(fetched.status == 200, "\(fetched.text)")
            let source = try await api.sql("SELECT source_type FROM extraction_jobs WHERE project_id = $1", [String(projectID)])
            #expect(source == [["url"]])
            let refused = try await Self.extract(
                api,
                user,
                ["project_id": projectID, "image_url": "http://169.254.169.254/latest/meta-data/"]
            )
            #expect(refused.status == 422)
            #expect(refused.text.contains("link-local"))
            #expect(stub.received.count == 1)
        }
    }

}

/// Standard base64, for request bodies.
enum Base64Text {
    static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
}
