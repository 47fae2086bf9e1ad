import Hummingbird

/// `/projects` and `/projects/{id}`: a user's own projects; an admin may open anyone's.
struct ProjectRoutes {
    let services: APIServices

    func add(to group: RecordingRoutes) {
        group.get("/projects") { request, context in
            let user = try await context.requireUser(for: request)
            let paging = try Paging(request)
            return try JSONResponse.make(
                try await self.services.projects.list(ownerID: user.id, limit: paging.limit, offset: paging.offset)
            )
        }
        group.post("/projects") { request, context in try await self.create(request, context) }
        group.get("/projects/{id}") { request, context in
            try JSONResponse.make(try await self.owned(request, context).project)
        }
        group.patch("/projects/{id}") { request, context in try await self.update(request, context) }
        group.delete("/projects/{id}") { request, context in try await self.delete(request, context) }
        group.get("/projects/{id}/colors") { request, context in
            // From the cache for an hour while the project's colour version is the one the list was read at (every
            // change bumps it as it commits); access is checked first, and the version read with it.
            let (project, _) = try await self.owned(request, context)
            let key = self.services.cache.projectColorsKey(project.id)
            let version = project.colorsVersion
            if let cached = await self.services.cache.get(
                key,
                usable: { stored in
                    VersionedEntry(stored: stored).flatMap { $0.version == version ? $0.text : nil }
                }
            ) {
                return JSONResponse.raw(cached)
            }
            let text = try JSONResponse.encode(try await ColorRepository(database: self.services.database).list(projectID: project.id))
            await self.services.cache.set(key, VersionedEntry(version: version, text: text).stored, ttl: .seconds(3600))
            return JSONResponse.raw(text)
        }
    }

    /// The project in the path, if the caller owns it or is an admin: 422 for a bad id, 404 when missing, 403 (and
    /// an `ACCESS_DENIED` audit event) when it is someone else's.
    func owned(_ request: Request, _ context: APIRequestContext) async throws -> (project: Project, user: User) {
        try await self.owned(projectID: try context.positiveID("id"), request, context)
    }

    /// ``owned(_:_:)`` for a project id from elsewhere than the path (a request body).
    func owned(projectID id: Int, _ request: Request, _ context: APIRequestContext) async throws -> (project: Project, user: User) {
        let (user, found) = try await context.requireUser(for: request, project: id)
        guard let project = found else {
            throw APIError.notFound("Project not found")
        }
        guard project.ownerID == user.id || user.isAdmin else {
            await self.services.audit.record(
                .accessDenied,
                userID: user.id,
                resourceType: "project",
                resourceID: String(id),
                ipAddress: context.clientAddress,
                details: ["method": request.method.rawValue]
            )
            throw APIError.forbidden("Not authorized to access this project")
        }
        return (project, user)
    }

    /// Reads `name` and `description` with the allowlist and the bounds.
    static func readFields(_ body: inout FieldReader, nameRequired: Bool) -> (name: String?, description: String??) {
        let name = body.string("name", required: nameRequired, minLength: 1, maxLength: Validation.projectNameMaxLength, trim: true)
        if let name, !Validation.isProjectName(name) {
            body.fail("name", "may hold letters, digits, spaces and - _ . , ' ( ) & + # ! ? only, starting with a letter or digit")
        }
        if !nameRequired, body.object["name"] == .null {  // PATCH: an absent name keeps it; null is an error
            body.fail("name", "must not be null")
        }
        var description: String?? = nil
        if body.object["description"] != nil {
            let text = body.string("description", required: false, maxLength: Validation.descriptionMaxLength)
            if let text, !Validation.isPlainText(text) { body.fail("description", "must not contain control characters") }
            description = .some(text)
        }
        return (name, description)
    }

    func create(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try await context.requireUser(for: request)
        var body = try await RequestBody.jsonObject(request)
        let fields = Self.readFields(&body, nameRequired: true)
        try body.finish()
        let project = try await self.services.projects.create(ownerID: user.id, name: fields.name!, description: fields.description ?? nil)
        await self.services.audit.record(
            .projectCreated,
            userID: user.id,
            resourceType: "project",
            resourceID: String(project.id),
            ipAddress: context.clientAddress,
            details: ["name": project.name]
        )
        return try JSONResponse.make(project, status: .created)
    }

    func update(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let (project, user) = try await self.owned(request, context)
        var body = try await RequestBody.jsonObject(request)
        let fields = Self.readFields(&body, nameRequired: false)
        try body.finish()
        guard fields.name != nil || fields.description != nil else { return try JSONResponse.make(project) }
        guard let updated = try await self.services.projects.update(id: project.id, name: fields.name, description: fields.description)
        else {
            throw APIError.notFound("Project not found")
        }
        var changed: [String] = []
        if fields.name != nil { changed.append("name") }
        if fields.description != nil { changed.append("description") }
        await self.services.audit.record(
            .projectUpdated,
            userID: user.id,
            resourceType: "project",
            resourceID: String(project.id),
            ipAddress: context.clientAddress,
            details: ["fields": changed.joined(separator: ",")]
        )
        return try JSONResponse.make(updated)
    }

    func delete(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let (project, user) = try await self.owned(request, context)
        guard try await self.services.projects.delete(id: project.id) else { throw APIError.notFound("Project not found") }
        await self.services.audit.record(
            .projectDeleted,
            userID: user.id,
            resourceType: "project",
            resourceID: String(project.id),
            ipAddress: context.clientAddress
        )
        return Response(status: .noContent)
    }
}
