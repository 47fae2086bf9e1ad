import NIOConcurrencyHelpers
import NIOPosix
import TestSupport
import Testing

@testable import Clients

@Suite struct CurlHTTPClientTests {
    /// The suite's own pool, as the exporter has its own, so that slow calls elsewhere never queue these.
    static let sharedPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()
    var pool: NIOThreadPool { Self.sharedPool }

    @Test func getsStatusBodyAndPhaseTimings() async throws {
        let stub = StubHTTPServer()
        let port = try await stub.start()
        defer { stub.stop() }
        let client = CurlHTTPClient(threadPool: self.pool)
        let response = try await client.perform(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/models", headers: [("x-api-key", "sk-test-key-value")])
        )
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"data":[]}"#)
        #expect(response.totalSeconds > 0 && response.totalSeconds < 2)
        #expect(response.firstByteSeconds <= response.totalSeconds)
        #expect(stub.lastHeaders["x-api-key"] == "sk-test-key-value")
        stub.respond(status: 503)
        #expect(try await client.perform(HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/models")).status == 503)
    }

    /// One slow origin must not hold up another request: each request runs on a handle of its own.
    @Test func requestsRunAtOnce() async throws {
        let slow = try await RawHTTPTarget(
            serve: "def serve(c):\n    c.recv(4096); time.sleep(0.8); c.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Length: 2\\r\\n\\r\\nok')"
        )
        let client = CurlHTTPClient(threadPool: self.pool, idleHandles: 2)
        let started = ContinuousClock.now
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask { try await client.perform(HTTPClientRequest(url: "http://127.0.0.1:\(slow.port)/")).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == [200, 200, 200, 200])
        // One after another they take 3.2 s.
        #expect(ContinuousClock.now - started < .seconds(2.4))
    }

    /// The connect filter sees the address curl is about to connect to, and its refusal stops the connection.
    @Test func theConnectFilterRefusesBeforeConnecting() async throws {
        let stub = StubHTTPServer()
        let port = try await stub.start()
        defer { stub.stop() }
        let client = CurlHTTPClient(threadPool: self.pool)
        let seen = NIOLockedValueBox<[String]>([])
        let filter = ConnectFilter { address, port in
            seen.withLockedValue { $0.append("\(address) \(port)") }
            return "refused by the test"
        }
        let error = await #expect(throws: HTTPClientError.self) {
            try await client.perform(HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/models", connectFilter: filter))
        }
        #expect(error?.code == .addressRefused)
        #expect(error?.message == "refused by the test")
        #expect(seen.withLockedValue { $0 } == ["[127, 0, 0, 1] \(port)"])
        #expect(stub.requestCount == 0)
        let allowed = ConnectFilter { _, _ in nil }
        let response = try await client.perform(HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/models", connectFilter: allowed))
        #expect(response.status == 200)
    }

    /// A CR LF in a header value (from a variable or a secret file) would end the line and inject another header.
    @Test func headersThatAreNotValidHTTPAreNeverSent() async throws {
        let stub = StubHTTPServer()
        let port = try await stub.start()
        defer { stub.stop() }
        let client = CurlHTTPClient(threadPool: self.pool)
        let url = "http://127.0.0.1:\(port)/v1/models"
        for header in [("x-api-key", "key\r\nX-Injected: yes"), ("x-api-key", "key\n"), ("Bad Name", "x"), ("x-api-key", " padded")] {
            do {
                _ = try await client.perform(HTTPClientRequest(url: url, headers: [header]))
                Issue.record("sent \(header)")
            } catch {
                #expect(error.code == .failed)
                #expect(!error.message.contains("key\r\n"))
            }
        }
        do {
            _ = try await client.perform(HTTPClientRequest(url: url + "\nHost: evil"))
            Issue.record("sent a URL with a line feed")
        } catch {
            #expect(error.message.contains("control character"))
        }
        #expect(stub.lastHeaders["x-injected"] == nil)
        #expect(try await client.perform(HTTPClientRequest(url: url, headers: [("x-api-key", "fine value")])).status == 200)
        #expect(HTTPFieldSyntax.isToken("X-Api_Key.1!") && !HTTPFieldSyntax.isToken("") && !HTTPFieldSyntax.isToken("a:b"))
        #expect(
            HTTPFieldSyntax.isFieldValue("Bearer abc\tdef") && HTTPFieldSyntax.isFieldValue("") && !HTTPFieldSyntax.isFieldValue("a\u{0}b")
        )
    }

    @Test func aSlowServerFailsAtTheTimeout() async throws {
        let stub = StubHTTPServer()
        let port = try await stub.start()
        defer { stub.stop() }
        stub.respond(status: 200, after: .seconds(3))
        let start = ContinuousClock.now
        await #expect {
            _ = try await CurlHTTPClient(threadPool: self.pool).perform(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/models", timeout: .milliseconds(300))
            )
        } throws: { ($0 as? HTTPClientError)?.code == .timeout }
        #expect(ContinuousClock.now - start < .milliseconds(900))
    }

    @Test func refusedUnresolvableAndBlackholeFailWithTheirCodes() async throws {
        let client = CurlHTTPClient(threadPool: self.pool)
        await #expect {
            _ = try await client.perform(HTTPClientRequest(url: "http://127.0.0.1:\(refusedPort())/"))
        } throws: { ($0 as? HTTPClientError)?.code == .connectionFailed }
        await #expect {
            _ = try await client.perform(HTTPClientRequest(url: "http://no-such-host.invalid/"))
        } throws: { ($0 as? HTTPClientError)?.code == .resolveFailed }
        let blackhole = BlackholeListener()
        let start = ContinuousClock.now
        await #expect {
            _ = try await client.perform(HTTPClientRequest(url: "http://127.0.0.1:\(blackhole.port)/", timeout: .milliseconds(400)))
        } throws: { ($0 as? HTTPClientError)?.code == .timeout }
        #expect(ContinuousClock.now - start < .milliseconds(1000))
        withExtendedLifetime(blackhole) {}
    }

    @Test func aResponseOverTheCapFails() async throws {
        let stub = StubHTTPServer()
        let port = try await stub.start()
        defer { stub.stop() }
        await #expect {
            _ = try await CurlHTTPClient(threadPool: self.pool).perform(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/models", maxResponseBytes: 4)
            )
        } throws: { ($0 as? HTTPClientError)?.code == .responseTooLarge }
    }

    /// A declared `Content-Length` past the cap fails at the headers: nothing of the body is buffered or awaited (this
    /// server sends 10 of the million bytes it declares, then waits).
    @Test func aDeclaredLengthOverTheCapFailsBeforeTheBody() async throws {
        let server = try await RawHTTPTarget(
            serve: """
                def serve(c):
                    if c.recv(65536):
                        c.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: 1000000\\r\\n\\r\\n0123456789"); time.sleep(30)
                """
        )
        let port = server.port
        let start = ContinuousClock.now
        await #expect {
            _ = try await CurlHTTPClient(threadPool: self.pool).perform(
                HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics", timeout: .seconds(5), maxResponseBytes: 1000)
            )
        } throws: { ($0 as? HTTPClientError)?.code == .responseTooLarge }
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func redirectsAreNotFollowed() async throws {
        let stub = StubHTTPServer()
        let port = try await stub.start()
        defer { stub.stop() }
        stub.respond(status: 302)
        let response = try await CurlHTTPClient(threadPool: self.pool).perform(HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/models"))
        #expect(response.status == 302)
        #expect(stub.requestCount == 1)
    }
}
