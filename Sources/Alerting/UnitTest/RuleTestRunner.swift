/// Runs promtool rule unit tests with this engine and reports as `promtool test rules` does.
public struct RuleTestRunner: Sendable {
    /// Which Prometheus release's evaluation details to follow.
    public var options: EvaluationOptions

    /// A runner.
    public init(options: EvaluationOptions = EvaluationOptions()) { self.options = options }

    /// The outcome of one file: its failures, empty when it passes.
    public struct FileResult: Sendable {
        /// The test file.
        public var file: String
        /// Failure messages (rule loading, evaluation errors, assertion differences).
        public var failures: [String]
        /// Whether every test passed.
        public var passed: Bool { self.failures.isEmpty }
    }

    /// Runs every test group of `path`.
    public func run(path: String) -> FileResult {
        let file: RuleTestFile
        let groups: [RuleGroup]
        do {
            file = try RuleTestFile.load(path: path)
            groups = try self.orderedGroups(
                try RuleFileLoader.load(paths: file.ruleFiles, compatibility: self.options.compatibility),
                order: file.groupEvalOrder
            )
        } catch {
            return FileResult(file: path, failures: ["    \(error)"])
        }
        var failures: [String] = []
        for test in file.tests {
            failures += self.run(test, groups: groups, evaluationInterval: file.evaluationInterval)
        }
        return FileResult(file: path, failures: failures)
    }

    private func orderedGroups(_ groups: [RuleGroup], order: [String]) throws(RuleFileError) -> [RuleGroup] {
        guard !order.isEmpty else { return groups }
        let names = Set(groups.map(\.name))
        for name in order where !names.contains(name) {
            throw RuleFileError(
                file: "group_eval_order",
                line: nil,
                message: "group name \"\(name)\" in group_eval_order not found in any rule file"
            )
        }
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return groups.enumerated().sorted { (rank[$0.element.name] ?? Int.max, $0.offset) < (rank[$1.element.name] ?? Int.max, $1.offset) }
            .map(\.element)
    }

    /// Runs one test group; its failure messages.
    func run(_ test: RuleTestFile.TestGroup, groups: [RuleGroup], evaluationInterval: Int64) -> [String] {
        var store = SampleStore()
        // promtool's subqueries without a step step by the evaluation interval.
        var runner = self
        runner.options.subqueryStepMilliseconds = evaluationInterval
        return runner.runGroup(test, groups: groups, evaluationInterval: evaluationInterval, store: &store)
    }

