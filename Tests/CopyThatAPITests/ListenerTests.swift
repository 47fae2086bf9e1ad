import Foundation
import TestSupport
import Testing

@testable import CopyThatAPI

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

    /// RFC 9112 §9.3: HTTP/1.0 is answered as HTTP/1.0 and closed unless keep-alive is asked for.
    @Test func http10ClosesUnlessKeepAliveIsAskedFor() async throws {
        try await APIFixture.with { api in
            let seen = try await HTTPPersistenceProbe.observe(port: api.port)
            #expect(seen.http10.statusLine.hasPrefix("HTTP/1.0 200") && seen.http10.closed, "\(seen.http10)")
            #expect(seen.http10.connection == "close", "\(seen.http10)")
            #expect(seen.http10KeepAlive.connection == "keep-alive" && !seen.http10KeepAlive.closed, "\(seen.http10KeepAlive)")
            #expect(seen.http10KeepAliveSecond.statusLine.hasPrefix("HTTP/1.0 200"), "\(seen.http10KeepAliveSecond)")
            #expect(seen.http11Close.closed && !seen.http11.closed)
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
