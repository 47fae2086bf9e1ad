import Probes
import ServiceLifecycle

/// The first service to hear SIGTERM: turns readiness to 503 at once, then keeps the server up for `delay` so that
/// Kubernetes removes the pod from its Service before the listener closes.
struct DrainService: Service {
    let store: HealthStore
    let delay: Duration

    func run() async throws {
        try? await gracefulShutdown()
        self.store.markDraining()
        if self.delay > .zero {
            try? await Task.sleep(for: self.delay)
        }
    }
}
