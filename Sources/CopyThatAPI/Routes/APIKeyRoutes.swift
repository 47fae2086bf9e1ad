import Hummingbird

/// `/auth/api-keys`: create (the key is shown once), list, revoke. Managing keys needs a login's access token.
struct APIKeyRoutes {
    let services: APIServices

    func add(to group: RecordingRoutes) {
        group.post("/auth/api-keys") { request, context in try await self.create(request, context) }
        group.get("/auth/api-keys") { request, context in
            let user = try await context.requireTokenUser(for: request)
            let paging = try Paging(request)
            return try JSONResponse.make(try await self.services.apiKeys.list(userID: user.id, limit: paging.limit, offset: paging.offset))
        }
        group.delete("/auth/api-keys/{id}") { request, context in try await self.revoke(request, context) }
    }

    struct Created: Encodable {
        var id: String
        var name: String
        var key: String
        var key_prefix: String
        var scopes: [String]
        var expires_at: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.id, forKey: .id)
            try container.encode(self.name, forKey: .name)
            try container.encode(self.key, forKey: .key)
            try container.encode(self.key_prefix, forKey: .key_prefix)
            try container.encode(self.scopes, forKey: .scopes)
            try container.encode(self.expires_at, forKey: .expires_at)
        }

        enum CodingKeys: String, CodingKey { case id, name, key, key_prefix, scopes, expires_at }
    }

    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try await context.requireTokenUser(for: request)
        var body = try await RequestBody.jsonObject(request)
        let name = body.string("name", required: true, minLength: 1, maxLength: Validation.keyNameMaxLength, trim: true)
        if let name, !Validation.isPlainText(name) || name.contains("\n") { body.fail("name", "must be one line of text") }
        let scopes = body.strings("scopes", required: true, minItems: 1, maxItems: Scope.allCases.count, maxLength: 16)
        if let scopes {
            if let unknown = scopes.first(where: { Scope(rawValue: $0) == nil }) {
                body.fail("scopes", "unknown scope \"\(unknown)\"; use read, write, delete")
            } else if Set(scopes).count != scopes.count {
                body.fail("scopes", "must not repeat a scope")
            }
        }
        let days = body.integer("expires_in_days", required: false, range: 1...365)
        try body.finish()
        let generated = self.services.keyCodec.generate()
        let ordered = Scope.allCases.map(\.rawValue).filter { scopes!.contains($0) }
        let record = try await self.services.apiKeys.create(
            userID: user.id,
            name: name!,
            prefix: generated.prefix,
            hash: generated.hash,
            scopes: ordered,
            expiresInDays: days
        )
        await self.services.audit.record(
            .apiKeyCreated,
            userID: user.id,
            resourceType: "api_key",
            resourceID: record.id,
            ipAddress: context.clientAddress,
            details: ["name": record.name, "key_prefix": record.keyPrefix, "scopes": ordered.joined(separator: ",")]
        )
        let created = Created(
            id: record.id,
            name: record.name,
            key: generated.key,
            key_prefix: record.keyPrefix,
            scopes: record.scopes,
            expires_at: record.expiresAt
        )
        return try JSONResponse.make(created, status: .created)
    }

    func revoke(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try await context.requireTokenUser(for: request)
        let id = context.parameters.get("id") ?? ""
        guard try await self.services.apiKeys.revoke(id: id, userID: user.id) else {
            throw APIError.notFound("API key not found")
        }
        await self.services.audit.record(
            .apiKeyRevoked,
            userID: user.id,
            resourceType: "api_key",
            resourceID: id,
            ipAddress: context.clientAddress
        )
        return Response(status: .noContent)
    }
}
