import Clients
import Synchronization

/// The exporter's rule engine: a sample store fed by scrapes, the rule groups' states, and what notifiers must send.
/// Every method is safe to call from any task; each holds the engine's lock only while it works on memory.
public final class RuleEngine: Sendable {
    /// How the engine evaluates and notifies.
    public struct Settings: Sendable {
        /// Time between evaluations, in milliseconds (the global `evaluation_interval`).
        public var evaluationInterval: Int64 = 60_000
        /// PromQL settings (lookback, compatibility).
        public var options = EvaluationOptions()
        /// Labels added to every alert sent and available to templates.
        public var externalLabels: [String: String] = [:]
        /// The URL templates and generator URLs point at.
        public var externalURL = ""
        /// How often a firing alert is resent, in milliseconds.
        public var resendDelay: Int64 = 60_000
        /// The most series the store holds (`max_series`).
        public var maxSeries = 200_000
        /// How long the series rules read are kept for the query API (`query_retention`), at least; the rules may
        /// need longer.
        public var queryRetention: Int64 = 3_600_000

        /// Defaults: 1 m evaluations, 1 m resend delay, Prometheus 3 semantics.
        public init() {}
    }

    private struct State: Sendable {
        var store: SampleStore
        var groups: [RuleGroupState]
        var plan: RetentionPlan
        var previousScrape: [ScrapeTarget: Set<Labels>] = [:]
        var groupEvaluatedAt: [Int: Int64] = [:]
        /// The oldest time the store can still answer for: the first ingest, or the last cut.
        var oldestKept: Int64?
    }

    /// What readers see: copies made after each change, so that `/metrics` and the rules API never wait for an
    /// ingest or an evaluation to let go of the engine's lock.
    private struct Published: Sendable {
        var groups: [RuleGroupState]
        var plan: RetentionPlan
        var statistics = StoreStatistics(series: 0, samples: 0, bytes: 0, refusedForSeriesLimit: 0)
    }

    /// Series and samples held, their bytes, and samples refused at ``Settings/maxSeries``.
    public struct StoreStatistics: Sendable, Hashable {
        /// Series held.
        public var series: Int
        /// Samples held.
        public var samples: Int
        /// Bytes the samples take.
        public var bytes: Int
        /// Samples refused since start because they would have created a series past `max_series`.
        public var refusedForSeriesLimit: Int
    }

    /// The settings.
    public let settings: Settings
    /// What the loaded rules need to keep.
    public var plan: RetentionPlan { self.published.withLock { $0.plan } }
    private let state: Mutex<State>
    private let published: Mutex<Published>
    private let cache = SelectorCache()

    /// An engine for `groups`.
    public init(groups: [RuleGroup], settings: Settings) {
        self.settings = settings
        let plan = RetentionPlan(
            groups: groups,
            lookbackMilliseconds: settings.options.lookbackMilliseconds,
            minimumMilliseconds: settings.queryRetention
        )
        let states = groups.map(RuleGroupState.init)
        self.state = Mutex(State(store: SampleStore(seriesLimit: settings.maxSeries), groups: states, plan: plan))
        self.published = Mutex(Published(groups: states, plan: plan))
    }

    /// Copies what readers see from `state` (called with the engine's lock held, after a change).
    private func publish(_ state: State, statistics: Bool) {
        let counts =
            statistics
            ? StoreStatistics(
                series: state.store.seriesCount,
                samples: state.store.sampleCount,
                bytes: state.store.sampleBytes,
                refusedForSeriesLimit: state.store.refusedForSeriesLimit
            ) : nil
        self.published.withLock { published in
            published.groups = state.groups
            published.plan = state.plan
            if let counts { published.statistics = counts }
        }
    }

    /// Replaces the rules (a reload). A group with the same file and name keeps its alerts for every alerting rule
    /// whose name and expression are unchanged, so pending and firing alerts survive a reload as in Prometheus; the
    /// samples stay.
    public func reload(groups: [RuleGroup]) {
        let plan = RetentionPlan(
            groups: groups,
            lookbackMilliseconds: self.settings.options.lookbackMilliseconds,
            minimumMilliseconds: self.settings.queryRetention
        )
        self.state.withLock { state in
            let old = state.groups
            state.groups = groups.map { group in
                var fresh = RuleGroupState(group: group)
                if let previous = old.first(where: { $0.group.name == group.name && $0.group.file == group.file }) {
                    fresh.carryOver(from: previous)
                }
                return fresh
            }
            state.groupEvaluatedAt = [:]
            state.plan = plan
            self.publish(state, statistics: false)
        }
    }

