/// `GET /api/v1/query` and `GET /api/v1/query_range` over the rule engine's store, in Prometheus's HTTP API shape:
/// `{"status":"success","data":{"resultType":…,"result":…}}`, errors as `{"status":"error","errorType":"bad_data",
/// "error":…}` with 400 (or `timeout` with 503), and a `warnings` entry when the query reaches back past what the
/// store holds.
public enum QueryAPI {
    /// What a query may cost.
    public struct Limits: Sendable {
        /// The most points a range query may return per series (Prometheus's 11,000).
        public var maxPointsPerSeries = 11_000
        /// The most samples a whole answer may hold.
        public var maxSamples = 5_000_000
        /// How long a query may evaluate. Short, because it holds the rule engine's lock: ingests and rule
        /// evaluations wait while it runs.
        public var timeout: Duration = .seconds(2)

        /// The defaults.
        public init() {}
    }

    /// What the store holds, for the warning on queries that reach past it.
    public struct Window: Sendable {
        /// The oldest time (milliseconds) the store still has samples for, if it has any history at all.
        public var oldest: Int64?
        /// How long the store keeps samples, in milliseconds.
        public var retention: Int64

        /// A window.
        public init(oldest: Int64?, retention: Int64) {
            self.oldest = oldest
            self.retention = retention
        }
    }

    /// An HTTP answer.
    public struct Answer: Sendable {
        /// 200, 400, 422 or 503.
        public var status: Int
        /// The JSON body.
        public var body: [UInt8]

        /// An answer.
        public init(status: Int, body: [UInt8]) {
            self.status = status
            self.body = body
        }
    }

    /// `/api/v1/query?query=…&time=…` (time: Unix seconds or RFC 3339; default `now`).
    public static func instant(
        parameters: [String: String],
        store: SampleStore,
        options: EvaluationOptions,
        window: Window,
        now: Int64,
        limits: Limits = Limits()
    ) -> Answer {
        let expression: Expression
        let time: Int64
        do throws(QueryError) {
            expression = try self.expression(parameters["query"], compatibility: options.compatibility)
            time = try parameters["time"].map { text throws(QueryError) in try self.timestamp(text, name: "time") } ?? now
        } catch {
            return error.answer
        }
        let evaluator = Evaluator(store: store, time: time, options: options)
        let value: Value
        do {
            value = try evaluator.evaluate(expression)
        } catch {
            return QueryError(type: "execution", message: error.message, status: 422).answer
        }
        let earliest = time - self.reach(of: expression, options: options)
        var body = JSONText()
        body.raw("{\"status\":\"success\",\"data\":")
        switch value {
        case .scalar(let number):
            body.raw("{\"resultType\":\"scalar\",\"result\":")
            body.point(time, number)
            body.raw("}")
        case .string(let text):
            body.raw("{\"resultType\":\"string\",\"result\":[")
            body.timestamp(time)
            body.raw(",")
            body.string(text)
            body.raw("]}")
        case .vector(let samples):
            guard samples.count <= limits.maxSamples else { return self.tooManySamples(limits) }
            body.raw("{\"resultType\":\"vector\",\"result\":[")
            for (index, sample) in samples.enumerated() {
                if index > 0 { body.raw(",") }
                body.raw("{\"metric\":")
                body.labels(sample.labels)
                body.raw(",\"value\":")
                body.point(time, sample.value)
                body.raw("}")
            }
            body.raw("]}")
        case .matrix(let series):
            guard series.reduce(0, { $0 + $1.points.count }) <= limits.maxSamples else { return self.tooManySamples(limits) }
            body.raw("{\"resultType\":\"matrix\",\"result\":[")
            for (index, one) in series.enumerated() {
                if index > 0 { body.raw(",") }
                body.series(one.labels, one.points)
            }
            body.raw("]}")
        }
        body.warnings(self.warnings(earliest: earliest, window: window))
        body.raw("}")
        return Answer(status: 200, body: body.bytes)
    }

