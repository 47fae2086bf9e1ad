/// What the evaluation service has already said about each target, so that a reason is logged when it changes
/// rather than at every scrape: a pure value, tested without scrapes or loggers.
struct ScrapeLogMemory: Sendable {
    /// What one scrape's outcome calls for.
    struct Decision: Equatable, Sendable {
        /// The scrape failed for a reason not logged yet.
        var logFailure = false
        /// The scrape succeeded after failing.
        var logRecovery = false
        /// The target started (`true`) or stopped (`false`) having samples refused at `max_series`; `nil`: no change.
        var refusing: Bool?
    }

    private var reasons: [ScrapeTarget: String] = [:]
    private var refusing: Set<ScrapeTarget> = []

    /// Records a scrape of `target`: `reason` is why it failed (`nil` when it succeeded), `refused` how many of its
    /// samples the store refused.
    mutating func record(_ target: ScrapeTarget, reason: String?, refused: Int) -> Decision {
        var decision = Decision()
        let previous = self.reasons[target]
        self.reasons[target] = reason
        if reason != previous {
            if reason != nil { decision.logFailure = true } else { decision.logRecovery = true }
        }
        let isRefusing = refused > 0
        if isRefusing != self.refusing.contains(target) {
            decision.refusing = isRefusing
            if isRefusing { self.refusing.insert(target) } else { self.refusing.remove(target) }
        }
        return decision
    }
}
