/// The samples of one series, oldest first, in chunks.
struct SeriesBuffer {
    private(set) var chunks: [SeriesChunk] = []

    var isEmpty: Bool { self.chunks.isEmpty }
    var lastTime: Int64? { self.chunks.last?.lastTime }
    var count: Int { self.chunks.reduce(0) { $0 + $1.count } }
    var bytes: Int { self.chunks.reduce(self.chunks.capacity * 16) { $0 + $1.bytes } }

    /// Appends a sample; false when it is not newer than the last one (Prometheus rejects out-of-order samples).
    @discardableResult
    mutating func append(_ point: Point) -> Bool {
        guard let lastIndex = self.chunks.indices.last else {
            self.chunks.append(SeriesChunk(first: point))
            return true
        }
        guard point.t > self.chunks[lastIndex].lastTime else { return false }
        if self.chunks[lastIndex].isFull || !self.chunks[lastIndex].accepts(point.t) {
            self.chunks.append(SeriesChunk(first: point))
        } else {
            self.chunks[lastIndex].append(point)
        }
        return true
    }

    /// Drops whole chunks whose samples are all older than `t`.
    mutating func dropChunks(before t: Int64) {
        var drop = 0
        while drop < self.chunks.count && self.chunks[drop].lastTime < t { drop += 1 }
        if drop > 0 { self.chunks.removeFirst(drop) }
    }

    /// The newest sample at or before `end` and after `start` (or at `start` when `includingStart`), stale markers
    /// included; nil when there is none.
    func latest(atOrBefore end: Int64, after start: Int64, includingStart: Bool) -> Point? {
        var chunkIndex = self.chunks.count - 1
        while chunkIndex >= 0 {
            let chunk = self.chunks[chunkIndex]
            if chunk.firstTime <= end {
                let index = chunk.firstIndex(atOrAfter: end + 1) - 1
                guard index >= 0 else { return nil }
                let t = chunk.time(at: index)
                if t > start || (includingStart && t == start) { return Point(t: t, v: chunk.value(at: index)) }
                return nil
            }
            chunkIndex -= 1
        }
        return nil
    }

    /// Appends every sample in the window to `points`, oldest first, skipping stale markers. Reads the chunks in place
    /// (no copies, no reference counting per sample): this is the inner loop of every range function.
    func collect(from start: Int64, includingStart: Bool, through end: Int64, into points: inout [Point]) {
        let lowest = includingStart ? start : start + 1
        self.chunks.withUnsafeBufferPointer { chunks in
            for chunkIndex in chunks.indices {
                if chunks[chunkIndex].lastTime < lowest { continue }
                let base = chunks[chunkIndex].base
                if base > end { break }
                var index = chunks[chunkIndex].firstIndex(atOrAfter: lowest)
                chunks[chunkIndex].offsets.withUnsafeBufferPointer { offsets in
                    chunks[chunkIndex].values.withUnsafeBufferPointer { values in
                        while index < offsets.count {
                            let t = base + Int64(offsets[index])
                            if t > end { break }
                            let v = values[index]
                            if !StaleMarker.isStale(v) { points.append(Point(t: t, v: v)) }
                            index += 1
                        }
                    }
                }
            }
        }
    }
}
