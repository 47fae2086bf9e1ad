import Hummingbird

/// `POST /colors/extract`: owner or admin of the project, 10 extractions per 60 s per user (failing closed without
/// Redis: this limit is what stands between a client and the AI bill), bodies up to 15 MiB.
struct ColorRoutes {
    let services: APIServices
    let projects: ProjectRoutes

    /// The extraction limit, per user.
    static let window = RateLimitWindow(name: "extraction", limit: 10, seconds: 60)
    /// The body limit on this route.
    static let bodyLimit = 15 << 20

    func add(to group: RecordingRoutes) {
        group.post("/colors/extract") { request, context in try await self.extract(request, context) }
    }

    func extract(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let user = try await context.requireUser(for: request)
        switch await self.services.limiter.check(subject: "extract:\(user.id)", windows: [Self.window], policy: .closed) {
        case .unavailable:
            throw APIError.unavailable("Color extraction is temporarily unavailable, try again shortly")
        case .decided(let decision) where !decision.allowed:
            return RateLimitMiddleware.limited(decision, detail: "Too many extraction requests; try again later")
        case .decided:
            break
        }
        var body = try await RequestBody.jsonObject(request, limit: Self.bodyLimit)
        let projectID = body.integer("project_id", required: true, range: 1...Int(Int32.max))
        let maxColors = body.integer("max_colors", required: false, range: 1...50) ?? 10
        let source = ImageSource.read(&body)
        try body.finish()
        guard let projectID, let source else { throw APIError.validation([.init(field: "body", message: "Invalid request data")]) }
        _ = try await self.projects.owned(projectID: projectID, request, context)
        let result = try await self.services.extraction.extract(projectID: projectID, userID: user.id, source: source, maxColors: maxColors)
        return try JSONResponse.make(result)
    }
}