    // MARK: Ingestion

    /// The outcome of one scrape, as written into the store.
    public struct ScrapeReport: Sendable {
        /// Samples in the exposition.
        public var samples: Int
        /// Samples kept (the rules read their metric names).
        public var kept: Int
        /// The error, when the scrape failed.
        public var error: String?
        /// The limit exceeded, when that is why it failed.
        public var limit: ScrapeLimit?
        /// Samples refused because they would have created a series past `max_series`.
        public var refusedForSeriesLimit = 0
    }

    /// Writes a scrape's result at `time`: its samples with `job` and `instance`, `up`, `scrape_duration_seconds`,
    /// `scrape_samples_scraped`, and stale markers for series the target stopped exposing (all of them when the
    /// scrape failed), as Prometheus does. Parsing (the long part) happens before the engine's lock is taken; series
    /// no rule reads are dropped while parsing, and the target's ``ScrapeLimits`` apply to the rest.
    @discardableResult
    public func ingest(_ target: ScrapeTarget, body: Result<[UInt8], any Error>, at time: Int64, durationSeconds: Double) -> ScrapeReport {
        var exposition = TextFormatParser.Exposition(lines: [], sampleCount: 0)
        var failure: String?
        var limit: ScrapeLimit?
        switch body {
        case .success(let bytes):
            let plan = self.plan
            do {
                exposition = try TextFormatParser.parse(bytes, limits: target.limits, keeping: plan.keeps)
            } catch {
                limit = error.limit
                failure = error.limit == nil ? "invalid exposition: \(error.message)" : error.message
            }
        case .failure(let error as HTTPClientError) where error.code == .responseTooLarge:
            limit = .bodySizeLimit
            failure = "body_size_limit exceeded: \(error.message)"
        case .failure(let error):
            failure = "\(error)"
        }
        if failure != nil { exposition.lines = [] }
        let lines = exposition.lines
        let scraped = exposition.sampleCount
        let instance = target.instance
        let targetLabels = [("job", target.job), ("instance", instance)]
        return self.state.withLock { state in
            let refusedBefore = state.store.refusedForSeriesLimit
            // The target's own series first, so that `up` is there even when max_series refuses the samples.
            let base = Labels(targetLabels)
            if state.oldestKept == nil { state.oldestKept = time }
            state.store.append(base.setting(Labels.metricName, to: "up"), t: time, v: failure == nil ? 1 : 0)
            state.store.append(base.setting(Labels.metricName, to: "scrape_duration_seconds"), t: time, v: durationSeconds)
            state.store.append(base.setting(Labels.metricName, to: "scrape_samples_scraped"), t: time, v: Double(scraped))
            var seen = Set<Labels>()
            var kept = 0
            for line in lines {
                var labels = line.labels
                for (name, value) in targetLabels {
                    // honor_labels: false: a scraped job or instance label is kept as exported_job/exported_instance.
                    let scraped = labels[name]
                    if !scraped.isEmpty { labels = labels.setting("exported_" + name, to: scraped) }
                    labels = labels.setting(name, to: value)
                }
                if state.store.append(labels, t: time, v: line.value) {
                    seen.insert(labels)
                    kept += 1
                }
            }
            for labels in state.previousScrape[target, default: []] where !seen.contains(labels) {
                state.store.append(labels, t: time, v: StaleMarker.value)
            }
            state.previousScrape[target] = seen
            return ScrapeReport(
                samples: scraped,
                kept: kept,
                error: failure,
                limit: limit,
                refusedForSeriesLimit: state.store.refusedForSeriesLimit - refusedBefore
            )
        }
    }

    // MARK: Evaluation

    /// One group's evaluation.
    public struct GroupReport: Sendable {
        /// The group name.
        public var group: String
        /// Rule errors.
        public var errors: [(rule: String, error: String)]
        /// Seconds it took.
        public var seconds: Double
    }

