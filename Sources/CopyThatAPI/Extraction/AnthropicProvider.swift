public import Clients
public import CopyThatInstrumentation
import ExtrasBase64
import NIOConcurrencyHelpers
public import PrometheusRegistry

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How the API reaches Anthropic's Messages API.
public struct AnthropicSettings: Sendable {
    /// `ANTHROPIC_BASE_URL` (default `https://api.anthropic.com`); `/v1/messages` is appended.
    public var baseURL: String
    /// `ANTHROPIC_API_KEY`.
    public var apiKey: String
    /// `ANTHROPIC_MODEL`.
    public var model: String
    /// The answer's token budget.
    public var maxTokens: Int
    /// One call's deadline.
    public var callTimeout: Duration
    /// Retries after 429, 5xx and timeouts.
    public var retry: RetryPolicy

    /// The seeds' model and token budget.
    public static let defaultModel = "claude-sonnet-4-5-20250929"

    /// Settings.
    public init(
        baseURL: String = "https://api.anthropic.com",
        apiKey: String,
        model: String = Self.defaultModel,
        maxTokens: Int = 2000,
        callTimeout: Duration = .seconds(30),
        retry: RetryPolicy = RetryPolicy()
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.apiKey = apiKey
        self.model = model
        self.maxTokens = maxTokens
        self.callTimeout = callTimeout
        self.retry = retry
    }
}

/// One provider call, as cost tracking records it.
public struct ProviderCall: Sendable {
    /// Tokens, model, error type and duration.
    public var usage: AICostTracker.Usage
    /// What it cost.
    public var cost: Money
}

/// A palette from the provider, with every call it took (retries included).
public struct ProviderAnswer: Sendable {
    /// The validated palette.
    public var palette: Palette
    /// The model that answered.
    public var model: String
    /// Every call made for it.
    public var calls: [ProviderCall]
}

/// Why the provider gave no palette. `reason` is for the log, never for the client (it may hold the provider's
/// words); the client gets 502.
public struct ProviderFailure: Error, Sendable {
    /// What went wrong, in words.
    public var reason: String
    /// Every call made before giving up.
    public var calls: [ProviderCall]
    /// Whether the circuit breaker refused the call (no call was made).
    public var circuitOpen: Bool
}

/// Extracts palettes with Anthropic's Messages API: the image as a base64 block with its sniffed media type,
/// structured output with ``ExtractionPrompt/schema``, the answer validated (an invalid one is asked again once),
/// 429/5xx/timeouts retried under a ``RetryPolicy``, and a ``CircuitBreaker`` that stops calling for a while after
/// repeated failures (`ai_provider_circuit_open{provider="anthropic"}` is 1 while it does). Every call's tokens
/// and cost go to the ``AICostTracker``.
public final class AnthropicProvider: Sendable {
    let settings: AnthropicSettings
    let client: CurlHTTPClient
    let costs: AICostTracker
    private let breaker: NIOLockedValueBox<CircuitBreaker>
    private let circuitGauge: Gauge

    /// A provider; registers `ai_provider_circuit_open{provider}`.
    public init(
        settings: AnthropicSettings,
        client: CurlHTTPClient,
        costs: AICostTracker,
        registry: PrometheusRegistry,
        breaker: CircuitBreaker = CircuitBreaker()
    ) throws {
        self.settings = settings
        self.client = client
        self.costs = costs
        self.breaker = NIOLockedValueBox(breaker)
        let family = try registry.makeGaugeFamily(
            name: "ai_provider_circuit_open",
            help: "1 while the circuit breaker refuses calls to the AI provider after repeated failures",
            labelNames: ["provider"]
        )
        self.circuitGauge = try family.labels("anthropic")
    }

    /// Asks for `maxColors` colours of `image`.
    public func extract(image: [UInt8], mediaType: ImageMediaType, maxColors: Int) async throws(ProviderFailure) -> ProviderAnswer {
        guard self.breaker.withLockedValue({ $0.permit(at: .now) }) else {
            throw ProviderFailure(reason: "the circuit breaker is open after repeated provider failures", calls: [], circuitOpen: true)
        }
        self.updateGauge()
        let body: [UInt8]
        do {
            body = Array(try JSONEncoder().encode(self.requestBody(image: image, mediaType: mediaType, maxColors: maxColors)))
        } catch {
            throw ProviderFailure(reason: "the request could not be encoded", calls: [], circuitOpen: false)
        }
        let started = ContinuousClock.now
        var calls: [ProviderCall] = []
        var attempt = 0
        var askedAgain = false
        var lastReason = ""
        while true {
            attempt += 1
            let remaining = self.settings.retry.totalDeadline - (ContinuousClock.now - started)
            let outcome = await self.call(body: body, timeout: min(self.settings.callTimeout, remaining), maxColors: maxColors)
            if let call = outcome.call { calls.append(call) }
            switch outcome.result {
            case .answer(let palette, let model):
                self.finish(success: true)
                return ProviderAnswer(palette: palette, model: model, calls: calls)
            case .invalid(let reason) where !askedAgain:
                askedAgain = true  // asked again once, at once: the provider answered, just not validly
                lastReason = reason
                attempt -= 1
                continue
            case .invalid(let reason):
                lastReason = "two invalid answers; the last: \(reason)"
            case .retryable(let reason, let retryAfter):
                lastReason = reason
                let remaining = self.settings.retry.totalDeadline - (ContinuousClock.now - started)
                if let wait = self.settings.retry.delay(
                    after: attempt,
                    retryAfter: retryAfter,
                    remaining: remaining,
                    jitter: .random(in: 0..<1)
                ) {
                    try? await Task.sleep(for: wait)
                    continue
                }
            case .rejected(let reason):
                lastReason = reason
            }
            self.finish(success: false)
            throw ProviderFailure(reason: lastReason, calls: calls, circuitOpen: false)
        }
    }

