import Clients

/// One rule group's evaluation state: the alert states of its alerting rules and which series each rule wrote last
/// time (so that series a rule stops returning get stale markers, as Prometheus writes them).
public struct RuleGroupState: Sendable {
    /// The group.
    public let group: RuleGroup
    /// Alerting-rule states by rule index.
    public private(set) var alertStates: [Int: AlertingRuleState] = [:]
    /// The last error of each rule, by index (nil when healthy).
    public private(set) var lastErrors: [Int: String] = [:]
    /// Seconds each rule's last evaluation took, by index.
    public private(set) var lastRuleDurations: [Int: Double] = [:]
    /// When each rule last ran (milliseconds) and how long it took (seconds).
    public private(set) var lastEvaluation: Int64?
    /// Seconds the last evaluation of the whole group took.
    public var lastDurationSeconds: Double = 0
    private var seriesInPreviousEvaluation: [Int: Set<Labels>] = [:]

    /// A group that has not been evaluated.
    public init(group: RuleGroup) {
        self.group = group
        for (index, rule) in group.rules.enumerated() {
            if case .alerting(let definition) = rule { self.alertStates[index] = AlertingRuleState(rule: definition) }
        }
    }

    /// Evaluates every rule in order at `time` and writes what they produce into `store`. Returns the errors, each
    /// naming its rule; a failing rule does not stop the others.
    @discardableResult
    public mutating func evaluate(
        at time: Int64,
        store: inout SampleStore,
        options: EvaluationOptions,
        cache: SelectorCache? = nil,
        externalLabels: [String: String] = [:],
        externalURL: String = ""
    ) -> [(rule: String, error: String)] {
        var errors: [(rule: String, error: String)] = []
        let clock = ContinuousClock()
        for (index, rule) in self.group.rules.enumerated() {
            let started = clock.now
            defer { self.lastRuleDurations[index] = (clock.now - started).seconds }
            var output: [Sample]
            do {
                // The evaluator's copy of the store is gone before anything is written, so writes never copy it.
                let result = try Self.evaluate(rule.expression, store: store, time: time, options: options, cache: cache)
                switch rule {
                case .recording(let definition):
                    output = try Self.record(result, definition)
                case .alerting:
                    output = try self.alertStates[index]!.evaluate(
                        result,
                        at: time,
                        externalLabels: externalLabels,
                        externalURL: externalURL
                    )
                }
                self.lastErrors[index] = nil
                self.alertStates[index]?.lastError = nil
            } catch {
                self.lastErrors[index] = error.message
                self.alertStates[index]?.lastError = error.message
                errors.append((rule.name, error.message))
                continue
            }
            var returned = Set<Labels>()
            for sample in output {
                store.append(sample.labels, t: time, v: sample.value)
                returned.insert(sample.labels)
            }
            for labels in self.seriesInPreviousEvaluation[index, default: []] where !returned.contains(labels) {
                store.append(labels, t: time, v: StaleMarker.value)
            }
            self.seriesInPreviousEvaluation[index] = returned
        }
        self.lastEvaluation = time
        return errors
    }

    private static func evaluate(
        _ expression: Expression,
        store: SampleStore,
        time: Int64,
        options: EvaluationOptions,
        cache: SelectorCache?
    ) throws(PromQLError) -> [Sample] {
        try self.vector(Evaluator(store: store, time: time, options: options, cache: cache).evaluate(expression))
    }

    private static func vector(_ value: Value) throws(PromQLError) -> [Sample] {
        switch value {
        case .vector(let samples): return samples
        case .scalar(let scalar): return [Sample(labels: Labels(), value: scalar)]
        default: throw PromQLError(message: "rule result is not a vector or scalar")
        }
    }

    private static func record(_ result: [Sample], _ definition: RecordingRuleDefinition) throws(PromQLError) -> [Sample] {
        var seen = Set<Labels>()
        var output: [Sample] = []
        for sample in result {
            var labels = sample.labels.setting(Labels.metricName, to: definition.name)
            for (name, value) in definition.labels { labels = labels.setting(name, to: value) }
            guard seen.insert(labels).inserted else {
                throw PromQLError(message: "vector contains metrics with the same labelset after applying rule labels")
            }
            output.append(Sample(labels: labels, value: sample.value))
        }
        return output
    }

    /// Takes over the alert states of `previous`'s alerting rules that have the same name and expression as one of
    /// this group's (a reload that left them unchanged).
    mutating func carryOver(from previous: RuleGroupState) {
        for (index, rule) in self.group.rules.enumerated() {
            guard case .alerting(let definition) = rule else { continue }
            let match = previous.alertStates.first { _, state in
                state.rule.name == definition.name && state.rule.expression.description == definition.expression.description
            }
            guard let (previousIndex, state) = match else { continue }
            var carried = AlertingRuleState(rule: definition)
            carried.adopt(state)
            self.alertStates[index] = carried
            self.seriesInPreviousEvaluation[index] = previous.seriesInPreviousEvaluation[previousIndex]
        }
    }

    /// Marks alerts as sent (see `AlertingRuleState.markSent`).
    public mutating func markSent(rule index: Int, labels: Labels, at time: Int64, validUntil: Int64) {
        self.alertStates[index]?.markSent(labels, at: time, validUntil: validUntil)
    }
}
