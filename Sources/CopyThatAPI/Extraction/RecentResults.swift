import Synchronization

/// The result cache's entries this process read or wrote lately, held for a short while (`lifetime`) so that an image
/// repeated within it is answered without a Redis round trip.
///
/// An entry never changes under its key (the image's SHA-256, the model, the colour count and the prompt version:
/// a later answer for the same key is as good as the first), so a copy held here can only be older than Redis's,
/// never wrong; `lifetime` bounds how long an entry removed from Redis by hand (`DEL`, `FLUSHDB`) is still served by
/// an instance that held it. Bounded by `capacity` (the entry expiring soonest makes room); a pure value of the
/// instants it is given, tested without a clock.
final class RecentResults: Sendable {
    private struct Held {
        var entry: CachedExtraction
        var until: ContinuousClock.Instant
    }

    private let held = Mutex<[String: Held]>([:])
    /// Entries held at most.
    let capacity: Int
    /// How long an entry is held after it was read or written.
    let lifetime: Duration

    init(capacity: Int = 256, lifetime: Duration = .seconds(60)) {
        precondition(capacity >= 1 && lifetime >= .zero)
        self.capacity = capacity
        self.lifetime = lifetime
    }

    /// The entry held for `key`, if it is still within its lifetime at `now`.
    func entry(forKey key: String, at now: ContinuousClock.Instant = .now) -> CachedExtraction? {
        self.held.withLock { held in
            guard let found = held[key] else { return nil }
            guard now < found.until else {
                held[key] = nil
                return nil
            }
            return found.entry
        }
    }

    /// Holds `entry` for `key` from `now` for the lifetime.
    func remember(_ entry: CachedExtraction, forKey key: String, at now: ContinuousClock.Instant = .now) {
        guard self.lifetime > .zero else { return }
        self.held.withLock { held in
            if held[key] == nil, held.count >= self.capacity {
                held = held.filter { now < $0.value.until }
                if held.count >= self.capacity, let soonest = held.min(by: { $0.value.until < $1.value.until })?.key {
                    held[soonest] = nil
                }
            }
            held[key] = Held(entry: entry, until: now + self.lifetime)
        }
    }

    /// Entries held now (expired ones included until they are looked up or make room).
    var count: Int { self.held.withLock { $0.count } }
}
