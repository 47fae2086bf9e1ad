import Synchronization

/// The result-cache entries read lately, parsed: a repeated image's entry comes back from Redis as the same text every
/// time, and reading it again from JSON was the largest part of a cache hit's own work. Keyed by the whole text
/// (so an entry rewritten in Redis is read afresh), bounded (emptied when full), and only a convenience: a miss
/// here parses as before.
final class CachedEntryMemo: Sendable {
    private let entries = Mutex<[String: CachedExtraction]>([:])
    /// Texts held at most.
    let capacity: Int

    init(capacity: Int = 256) {
        precondition(capacity >= 1)
        self.capacity = capacity
    }

    /// The entry `text` holds, parsed once; `nil` when it is not one (an older or damaged entry: a miss).
    func entry(_ text: String) -> CachedExtraction? {
        if let known = self.entries.withLock({ $0[text] }) { return known }
        guard let parsed = CachedExtraction(cached: text) else { return nil }
        self.entries.withLock { entries in
            if entries.count >= self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[text] = parsed
        }
        return parsed
    }

    /// Texts held now.
    var count: Int { self.entries.withLock { $0.count } }
}
