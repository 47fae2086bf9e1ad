import Clients
import Crypto
import ExporterConfig
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import NIOConcurrencyHelpers
import NIOPosix

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `basic_auth_users` of `--web.config.file`: every request needs `Authorization: Basic` with a listed user and its
/// password, else a 401 with `WWW-Authenticate: Basic`. Hashes are checked with bcrypt on a thread pool of its own,
/// never on an event loop; a user name that is not listed costs a bcrypt too (against a hash of nobody's), so timing
/// does not tell which names exist. What was checked is remembered (a SHA-256 of user, password and hash, up to 256
/// entries), so a scrape every 15 s does not cost a bcrypt each time.
struct BasicAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let users: [String: String]
    let threadPool: NIOThreadPool
    let verified = NIOLockedValueBox<[SHA256Digest: Bool]>([:])
    /// A hash of a random password at the listed hashes' cost, checked for names that are not listed.
    let decoy: String
    static var cacheLimit: Int { 256 }

    /// `users` from the web configuration (hashes as written; `$2y$` is read as `$2b$`). Makes the decoy hash: one
    /// bcrypt, at start-up.
    init(users: [String: String], threadPool: NIOThreadPool) {
        self.users = users.mapValues(BcryptHash.normalized)
        self.threadPool = threadPool
        let cost = users.values.first.flatMap { UInt8($0.dropFirst(4).prefix(2)) } ?? 10
        self.decoy = Bcrypt.hash(UUID().uuidString, cost: cost)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let (user, password) = Self.credentials(request.headers[.authorization]), try await self.accepts(user, password) else {
            return Response(
                status: .unauthorized,
                headers: [.wwwAuthenticate: "Basic", .contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: .init(string: "Unauthorized\n"))
            )
        }
        return try await next(request, context)
    }

    /// Whether `password` is `user`'s, from the cache or by bcrypt.
    func accepts(_ user: String, _ password: String) async throws -> Bool {
        let known = self.users[user]
        let hash = known ?? self.decoy
        let key = SHA256.hash(data: Array(user.utf8) + [0] + Array(password.utf8) + [0] + Array(hash.utf8))
        if let answer = self.verified.withLockedValue({ $0[key] }) { return answer && known != nil }
        let matches = try await self.threadPool.runIfActive { Bcrypt.verify(password, hash: hash) }
        self.verified.withLockedValue { cache in
            if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
            cache[key] = matches
        }
        return matches && known != nil
    }

    /// The user and password of an `Authorization: Basic` header.
    static func credentials(_ header: String?) -> (String, String)? {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic " else { return nil }
        guard let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingWhitespace()),
            let text = String(validating: Array(decoded), as: UTF8.self), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}

/// `http_server_config.headers` on every response.
struct ResponseHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let headers: [WebConfiguration.Header]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        for header in self.headers {
            if let name = HTTPField.Name(header.name) { response.headers[name] = header.value }
        }
        return response
    }
}
