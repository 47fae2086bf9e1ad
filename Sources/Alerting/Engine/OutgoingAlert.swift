/// An alert as notifiers send it: Alertmanager's `postableAlert`.
public struct OutgoingAlert: Sendable, Hashable {
    /// Labels, external labels included.
    public var labels: Labels
    /// Expanded annotations.
    public var annotations: Labels
    /// When it became active (milliseconds since the epoch).
    public var startsAt: Int64
    /// When Alertmanager should consider it resolved unless resent (or when it was resolved).
    public var endsAt: Int64
    /// A link back to the expression.
    public var generatorURL: String
    /// Whether it is resolved.
    public var resolved: Bool

    /// An alert to send.
    public init(labels: Labels, annotations: Labels, startsAt: Int64, endsAt: Int64, generatorURL: String, resolved: Bool) {
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
        self.resolved = resolved
    }
}
