public import CopyThatInstrumentation
import Crypto
public import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What `POST /colors/extract` answers.
public struct ExtractionResult: Sendable, Encodable {
    /// The `extraction_jobs` row.
    public var jobID: Int
    /// The project.
    public var projectID: Int
    /// `anthropic` or `local`.
    public var provider: String
    /// The model that answered.
    public var model: String
    /// Whether the answer came from the cache.
    public var cached: Bool
    /// The colour tokens stored.
    public var colors: [ColorToken]
    /// Hex values of the dominant colours.
    public var dominantColors: [String]
    /// A sentence about the palette.
    public var paletteDescription: String
    /// 0–1.
    public var overallConfidence: Double

    enum CodingKeys: String, CodingKey {
        case provider, model, cached, colors
        case jobID = "job_id"
        case projectID = "project_id"
        case dominantColors = "dominant_colors"
        case paletteDescription = "palette_description"
        case overallConfidence = "overall_confidence"
    }
}

/// What answers when the AI provider fails: nobody (a 502), or the local provider.
public enum ExtractionFallback: String, Sendable {
    /// A 502 "Color extraction service temporarily unavailable".
    case none
    /// ``LocalPaletteProvider``.
    case local
}

/// The daily AI budgets: `USER_DAILY_BUDGET_USD` per user and `DAILY_BUDGET_USD` for everyone, over UTC days.
public struct ExtractionBudgets: Sendable, Hashable {
    /// One user's limit.
    public var perUser: Money
    /// Everyone's.
    public var global: Money

    /// The contract's defaults: $10 a user, $500 in all.
    public init(perUser: Money = Money(nanodollars: 10_000_000_000), global: Money = Money(nanodollars: 500_000_000_000)) {
        self.perUser = perUser
        self.global = global
    }
}

/// What the result cache keeps of an answer: enough to answer again, and to count what the cache saved.
struct CachedExtraction: Codable, Sendable, Hashable {
    var palette: Palette
    var model: String
    var inputTokens: Int
    var outputTokens: Int
}

/// Runs one extraction: the image (fetched or decoded) → the result cache (by image, model, colour count and prompt
/// version: a repeated image costs no tokens; an entry this process read or wrote lately is held in it, answering
/// without Redis) → the daily budgets (checked with the request's estimated cost before any call; past them a 429
/// and nothing spent) → the provider → the colour tokens and the job's completion in one transaction, with the
/// project's colour version bumped (its cached colour list is checked against it). Every provider call's usage is
/// written to `api_usage_logs` (a cache hit too, as a saving). A provider failure marks the job failed and is a 502
/// whose text never repeats the provider's.
public struct ExtractionService: Sendable {
    let fetcher: ImageFetcher
    let provider: AnthropicProvider?
    let jobs: ExtractionRepository
    let usage: UsageLog
    let cache: ResponseCache
    let budgets: ExtractionBudgets
    let local: LocalPaletteProvider
    let fallback: ExtractionFallback
    let cacheHitCommit: CacheHitCommit
    let recent: RecentResults
    let logger: Logger

    /// How long an extraction result is kept.
    static let resultTTL: Duration = .seconds(24 * 3600)
    /// Input tokens assumed for an image before the call (Anthropic scales images to at most about 1,600 tokens;
    /// the prompt adds a few hundred).
    static let estimatedInputTokens = 2_000

    /// A service; without `provider` every extraction is the local provider's, and with one, `fallback` says
    /// whether the local provider answers when it fails; `cacheHitCommit` whether a cache hit waits for its commit's
    /// flush; `resultHold` how long this process holds a result-cache entry it read or wrote (see ``RecentResults``).
    public init(
        fetcher: ImageFetcher,
        provider: AnthropicProvider?,
        jobs: ExtractionRepository,
        usage: UsageLog,
        cache: ResponseCache,
        budgets: ExtractionBudgets,
        local: LocalPaletteProvider,
        fallback: ExtractionFallback = .none,
        cacheHitCommit: CacheHitCommit = .asynchronous,
        resultHold: Duration = .seconds(60),
        logger: Logger
    ) {
        self.fetcher = fetcher
        self.provider = provider
        self.jobs = jobs
        self.usage = usage
        self.cache = cache
        self.budgets = budgets
        self.local = local
        self.fallback = fallback
        self.cacheHitCommit = cacheHitCommit
        self.recent = RecentResults(lifetime: resultHold)
        self.logger = logger
    }

