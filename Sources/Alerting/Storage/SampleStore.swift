/// Samples of many series in memory, for rule evaluation: what scrapes and rules write and what PromQL reads.
///
/// Series keep their creation order, which is the order selectors return them in (as Prometheus's head block does),
/// so that sums add up in the same order as there.
public struct SampleStore: Sendable {
    /// A series: its labels and samples.
    struct Series: Sendable {
        let labels: Labels
        var buffer: SeriesBuffer
    }

    private(set) var series: [Series] = []
    private var index: [Labels: Int] = [:]
    private var byName: [String: [Int]] = [:]
    /// Changes whenever a series is added or removed, so that selector results can be cached.
    public private(set) var generation = 0
    /// The most series held (`max_series`); a sample for a new series past it is refused, so that no mix of targets
    /// and rules grows memory without bound.
    public var seriesLimit: Int
    /// Samples refused since the store was made because they would have created a series past ``seriesLimit``.
    public private(set) var refusedForSeriesLimit = 0

    /// An empty store holding at most `seriesLimit` series.
    public init(seriesLimit: Int = .max) {
        self.seriesLimit = seriesLimit
    }

    /// The number of series.
    public var seriesCount: Int { self.series.count }

    /// The number of samples held.
    public var sampleCount: Int { self.series.reduce(0) { $0 + $1.buffer.count } }

    /// Bytes of memory the samples take (chunk arrays, counted by capacity).
    public var sampleBytes: Int { self.series.reduce(0) { $0 + $1.buffer.bytes } }

    /// Appends a sample to the series with `labels`, creating it if needed. False when the sample is not newer than
    /// the series' last one, or would create a series past ``seriesLimit`` (counted in
    /// ``refusedForSeriesLimit``).
    @discardableResult
    public mutating func append(_ labels: Labels, t: Int64, v: Double) -> Bool {
        guard let id = self.id(for: labels) else {
            self.refusedForSeriesLimit += 1
            return false
        }
        return self.series[id].buffer.append(Point(t: t, v: v))
    }

    /// The series id for `labels`, created when new; `nil` when that would pass ``seriesLimit``.
    public mutating func id(for labels: Labels) -> Int? {
        if let id = self.index[labels] { return id }
        guard self.series.count < self.seriesLimit else { return nil }
        let id = self.series.count
        self.series.append(Series(labels: labels, buffer: SeriesBuffer()))
        self.index[labels] = id
        self.byName[labels.name, default: []].append(id)
        self.generation &+= 1
        return id
    }

    /// Appends to a known series id.
    @discardableResult
    public mutating func append(id: Int, t: Int64, v: Double) -> Bool {
        self.series[id].buffer.append(Point(t: t, v: v))
    }

    /// Calls `body` with every series' labels and samples (stale markers left out), in creation order.
    public func forEachSeries(_ body: (Labels, [Point]) -> Void) {
        var points: [Point] = []
        for series in self.series {
            points.removeAll(keepingCapacity: true)
            series.buffer.collect(from: Int64.min + 1, includingStart: true, through: Int64.max, into: &points)
            body(series.labels, points)
        }
    }

    /// The last sample time of the series with `labels`.
    public func lastTime(of labels: Labels) -> Int64? {
        self.index[labels].flatMap { self.series[$0].buffer.lastTime }
    }

    /// Ids of the series whose metric name is `name`, in creation order.
    func ids(named name: String) -> [Int] { self.byName[name] ?? [] }

    /// The labels of series `id`.
    func labels(of id: Int) -> Labels { self.series[id].labels }

    /// Appends the samples of series `id` in the window to `points` (see `SeriesBuffer.collect`).
    func collect(_ id: Int, from start: Int64, includingStart: Bool, through end: Int64, into points: inout [Point]) {
        self.series[id].buffer.collect(from: start, includingStart: includingStart, through: end, into: &points)
    }

    /// The samples of series `id`.
    func buffer(of id: Int) -> SeriesBuffer { self.series[id].buffer }

    /// Forgets samples older than `t`, whole chunks at a time, and series left with none.
    public mutating func dropSamples(before t: Int64) {
        var removed = false
        for id in self.series.indices {
            self.series[id].buffer.dropChunks(before: t)
            if self.series[id].buffer.isEmpty { removed = true }
        }
        guard removed else { return }
        self.series.removeAll { $0.buffer.isEmpty }
        self.index.removeAll(keepingCapacity: true)
        self.byName.removeAll(keepingCapacity: true)
        for (id, series) in self.series.enumerated() {
            self.index[series.labels] = id
            self.byName[series.labels.name, default: []].append(id)
        }
        self.generation &+= 1
    }
}
