import Synchronization

/// Remembers which series each selector matched, for as long as the store's set of series does not change, so that
/// regular expressions run once per new series rather than once per evaluation.
public final class SelectorCache: Sendable {
    private struct Entry {
        let generation: Int
        let ids: [Int]
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// An empty cache.
    public init() {}

    func ids(for key: String, generation: Int, compute: () -> [Int]) -> [Int] {
        if let entry = self.entries.withLock({ $0[key] }), entry.generation == generation { return entry.ids }
        let ids = compute()
        self.entries.withLock { $0[key] = Entry(generation: generation, ids: ids) }
        return ids
    }
}
