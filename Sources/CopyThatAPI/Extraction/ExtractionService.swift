public import CopyThatInstrumentation
import Crypto
public import Logging

/// What `POST /colors/extract` answers.
public struct ExtractionResult: Sendable, Encodable {
    /// The `extraction_jobs` row.
    public var jobID: Int
    /// The project.
    public var projectID: Int
    /// `anthropic` (or `local`, once the local provider exists).
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

/// Runs one extraction: the image (fetched or decoded) → an `extraction_jobs` row → the provider → the colour
/// tokens and the job's completion in one transaction; every provider call's usage is written to `api_usage_logs`.
/// A provider failure marks the job failed and is a 502 whose text never repeats the provider's.
public struct ExtractionService: Sendable {
    let fetcher: ImageFetcher
    let provider: AnthropicProvider?
    let jobs: ExtractionRepository
    let usage: UsageLog
    let logger: Logger

    /// A service; without `provider` every extraction is a 503 (the local provider is not built yet).
    public init(fetcher: ImageFetcher, provider: AnthropicProvider?, jobs: ExtractionRepository, usage: UsageLog, logger: Logger) {
        self.fetcher = fetcher
        self.provider = provider
        self.jobs = jobs
        self.usage = usage
        self.logger = logger
    }

    func image(from source: ImageSource) async throws(APIError) -> FetchedImage {
        switch source {
        case .url(let url): try await self.fetcher.fetch(url)
        case .base64(let text): try ImageSource.decode(text)
        }
    }

    func extract(projectID: Int, userID: String, source: ImageSource, maxColors: Int) async throws -> ExtractionResult {
        guard let provider = self.provider else {
            throw APIError.unavailable("Color extraction is not configured (ANTHROPIC_API_KEY is not set)")
        }
        let image = try await self.image(from: source)
        let digest = SHA256.hash(data: image.bytes).map { String($0, radix: 16, uppercase: false).leftPadded(2) }.joined()
        let jobID = try await self.jobs.start(
            projectID: projectID,
            userID: userID,
            sourceType: source.typeName,
            imageSHA256: digest,
            maxColors: maxColors
        )
        let answer: ProviderAnswer
        do {
            answer = try await provider.extract(image: image.bytes, mediaType: image.mediaType, maxColors: maxColors)
        } catch {
            await self.log(error.calls, userID: userID, projectID: projectID)
            self.logger.warning(
                "colour extraction failed at the provider",
                metadata: ["job_id": "\(jobID)", "reason": "\(error.reason)", "circuit_open": "\(error.circuitOpen)"]
            )
            try? await self.jobs.fail(jobID: jobID, reason: error.circuitOpen ? "provider circuit open" : "provider unavailable")
            throw APIError(.badGateway, "Color extraction service temporarily unavailable")
        }
        await self.log(answer.calls, userID: userID, projectID: projectID)
        let tokens = try await self.jobs.complete(
            jobID: jobID,
            projectID: projectID,
            palette: answer.palette,
            provider: "anthropic",
            model: answer.model
        )
        return ExtractionResult(
            jobID: jobID,
            projectID: projectID,
            provider: "anthropic",
            model: answer.model,
            cached: false,
            colors: tokens,
            dominantColors: answer.palette.dominantColors,
            paletteDescription: answer.palette.paletteDescription,
            overallConfidence: answer.palette.overallConfidence
        )
    }

    private func log(_ calls: [ProviderCall], userID: String, projectID: Int) async {
        for call in calls {
            let entry = UsageLog.Entry(
                usage: call.usage,
                cost: call.cost,
                userID: userID,
                projectID: projectID,
                endpoint: "/api/v1/colors/extract"
            )
            do {
                try await self.usage.write(entry)
            } catch {
                self.logger.error("could not write the AI usage log", metadata: ["error": "\(error)"])
            }
        }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - self.count)) + self }
}
