/// Which waiting writes go to the database together, and when: a pure value, no clock and no connection.
///
/// Natural batching (group commit): a write that finds fewer than `maxInFlight` batches running goes at once, alone;
/// writes that arrive while that many are running wait, and when one finishes, everything waiting (at most
/// `maxBatch`) goes as the next batch. Nothing waits on a timer, so a lone write is never delayed, and under load one
/// statement carries many writes.
struct CoalescingQueue<Item> {
    /// Batches allowed to run at once.
    let maxInFlight: Int
    /// Items in one batch at most.
    let maxBatch: Int
    /// Items waiting, oldest first.
    private(set) var waiting: [Item] = []
    /// Batches running.
    private(set) var inFlight = 0

    init(maxInFlight: Int, maxBatch: Int) {
        precondition(maxInFlight >= 1 && maxBatch >= 1)
        self.maxInFlight = maxInFlight
        self.maxBatch = maxBatch
    }

    /// Adds `item`; returns the batch to run now (holding `item`) when fewer than `maxInFlight` batches are running,
    /// else `nil` (it waits for ``finish()``).
    mutating func enqueue(_ item: Item) -> [Item]? {
        self.waiting.append(item)
        return self.startIfAllowed()
    }

    /// Starts a batch of one for a write that finds nothing waiting and room to run, to be run by its caller at once
    /// (no hand-over to another task); `false` when it must ``enqueue(_:)`` instead.
    mutating func startAlone() -> Bool {
        guard self.inFlight < self.maxInFlight, self.waiting.isEmpty else { return false }
        self.inFlight += 1
        return true
    }

    /// A batch has finished; returns the next batch to run (the oldest items waiting), if any are.
    mutating func finish() -> [Item]? {
        precondition(self.inFlight > 0, "finish() without a running batch")
        self.inFlight -= 1
        return self.startIfAllowed()
    }

    private mutating func startIfAllowed() -> [Item]? {
        guard self.inFlight < self.maxInFlight, !self.waiting.isEmpty else { return nil }
        let count = min(self.maxBatch, self.waiting.count)
        let batch = Array(self.waiting.prefix(count))
        self.waiting.removeFirst(count)
        self.inFlight += 1
        return batch
    }
}
