import Clients
import CopyThatAPI
import Foundation
import Hummingbird
import JSONLogging
import Logging
import NIOPosix
import PrometheusRegistry
import ServiceLifecycle
import Synchronization
import TestSupport

/// A running `copythat-api` on a free loopback port, over the real PostgreSQL and Redis that `scripts/test.sh`
/// starts, with its log lines (audit included) kept in memory; requests go over real HTTP through libcurl.
final class APIFixture: Sendable {
    let api: APIApplication
    let port: Int
    let logs: InMemoryLogSink
    let registry: PrometheusRegistry
    let configuration: APIConfiguration
    private let group: ServiceGroup
    private let running: Task<Void, any Error>

    /// Client threads: every request is its own libcurl exchange, so concurrent requests are really concurrent.
    static let clientThreads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 48)
        pool.start()
        return pool
    }()

    /// A configuration over the test servers: low bcrypt cost, a Redis key prefix of its own, generous limits, and a
    /// pool of 6 connections, so that the dozens of fixtures the suite runs at once stay within the server's
    /// `max_connections`.
    static func configuration(_ change: (inout APIConfiguration) -> Void = { _ in }) throws -> APIConfiguration {
        var configuration = APIConfiguration(
            databaseURL: try ConnectionURL(try TestEnvironment.databaseURL()),
            redisURL: try ConnectionURL(try TestEnvironment.redisURL()),
            secretKey: Array("test-\(UUID().uuidString)-\(UUID().uuidString)".utf8),
            rateLimitPerMinute: 100_000,
            rateLimitPerHour: 1_000_000,
            loginRateLimit: 1000,
            bcryptCost: 4,
            healthProbeInterval: .seconds(1),
            redisKeyPrefix: "test-\(UUID().uuidString.prefix(8)):",
            databasePoolSize: 6
        )
        change(&configuration)
        return configuration
    }

    /// Starts the API with `configuration`, migrated, once its first probe round is done.
    static func start(
        _ configuration: APIConfiguration? = nil,
        migrate: Bool = true,
        extraRoutes: ((RouterGroup<APIRequestContext>) -> Void)? = nil
    ) async throws -> APIFixture {
        let configuration = try configuration ?? Self.configuration()
        let logs = InMemoryLogSink()
        let logger = Logger(label: "copythat.api") { label in
            JSONLogHandler(label: label, sink: logs, logLevel: .debug, metadataProvider: LogContext.metadataProvider)
        }
        let audit = Logger(label: "audit") { label in
            JSONLogHandler(label: label, sink: logs, logLevel: .info, metadataProvider: LogContext.metadataProvider)
        }
        let registry = PrometheusRegistry()
        let api = try await APIApplication.build(
            configuration: configuration,
            logger: logger,
            auditLogger: audit,
            registry: registry,
            extraRoutes: extraRoutes
        )
        if migrate { _ = try await api.migrate() }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let application = api.application(address: .hostname("127.0.0.1", port: 0), logger: logger) { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
            continuation.finish()
        }
        let group = ServiceGroup(services: [application], logger: logger)
        let running = Task { try await group.run() }
        var port = 0
        for await value in ports { port = value }
        let fixture = APIFixture(
            api: api,
            port: port,
            logs: logs,
            registry: registry,
            configuration: configuration,
            group: group,
            running: running
        )
        try await fixture.waitUntilProbed()
        return fixture
    }

    private init(
        api: APIApplication,
        port: Int,
        logs: InMemoryLogSink,
        registry: PrometheusRegistry,
        configuration: APIConfiguration,
        group: ServiceGroup,
        running: Task<Void, any Error>
    ) {
        self.api = api
        self.port = port
        self.logs = logs
        self.registry = registry
        self.configuration = configuration
        self.group = group
        self.running = running
    }

    /// Runs `body` with a started API and always stops it.
    static func with<Result: Sendable>(
        _ configuration: APIConfiguration? = nil,
        extraRoutes: ((RouterGroup<APIRequestContext>) -> Void)? = nil,
        _ body: (APIFixture) async throws -> Result
    ) async throws -> Result {
        let fixture = try await Self.start(configuration, extraRoutes: extraRoutes)
        do {
            let result = try await body(fixture)
            await fixture.stop()
            return result
        } catch {
            await fixture.stop()
            throw error
        }
    }

    func stop() async {
        await self.group.triggerGracefulShutdown()
        _ = try? await self.running.value
        await self.api.shutdown()
    }

    private func waitUntilProbed() async throws {
        for _ in 0..<100 {
            if self.api.health.report.checks.allSatisfy({ $0.health.status != .unknown }) { return }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    // MARK: Requests

    /// One request over HTTP.
    func request(
        _ method: String,
        _ path: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        timeout: Duration = .seconds(30)
    ) async throws -> HTTPClientResponse {
        let client = CurlHTTPClient(threadPool: Self.clientThreads)
        let request = HTTPClientRequest(
            method: method,
            url: "http://127.0.0.1:\(self.port)\(path)",
            headers: headers.map { (name: $0.0, value: $0.1) },
            body: body,
            timeout: timeout,
            maxResponseBytes: 4 << 20
        )
        return try await client.perform(request)
    }

    /// A request with a JSON body (`application/json`).
    func json(_ method: String, _ path: String, _ value: Any, headers: [(String, String)] = []) async throws -> HTTPClientResponse {
        let data = try JSONSerialization.data(withJSONObject: value)
        return try await self.request(method, path, headers: headers + [("Content-Type", "application/json")], body: Array(data))
    }

    /// The OAuth2 password form.
    func login(_ email: String, _ password: String, headers: [(String, String)] = []) async throws -> HTTPClientResponse {
        let body = "username=\(Self.formEscape(email))&password=\(Self.formEscape(password))"
        return try await self.request(
            "POST",
            "/api/v1/auth/token",
            headers: headers + [("Content-Type", "application/x-www-form-urlencoded")],
            body: Array(body.utf8)
        )
    }

    static func formEscape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// A new account; returns its email, password and tokens.
    func newUser(password: String = "correct horse battery staple", admin: Bool = false) async throws -> TestUser {
        let email = "user-\(UUID().uuidString.prefix(12).lowercased())@example.com"
        let registered = try await self.json("POST", "/api/v1/auth/register", ["email": email, "password": password])
        guard registered.status == 201 else { throw FixtureError("register answered \(registered.status): \(registered.text)") }
        let id = try registered.object()["id"] as? String ?? ""
        if admin { _ = try await self.api.createAdmin(email: email, password: password) }
        let login = try await self.login(email, password)
        guard login.status == 200 else { throw FixtureError("login answered \(login.status): \(login.text)") }
        let tokens = try login.object()
        return TestUser(
            id: id,
            email: email,
            password: password,
            accessToken: tokens["access_token"] as? String ?? "",
            refreshToken: tokens["refresh_token"] as? String ?? ""
        )
    }

    /// A new account with an access token issued directly, not through sign-in (which fails closed without Redis).
    func newUserWithoutSignIn() async throws -> TestUser {
        let email = "no-redis-\(UUID().uuidString.prefix(12).lowercased())@example.com"
        let password = "correct horse battery staple"
        let registered = try await self.json("POST", "/api/v1/auth/register", ["email": email, "password": password])
        guard registered.status == 201 else { throw FixtureError("register answered \(registered.status): \(registered.text)") }
        let id = try registered.object()["id"] as? String ?? ""
        let family = UUID().uuidString.lowercased()
        _ = try await self.sql("INSERT INTO refresh_token_families (id, user_id) VALUES ($1::uuid, $2::uuid)", [family, id])
        let token = try await self.api.services.tokens.issue(.access, userID: id, email: email, roles: ["user"], family: family)
        return TestUser(id: id, email: email, password: password, accessToken: token.token, refreshToken: "")
    }

    /// Runs one SQL statement on the test database.
    func sql(_ statement: String, _ parameters: [String?] = []) async throws -> [[String?]] {
        let connection = try await PostgresConnection.connect(
            url: self.configuration.databaseURL,
            timeout: .seconds(5),
            threadPool: Self.clientThreads
        )
        defer { Task { await connection.close() } }
        return try await connection.query(statement, parameters, timeout: .seconds(10))
    }
}

/// An account made by ``APIFixture/newUser(password:admin:)``.
struct TestUser: Sendable {
    var id: String
    var email: String
    var password: String
    var accessToken: String
    var refreshToken: String

    var bearer: (String, String) { ("Authorization", "Bearer \(self.accessToken)") }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension HTTPClientResponse {
    /// The body as text.
    var text: String { String(decoding: self.body, as: UTF8.self) }

    /// The body as a JSON object.
    func object() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(self.body)) as? [String: Any] else {
            throw FixtureError("not a JSON object: \(self.text)")
        }
        return object
    }

    /// The body as a JSON array.
    func array() throws -> [[String: Any]] {
        guard let array = try JSONSerialization.jsonObject(with: Data(self.body)) as? [[String: Any]] else {
            throw FixtureError("not a JSON array: \(self.text)")
        }
        return array
    }
}