    /// Evaluates every group that is due at `time` (each on its own interval, the global one by default), then drops
    /// samples older than the rules need.
    public func evaluate(at time: Int64) -> [GroupReport] {
        self.state.withLock { state in
            var reports: [GroupReport] = []
            for index in state.groups.indices {
                let interval = state.groups[index].group.intervalMilliseconds ?? self.settings.evaluationInterval
                if let last = state.groupEvaluatedAt[index], time - last < interval { continue }
                let clock = ContinuousClock()
                let started = clock.now
                let errors = state.groups[index].evaluate(
                    at: time,
                    store: &state.store,
                    options: self.settings.options,
                    cache: self.cache,
                    externalLabels: self.settings.externalLabels,
                    externalURL: self.settings.externalURL
                )
                let seconds = (clock.now - started).seconds
                state.groups[index].lastDurationSeconds = seconds
                state.groupEvaluatedAt[index] = time
                reports.append(GroupReport(group: state.groups[index].group.name, errors: errors, seconds: seconds))
            }
            let cut = time - state.plan.milliseconds - self.settings.evaluationInterval
            state.store.dropSamples(before: cut)
            state.oldestKept = max(state.oldestKept ?? cut, cut)
            self.publish(state, statistics: true)
            return reports
        }
    }

    /// The alerts notifiers must send at `time` (firing ones every resend delay, resolved ones once more), marked as
    /// sent. `endsAt` is four resend periods ahead for firing alerts, the resolution time for resolved ones.
    public func alertsToSend(at time: Int64) -> [OutgoingAlert] {
        self.state.withLock { state in
            var outgoing: [OutgoingAlert] = []
            let delta = max(self.settings.resendDelay, self.settings.evaluationInterval)
            for groupIndex in state.groups.indices {
                let group = state.groups[groupIndex]
                for (ruleIndex, ruleState) in group.alertStates.sorted(by: { $0.key < $1.key }) {
                    for alert in ruleState.alerts where Self.needsSending(alert, at: time, resendDelay: self.settings.resendDelay) {
                        let validUntil = time + 4 * delta
                        var labels = alert.labels
                        for (name, value) in self.settings.externalLabels.sorted(by: { $0.key < $1.key }) where labels[name].isEmpty {
                            labels = labels.setting(name, to: value)
                        }
                        outgoing.append(
                            OutgoingAlert(
                                labels: labels,
                                annotations: alert.annotations,
                                startsAt: alert.firedAt ?? alert.activeAt,
                                endsAt: alert.resolvedAt ?? validUntil,
                                generatorURL: self.generatorURL(ruleState.rule.expression),
                                resolved: alert.resolvedAt != nil && alert.state == .inactive
                            )
                        )
                        state.groups[groupIndex].markSent(rule: ruleIndex, labels: alert.labels, at: time, validUntil: validUntil)
                    }
                }
            }
            if !outgoing.isEmpty { self.publish(state, statistics: false) }
            return outgoing
        }
    }

    static func needsSending(_ alert: ActiveAlert, at time: Int64, resendDelay: Int64) -> Bool {
        if alert.state == .pending { return false }
        if let resolvedAt = alert.resolvedAt, resolvedAt > (alert.lastSentAt ?? Int64.min) { return true }
        guard let lastSent = alert.lastSentAt else { return true }
        return lastSent + resendDelay < time
    }

    private func generatorURL(_ expression: Expression) -> String {
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~".utf8)
        var encoded = ""
        for byte in expression.description.utf8 {
            if allowed.contains(byte) {
                encoded.append(Character(Unicode.Scalar(byte)))
            } else {
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        let base = self.settings.externalURL.hasSuffix("/") ? String(self.settings.externalURL.dropLast()) : self.settings.externalURL
        return base + "/graph?g0.expr=" + encoded + "&g0.tab=1"
    }

    // MARK: Reading

    /// A copy of every group's state, for the API and `/metrics`, as of the last evaluation, reload or notification
    /// (never waits for one in progress).
    public var groups: [RuleGroupState] { self.published.withLock { $0.groups } }

    /// The store's size as of the last evaluation (never waits for one in progress).
    public var storeStatistics: StoreStatistics { self.published.withLock { $0.statistics } }

    /// Answers a query API request over the store, under the engine's lock (ingests and evaluations wait; the
    /// query's own time limit bounds how long). `body` gets the store, the PromQL options and what the store holds.
    public func query(_ body: (SampleStore, EvaluationOptions, QueryAPI.Window) -> QueryAPI.Answer) -> QueryAPI.Answer {
        self.state.withLock { state in
            body(state.store, self.settings.options, QueryAPI.Window(oldest: state.oldestKept, retention: state.plan.milliseconds))
        }
    }

    /// Runs `body` with the store (for tests and benchmarks).
    public func withStore<T>(_ body: (inout SampleStore) -> T) -> T { self.state.withLock { body(&$0.store) } }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - self.count)) + self }
}
