import Clients
import CopyThatAPI
import NIOPosix
import TestSupport
import Testing

/// `image_url` fetching as an attacker tries it: every spelling of an internal address, a name that resolves to one,
/// a redirect to the metadata address; and what an allowed origin may still get wrong (size, type, status, time).
/// The origin listens on loopback port 80 (the tests run as root), so a refused URL would otherwise reach it.
@Suite(.serialized) struct ImageFetchTests {
    static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()
    static let client = CurlHTTPClient(threadPool: threads)
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(repeating: 7, count: 56)

    /// What must never be fetched, and what the check must answer. Each would reach the origin on 127.0.0.1:80, or a
    /// private or metadata address, if it got through.
    static let refused: [String] = [
        "http://127.0.0.1/a.png", "http://127.1/a.png", "http://2130706433/a.png", "http://0x7f.0.0.1/a.png",
        "http://0177.0.0.1/a.png", "http://0x7f000001/a.png", "http://127.0.0.2/a.png", "http://localhost/a.png",
        "http://LOCALHOST./a.png", "http://[::1]/a.png", "http://[::ffff:127.0.0.1]/a.png", "http://[::ffff:7f00:1]/a.png",
        "http://[0:0:0:0:0:ffff:127.0.0.1]/a.png", "http://[::127.0.0.1]/a.png", "http://[64:ff9b::7f00:1]/a.png",
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/", "http://[2002:7f00:1::]/a.png", "http://[2002:a9fe:a9fe::]/a.png",
        "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/a.png", "http://[fd00::1]/a.png",
        "http://[fc00::1]/a.png", "http://10.0.0.1/a.png", "http://172.16.5.4/a.png", "http://192.168.1.1/a.png",
        "http://100.64.0.1/a.png", "http://0.0.0.0/a.png", "http://0/a.png", "http://[::]/a.png", "http://224.0.0.1/a.png",
        "http://[ff02::1]/a.png", "http://255.255.255.255/a.png", "http://198.18.0.1/a.png",
        "http://user:secret@127.0.0.1/a.png", "http://example.com:8080/a.png", "https://example.com:22/a.png",
        "http://127.0.0.1:80@example.com:8080/a.png", "file:///etc/passwd", "ftp://example.com/a.png",
        "gopher://127.0.0.1:6379/_INFO", "dict://127.0.0.1:6379/INFO", "javascript:alert(1)", "/relative/a.png",
        "http://exa mple.com/a.png", "http://example.com/a.png\r\nHost: 127.0.0.1",
    ]

    @Test func everyInternalSpellingIsRefusedAndNoConnectionIsMade() async throws {
        let origin = try await CountingOrigin(port: 80, routes: ["a.png": .init(body: Self.png)])
        let fetcher = ImageFetcher(client: Self.client, policy: ImageFetchPolicy(), timeout: .seconds(5))
        for url in Self.refused {
            do {
                let image = try await fetcher.fetch(url)
                Issue.record("\(url) was fetched (\(image.bytes.count) bytes)")
            } catch {
                #expect(error.status == .unprocessableContent, "\(url): \(error.status)")
                #expect(error.errors.first?.field == "image_url", "\(url)")
                #expect(error.errors.first?.message.isEmpty == false)
            }
        }
        #expect(origin.acceptedConnections == 0)
    }

    @Test func aNameThatResolvesToLoopbackIsRefusedWhereCurlConnects() async throws {
        let origin = try await CountingOrigin(port: 80, routes: ["a.png": .init(body: Self.png)])
        // `localhost` is no address literal: the URL check lets it through, the connect-time filter must not.
        guard case .success = ImageFetchPolicy().permit("http://localhost/a.png") else {
            Issue.record("the URL check was expected to leave a host name to the connect-time filter")
            return
        }
        let fetcher = ImageFetcher(client: Self.client, policy: ImageFetchPolicy())
        let error = await #expect(throws: APIError.self) { try await fetcher.fetch("http://localhost/a.png") }
        let message = error?.errors.first?.message ?? ""
        #expect(message.contains("loopback"), "\(message)")
        #expect(origin.acceptedConnections == 0)
    }

    @Test func theSeedsFalsePositiveIsAllowed() {
        // The seeds' substring check refuses this (it contains "10."); it is a public name on port 443.
        guard case .success(let permit) = ImageFetchPolicy().permit("https://cdn.example.com/image10.png") else {
            Issue.record("a public https URL was refused")
            return
        }
        #expect(permit.url.port == 443)
        #expect(permit.connectFilter.decide([93, 184, 215, 14], 443) == nil)
        #expect(permit.connectFilter.decide([10, 0, 0, 1], 443)?.contains("private") == true)
        #expect(permit.connectFilter.decide([0xfe, 0x80] + Array(repeating: 0, count: 13) + [1], 443)?.contains("link-local") == true)
    }

