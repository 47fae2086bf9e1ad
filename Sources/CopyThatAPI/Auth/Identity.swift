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

/// A caller authenticated by an API key: the key's user as the database has it now, and the key.
public struct Identity: Sendable {
    /// How the request authenticated.
    public enum Credential: Sendable, Hashable {
        /// An API key with its scopes.
        case apiKey(id: String, scopes: Set<Scope>)
    }

    /// The user.
    public var user: User
    /// The credential.
    public var credential: Credential

    /// The rate-limit bucket: the key (each key has its own).
    public var rateLimitKey: String {
        switch self.credential {
        case .apiKey(let id, _): "key:\(id)"
        }
    }
}

extension APIRequestContext {
    /// The caller, or the answer a route without one gives: 401 for missing, bad or revoked credentials, 403 for a
    /// disabled account or an API key without the method's scope.
    ///
    /// An access token was verified by ``AuthenticationMiddleware`` without the database; here the user and the
    /// state of the token's login are read in one statement, so a disabled account or a revoked login stops at once.
    public func requireUser(for request: Request) async throws -> User {
        try await self.requireUser(for: request, project: nil).user
    }

    /// ``requireUser(for:)`` and the project `projectID` (`nil` when it does not exist), for a token in the same
    /// statement: the routes of one project cost one query, not two.
    public func requireUser(for request: Request, project projectID: Int?) async throws -> (user: User, project: Project?) {
        if let failure = self.credentialFailure { throw failure }
        if let identity = self.identity {
            guard identity.user.isActive else { throw APIError.forbidden("User account is disabled") }
            if case .apiKey(_, let scopes) = identity.credential {
                let needed = Scope.required(for: request.method)
                guard scopes.contains(needed) else {
                    throw APIError.forbidden("API key lacks the '\(needed.rawValue)' scope")
                }
            }
            let project = try await projectID.asyncMap { try await self.users!.project($0) } ?? nil
            return (identity.user, project)
        }
        guard let claims = self.tokenClaims, let users = self.users else { throw APIError.unauthorized("Not authenticated") }
        guard let found = try await users.forToken(userID: claims.sub.value, family: claims.fam, project: projectID) else {
            throw APIError.unauthorized("Could not validate credentials")
        }
        guard !found.familyRevoked else { throw APIError.unauthorized("Token has been revoked") }
        guard found.user.isActive else { throw APIError.forbidden("User account is disabled") }
        return (found.user, found.project)
    }

    /// Like ``requireUser(for:)``, but only a login's access token will do (API keys cannot manage API keys, so a
    /// leaked key cannot mint more).
    public func requireTokenUser(for request: Request) async throws -> User {
        let user = try await self.requireUser(for: request)
        if case .apiKey = self.identity?.credential {
            throw APIError.forbidden("API keys cannot manage API keys; sign in with a password")
        }
        return user
    }

    /// Like ``requireUser(for:)``, and the user must hold one of `roles` (as the database has them now).
    public func requireRole(_ roles: String..., for request: Request) async throws -> User {
        let user = try await self.requireUser(for: request)
        guard roles.contains(where: user.roles.contains) else {
            throw APIError.forbidden("Requires one of: \(roles.joined(separator: ", "))")
        }
        return user
    }

    /// The caller's user id from a valid key or a verified token, read without the database (nil for anyone else).
    var verifiedUserID: String? { self.identity?.user.id ?? self.tokenClaims?.sub.value }

    /// The rate-limit bucket: the API key, the token's user (its signature proves who it is), or the address.
    var rateLimitSubject: String {
        if let identity = self.identity { return identity.rateLimitKey }
        if let claims = self.tokenClaims { return "user:\(claims.sub.value)" }
        return "ip:\(self.clientAddress ?? "unknown")"
    }
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
