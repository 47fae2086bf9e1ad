import Foundation
import Testing

@testable import CopyThatAPI

#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP client, for what curl will not do: send half a request, or nothing.
final class RawConnection {
    let descriptor: Int32

    init(port: Int) throws {
        self.descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(self.descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw FixtureError("connect failed: \(errno)") }
    }

    private var closed = false

    deinit { self.close() }

    /// Closes the connection (once).
    func close() {
        guard !self.closed else { return }
        self.closed = true
        Glibc.close(self.descriptor)
    }

    func send(_ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.send(self.descriptor, $0.baseAddress, $0.count, 0) }
    }

    /// Reads until the peer closes or `timeout` passes; returns what was read and whether the peer closed. Never
    /// blocks a thread (the API under test shares the cooperative pool): it polls without waiting and sleeps.
    func read(timeout: Duration) async -> (text: String, closed: Bool) {
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

/// The listener's own defences: idle and half-sent requests time out, connections are capped.
@Suite struct ListenerTests {
    @Test func aSlowlorisAndAnIdleConnectionAreClosedAfterTheIdleTimeout() async throws {
        let configuration = try APIFixture.configuration { $0.httpIdleTimeout = .seconds(1) }
        try await APIFixture.with(configuration) { api in
            let slow = try RawConnection(port: api.port)
            slow.send("GET /health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            let idle = try RawConnection(port: api.port)
            let start = ContinuousClock.now
            let slowResult = await slow.read(timeout: .seconds(10))
            #expect(slowResult.closed)
            #expect(ContinuousClock.now - start < .seconds(5))
            #expect(await idle.read(timeout: .seconds(5)).closed)
            // A connection in use is not cut: a keep-alive client gets its answers.
            #expect(try await api.request("GET", "/health/live").status == 200)
        }
    }

    @Test func pastTheConnectionCapTheListenerWaitsAndItIsCounted() async throws {
        let configuration = try APIFixture.configuration { $0.maxConnections = 2 }
        try await APIFixture.with(configuration) { api in
            let first = try RawConnection(port: api.port)
            let second = try RawConnection(port: api.port)
            first.send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            second.send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await first.read(timeout: .milliseconds(500)).text.contains("alive"))
            #expect(await second.read(timeout: .milliseconds(500)).text.contains("alive"))
            // Both stay open (keep-alive): a third client waits in the backlog.
            let third = try RawConnection(port: api.port)
            third.send("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            let early = await third.read(timeout: .milliseconds(700))
            #expect(!early.text.contains("alive"))
            let metrics = api.registry.renderString()
            #expect(metrics.contains("http_server_connections 2"))
            #expect(metrics.contains("http_server_connections_limit 2"))
            #expect(metrics.contains("http_server_connection_cap_reached_total 1"))
            first.close()  // a slot frees: the waiting client is served
            #expect(await third.read(timeout: .seconds(3)).text.contains("alive"))
        }
    }
}
