import Foundation
import Hummingbird
import JSONLogging

/// `/auth/register`, `/auth/token`, `/auth/refresh`, `/auth/me`.
struct AuthRoutes {
    let services: APIServices

    func add(to group: RecordingRoutes) {
        group.post("/auth/register") { request, context in try await self.register(request, context) }
        group.post("/auth/token") { request, context in try await self.token(request, context) }
        group.post("/auth/refresh") { request, context in try await self.refresh(request, context) }
        group.get("/auth/me") { request, context in try JSONResponse.make(try await context.requireUser(for: request)) }
    }

    struct TokenPair: Encodable {
        var access_token: String
        var refresh_token: String
        var token_type = "bearer"
        var expires_in: Int
    }

    func register(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        var body = try await RequestBody.jsonObject(request)
        let email = body.string("email", required: true, minLength: 3, maxLength: Validation.emailMaxLength, trim: true)
        if let email, !Validation.isEmail(email) { body.fail("email", "value is not a valid email address") }
        let password = body.string(
            "password",
            required: true,
            minLength: Validation.passwordMinLength,
            maxLength: Validation.passwordMaxLength
        )
        let fullName = body.string("full_name", required: false, maxLength: Validation.fullNameMaxLength, trim: true)
        if let fullName, !Validation.isPlainText(fullName) { body.fail("full_name", "must not contain control characters") }
        try body.finish()
        let hash = try await self.services.passwords.hash(password!)
        let user: User
        do {
            user = try await self.services.users.create(
                email: email!,
                passwordHash: hash,
                fullName: fullName?.isEmpty == true ? nil : fullName
            )
        } catch UserRepository.CreateError.emailTaken {
            throw APIError(.conflict, "Email already registered")
        }
        await self.services.audit.record(
            .register,
            userID: user.id,
            resourceType: "user",
            resourceID: user.id,
            ipAddress: context.clientAddress
        )
        return try JSONResponse.make(user, status: .created)
    }

    func token(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let form = try await RequestBody.form(request)
        var errors: [APIError.FieldError] = []
        let username = form["username"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let password = form["password"] ?? ""
        if username.isEmpty { errors.append(.init(field: "username", message: "Field required")) }
        if password.isEmpty { errors.append(.init(field: "password", message: "Field required")) }
        if username.count > Validation.emailMaxLength { errors.append(.init(field: "username", message: "must be at most 254 characters")) }
        if password.count > 1024 { errors.append(.init(field: "password", message: "must be at most 1024 characters")) }
        if !errors.isEmpty { throw APIError.validation(errors) }

        // Per account and address, before any bcrypt work; without Redis this limit fails closed.
        let window = RateLimitWindow(name: "login", limit: self.services.configuration.loginRateLimit, seconds: 900)
        let subject = "login:\(username.lowercased())|\(context.clientAddress ?? "unknown")"
        switch await self.services.limiter.check(subject: subject, windows: [window], policy: .closed) {
        case .unavailable:
            throw APIError.unavailable("Sign-in is temporarily unavailable, try again shortly")
        case .decided(let decision) where !decision.allowed:
            return RateLimitMiddleware.limited(decision, detail: "Too many login attempts; try again later")
        case .decided:
            break
        }

        let found = try await self.services.users.byEmail(username)
        let valid = try await self.services.passwords.verify(password, against: found?.passwordHash)
        guard valid, let user = found?.user else {
            await self.services.audit.record(
                .authFailure,
                userID: nil,
                resourceType: "session",
                resourceID: "failed",
                ipAddress: context.clientAddress,
                details: ["email": username]
            )
            throw APIError.unauthorized("Incorrect email or password")
        }
        guard user.isActive else {
            await self.services.audit.record(
                .accessDenied,
                userID: user.id,
                resourceType: "session",
                resourceID: "disabled",
                ipAddress: context.clientAddress
            )
            throw APIError.forbidden("Account is disabled")
        }
        let family = UUID().uuidString.lowercased()
        let pair = try await self.issuePair(user: user, family: family)
        try await self.services.refreshTokens.startFamily(
            userID: user.id,
            family: family,
            jti: pair.refreshID,
            expiresAt: pair.refreshExpires
        )
        try await self.services.users.recordLogin(userID: user.id)
        await self.services.audit.record(
            .authSuccess,
            userID: user.id,
            resourceType: "session",
            resourceID: family,
            ipAddress: context.clientAddress
        )
        return try JSONResponse.make(pair.body)
    }

    func refresh(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        var body = try await RequestBody.jsonObject(request)
        let token = body.string("refresh_token", required: true, minLength: 1, maxLength: Validation.tokenMaxLength)
        try body.finish()
        guard let claims = await self.services.tokens.verify(token!, as: .refresh) else {
            throw APIError.unauthorized("Invalid refresh token")
        }
        switch try await self.services.refreshTokens.redeem(jti: claims.jti.value, family: claims.fam) {
        case .invalid:
            throw APIError.unauthorized("Invalid refresh token")
        case .reused:
            await self.services.audit.record(
                .refreshReuse,
                userID: claims.sub.value,
                resourceType: "session",
                resourceID: claims.fam,
                ipAddress: context.clientAddress
            )
            throw APIError.unauthorized("Refresh token reuse detected; every session of this sign-in is revoked")
        case .redeemed(let userID, let family):
            guard let (user, revoked, _) = try await self.services.users.forToken(userID: userID, family: family), !revoked else {
                throw APIError.unauthorized("Invalid refresh token")
            }
            guard user.isActive else { throw APIError.forbidden("Account is disabled") }
            let pair = try await self.issuePair(user: user, family: family)
            try await self.services.refreshTokens.add(jti: pair.refreshID, family: family, expiresAt: pair.refreshExpires)
            return try JSONResponse.make(pair.body)
        }
    }

    func issuePair(user: User, family: String) async throws -> (body: TokenPair, refreshID: String, refreshExpires: Date) {
        let tokens = self.services.tokens
        let access = try await tokens.issue(.access, userID: user.id, email: user.email, roles: user.roles, family: family)
        let refresh = try await tokens.issue(.refresh, userID: user.id, email: user.email, roles: user.roles, family: family)
        let body = TokenPair(access_token: access.token, refresh_token: refresh.token, expires_in: tokens.accessLifetimeSeconds)
        return (body, refresh.id, refresh.expiresAt)
    }
}