    private func runGroup(
        _ test: RuleTestFile.TestGroup,
        groups: [RuleGroup],
        evaluationInterval: Int64,
        store: inout SampleStore
    ) -> [String] {
        // A group without `interval`: Prometheus 3's promtool spaces its samples by the evaluation interval; 2.42's
        // loads them all at time 0 (`load 0s`), where only each series' first sample is kept.
        let interval = test.interval ?? (self.options.compatibility == .prometheus2 ? 0 : evaluationInterval)
        // promtool loads the input lazily: before the evaluation at t it writes the samples up to t, and never those
        // after the last evaluation step (so `eval_time: 25s` with a 1m evaluation interval sees only t = 0, even
        // through `@` or a negative offset).
        var loader = InputLoader(series: test.inputSeries, interval: interval)
        let testName = test.name.isEmpty ? "" : "    name: \(test.name),\n"
        var states = groups.map(RuleGroupState.init)
        let alertTimes = Set(test.alertTests.map(\.evalTime)).sorted()
        let maxTime = (test.alertTests.map(\.evalTime) + test.exprTests.map(\.evalTime)).max() ?? 0
        var failures: [String] = []
        var next = 0
        var time: Int64 = 0
        let cache = SelectorCache()
        while time <= maxTime {
            loader.load(upTo: time, into: &store)
            var evaluationErrors: [String] = []
            for index in states.indices {
                let errors = states[index].evaluate(
                    at: time,
                    store: &store,
                    options: self.options,
                    cache: cache,
                    externalLabels: test.externalLabels,
                    externalURL: test.externalURL
                )
                for error in errors {
                    evaluationErrors.append(
                        "    rule: \(error.rule), time: \(PrometheusDuration.format(milliseconds: time)), err: \(error.error)"
                    )
                }
            }
            if !evaluationErrors.isEmpty { return failures + evaluationErrors }
            // Alert assertions whose eval_time falls in [time, time + interval) are checked against this evaluation.
            while next < alertTimes.count && time <= alertTimes[next] && alertTimes[next] < time + evaluationInterval {
                let at = alertTimes[next]
                for alertTest in test.alertTests where alertTest.evalTime == at {
                    var got: [(labels: Labels, annotations: Labels)] = []
                    for state in states {
                        for alertState in state.alertStates.values where alertState.rule.name == alertTest.alertname {
                            got += alertState.alerts.filter { $0.state == .firing }.map { ($0.labels, $0.annotations) }
                        }
                    }
                    let expected = alertTest.expected.sorted { $0.labels < $1.labels }
                    got.sort { $0.labels < $1.labels }
                    let same =
                        expected.count == got.count
                        && zip(expected, got).allSatisfy { $0.labels == $1.labels && $0.annotations == $1.annotations }
                    if !same {
                        failures.append(
                            testName + "    alertname: \(alertTest.alertname), time: \(PrometheusDuration.format(milliseconds: at)), \n"
                                + "        exp:\(Self.describe(expected)), \n        got:\(Self.describe(got))"
                        )
                    }
                }
                next += 1
            }
            time += evaluationInterval
        }
        for exprTest in test.exprTests {
            failures += self.check(exprTest, store: store, cache: cache)
        }
        return failures
    }

    private func check(_ test: RuleTestFile.ExprTest, store: SampleStore, cache: SelectorCache) -> [String] {
        let header = "    expr: \"\(Labels.escape(test.expression))\", time: \(PrometheusDuration.format(milliseconds: test.evalTime))"
        var got: [Sample]
        do {
            let expression = try Parser.parse(test.expression, compatibility: self.options.compatibility)
            switch try Evaluator(store: store, time: test.evalTime, options: self.options, cache: cache).evaluate(expression) {
            case .vector(let samples): got = samples
            case .scalar(let value): got = [Sample(labels: Labels(), value: value)]
            default: return [header + ", err: rule result is not a vector or scalar"]
            }
        } catch {
            return [header + ", err: \(error)"]
        }
        var expected: [Sample] = []
        for sample in test.expected {
            do {
                expected.append(Sample(labels: try SeriesNotation.labels(sample.labels), value: sample.value))
            } catch {
                return [header + ", err: labels \"\(sample.labels)\": \(error)"]
            }
        }
        expected.sort { $0.labels < $1.labels }
        got.sort { $0.labels < $1.labels }
        // Values compare exactly (NaN never equals NaN), as reflect.DeepEqual does in promtool.
        let same = expected.count == got.count && zip(expected, got).allSatisfy { $0.labels == $1.labels && $0.value == $1.value }
        if same { return [] }
        return [header + ",\n        exp: \(Self.describe(expected))\n        got: \(Self.describe(got))"]
    }

    private static func goLabels(_ labels: Labels) -> String {
        "{" + labels.items.map { "\($0.name)=\"\(Labels.escape($0.value))\"" }.joined(separator: ", ") + "}"
    }

    private static func describe(_ alerts: [(labels: Labels, annotations: Labels)]) -> String {
        guard !alerts.isEmpty else { return "[]" }
        let items = alerts.enumerated().map { index, alert in
            "            \(index):\n              Labels:\(self.goLabels(alert.labels))\n              Annotations:\(self.goLabels(alert.annotations))"
        }
        return "[\n" + items.joined(separator: ",\n") + "\n            ]"
    }

    private static func describe(_ samples: [Sample]) -> String {
        guard !samples.isEmpty else { return "nil" }
        return samples.map { "\(self.goLabels($0.labels)) \(GoFloat.formatExponent($0.value))" }.joined(separator: ", ")
    }
}