    /// `/api/v1/query_range?query=…&start=…&end=…&step=…` (step: a duration or seconds).
    public static func range(
        parameters: [String: String],
        store: SampleStore,
        options: EvaluationOptions,
        window: Window,
        limits: Limits = Limits(),
        clock: ContinuousClock = ContinuousClock()
    ) -> Answer {
        let expression: Expression
        let start: Int64
        let end: Int64
        let step: Int64
        do throws(QueryError) {
            expression = try self.expression(parameters["query"], compatibility: options.compatibility)
            start = try self.timestamp(parameters["start"], name: "start")
            end = try self.timestamp(parameters["end"], name: "end")
            guard end >= start else { throw QueryError(message: "end timestamp must not be before start time") }
            step = try self.step(parameters["step"])
            guard (end - start) / step < Int64(limits.maxPointsPerSeries) else {
                throw QueryError(
                    message: "exceeded maximum resolution of \(limits.maxPointsPerSeries) points per timeseries. "
                        + "Try decreasing the query resolution (?step=XX)"
                )
            }
            guard expression.valueType == .scalar || expression.valueType == .vector else {
                throw QueryError(
                    message:
                        "invalid expression type \"\(expression.valueType.rawValue)\" for range query, must be Scalar or instant Vector"
                )
            }
        } catch {
            return error.answer
        }
        let deadline = clock.now.advanced(by: limits.timeout)
        // Every step reads the same series: match the selectors once.
        let cache = SelectorCache()
        var accumulator = SeriesAccumulator()
        var total = 0
        var time = start
        while time <= end {
            if clock.now > deadline {
                return QueryError(type: "timeout", message: "query timed out in expression evaluation", status: 503).answer
            }
            let evaluator = Evaluator(store: store, time: time, options: options, cache: cache, queryStart: start, queryEnd: end)
            let value: Value
            do {
                value = try evaluator.evaluate(expression)
            } catch {
                return QueryError(type: "execution", message: error.message, status: 422).answer
            }
            let samples: [Sample]
            switch value {
            case .scalar(let number): samples = [Sample(labels: Labels(), value: number)]
            case .vector(let vector): samples = vector
            default: samples = []
            }
            accumulator.add(samples, at: time)
            total += samples.count
            guard total <= limits.maxSamples else { return self.tooManySamples(limits) }
            time += step
        }
        var body = JSONText()
        body.raw("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[")
        let series = accumulator.series.sorted { $0.labels < $1.labels }
        for (index, one) in series.enumerated() {
            if index > 0 { body.raw(",") }
            body.series(one.labels, one.points)
        }
        body.raw("]}")
        body.warnings(self.warnings(earliest: start - self.reach(of: expression, options: options), window: window))
        body.raw("}")
        return Answer(status: 200, body: body.bytes)
    }

    /// A bad request: Prometheus's error shape.
    struct QueryError: Error {
        var type = "bad_data"
        var message: String
        var status = 400

        var answer: Answer {
            var body = JSONText()
            body.raw("{\"status\":\"error\",\"errorType\":")
            body.string(self.type)
            body.raw(",\"error\":")
            body.string(self.message)
            body.raw("}")
            return Answer(status: self.status, body: body.bytes)
        }
    }

    private static func tooManySamples(_ limits: Limits) -> Answer {
        QueryError(
            type: "execution",
            message: "query processing would load too many samples into memory in query execution (limit \(limits.maxSamples))",
            status: 422
        ).answer
    }

    private static func expression(_ text: String?, compatibility: PromQLCompatibility) throws(QueryError) -> Expression {
        guard let text, !text.isEmpty else { throw QueryError(message: "invalid parameter \"query\": no expression found in input") }
        do {
            return try Parser.parse(text, compatibility: compatibility)
        } catch {
            throw QueryError(message: "invalid parameter \"query\": \(error.description)")
        }
    }

    /// How far before its evaluation time an expression's ranges, offsets and subqueries read (the lookback left
    /// out: an instant selector at the store's first sample is no gap).
    static func reach(of expression: Expression, options: EvaluationOptions) -> Int64 {
        RetentionPlan.reach(of: expression, lookbackMilliseconds: 0)
    }

    private static func warnings(earliest: Int64, window: Window) -> [String] {
        guard let oldest = window.oldest, earliest < oldest else { return [] }
        return [
            "this query reads from \(QueryTime.format(earliest)) but the exporter keeps only the last "
                + "\(PrometheusDuration.format(milliseconds: window.retention)) (since \(QueryTime.format(oldest))): "
                + "the answer covers what it holds"
        ]
    }

    /// Unix seconds (a float) or RFC 3339, as Prometheus's API takes them.
    static func timestamp(_ text: String?, name: String) throws(QueryError) -> Int64 {
        guard let text, !text.isEmpty else {
            throw QueryError(message: "invalid parameter \"\(name)\": cannot parse \"\" to a valid timestamp")
        }
        if let seconds = Double(text), seconds.isFinite, seconds.magnitude < 9.2e15 {
            return Int64((seconds * 1000).rounded())
        }
        if let milliseconds = QueryTime.parse(text) { return milliseconds }
        throw QueryError(message: "invalid parameter \"\(name)\": cannot parse \"\(text)\" to a valid timestamp")
    }

    private static func step(_ text: String?) throws(QueryError) -> Int64 {
        guard let text, !text.isEmpty else {
            throw QueryError(message: "invalid parameter \"step\": cannot parse \"\" to a valid duration")
        }
        let milliseconds: Int64
        if let seconds = Double(text), seconds.isFinite, seconds.magnitude < 9.2e15 {
            milliseconds = Int64((seconds * 1000).rounded())
        } else if let duration = PrometheusDuration.milliseconds(text) {
            milliseconds = duration
        } else {
            throw QueryError(message: "invalid parameter \"step\": cannot parse \"\(text)\" to a valid duration")
        }
        guard milliseconds > 0 else {
            throw QueryError(message: "zero or negative query resolution step widths are not accepted. Try a positive integer")
        }
        return milliseconds
    }
}
