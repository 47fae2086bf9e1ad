@testable import Alerting

/// Builds stores from promtool's series notation, one sample per `interval` milliseconds from zero.
enum Fixtures {
    static func store(_ series: [(String, String)], interval: Int64 = 60_000) throws -> SampleStore {
        var store = SampleStore()
        for (description, values) in series {
            let labels = try SeriesNotation.labels(description)
            for (index, item) in try SeriesNotation.values(values).enumerated() {
                switch item {
                case .omitted: continue
                case .stale: store.append(labels, t: Int64(index) * interval, v: StaleMarker.value)
                case .value(let value): store.append(labels, t: Int64(index) * interval, v: value)
                }
            }
        }
        return store
    }

    static func vector(
        _ expression: String,
        at time: Int64,
        in store: SampleStore,
        compatibility: PromQLCompatibility = .prometheus3
    ) throws -> [Sample] {
        let value = try Evaluator(store: store, time: time, options: EvaluationOptions(compatibility: compatibility)).evaluate(
            try Parser.parse(expression)
        )
        switch value {
        case .vector(let samples): return samples.sorted { $0.labels < $1.labels }
        case .scalar(let scalar): return [Sample(labels: Labels(), value: scalar)]
        default: return []
        }
    }

    static func values(
        _ expression: String,
        at time: Int64,
        in store: SampleStore,
        compatibility: PromQLCompatibility = .prometheus3
    ) throws
        -> [Double]
    {
        try self.vector(expression, at: time, in: store, compatibility: compatibility).map(\.value)
    }
}
