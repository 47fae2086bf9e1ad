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

    /// Writes all of `bytes`, retrying short writes and interruptions; a closed stream drops the rest.
    static func write(_ bytes: [UInt8], to stream: Stream) {
        fflush(nil)  // every output stream, so what print buffered goes first
        let descriptor = stream == .output ? STDOUT_FILENO : STDERR_FILENO
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    /// Writes `text` to `stream`.
    static func write(_ text: String, to stream: Stream) {
        self.write(Array(text.utf8), to: stream)
    }
}
