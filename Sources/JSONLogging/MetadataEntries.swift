import Logging

/// The metadata of one line, gathered from the handler, the provider and the call in that order, then sorted by key
/// with the last source winning a duplicate key, as swift-log's merge order specifies. A small array rather than a
/// merged dictionary: a line carries a handful of keys, and sorting them costs less than hashing them again.
struct MetadataEntries {
    struct Entry {
        var key: String
        var value: Logger.Metadata.Value
        /// The position it was added at: among equal keys, the highest wins.
        var order: Int
        /// Produced by this package, so not scanned for credentials.
        var trusted: Bool
    }

    private(set) var entries: [Entry] = []

    init(capacity: Int) {
        self.entries.reserveCapacity(capacity)
    }

    mutating func add(_ metadata: Logger.Metadata) {
        for (key, value) in metadata {
            self.add(key: key, value: value, trusted: false)
        }
    }

    mutating func add(key: String, value: Logger.Metadata.Value, trusted: Bool) {
        self.entries.append(Entry(key: key, value: value, order: self.entries.count, trusted: trusted))
    }

    /// Sorts by key and drops every entry a later one with the same key overrides.
    mutating func sortByKeyKeepingLast() {
        guard self.entries.count > 1 else { return }
        self.entries.sort { $0.key != $1.key ? $0.key < $1.key : $0.order > $1.order }
        var kept = 1
        for index in 1..<self.entries.count where self.entries[index].key != self.entries[kept - 1].key {
            self.entries.swapAt(kept, index)
            kept += 1
        }
        self.entries.removeLast(self.entries.count - kept)
    }
}
