import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where ``JSONLogHandler`` writes its lines. Implementations must be thread-safe and write each line whole.
public protocol LogSink: AnyObject, Sendable {
    /// Writes one complete line (its trailing newline included).
    func write(line: [UInt8])

    /// Writes one complete line from memory the caller owns for the duration of the call. The default copies it
    /// into an array for ``write(line:)``; a sink that can write straight from the memory should.
    func write(bytes: UnsafeRawBufferPointer)
}

extension LogSink {
    /// Copies the line for ``write(line:)``.
    public func write(bytes: UnsafeRawBufferPointer) {
        self.write(line: Array(bytes))
    }
}

/// Writes lines to a file descriptor, one `write(2)` per line when the kernel takes it whole, and never
/// interleaving two lines: a lock is held until the whole line is out.
public final class FileDescriptorLogSink: LogSink {
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private let lock = Mutex(())

    /// Standard output.
    public static let standardOutput = FileDescriptorLogSink(descriptor: 1, ownsDescriptor: false)
    /// Standard error.
    public static let standardError = FileDescriptorLogSink(descriptor: 2, ownsDescriptor: false)

    /// Writes to `descriptor`; closes it on deinit when `ownsDescriptor`.
    public init(descriptor: Int32, ownsDescriptor: Bool = false) {
        self.descriptor = descriptor
        self.ownsDescriptor = ownsDescriptor
    }

    /// Appends to the file at `path`, creating it with mode 0640.
    /// - Throws: ``LogSinkError`` when the file cannot be opened.
    public convenience init(appendingTo path: String) throws(LogSinkError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else {
            throw LogSinkError(path: path, errno: errno)
        }
        self.init(descriptor: descriptor, ownsDescriptor: true)
    }

    deinit {
        if self.ownsDescriptor {
            close(self.descriptor)
        }
    }

    public func write(line: [UInt8]) {
        line.withUnsafeBytes { self.write(bytes: $0) }
    }

    /// Writes the line whole, under the sink's lock.
    public func write(bytes buffer: UnsafeRawBufferPointer) {
        guard buffer.count > 0 else { return }
        self.lock.withLock { _ in Self.writeAll(self.descriptor, buffer) }
    }

    /// Writes all of `buffer` to `descriptor`, retrying short writes and interruptions; gives up silently on a
    /// closed or broken descriptor, because logging must never crash the process.
    package static func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress else { return }
        var offset = 0
        while offset < buffer.count {
            let written = posixWrite(descriptor, base + offset, buffer.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0 && (errno == EINTR || errno == EAGAIN) {
                continue
            } else {
                return
            }
        }
    }
}

private func posixWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}

/// A log file could not be opened.
public struct LogSinkError: Error, CustomStringConvertible, Sendable {
    /// The path that failed.
    public var path: String
    /// The `errno` reported by `open(2)`.
    public var errno: Int32

    /// `cannot open log file PATH: REASON`.
    public var description: String {
        "cannot open log file \(self.path): \(String(cString: strerror(self.errno)))"
    }
}

/// Keeps lines in memory: for tests, ours and yours.
public final class InMemoryLogSink: LogSink {
    private let storage = Mutex<[[UInt8]]>([])

    /// Creates an empty sink.
    public init() {}

    public func write(line: [UInt8]) {
        self.storage.withLock { $0.append(line) }
    }

    /// Every line written so far, without its trailing newline.
    public var lines: [String] {
        self.storage.withLock { lines in
            lines.map { String(decoding: $0.last == 10 ? $0.dropLast() : $0[...], as: UTF8.self) }
        }
    }

    /// Every line written so far, as raw bytes (trailing newline included).
    public var rawLines: [[UInt8]] {
        self.storage.withLock { $0 }
    }

    /// Forgets every line.
    public func clear() {
        self.storage.withLock { $0.removeAll() }
    }
}
