import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Collects lines in memory and writes them to a file descriptor in batches: when the buffer fills, and at least
/// every `flushInterval` from a thread of its own. A request thread then pays a copy into memory instead of a
/// `write(2)` per line, which matters for access logs at high request rates and when standard output is a pipe.
///
/// The trade-off, and why ``FileDescriptorLogSink`` stays the default: lines written in the last `flushInterval`
/// before the process dies abnormally (a crash, `SIGKILL`) are lost. Nothing is lost otherwise: a line that does not
/// fit waits for the buffer to be written (backpressure, never a drop), lines keep their order, and ``flush()``
/// (call it on shutdown) or the sink's release writes what is pending.
public final class BufferedLogSink: LogSink {
    private let descriptor: Int32
    private let capacity: Int
    private let buffer: Mutex<[UInt8]>
    private let flusher: FlushThread

    /// Buffers lines for `descriptor` (standard output by default), holding at most `capacity` bytes and writing
    /// them at least every `flushInterval`.
    public init(descriptor: Int32 = 1, capacity: Int = 64 * 1024, flushInterval: Duration = .milliseconds(100)) {
        precondition(capacity > 0, "a BufferedLogSink needs a positive capacity")
        precondition(flushInterval > .zero, "a BufferedLogSink needs a positive flush interval")
        self.descriptor = descriptor
        self.capacity = capacity
        var buffer: [UInt8] = []
        buffer.reserveCapacity(capacity)
        self.buffer = Mutex(buffer)
        self.flusher = FlushThread(interval: flushInterval)
        self.flusher.start { [weak self] in self?.flush() }
    }

    deinit {
        self.flusher.stop()
        self.flush()
    }

    public func write(line: [UInt8]) {
        line.withUnsafeBytes { self.write(bytes: $0) }
    }

    /// Appends the line to the buffer; writes the buffer first when the line does not fit, and writes a line larger
    /// than the whole buffer straight through.
    public func write(bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        self.buffer.withLock { buffer in
            if buffer.count + bytes.count > self.capacity {
                self.writeOut(&buffer)
            }
            if bytes.count > self.capacity {
                FileDescriptorLogSink.writeAll(self.descriptor, bytes)
            } else {
                buffer.append(contentsOf: bytes)
            }
        }
    }

    /// Writes every pending line now.
    public func flush() {
        self.buffer.withLock { self.writeOut(&$0) }
    }

    private func writeOut(_ buffer: inout [UInt8]) {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { FileDescriptorLogSink.writeAll(self.descriptor, $0) }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// A thread that calls a function every interval until stopped; stopping wakes it at once.
private final class FlushThread: @unchecked Sendable {
    // @unchecked Sendable: `running` is read and written only with `mutex` held; `thread` is set once in start and
    // read in stop, which the owner calls after start returned.
    private let interval: Duration
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var running = true
    private var thread: pthread_t?

    init(interval: Duration) {
        self.interval = interval
        pthread_mutex_init(self.mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(self.condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(self.condition)
        pthread_mutex_destroy(self.mutex)
        self.condition.deallocate()
        self.mutex.deallocate()
    }

    func start(_ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Box(flusher: self, body: body)).toOpaque()
        var handle = pthread_t()
        let status = pthread_create(
            &handle,
            nil,
            { raw in
                let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
                box.flusher.loop(box.body)
                return nil
            },
            context
        )
        precondition(status == 0, "cannot start the log flush thread: error \(status)")
        self.thread = handle
    }

    func stop() {
        pthread_mutex_lock(self.mutex)
        self.running = false
        pthread_cond_signal(self.condition)
        pthread_mutex_unlock(self.mutex)
        guard let handle = self.thread else { return }
        self.thread = nil
        // The last reference may be dropped on the flush thread itself (it holds the sink while flushing).
        if pthread_equal(handle, pthread_self()) != 0 {
            pthread_detach(handle)
        } else {
            pthread_join(handle, nil)
        }
    }

    private func loop(_ body: @Sendable () -> Void) {
        let (seconds, attoseconds) = self.interval.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        pthread_mutex_lock(self.mutex)
        while self.running {
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            let wake = now.tv_nsec + nanoseconds % 1_000_000_000
            var deadline = timespec(tv_sec: now.tv_sec + nanoseconds / 1_000_000_000 + wake / 1_000_000_000, tv_nsec: wake % 1_000_000_000)
            pthread_cond_timedwait(self.condition, self.mutex, &deadline)
            guard self.running else { break }
            pthread_mutex_unlock(self.mutex)
            body()
            pthread_mutex_lock(self.mutex)
        }
        pthread_mutex_unlock(self.mutex)
    }

    private final class Box: Sendable {
        let flusher: FlushThread
        let body: @Sendable () -> Void

        init(flusher: FlushThread, body: @escaping @Sendable () -> Void) {
            self.flusher = flusher
            self.body = body
        }
    }
}