    @Test func anAllowedOriginServesItsImage() async throws {
        let origin = try await CountingOrigin(routes: ["a.png": .init(headers: ["Content-Type: text/plain"], body: Self.png)])
        let policy = try ImageFetchPolicy.parse(allowList: "127.0.0.1/32").get()
        let image = try await ImageFetcher(client: Self.client, policy: policy).fetch("http://127.0.0.1:\(origin.port)/a.png")
        #expect(image.mediaType == .png)  // from the bytes, not the origin's Content-Type
        #expect(image.bytes == Self.png)
        #expect(origin.acceptedConnections == 1)
    }

    @Test func anAllowedHostNameIsExemptFromThePortRule() async throws {
        let origin = try await CountingOrigin(routes: ["a.png": .init(body: Self.png)])
        let policy = try ImageFetchPolicy.parse(allowList: "localhost").get()
        let image = try await ImageFetcher(client: Self.client, policy: policy).fetch("http://localhost:\(origin.port)/a.png")
        #expect(image.mediaType == .png)
    }

    @Test func aRedirectToTheMetadataAddressIsNotFollowed() async throws {
        let origin = try await CountingOrigin(routes: [
            "moved": .init(status: 302, headers: ["Location: http://169.254.169.254/latest/meta-data/"])
        ])
        let policy = try ImageFetchPolicy.parse(allowList: "127.0.0.1").get()
        let error = await #expect(throws: APIError.self) {
            try await ImageFetcher(client: Self.client, policy: policy).fetch("http://127.0.0.1:\(origin.port)/moved")
        }
        #expect(error?.status == .unprocessableContent)
        #expect(error?.errors.first?.message.contains("redirect") == true)
        #expect(origin.acceptedConnections == 1)
    }

    @Test func sizesAtAndJustPastTheLimit() async throws {
        let limit = ImageFetcher.defaultMaxBytes
        let atLimit = Self.png + Array(repeating: 0, count: limit - Self.png.count)
        let origin = try await CountingOrigin(routes: [
            "at.png": .init(body: atLimit),
            "past.png": .init(body: atLimit + [0]),
            // No Content-Length to stop at: the body is cut while it streams.
            "stream.png": .init(body: atLimit + [0, 0], lengthUndeclared: true),
        ])
        let fetcher = ImageFetcher(client: Self.client, policy: try ImageFetchPolicy.parse(allowList: "127.0.0.1").get())
        let image = try await fetcher.fetch("http://127.0.0.1:\(origin.port)/at.png")
        #expect(image.bytes.count == limit)
        for name in ["past.png", "stream.png"] {
            let error = await #expect(throws: APIError.self) { try await fetcher.fetch("http://127.0.0.1:\(origin.port)/\(name)") }
            #expect(error?.status == .contentTooLarge)
            #expect(error?.detail == "The image is larger than 10 MiB")
        }
    }

    @Test func whatIsNotAnImageOrNotThereIsRefusedWithTheReason() async throws {
        let origin = try await CountingOrigin(routes: [
            "page.png": .init(headers: ["Content-Type: image/png"], body: Array("<html>not an image</html>".utf8)),
            "gone.png": .init(status: 500, body: Array("internal stack trace".utf8)),
        ])
        let fetcher = ImageFetcher(client: Self.client, policy: try ImageFetchPolicy.parse(allowList: "127.0.0.1").get())
        let page = await #expect(throws: APIError.self) { try await fetcher.fetch("http://127.0.0.1:\(origin.port)/page.png") }
        #expect(page?.status == .unsupportedMediaType)
        let gone = await #expect(throws: APIError.self) { try await fetcher.fetch("http://127.0.0.1:\(origin.port)/gone.png") }
        #expect(gone?.status == .unprocessableContent)
        #expect(gone?.errors.first?.message == "the image could not be fetched: the server answered HTTP 500")
    }

    @Test func anOriginThatNeverAnswersFailsAtTheDeadline() async throws {
        let silent = try await RawHTTPTarget(serve: "def serve(c):\n    time.sleep(30)")
        let fetcher = ImageFetcher(
            client: Self.client,
            policy: try ImageFetchPolicy.parse(allowList: "127.0.0.1").get(),
            timeout: .seconds(1)
        )
        let started = ContinuousClock.now
        let error = await #expect(throws: APIError.self) { try await fetcher.fetch("http://127.0.0.1:\(silent.port)/a.png") }
        #expect(error?.errors.first?.message == "the image could not be fetched within the time allowed")
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func theAllowListReadsNetworksAndHostNames() throws {
        let policy = try ImageFetchPolicy.parse(allowList: " 10.0.0.0/8, images.internal ,fd00::/8,").get()
        #expect(policy.allowedNetworks.map(\.description) == ["10.0.0.0/8", "fd00::/8"])
        #expect(policy.allowedHosts == ["images.internal"])
        guard case .failure(let error) = ImageFetchPolicy.parse(allowList: "10.0.0.0/8, not a host") else {
            Issue.record("a bad entry was accepted")
            return
        }
        #expect(error.entry == "not a host")
    }
}
