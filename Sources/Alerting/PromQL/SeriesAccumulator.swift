/// Gathers the vectors of consecutive steps (a range query's, a subquery's) into series, in the order their label
/// sets first appear. Consecutive steps mostly return the same series in the same order, so a sample whose labels
/// equal those at its position in the previous step joins that series after one comparison; only the others are
/// looked up by hash (hashing every sample's labels was a sixth of a range query's time).
struct SeriesAccumulator {
    /// Each series' labels, in order of first appearance.
    private(set) var labels: [Labels] = []
    /// Each series' points, oldest first.
    private(set) var points: [[Point]] = []
    private var index: [Labels: Int] = [:]
    private var previous: [Int] = []
    private var current: [Int] = []

    /// Adds one step's samples at `time`.
    mutating func add(_ samples: [Sample], at time: Int64) {
        self.current.removeAll(keepingCapacity: true)
        for (position, sample) in samples.enumerated() {
            let series: Int
            if position < self.previous.count, self.labels[self.previous[position]] == sample.labels {
                series = self.previous[position]
            } else if let known = self.index[sample.labels] {
                series = known
            } else {
                series = self.labels.count
                self.labels.append(sample.labels)
                self.points.append([])
                self.index[sample.labels] = series
            }
            self.points[series].append(Point(t: time, v: sample.value))
            self.current.append(series)
        }
        swap(&self.previous, &self.current)
    }

    /// The series, in order of first appearance.
    var series: [RangeSeries] { zip(self.labels, self.points).map { RangeSeries(labels: $0, points: $1) } }
}