    func image(from source: ImageSource) async throws(APIError) -> FetchedImage {
        switch source {
        case .url(let url): try await self.fetcher.fetch(url)
        case .base64(let text): try ImageSource.decode(text)
        }
    }

    /// Runs one extraction once `authorize` allows it (the project's owner or an admin; it returns the user's id).
    /// An image in the body is decoded and hashed first; when its result must still be read from Redis, that read
    /// runs while `authorize` asks the database (a cache hit waits for one round trip less), and when there is
    /// nothing to read (the entry is held here, or there is no provider) the owner's query runs alone, with no task to
    /// start and join. An image at a URL is fetched only once the caller is allowed.
    func extract(
        projectID: Int,
        source: ImageSource,
        maxColors: Int,
        authorize: @escaping @Sendable () async throws -> String
    ) async throws -> ExtractionResult {
        guard case .base64 = source else {
            let userID = try await authorize()
            var prepared = try await self.identify(source, maxColors: maxColors)
            await self.lookUp(&prepared)
            return try await self.extract(prepared, projectID: projectID, userID: userID)
        }
        let identified: Result<Prepared, APIError>
        do throws(APIError) {
            identified = .success(try await self.identify(source, maxColors: maxColors))
        } catch {
            identified = .failure(error)
        }
        guard case .success(var prepared) = identified, prepared.needsLookUp else {
            let userID = try await authorize()  // the caller's refusal comes before anything wrong with the image
            return try await self.extract(identified.get(), projectID: projectID, userID: userID)
        }
        async let authorized = authorize()
        await self.lookUp(&prepared)
        let userID = try await authorized
        return try await self.extract(prepared, projectID: projectID, userID: userID)
    }

    /// An image ready to extract from: its bytes and digest, and with the AI provider, its result-cache key and
    /// what the cache holds there.
    struct Prepared {
        var image: FetchedImage
        var digest: String
        var sourceType: String
        var maxColors: Int
        var cacheKey: String?
        var cached: CachedExtraction?

        /// Whether Redis must still be asked for the entry.
        var needsLookUp: Bool { self.cacheKey != nil && self.cached == nil }
    }

    /// The image of `source`, hashed, its result-cache key, and the entry when this process holds it.
    func identify(_ source: ImageSource, maxColors: Int) async throws(APIError) -> Prepared {
        let image = try await self.image(from: source)
        let digest = Hex.encode(SHA256.hash(data: image.bytes))
        var prepared = Prepared(image: image, digest: digest, sourceType: source.typeName, maxColors: maxColors)
        guard let provider = self.provider else { return prepared }
        let key = self.cache.extractionKey(
            imageSHA256: digest,
            model: provider.settings.model,
            maxColors: maxColors,
            promptVersion: ExtractionPrompt.version
        )
        prepared.cacheKey = key
        if let held = self.recent.entry(forKey: key) {
            self.cache.countHeldHit()
            prepared.cached = held
        }
        return prepared
    }

    /// Reads the entry from Redis when `prepared` still needs it (a usable one: the colour count it was asked for).
    func lookUp(_ prepared: inout Prepared) async {
        guard prepared.needsLookUp, let key = prepared.cacheKey else { return }
        let maxColors = prepared.maxColors
        if let cached = await self.cache.get(
            key,
            usable: { text in CachedExtraction(cached: text).flatMap { $0.palette.problem(maxColors: maxColors) == nil ? $0 : nil } }
        ) {
            self.recent.remember(cached, forKey: key)
            prepared.cached = cached
        }
    }

