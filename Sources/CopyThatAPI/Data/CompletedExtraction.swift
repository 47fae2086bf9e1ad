public import CopyThatInstrumentation

/// An extraction that needs no pending state, to be recorded: a cached answer or the local provider's. Its job
/// (completed), its colours and its usage rows (for a cache hit, the saving).
public struct CompletedExtraction: Sendable {
    /// The project.
    public var projectID: Int
    /// The caller.
    public var userID: String
    /// `url` or `base64`.
    public var sourceType: String
    /// The image's digest, hex.
    public var imageSHA256: String
    /// The colour count asked for.
    public var maxColors: Int
    /// The cached answer.
    public var palette: Palette
    /// `anthropic` or `local`.
    public var provider: String
    /// The model that first answered.
    public var model: String
    /// The usage log's rows.
    public var usage: [UsageLog.Entry]
    /// Whether the answer waits for the commit's WAL flush.
    public var durable: Bool

    /// A record.
    public init(
        projectID: Int,
        userID: String,
        sourceType: String,
        imageSHA256: String,
        maxColors: Int,
        palette: Palette,
        provider: String,
        model: String,
        usage: [UsageLog.Entry] = [],
        durable: Bool = true
    ) {
        self.projectID = projectID
        self.userID = userID
        self.sourceType = sourceType
        self.imageSHA256 = imageSHA256
        self.maxColors = maxColors
        self.palette = palette
        self.provider = provider
        self.model = model
        self.usage = usage
        self.durable = durable
    }

    /// Whether a usage row would move the spending counters (then it is recorded on its own, by the statement that
    /// also updates them).
    var spends: Bool { self.usage.contains(where: \.spends) }
}
