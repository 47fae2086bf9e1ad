/// A bounded queue of alerts waiting to be sent. When full it drops the oldest, as Prometheus's notifier does, and
/// reports how many it dropped so that the caller can count them.
public struct NotificationQueue: Sendable {
    /// The most alerts held.
    public let capacity: Int
    private var items: [OutgoingAlert] = []
    private var head = 0

    /// An empty queue.
    public init(capacity: Int = 10_000) { self.capacity = capacity }

    /// Alerts waiting.
    public var count: Int { self.items.count - self.head }

    /// Appends alerts; returns how many older ones were dropped to make room.
    public mutating func append(contentsOf alerts: [OutgoingAlert]) -> Int {
        self.items.append(contentsOf: alerts)
        let overflow = max(0, self.count - self.capacity)
        self.head += overflow
        self.compact()
        return overflow
    }

    /// Removes and returns up to `limit` of the oldest alerts.
    public mutating func next(upTo limit: Int) -> [OutgoingAlert] {
        let end = min(self.items.count, self.head + limit)
        let batch = Array(self.items[self.head..<end])
        self.head = end
        self.compact()
        return batch
    }

    private mutating func compact() {
        if self.head > 1024 && self.head * 2 > self.items.count {
            self.items.removeFirst(self.head)
            self.head = 0
        } else if self.head == self.items.count {
            self.items.removeAll(keepingCapacity: true)
            self.head = 0
        }
    }
}
