/// Subqueries and what range functions read: a range selector's samples or a subquery's steps.
extension Evaluator {
    /// A series a range function reads: one of the store's (its labels looked up only when needed) or one a subquery
    /// computed.
    enum RangeSeriesReference {
        case stored(Int)
        case computed(Labels)
    }

    /// The window a range argument covers, which `rate` and its kin extrapolate to.
    struct RangeWindow {
        var start: Int64
        var end: Int64
        /// Whether every series has the same metric name (a selector with `__name__=`), so that dropping it cannot
        /// make two of them equal.
        var namesOneMetric: Bool
        /// The selector, for `absent_over_time`'s labels; nil for a subquery.
        var selector: VectorSelector?
    }

    /// The labels of `reference` without the metric name (a stored series' built once per cache).
    func labelsWithoutName(of reference: RangeSeriesReference) -> Labels {
        switch reference {
        case .stored(let id):
            guard let cache = self.cache else { return self.store.labels(of: id).droppingMetricName }
            return cache.labelsWithoutName(of: id, generation: self.store.generation) { self.store.labels(of: id).droppingMetricName }
        case .computed(let labels): return labels.droppingMetricName
        }
    }

    func labels(of reference: RangeSeriesReference) -> Labels {
        switch reference {
        case .stored(let id): self.store.labels(of: id)
        case .computed(let labels): labels
        }
    }

    /// The window a range argument (a range selector or a subquery, parentheses ignored) covers, without
    /// evaluating it.
    func rangeWindow(_ argument: Expression) throws(PromQLError) -> RangeWindow {
        switch Self.unwrap(argument) {
        case .matrix(let selector, let range):
            let end = self.baseTime(selector.at) - selector.offset
            return RangeWindow(start: end - range, end: end, namesOneMetric: Self.selectsOneName(selector), selector: selector)
        case .subquery(let subquery):
            let end = self.baseTime(subquery.at) - subquery.offset
            return RangeWindow(start: end - subquery.range, end: end, namesOneMetric: false, selector: nil)
        default:
            throw PromQLError(message: "expected a range vector (a range selector or a subquery)")
        }
    }

    /// Calls `body` with each series of a range argument (a range selector or a subquery, parentheses ignored) that
    /// has samples in the window; returns the window.
    func forEachRangeSeries(
        _ argument: Expression,
        _ body: (RangeSeriesReference, [Point]) -> Void
    ) throws(PromQLError) -> RangeWindow {
        let window = try self.rangeWindow(argument)
        switch Self.unwrap(argument) {
        case .matrix(let selector, let range):
            self.forEachRange(selector, range: range) { id, points in body(.stored(id), points) }
        case .subquery(let subquery):
            for one in try self.subquery(subquery).series where !one.points.isEmpty { body(.computed(one.labels), one.points) }
        default:
            break
        }
        return window
    }

    /// Evaluates a subquery: its expression at every multiple of the step in the window (after the window's start
    /// in Prometheus 3, at or after it in 2.x, through its end), one series per label set, in the order they first
    /// appear; returns them with the window.
    func subquery(_ subquery: Subquery) throws(PromQLError) -> (series: [RangeSeries], start: Int64, end: Int64) {
        let end = self.baseTime(subquery.at) - subquery.offset
        let start = end - subquery.range
        let step = max(1, subquery.step ?? self.options.subqueryStepMilliseconds)
        // The first multiple of the step at or after the start (Prometheus aligns subquery steps to the epoch).
        var first = (start / step) * step
        if first < start { first += step }
        if first == start && !self.windowIncludesStart { first += step }
        var accumulator = SeriesAccumulator()
        var time = first
        var steps = 0
        while time <= end {
            steps += 1
            guard steps <= Self.maximumSubquerySteps else {
                throw PromQLError(
                    message:
                        "subquery \(ExpressionPrinter.print(.subquery(subquery))) would take more than \(Self.maximumSubquerySteps) steps"
                )
            }
            let inner = self.at(time)
            guard case .vector(let samples) = try inner.eval(subquery.expression) else {
                throw PromQLError(message: "subquery is only allowed on instant vector")
            }
            accumulator.add(samples, at: time)
            time += step
        }
        return (accumulator.series, start, end)
    }

    /// The most steps one subquery may take (11,000, Prometheus's limit on the points of a range query).
    static let maximumSubquerySteps = 11_000
}