    func extract(_ prepared: Prepared, projectID: Int, userID: String) async throws -> ExtractionResult {
        let image = prepared.image
        let digest = prepared.digest
        let maxColors = prepared.maxColors
        let job = JobFacts(projectID: projectID, userID: userID, sourceType: prepared.sourceType, imageSHA256: digest, maxColors: maxColors)
        guard let provider = self.provider, let cacheKey = prepared.cacheKey else {
            return try await self.extractLocally(job, pendingJobID: nil, image: image)
        }
        if let cached = prepared.cached {
            // A repeated image: no call, no spending; the saving is logged at what the call would have cost.
            let usage = AICostTracker.Usage(
                model: cached.model,
                inputTokens: cached.inputTokens,
                outputTokens: cached.outputTokens,
                cached: true,
                duration: .zero
            )
            provider.costs.record(usage)
            let saved = provider.costs.price(of: cached.model).cost(inputTokens: cached.inputTokens, outputTokens: cached.outputTokens)
            let (jobID, tokens) = try await self.jobs.recordCacheHit(
                CompletedExtraction(
                    projectID: projectID,
                    userID: userID,
                    sourceType: job.sourceType,
                    imageSHA256: digest,
                    maxColors: maxColors,
                    palette: cached.palette,
                    provider: "anthropic",
                    model: cached.model,
                    usage: self.entries([ProviderCall(usage: usage, cost: saved)], userID: userID, projectID: projectID),
                    durable: self.cacheHitCommit == .durable
                )
            )
            return ExtractionResult(
                job: jobID,
                job,
                provider: "anthropic",
                model: cached.model,
                cached: true,
                tokens: tokens,
                palette: cached.palette
            )
        }
        try await self.checkBudgets(userID: userID, provider: provider)
        let jobID = try await self.start(job)
        let answer: ProviderAnswer
        do {
            answer = try await provider.extract(image: image.bytes, mediaType: image.mediaType, maxColors: maxColors)
        } catch {
            await self.log(error.calls, userID: userID, projectID: projectID)
            self.logger.warning(
                "colour extraction failed at the provider",
                metadata: ["job_id": "\(jobID)", "reason": "\(error.reason)", "circuit_open": "\(error.circuitOpen)"]
            )
            if self.fallback == .local {
                return try await self.extractLocally(job, pendingJobID: jobID, image: image)
            }
            try? await self.jobs.fail(jobID: jobID, reason: error.circuitOpen ? "provider circuit open" : "provider unavailable")
            throw APIError(.badGateway, "Color extraction service temporarily unavailable")
        }
        let paid = answer.calls.last?.usage
        let entry = CachedExtraction(
            palette: answer.palette,
            model: answer.model,
            inputTokens: paid?.inputTokens ?? 0,
            outputTokens: paid?.outputTokens ?? 0
        )
        if let data = try? JSONEncoder().encode(entry) {
            await self.cache.set(cacheKey, String(decoding: data, as: UTF8.self), ttl: Self.resultTTL)
        }
        self.recent.remember(entry, forKey: cacheKey)
        let tokens: [ColorToken]
        do {
            tokens = try await self.jobs.complete(
                jobID: jobID,
                projectID: projectID,
                palette: answer.palette,
                provider: "anthropic",
                model: answer.model,
                usage: self.entries(answer.calls, userID: userID, projectID: projectID)
            )
        } catch {
            // The call was paid for even if its colours could not be stored: the spending is logged on its own.
            await self.log(answer.calls, userID: userID, projectID: projectID)
            throw error
        }
        return ExtractionResult(
            job: jobID,
            job,
            provider: "anthropic",
            model: answer.model,
            cached: false,
            tokens: tokens,
            palette: answer.palette
        )
    }

    /// A pending `extraction_jobs` row for `job`; returns its id.
    private func start(_ job: JobFacts) async throws -> Int {
        try await self.jobs.start(
            projectID: job.projectID,
            userID: job.userID,
            sourceType: job.sourceType,
            imageSHA256: job.imageSHA256,
            maxColors: job.maxColors
        )
    }

    /// What an `extraction_jobs` row records about the request.
    struct JobFacts {
        var projectID: Int
        var userID: String
        var sourceType: String
        var imageSHA256: String
        var maxColors: Int
    }

