/// Evaluates PromQL expressions at one instant over a `SampleStore`, with Prometheus's semantics.
public struct Evaluator {
    let store: SampleStore
    /// The evaluation time in milliseconds since the epoch.
    let time: Int64
    let options: EvaluationOptions
    let cache: SelectorCache?
    /// What `@ start()` and `@ end()` mean: the query's range (both the evaluation time for a rule).
    let queryStart: Int64
    let queryEnd: Int64

    /// An evaluator at `time` (milliseconds since the epoch), in a query over `queryStart`…`queryEnd` (for `@ start()`
    /// and `@ end()`; by default `time` itself, as for a rule or an instant query).
    public init(
        store: SampleStore,
        time: Int64,
        options: EvaluationOptions = EvaluationOptions(),
        cache: SelectorCache? = nil,
        queryStart: Int64? = nil,
        queryEnd: Int64? = nil
    ) {
        self.store = store
        self.time = time
        self.options = options
        self.cache = cache
        self.queryStart = queryStart ?? time
        self.queryEnd = queryEnd ?? time
    }

    /// The same evaluator at another time of the same query.
    func at(_ time: Int64) -> Evaluator {
        Evaluator(
            store: self.store,
            time: time,
            options: self.options,
            cache: self.cache,
            queryStart: self.queryStart,
            queryEnd: self.queryEnd
        )
    }

    /// The time a selector or subquery is evaluated at before its offset: its `@` modifier's, or the evaluation time.
    func baseTime(_ at: AtModifier?) -> Int64 {
        switch at {
        case .timestamp(let milliseconds): milliseconds
        case .start: self.queryStart
        case .end: self.queryEnd
        case nil: self.time
        }
    }

    /// Evaluates an expression whose result is an instant vector or a scalar.
    public func evaluate(_ expression: Expression) throws(PromQLError) -> Value {
        try self.eval(expression)
    }

    var windowIncludesStart: Bool { self.options.compatibility == .prometheus2 }

    func eval(_ expression: Expression) throws(PromQLError) -> Value {
        switch expression {
        case .number(let value): return .scalar(value)
        case .string(let text): return .string(text)
        case .parenthesized(let inner): return try self.eval(inner)
        case .vector(let selector): return .vector(self.instant(selector))
        case .matrix(let selector, let range): return .matrix(self.range(selector, range: range))
        case .subquery(let subquery): return .matrix(try self.subquery(subquery).series)
        case .negate(let inner):
            switch try self.eval(inner) {
            case .scalar(let value): return .scalar(-value)
            case .vector(let samples):
                // Dropping the names can make two series one: Prometheus refuses that (`-{__name__=~"a|b"}`).
                let negated = samples.map { Sample(labels: $0.labels.droppingMetricName, value: -$0.value) }
                return .vector(try Self.uniqueAfterDroppingNames(negated, from: samples))
            default: throw PromQLError(message: "unary minus needs a scalar or an instant vector")
            }
        case .call(let function, let arguments): return try self.call(function, arguments)
        case .aggregate(let aggregation): return .vector(try self.aggregate(aggregation))
        case .binary(let operation): return try self.binary(operation)
        }
    }

    func vector(_ expression: Expression) throws(PromQLError) -> [Sample] {
        guard case .vector(let samples) = try self.eval(expression) else {
            throw PromQLError(message: "expected an instant vector in \(expression)")
        }
        return samples
    }

    func scalar(_ expression: Expression) throws(PromQLError) -> Double {
        guard case .scalar(let value) = try self.eval(expression) else { throw PromQLError(message: "expected a scalar in \(expression)") }
        return value
    }

    // MARK: Selectors

    /// The ids of the series a selector matches, in creation order.
    func seriesIDs(_ selector: VectorSelector) -> [Int] {
        let compute = { () -> [Int] in
            let candidates: [Int]
            if let name = selector.matchers.first(where: { $0.name == Labels.metricName && $0.kind == .equal })?.value {
                candidates = self.store.ids(named: name)
            } else {
                candidates = Array(self.store.series.indices)
            }
            return candidates.filter { id in
                let labels = self.store.labels(of: id)
                return selector.matchers.allSatisfy { $0.matches(labels[$0.name]) }
            }
        }
        guard let cache = self.cache else { return compute() }
        return cache.ids(for: ExpressionPrinter.print(.vector(selector)), generation: self.store.generation, compute: compute)
    }

    /// The latest sample of each matching series within the lookback window, unless it is a stale marker.
    func instant(_ selector: VectorSelector) -> [Sample] {
        var samples: [Sample] = []
        self.forEachLatest(selector) { id, point in samples.append(Sample(labels: self.store.labels(of: id), value: point.v)) }
        return samples
    }

    /// Calls `body` with each matching series' id and latest sample within the lookback window (stale markers left
    /// out), at the selector's own time (`@`, `offset`).
    func forEachLatest(_ selector: VectorSelector, _ body: (Int, Point) -> Void) {
        let end = self.baseTime(selector.at) - selector.offset
        let start = end - self.options.lookbackMilliseconds
        for id in self.seriesIDs(selector) {
            guard let point = self.store.buffer(of: id).latest(atOrBefore: end, after: start, includingStart: self.windowIncludesStart),
                !StaleMarker.isStale(point.v)
            else { continue }
            body(id, point)
        }
    }

    /// The samples of each matching series within the range, stale markers left out; series with none are omitted.
    func range(_ selector: VectorSelector, range: Int64) -> [RangeSeries] {
        var result: [RangeSeries] = []
        self.forEachRange(selector, range: range) { id, points in
            result.append(RangeSeries(labels: self.store.labels(of: id), points: points))
        }
        return result
    }

    /// Calls `body` with each matching series' id and samples within the range (a reused buffer), skipping series with
    /// no sample there.
    func forEachRange(_ selector: VectorSelector, range: Int64, _ body: (Int, [Point]) -> Void) {
        let end = self.baseTime(selector.at) - selector.offset
        let start = end - range
        var points: [Point] = []
        points.reserveCapacity(64)
        for id in self.seriesIDs(selector) {
            points.removeAll(keepingCapacity: true)
            self.store.collect(id, from: start, includingStart: self.windowIncludesStart, through: end, into: &points)
            if !points.isEmpty { body(id, points) }
        }
    }

    /// `output` when it is free of duplicates: dropping the metric names of `input` (a function or arithmetic over
    /// it) can make two series one, which Prometheus refuses. Only inputs with two metric names or more can collide.
    static func uniqueAfterDroppingNames(_ output: [Sample], from input: [Sample]) throws(PromQLError) -> [Sample] {
        guard let first = input.first?.labels.name, input.contains(where: { $0.labels.name != first }) else { return output }
        try Self.checkUnique(output)
        return output
    }

    /// Throws when two samples have the same labels, as Prometheus does after dropping metric names.
    static func checkUnique(_ samples: [Sample]) throws(PromQLError) {
        var seen = Set<Labels>()
        seen.reserveCapacity(samples.count)
        for sample in samples where !seen.insert(sample.labels).inserted {
            throw PromQLError(message: "vector cannot contain metrics with the same labelset")
        }
    }
}
