public import Hummingbird

/// An API-key scope: what methods a key may use.
public enum Scope: String, Sendable, CaseIterable {
    /// `GET` (and `HEAD`).
    case read
    /// `POST`, `PUT`, `PATCH`.
    case write
    /// `DELETE`.
    case delete

    /// The scope a method needs.
    public static func required(for method: HTTPRequest.Method) -> Scope {
        switch method {
        case .get, .head, .options: .read
        case .delete: .delete
        default: .write
        }
    }
}

/// An authenticated caller: the user as the database has it now, and how they proved it.
public struct Identity: Sendable {
    /// How the request authenticated.
    public enum Credential: Sendable, Hashable {
        /// An access token from a login (refresh-token family).
        case accessToken(family: String)
        /// An API key with its scopes.
        case apiKey(id: String, scopes: Set<Scope>)
    }

    /// The user.
    public var user: User
    /// The credential.
    public var credential: Credential

    /// The rate-limit bucket: the user for tokens, the key for API keys.
    public var rateLimitKey: String {
        switch self.credential {
        case .accessToken: "user:\(self.user.id)"
        case .apiKey(let id, _): "key:\(id)"
        }
    }
}

extension APIRequestContext {
    /// The caller, or the answer a route without one gives: 401 for missing or bad credentials, 403 for a disabled
    /// account or an API key without the method's scope.
    public func requireUser(for request: Request) throws(APIError) -> User {
        if let failure = self.credentialFailure { throw failure }
        guard let identity = self.identity else { throw APIError.unauthorized("Not authenticated") }
        guard identity.user.isActive else { throw APIError.forbidden("User account is disabled") }
        if case .apiKey(_, let scopes) = identity.credential {
            let needed = Scope.required(for: request.method)
            guard scopes.contains(needed) else {
                throw APIError.forbidden("API key lacks the '\(needed.rawValue)' scope")
            }
        }
        return identity.user
    }

    /// Like ``requireUser(for:)``, but only a login's access token will do (API keys cannot manage API keys, so a
    /// leaked key cannot mint more).
    public func requireTokenUser(for request: Request) throws(APIError) -> User {
        let user = try self.requireUser(for: request)
        if case .apiKey = self.identity?.credential {
            throw APIError.forbidden("API keys cannot manage API keys; sign in with a password")
        }
        return user
    }

    /// Like ``requireUser(for:)``, and the user must hold one of `roles`.
    public func requireRole(_ roles: String..., for request: Request) throws(APIError) -> User {
        let user = try self.requireUser(for: request)
        guard roles.contains(where: user.roles.contains) else {
            throw APIError.forbidden("Requires one of: \(roles.joined(separator: ", "))")
        }
        return user
    }
}