    /// The local provider's palette, stored as the colours of `pendingJobID` or of a new completed job; a decoding
    /// failure is recorded as a failed job.
    private func extractLocally(_ job: JobFacts, pendingJobID: Int?, image: FetchedImage) async throws -> ExtractionResult {
        let palette: Palette
        do {
            palette = try await self.local.extract(image: image, maxColors: job.maxColors)
        } catch {
            let failed = try? await pendingJobID.asyncOr { try await self.start(job) }
            if let failed { try? await self.jobs.fail(jobID: failed, reason: "the image could not be decoded") }
            throw error
        }
        let model = LocalPaletteProvider.model
        let jobID: Int
        let tokens: [ColorToken]
        if let pendingJobID {
            jobID = pendingJobID
            tokens = try await self.jobs.complete(
                jobID: pendingJobID,
                projectID: job.projectID,
                palette: palette,
                provider: "local",
                model: model
            )
        } else {
            (jobID, tokens) = try await self.jobs.record(
                CompletedExtraction(
                    projectID: job.projectID,
                    userID: job.userID,
                    sourceType: job.sourceType,
                    imageSHA256: job.imageSHA256,
                    maxColors: job.maxColors,
                    palette: palette,
                    provider: "local",
                    model: model
                )
            )
        }
        return ExtractionResult(job: jobID, job, provider: "local", model: model, cached: false, tokens: tokens, palette: palette)
    }

    /// 429 when this request's estimated cost would take the user's or everyone's spending today past its budget.
    private func checkBudgets(userID: String, provider: AnthropicProvider) async throws {
        let estimate = provider.costs.price(of: provider.settings.model)
            .cost(inputTokens: Self.estimatedInputTokens, outputTokens: provider.settings.maxTokens)
        let spent = try await self.usage.dailySpending(userID: userID)
        if spent.user + estimate > self.budgets.perUser {
            throw Self.overBudget("Daily AI budget reached for this account; try again tomorrow (UTC)", self.budgets.perUser, spent.user)
        }
        if spent.everyone + estimate > self.budgets.global {
            throw Self.overBudget("The service's daily AI budget is reached; try again tomorrow (UTC)", self.budgets.global, spent.everyone)
        }
    }

    private static func overBudget(_ detail: String, _ budget: Money, _ spent: Money) -> APIError {
        APIError(.tooManyRequests, detail, extra: [("budget_usd", Double(budget.cents) / 100), ("spent_usd", Double(spent.cents) / 100)])
    }

    /// The usage log's rows for `calls`.
    private func entries(_ calls: [ProviderCall], userID: String, projectID: Int) -> [UsageLog.Entry] {
        calls.map { call in
            UsageLog.Entry(usage: call.usage, cost: call.cost, userID: userID, projectID: projectID, endpoint: "/api/v1/colors/extract")
        }
    }

    /// Logs `calls` on their own (when no job's statement carries them).
    private func log(_ calls: [ProviderCall], userID: String, projectID: Int) async {
        do {
            try await self.usage.write(self.entries(calls, userID: userID, projectID: projectID))
        } catch {
            self.logger.error("could not write the AI usage log", metadata: ["error": "\(error)"])
        }
    }
}

extension ExtractionResult {
    fileprivate init(
        job jobID: Int,
        _ facts: ExtractionService.JobFacts,
        provider: String,
        model: String,
        cached: Bool,
        tokens: [ColorToken],
        palette: Palette
    ) {
        self.init(
            jobID: jobID,
            projectID: facts.projectID,
            provider: provider,
            model: model,
            cached: cached,
            colors: tokens,
            dominantColors: palette.dominantColors,
            paletteDescription: palette.paletteDescription,
            overallConfidence: palette.overallConfidence
        )
    }
}

extension Optional {
    /// The value, or what `make` gives when there is none.
    fileprivate func asyncOr(_ make: () async throws -> Wrapped) async rethrows -> Wrapped {
        if let value = self { return value }
        return try await make()
    }
}
