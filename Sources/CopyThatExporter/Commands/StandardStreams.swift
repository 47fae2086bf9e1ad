import JSONLogging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes command output to stdout or stderr, after whatever `print` has buffered, so the two never interleave.
enum StandardStreams {
    /// Which stream.
    enum Stream {
        case output
        case error
    }

    /// Writes all of `bytes` (as a log sink does: short writes and interruptions retried, a closed stream ends it).
    static func write(_ bytes: [UInt8], to stream: Stream) {
        fflush(nil)  // every output stream, so what print buffered goes first
        let descriptor = stream == .output ? STDOUT_FILENO : STDERR_FILENO
        bytes.withUnsafeBytes { FileDescriptorLogSink.writeAll(descriptor, $0) }
    }

    /// Writes `text` to `stream`.
    static func write(_ text: String, to stream: Stream) {
        self.write(Array(text.utf8), to: stream)
    }
}