    private func finish(success: Bool) {
        self.breaker.withLockedValue { $0.record(success: success, at: .now) }
        self.updateGauge()
    }

    private func updateGauge() {
        self.circuitGauge.set(self.breaker.withLockedValue { $0.isOpen } ? 1 : 0)
    }

    private enum CallResult {
        case answer(Palette, model: String)
        case invalid(String)
        case retryable(String, retryAfter: Duration?)
        case rejected(String)
    }

    private func call(body: [UInt8], timeout: Duration, maxColors: Int) async -> (result: CallResult, call: ProviderCall?) {
        let request = HTTPClientRequest(
            method: "POST",
            url: self.settings.baseURL + "/v1/messages",
            headers: [
                ("x-api-key", self.settings.apiKey), ("anthropic-version", "2023-06-01"), ("content-type", "application/json"),
            ],
            body: body,
            timeout: max(timeout, .milliseconds(1)),
            connectTimeout: min(timeout, .seconds(5)),
            maxResponseBytes: 1 << 20
        )
        let started = ContinuousClock.now
        let response: HTTPClientResponse
        do {
            response = try await self.client.perform(request)
        } catch {
            let call = self.record(
                model: self.settings.model,
                input: 0,
                output: 0,
                errorType: error.code == .timeout ? "timeout" : "connection",
                since: started
            )
            return (.retryable("the provider could not be reached: \(error.code)", retryAfter: nil), call)
        }
        let decoded = try? JSONDecoder().decode(MessagesResponse.self, from: Data(response.body))
        let model = decoded?.model ?? self.settings.model
        let input = decoded?.usage?.inputTokens ?? 0
        let output = decoded?.usage?.outputTokens ?? 0
        switch response.status {
        case 200:
            guard let decoded, let text = decoded.content.first(where: { $0.type == "text" })?.text else {
                return (
                    .invalid("the answer has no text block"),
                    self.record(model: model, input: input, output: output, errorType: "invalid_response", since: started)
                )
            }
            guard let palette = try? JSONDecoder().decode(Palette.self, from: Data(text.utf8)) else {
                return (
                    .invalid("the answer is not the palette's JSON"),
                    self.record(model: model, input: input, output: output, errorType: "invalid_response", since: started)
                )
            }
            if let problem = palette.problem(maxColors: maxColors) {
                return (
                    .invalid(problem),
                    self.record(model: model, input: input, output: output, errorType: "invalid_response", since: started)
                )
            }
            return (.answer(palette, model: model), self.record(model: model, input: input, output: output, errorType: nil, since: started))
        case 429, 500...599:
            let retryAfter = response.header("retry-after").flatMap(Int.init).map { Duration.seconds($0) }
            let type = response.status == 429 ? "rate_limited" : "server_error"
            return (
                .retryable("the provider answered HTTP \(response.status)", retryAfter: retryAfter),
                self.record(model: model, input: input, output: output, errorType: type, since: started)
            )
        default:
            return (
                .rejected("the provider refused the request: HTTP \(response.status)"),
                self.record(model: model, input: input, output: output, errorType: "rejected", since: started)
            )
        }
    }

    private func record(model: String, input: Int, output: Int, errorType: String?, since started: ContinuousClock.Instant) -> ProviderCall
    {
        let usage = AICostTracker.Usage(
            model: model,
            inputTokens: input,
            outputTokens: output,
            errorType: errorType,
            duration: ContinuousClock.now - started
        )
        return ProviderCall(usage: usage, cost: self.costs.record(usage))
    }

    func requestBody(image: [UInt8], mediaType: ImageMediaType, maxColors: Int) -> JSONValue {
        [
            "model": .string(self.settings.model),
            "max_tokens": .number(Double(self.settings.maxTokens)),
            "messages": [
                [
                    "role": "user",
                    "content": [
                        [
                            "type": "image",
                            "source": [
                                "type": "base64", "media_type": .string(mediaType.rawValue),
                                "data": .string(Base64.encodeToString(bytes: image)),
                            ],
                        ],
                        ["type": "text", "text": .string(ExtractionPrompt.text(maxColors: maxColors))],
                    ],
                ]
            ],
            "output_config": ["format": ["type": "json_schema", "schema": ExtractionPrompt.schema]],
        ]
    }
}

/// The part of a Messages API answer read here.
struct MessagesResponse: Decodable {
    struct Block: Decodable {
        var type: String
        var text: String?
    }
    struct Usage: Decodable {
        var inputTokens: Int?
        var outputTokens: Int?
        enum CodingKeys: String, CodingKey {
            case inputTokens = "input_tokens"
            case outputTokens = "output_tokens"
        }
    }
    var model: String?
    var content: [Block]
    var usage: Usage?
}
