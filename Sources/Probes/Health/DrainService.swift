public import ServiceLifecycle

/// The first service to hear SIGTERM: turns readiness to 503 at once, then keeps the server up for `delay` so that
/// Kubernetes removes the pod from its Service before the listener closes.
public struct DrainService: Service {
    let store: HealthStore
    let delay: Duration

    /// Creates the service over the store whose readiness it turns off.
    public init(store: HealthStore, delay: Duration) {
        self.store = store
        self.delay = delay
    }

    /// Waits for graceful shutdown, marks the store draining, then waits `delay`.
    public func run() async throws {
        try? await gracefulShutdown()
        self.store.markDraining()
        if self.delay > .zero {
            try? await Task.sleep(for: self.delay)
        }
    }
}
