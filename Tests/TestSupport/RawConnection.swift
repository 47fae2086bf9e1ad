#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP client, for what curl will not do: send half a request, or nothing.
public final class RawConnection {
    /// The socket.
    public let descriptor: Int32

    /// Connects to `host` (an IPv4 address; 127.0.0.1 unless given):`port`.
    public init(host: String = "127.0.0.1", port: Int) throws {
        self.descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(self.descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw ConnectFailed(errno: errno) }
    }

    private var closed = false

    deinit { self.close() }

    /// Closes the connection (once).
    public func close() {
        guard !self.closed else { return }
        self.closed = true
        Glibc.close(self.descriptor)
    }

    /// Sends `text` as it is.
    public func send(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.send(self.descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// Reads until the peer closes or `timeout` passes; returns what was read and whether the peer closed. Never
    /// blocks a thread (the API under test shares the cooperative pool): it polls without waiting and sleeps.
    public func read(timeout: Duration) async -> (text: String, closed: Bool) {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var entry = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 0) > 0 else {
                try? await Task.sleep(for: .milliseconds(10))
                continue
            }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(self.descriptor, &buffer, buffer.count, 0)
            if count <= 0 { return (String(decoding: received, as: UTF8.self), true) }
            received += buffer[0..<count]
        }
        return (String(decoding: received, as: UTF8.self), false)
    }
}

/// `connect(2)` failed.
public struct ConnectFailed: Error {
    /// Its errno.
    public var errno: Int32
}
