public import Clients
public import Hummingbird

/// Tells the clients' reactor when a request starts and ends, so that a PostgreSQL or Redis wait polls for its answer
/// on its own thread only while this is the one request in flight (``IOReactor/requestStarted()``): at one connection
/// that saves two thread wake-ups a round trip, and under load nothing polls.
public struct RequestsInFlightMiddleware<Context: RequestContext>: RouterMiddleware {
    let reactor: IOReactor

    /// The middleware for `reactor` (the one the clients use).
    public init(reactor: IOReactor = .shared) {
        self.reactor = reactor
    }

    /// Counts the request in for as long as `next` answers it.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        self.reactor.requestStarted()
        defer { self.reactor.requestFinished() }
        return try await next(request, context)
    }
}
