public import Logging
import NIOPosix
public import ServiceLifecycle
public import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// What the signals heard so far call for: the first starts the grace period, any later one ends it.
struct ShutdownSignals: Equatable {
    /// What to do on a signal.
    enum Action: Equatable {
        /// Start the clock: exit once the grace period has passed, unless everything stopped before.
        case armDeadline
        /// The operator insists: exit now.
        case exitNow
    }

    private(set) var count = 0

    /// Records one signal.
    mutating func heard() -> Action {
        self.count += 1
        return self.count == 1 ? .armDeadline : .exitNow
    }
}

/// Makes the grace period a deadline. On the first SIGTERM or SIGINT (which also start the service group's graceful
/// shutdown) it starts a clock on a thread of its own, outside the cooperative pool, that exits the process with
/// status 0 once `grace` has passed, whatever a probe, a scrape or a blocked C call is still doing: that call's
/// result is abandoned and its thread ends with the process. A second signal exits at once.
///
/// List it first among the group's services, so that it is shut down last and listens until everything else has
/// stopped.
public struct ShutdownDeadline: Service {
    let grace: Duration
    let signals: [UnixSignal]
    let logger: Logger

    /// Creates the service; `signals` are the group's graceful-shutdown signals.
    public init(grace: Duration, signals: [UnixSignal] = [.sigterm, .sigint], logger: Logger) {
        self.grace = grace
        self.signals = signals
        self.logger = logger
    }

    /// Listens for signals until the rest of the group has stopped.
    public func run() async throws {
        let sequence = await UnixSignalsSequence(trapping: self.signals)
        let timer = NIOThreadPool(numberOfThreads: 1)
        await cancelWhenGracefulShutdown {
            var state = ShutdownSignals()
            for await signal in sequence {
                switch state.heard() {
                case .armDeadline:
                    self.arm(timer, after: signal)
                case .exitNow:
                    self.logger.warning("second signal during shutdown: exiting now", metadata: ["signal": "\(signal)"])
                    exit(0)
                }
            }
        }
    }

    private func arm(_ timer: NIOThreadPool, after signal: UnixSignal) {
        let grace = self.grace
        let logger = self.logger
        timer.start()
        timer.submit { _ in
            var request = timespec(tv_sec: Int(grace.components.seconds), tv_nsec: Int(grace.components.attoseconds / 1_000_000_000))
            var remaining = timespec()
            while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
            logger.warning(
                "shutdown grace passed with work still running: exiting",
                metadata: ["grace_seconds": "\(grace.components.seconds)", "signal": "\(signal)"]
            )
            exit(0)
        }
    }
}
