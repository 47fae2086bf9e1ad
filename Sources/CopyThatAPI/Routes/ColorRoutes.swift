import Hummingbird

/// `POST /colors/extract`: owner or admin of the project, 10 extractions per 60 s per user (`EXTRACTION_RATE_LIMIT`) (failing closed without
/// Redis: this limit is what stands between a client and the AI bill), bodies up to 15 MiB.
struct ColorRoutes {
    let services: APIServices
    let projects: ProjectRoutes

    /// The extraction limit, per user: `EXTRACTION_RATE_LIMIT` (10) per 60 s, failing closed; decided with the general
    /// limits by ``RateLimitMiddleware`` in one Redis call, before this route runs.
    static func limit(_ configuration: APIConfiguration) -> RouteRateLimit {
        RouteRateLimit(
            method: .post,
            path: "/api/v1/colors/extract",
            window: RateLimitWindow(name: "extraction", limit: configuration.extractionRateLimit, seconds: 60),
            policy: .closed,
            refusedDetail: "Too many extraction requests; try again later",
            unavailableDetail: "Color extraction is temporarily unavailable, try again shortly"
        )
    }
    /// The body limit on this route.
    static let bodyLimit = 15 << 20

    func add(to group: RecordingRoutes) {
        group.post("/colors/extract") { request, context in try await self.extract(request, context) }
        group.put("/projects/{id}/colors/roles") { request, context in try await self.assignRoles(request, context) }
    }

    struct RoleUpdate: Encodable {
        var updated: Int
        var total: Int
    }

    /// `{role_assignments: [{token_id, role}]}`: every assignment checked (one of the ten roles; each token once; each
    /// a token of this project, else a 422 naming it and nothing changed), then written in one statement.
    func assignRoles(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let (project, _) = try await self.projects.owned(request, context)
        var body = try await RequestBody.jsonObject(request)
        var assignments: [(tokenID: Int, role: String)] = []
        var seen: Set<Int> = []
        for (index, item) in (body.objects("role_assignments", required: true, minItems: 1, maxItems: 500) ?? []).enumerated() {
            var item = item
            let tokenID = item.integer("token_id", required: true, range: 1...Int(Int32.max))
            let role = item.string("role", required: true, minLength: 1, maxLength: 20)
            if let role, !Palette.designIntents.contains(role) {
                item.fail("role", "must be one of \(Palette.designIntents.joined(separator: ", "))")
            }
            if let tokenID, !seen.insert(tokenID).inserted { item.fail("token_id", "token \(tokenID) is assigned twice") }
            body.absorb(item, prefix: "role_assignments.\(index)")
            if let tokenID, let role, item.errors.isEmpty { assignments.append((tokenID, role)) }
        }
        try body.finish()
        let colors = ColorRepository(database: self.services.database)
        let result = try await colors.assignRoles(projectID: project.id, assignments)
        if !result.foreign.isEmpty {
            let positions = Dictionary(assignments.enumerated().map { ($1.tokenID, $0) }, uniquingKeysWith: { first, _ in first })
            throw APIError.validation(
                result.foreign.sorted().map { id in
                    .init(field: "role_assignments.\(positions[id] ?? 0).token_id", message: "token \(id) is not a colour of this project")
                }
            )
        }
        return try JSONResponse.make(RoleUpdate(updated: result.updated.count, total: assignments.count))
    }

    func extract(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        // A caller from a verified token or key (whose extraction limit the middleware decided); the database is
        // asked once, below, for the user and the project together.
        guard context.verifiedUserID != nil else {
            _ = try await context.requireUser(for: request)  // throws the answer for missing or bad credentials
            throw APIError.unauthorized()
        }
        var body = try await RequestBody.jsonObject(request, limit: Self.bodyLimit)
        let projectID = body.integer("project_id", required: true, range: 1...Int(Int32.max))
        let maxColors = body.integer("max_colors", required: false, range: 1...50) ?? 10
        let source = ImageSource.read(&body)
        try body.finish()
        guard let projectID, let source else { throw APIError.validation([.init(field: "body", message: "Invalid request data")]) }
        let projects = self.projects
        let result = try await self.services.extraction.extract(projectID: projectID, source: source, maxColors: maxColors) {
            try await projects.owned(projectID: projectID, request, context).user.id
        }
        return JSONResponse.make(writing: result)
    }
}
