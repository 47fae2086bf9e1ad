#if canImport(Glibc)
import Glibc
#endif

/// A TCP listener on 127.0.0.1 that completes handshakes (the kernel does that) but never reads or answers:
/// the hung dependency every probe must survive.
public final class BlackholeListener: @unchecked Sendable {
    // @unchecked Sendable: the descriptor is set once in init and only closed in deinit.
    private let descriptor: Int32
    /// The port it listens on.
    public let port: Int

    /// Opens the listener on a free port.
    public init() {
        (self.descriptor, self.port) = boundSocket()
        listen(self.descriptor, 128)
    }

    deinit {
        close(self.descriptor)
    }
}

/// A port on 127.0.0.1 where nothing listens, so connecting is refused at once.
public func refusedPort() -> Int {
    let (descriptor, port) = boundSocket()
    close(descriptor)
    return port
}

/// A TCP socket bound to a free port on 127.0.0.1, not yet listening.
private func boundSocket() -> (descriptor: Int32, port: Int) {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var bound = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &bound) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    return (descriptor, Int(UInt16(bigEndian: bound.sin_port)))
}
