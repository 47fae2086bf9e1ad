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

    /// Key order; among equal keys, the one added last first.
    private static func precedes(_ left: Entry, _ right: Entry) -> Bool {
        left.key != right.key ? left.key < right.key : left.order > right.order
    }

    /// Sorts by key and drops every entry a later one with the same key overrides.
    mutating func sortByKeyKeepingLast() {
        guard self.entries.count > 1 else { return }
        // Insertion sort in place: a line has a handful of keys, already mostly in order, and swapping in the buffer
        // moves entries without retaining them (the standard sort allocates a scratch buffer and copies).
        self.entries.withUnsafeMutableBufferPointer { buffer in
            for index in 1..<buffer.count {
                var position = index
                while position > 0 && Self.precedes(buffer[position], buffer[position - 1]) {
                    buffer.swapAt(position, position - 1)
                    position -= 1
                }
            }
        }
        var kept = 1
        for index in 1..<self.entries.count where self.entries[index].key != self.entries[kept - 1].key {
            self.entries.swapAt(kept, index)
            kept += 1
        }
        self.entries.removeLast(self.entries.count - kept)
    }
}
