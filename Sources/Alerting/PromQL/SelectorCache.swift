import Synchronization

/// Remembers, for as long as the store's set of series does not change, which series each selector matched (so that
/// regular expressions run once per new series rather than once per evaluation) and each series' labels without its
/// metric name (so that `rate(x[5m])` evaluated at every step of a range, or at every rule evaluation, builds them
/// once: the same storage every time, which later steps also compare in one step).
public final class SelectorCache: Sendable {
    private struct Entry {
        let generation: Int
        let ids: [Int]
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let unnamed = Mutex<(generation: Int, labels: [Int: Labels])>((0, [:]))

    /// An empty cache.
    public init() {}

    func ids(for key: String, generation: Int, compute: () -> [Int]) -> [Int] {
        if let entry = self.entries.withLock({ $0[key] }), entry.generation == generation { return entry.ids }
        let ids = compute()
        self.entries.withLock { $0[key] = Entry(generation: generation, ids: ids) }
        return ids
    }

    /// The labels of series `id` without the metric name, as `compute` makes them the first time.
    func labelsWithoutName(of id: Int, generation: Int, compute: () -> Labels) -> Labels {
        if let known = self.unnamed.withLock({ $0.generation == generation ? $0.labels[id] : nil }) { return known }
        let labels = compute()
        self.unnamed.withLock { memo in
            if memo.generation != generation { memo = (generation, [:]) }
            memo.labels[id] = labels
        }
        return labels
    }
}
