/// A unit test's input series written into the store step by step, as promtool's lazy loader does: each call
/// appends the samples whose time has come and remembers where every series stopped.
struct InputLoader {
    private let series: [(labels: Labels, values: [SeriesNotation.Item])]
    private let interval: Int64
    private var next: [Int]

    init(series: [(Labels, [SeriesNotation.Item])], interval: Int64) {
        self.series = series.map { (labels: $0.0, values: $0.1) }
        self.interval = interval
        self.next = Array(repeating: 0, count: series.count)
    }

    /// Appends every sample with a timestamp at or before `time` not written yet, each series in time order.
    mutating func load(upTo time: Int64, into store: inout SampleStore) {
        for index in self.series.indices {
            let (labels, values) = self.series[index]
            var position = self.next[index]
            while position < values.count && Int64(position) * self.interval <= time {
                let t = Int64(position) * self.interval
                switch values[position] {
                case .omitted: break
                case .stale: store.append(labels, t: t, v: StaleMarker.value)
                case .value(let value): store.append(labels, t: t, v: value)
                }
                position += 1
            }
            self.next[index] = position
        }
    }
}
