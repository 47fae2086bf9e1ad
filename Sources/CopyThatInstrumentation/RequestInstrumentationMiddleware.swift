public import Hummingbird
public import JSONLogging
public import Logging
public import NIOCore
public import PrometheusRegistry

/// ``RequestIDMiddleware``, ``HTTPMetricsMiddleware`` and ``AccessLogMiddleware`` in one: the same request id,
/// metrics and access line, for about a fifth less time than the three in a chain (one middleware frame, one clock
/// reading, one status and route lookup). The way to instrument the core API; the three remain for a subset.
public struct RequestInstrumentationMiddleware<Context: RequestContext>: RouterMiddleware {
    @usableFromInline let requests: MetricFamily<Counter>
    @usableFromInline let duration: MetricFamily<Histogram>
    @usableFromInline let accessLogLevel: Logger.Level?
    /// Reads the client's address from a `Context` that knows it (`RemoteAddressRequestContext`); nil for one that
    /// does not. Decided once on the type: casting the context value on every request would copy it first.
    @usableFromInline let remoteAddressReader: RemoteAddressReader?

    /// Creates the middleware over the catalogue's HTTP families.
    /// - Parameters:
    ///   - metrics: the catalogue whose `http_requests_total` and `http_request_duration_seconds` are updated.
    ///   - accessLogLevel: the level of the access line (default `info`); `nil` writes none.
    public init(metrics: CopyThatMetrics, accessLogLevel: Logger.Level? = .info) {
        self.init(requests: metrics.httpRequests, duration: metrics.httpRequestDuration, accessLogLevel: accessLogLevel)
    }

    /// Creates the middleware over any counter family labelled `method, endpoint, status` and histogram family
    /// labelled `method, endpoint`.
    public init(requests: MetricFamily<Counter>, duration: MetricFamily<Histogram>, accessLogLevel: Logger.Level? = .info) {
        self.requests = requests
        self.duration = duration
        self.accessLogLevel = accessLogLevel
        self.remoteAddressReader = (Context.self as? any RemoteAddressRequestContext.Type).map(RemoteAddressReader.init)
    }

    // Inlinable, so that it is specialised for the application's context type where the router is built; the work
    // it calls is not generic, so none of it looks up type metadata per request.
    @inlinable
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = RequestInstrumentation.requestID(of: request)
        // Read once: each read of a context's logger or route copies its whole core storage.
        let logger = context.logger
        // The id is bound to the task, where a JSONLogHandler reads it on every line of any logger; another handler
        // gets it in the request logger's metadata (which copies the context and its logger).
        guard RequestInstrumentation.handlerWritesTaskRequestID(logger) else {
            var context = context
            context.logger[metadataKey: LogContext.requestIDKey] = .string(id)
            return try await LogContext.$requestID.withValue(id) {
                try await self.respond(to: request, context: context, logger: context.logger, id: id, next: next)
            }
        }
        return try await LogContext.$requestID.withValue(id) {
            try await self.respond(to: request, context: context, logger: logger, id: id, next: next)
        }
    }

    /// Answers through `next` and records the outcome; `logger` is the context's.
    @inlinable
    func respond(
        to request: Request,
        context: Context,
        logger: Logger,
        id: String,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            guard let httpError = error as? any HTTPResponseError else {
                self.finish(request, context: context, logger: logger, status: 500, start: start)
                throw error
            }
            // Keep the id on error responses too: the client needs it most then.
            response = try httpError.response(from: request, context: context)
        }
        self.finish(request, context: context, logger: logger, status: response.status.code, start: start)
        RequestInstrumentation.setRequestID(id, on: &response)
        return response
    }

    @inlinable
    func finish(_ request: Request, context: Context, logger: Logger, status: Int, start: ContinuousClock.Instant) {
        RequestInstrumentation.finish(
            request,
            // Through the core storage in place: `context.endpointPath` is not inlinable and copies it first.
            endpointPath: context.coreContext.endpointPath.value,
            remoteAddress: self.remoteAddressReader.flatMap { reader in withUnsafePointer(to: context) { reader.read($0) } },
            logger: logger,
            status: status,
            elapsed: ContinuousClock.now - start,
            requests: self.requests,
            duration: self.duration,
            accessLogLevel: self.accessLogLevel
        )
    }
}

/// Reads `remoteAddress` from a context whose type conforms to `RemoteAddressRequestContext`, found at run time,
/// through a pointer to the context rather than a copy of it.
@usableFromInline
struct RemoteAddressReader: Sendable {
    private let readAddress: @Sendable (UnsafeRawPointer) -> SocketAddress?

    init(_ type: any RemoteAddressRequestContext.Type) {
        func reader<Conforming: RemoteAddressRequestContext>(_: Conforming.Type) -> @Sendable (UnsafeRawPointer) -> SocketAddress? {
            { pointer in pointer.assumingMemoryBound(to: Conforming.self).pointee.remoteAddress }
        }
        self.readAddress = reader(type)
    }

    /// The address of the context at `context`, which must be of the type this reader was made for.
    @usableFromInline
    func read<Context>(_ context: UnsafePointer<Context>) -> SocketAddress? {
        self.readAddress(UnsafeRawPointer(context))
    }
}

/// The non-generic work of ``RequestInstrumentationMiddleware``.
@usableFromInline
enum RequestInstrumentation {
    @usableFromInline
    static func requestID(of request: Request) -> String {
        RequestIDMiddleware<BasicRequestContext>.id(for: request)
    }

    @usableFromInline
    static func handlerWritesTaskRequestID(_ logger: Logger) -> Bool {
        LogContext.isWrittenByHandler(of: logger)
    }

    @usableFromInline
    static func setRequestID(_ id: String, on response: inout Response) {
        RequestIDMiddleware<BasicRequestContext>.set(id, on: &response)
    }

    @usableFromInline
    static func finish(
        _ request: Request,
        endpointPath: String?,
        remoteAddress: SocketAddress?,
        logger: Logger,
        status: Int,
        elapsed: Duration,
        requests: MetricFamily<Counter>,
        duration: MetricFamily<Histogram>,
        accessLogLevel: Logger.Level?
    ) {
        let route = HTTPMetricsMiddleware<BasicRequestContext>.endpoint(path: endpointPath)
        HTTPMetricsMiddleware<BasicRequestContext>.record(
            requests: requests,
            duration: duration,
            method: request.method.rawValue,
            endpoint: route,
            status: status,
            elapsed: elapsed
        )
        if let level = accessLogLevel {
            AccessLogLine.write(
                request,
                logger: logger,
                level: level,
                route: route,
                status: status,
                elapsed: elapsed,
                remoteAddress: remoteAddress
            )
        }
    }
}
