/// An open-addressing hash table of a family's children, keyed by the 64-bit ``LabelHasher`` hash.
///
/// It exists so that a lookup can probe with label values passed as arguments, without building an array or a key:
/// the caller supplies the hash and a comparison. Removal is rare (swift-metrics `destroy`, explicit `remove`), so it
/// rebuilds the slots rather than keeping tombstones.
struct LabelTable {
    private(set) var entries: [SeriesStore.Entry] = []
    private var hashes: [UInt64] = []
    /// Indexes into `entries`, or -1 for an empty slot; the capacity is a power of two, at most half full.
    private var slots: [Int32] = Array(repeating: -1, count: 16)

    var count: Int { self.entries.count }

    @inline(__always)
    func find(hash: UInt64, matches: (SeriesStore.Entry) -> Bool) -> SeriesStore.Entry? {
        self.slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let index = Int(slots[slot])
                if index < 0 { return nil }
                if self.hashes[index] == hash && matches(self.entries[index]) {
                    return self.entries[index]
                }
                slot = (slot + 1) & mask
            }
        }
    }

    mutating func insert(_ entry: SeriesStore.Entry, hash: UInt64) {
        if (self.entries.count + 1) * 2 > self.slots.count {
            self.rebuild(capacity: self.slots.count * 2)
        }
        self.entries.append(entry)
        self.hashes.append(hash)
        self.place(index: self.entries.count - 1)
    }

    /// Removes the entry whose values equal `values`; returns whether there was one.
    mutating func remove(hash: UInt64, values: [String]) -> Bool {
        guard let position = self.entries.indices.first(where: { self.hashes[$0] == hash && self.entries[$0].values == values }) else {
            return false
        }
        self.entries.remove(at: position)
        self.hashes.remove(at: position)
        self.rebuild(capacity: self.slots.count)
        return true
    }

    private mutating func place(index: Int) {
        let mask = self.slots.count - 1
        var slot = Int(truncatingIfNeeded: self.hashes[index]) & mask
        while self.slots[slot] >= 0 {
            slot = (slot + 1) & mask
        }
        self.slots[slot] = Int32(index)
    }

    private mutating func rebuild(capacity: Int) {
        self.slots = Array(repeating: -1, count: capacity)
        for index in self.entries.indices {
            self.place(index: index)
        }
    }
}
