import NIOConcurrencyHelpers

/// The children of one family, behind the family's own lock: lookup, creation, the cardinality guard, removal and
/// the sorted order used for exposition.
///
/// Not generic on purpose: generic code called from another module runs unspecialised and looks up type metadata
/// on every call, which would dominate a lookup that should cost a hash and a lock. Series are stored as `AnyObject`
/// and cast back, unchecked, by ``MetricFamily``, which is the only place that creates them.
final class SeriesStore: Sendable {
    /// One child: its label values, its rendered label text and the series itself.
    final class Entry: Sendable {
        let values: [String]
        let renderedLabels: [UInt8]
        let series: any AnyObject & Sendable

        init(values: [String], renderedLabels: [UInt8], series: any AnyObject & Sendable) {
            self.values = values
            self.renderedLabels = renderedLabels
            self.series = series
        }
    }

    private struct State {
        var children = LabelTable()
        var sorted: [Entry]? {
            didSet { self.linePlans = [:] }
        }
        var linePlans: [ExpositionFormat: LinePlan] = [:]
        var overflow: Entry?
    }

    let name: String
    let labelNames: [String]
    let maxSeries: Int
    let hasOpenLabels: Bool
    // A pthread mutex (NIOLockedValueBox) rather than Synchronization's Mutex, whose futex ThreadSanitizer cannot see: CI
    // runs the concurrency tests of this type under TSan (scripts/tsan.sh).
    private let state = NIOLockedValueBox(State())
    private let makeSeries: @Sendable () -> any AnyObject & Sendable
    private let onOverflow: @Sendable (String) -> Void

    init(
        name: String,
        labelNames: [String],
        maxSeries: Int,
        hasOpenLabels: Bool,
        makeSeries: @escaping @Sendable () -> any AnyObject & Sendable,
        onOverflow: @escaping @Sendable (String) -> Void
    ) {
        self.name = name
        self.labelNames = labelNames
        self.maxSeries = maxSeries
        self.hasOpenLabels = hasOpenLabels
        self.makeSeries = makeSeries
        self.onOverflow = onOverflow
    }

    /// The series for `key`, created on first use; the overflow series once the family is full.
    func series(for key: LabelKey) -> any AnyObject & Sendable {
        self.series(hash: key.hash, matches: { $0.values == key.values }, values: { key.values })
    }

    /// The series whose values hash to `hash` and satisfy `matches`; created from `values()` on first use.
    @inline(__always)
    func series(
        hash: UInt64,
        matches: (Entry) -> Bool,
        values: () -> [String]
    ) -> any AnyObject & Sendable {
        let (series, overflowed) = self.state.withLockedValue { state -> (any AnyObject & Sendable, Bool) in
            if let entry = state.children.find(hash: hash, matches: matches) {
                return (entry.series, false)
            }
            let values = values()
            if state.children.count >= self.maxSeries && !values.isEmpty {
                if let overflow = state.overflow {
                    return (overflow.series, true)
                }
                let overflowValues =
                    self.hasOpenLabels
                    ? ["series_overflow", MetricFamily<Counter>.overflowLabelValue]
                    : Array(repeating: MetricFamily<Counter>.overflowLabelValue, count: self.labelNames.count)
                let entry = self.makeEntry(overflowValues)
                state.overflow = entry
                state.sorted = nil
                return (entry.series, true)
            }
            let entry = self.makeEntry(values)
            state.children.insert(entry, hash: hash)
            state.sorted = nil
            return (entry.series, false)
        }
        if overflowed {
            self.onOverflow(self.name)
        }
        return series
    }

    func existing(_ key: LabelKey) -> (any AnyObject & Sendable)? {
        self.state.withLockedValue { $0.children.find(hash: key.hash, matches: { $0.values == key.values })?.series }
    }

    func remove(_ key: LabelKey) -> Bool {
        self.state.withLockedValue { state in
            guard state.children.remove(hash: key.hash, values: key.values) else { return false }
            state.sorted = nil
            return true
        }
    }

    func removeAll() {
        self.state.withLockedValue { $0 = State() }
    }

    var count: Int {
        self.state.withLockedValue { $0.children.count + ($0.overflow == nil ? 0 : 1) }
    }

    /// Children sorted by label values, the overflow series last; cached until the set of children changes.
    func sortedEntries() -> [Entry] {
        self.state.withLockedValue { state in
            if let sorted = state.sorted { return sorted }
            var sorted = state.children.entries.sorted { $0.values.lexicographicallyPrecedes($1.values) }
            if let overflow = state.overflow { sorted.append(overflow) }
            state.sorted = sorted
            return sorted
        }
    }

    /// The prefixes of every series' line in `format`, computed once per change of the set of children.
    func linePlan(format: ExpositionFormat, prefix: (Entry) -> [UInt8], cells: (Entry) -> UnsafeMutableRawPointer) -> LinePlan {
        let entries = self.sortedEntries()
        return self.state.withLockedValue { state in
            if let plan = state.linePlans[format], plan.entries.count == entries.count { return plan }
            let plan = LinePlan(entries: entries, prefix: prefix, cells: cells)
            state.linePlans[format] = plan
            return plan
        }
    }

    private func makeEntry(_ values: [String]) -> Entry {
        let rendered: [UInt8]
        if self.hasOpenLabels {
            let names = stride(from: 0, to: values.count, by: 2).map { values[$0] }
            let labelValues = stride(from: 1, to: values.count, by: 2).map { values[$0] }
            rendered = ExpositionWriter.renderLabels(names: names, values: labelValues)
        } else {
            rendered = ExpositionWriter.renderLabels(names: self.labelNames, values: values)
        }
        return Entry(values: values, renderedLabels: rendered, series: self.makeSeries())
    }
}

/// What writing a family of one-line series (counters, gauges) needs, laid out so that the loop touches no
/// reference count: every line's `name{labels} ` prefix in one buffer, and each series' value cells.
// @unchecked Sendable: immutable after init; `cells` point into series that `entries` keeps alive.
final class LinePlan: @unchecked Sendable {
    let entries: [SeriesStore.Entry]
    let prefixBytes: [UInt8]
    let prefixEnds: [Int]
    let cells: [UnsafeMutableRawPointer]

    init(entries: [SeriesStore.Entry], prefix: (SeriesStore.Entry) -> [UInt8], cells: (SeriesStore.Entry) -> UnsafeMutableRawPointer) {
        self.entries = entries
        var bytes: [UInt8] = []
        var ends: [Int] = []
        ends.reserveCapacity(entries.count)
        for entry in entries {
            bytes.append(contentsOf: prefix(entry))
            ends.append(bytes.count)
        }
        self.prefixBytes = bytes
        self.prefixEnds = ends
        self.cells = entries.map(cells)
    }
}
