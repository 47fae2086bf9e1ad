public import Hummingbird
import JSONLogging
public import Logging
import NIOCore

/// Writes one access-log line per request through the request's logger (so it carries `request_id` when
/// ``RequestIDMiddleware`` runs first): method, route template, raw path, status, duration and client address.
public struct AccessLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let level: Logger.Level
    let remoteAddressReader: RemoteAddressReader?

    /// Creates the middleware; lines are written at `level` (default `info`).
    public init(level: Logger.Level = .info) {
        self.level = level
        self.remoteAddressReader = (Context.self as? any RemoteAddressRequestContext.Type).map(RemoteAddressReader.init)
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            self.log(request, context: context, status: response.status.code, start: start)
            return response
        } catch {
            self.log(request, context: context, status: (error as? any HTTPResponseError)?.status.code ?? 500, start: start)
            throw error
        }
    }

    private func log(_ request: Request, context: Context, status: Int, start: ContinuousClock.Instant) {
        AccessLogLine.write(
            request,
            logger: context.logger,
            level: self.level,
            route: HTTPMetricsMiddleware<Context>.endpoint(of: context),
            status: status,
            elapsed: ContinuousClock.now - start,
            remoteAddress: self.remoteAddressReader.flatMap { reader in withUnsafePointer(to: context) { reader.read($0) } }
        )
    }
}

/// The access line of one request, written through the request's logger.
enum AccessLogLine {
    /// The access line's message, source and position, encoded once.
    static let callSite = LogCallSite(
        message: "request",
        source: "CopyThatInstrumentation",
        function: "write(_:logger:level:route:status:elapsed:remoteAddress:)"
    )

    /// With a ``JSONLogHandler`` (the usual case) the line is written without building a metadata dictionary; any
    /// other handler gets the same fields as call metadata.
    static func write(
        _ request: Request,
        logger: Logger,
        level: Logger.Level,
        route: String,
        status: Int,
        elapsed: Duration,
        remoteAddress: SocketAddress?
    ) {
        guard logger.logLevel <= level else { return }
        let components = elapsed.components
        // Whole microseconds, rounded half up (the line shows milliseconds to three decimals).
        let microseconds = components.seconds * 1_000_000 + (components.attoseconds + 500_000_000_000) / 1_000_000_000_000
        let address = remoteAddress.map { $0.ipAddress ?? $0.description }
        if let handler = logger.handler as? JSONLogHandler {
            let fields = AccessLogFields(
                method: request.method.rawValue,
                route: route,
                path: request.uri.path,
                status: status,
                durationMicroseconds: microseconds,
                clientAddress: address
            )
            handler.logAccess(level: level, fields: fields, callSite: Self.callSite)
            return
        }
        let duration = String(Double(microseconds) / 1000)
        let statusText = HTTPMetricsMiddleware<BasicRequestContext>.statusText(status)
        var metadata: Logger.Metadata = [
            "method": .string(request.method.rawValue),
            "route": .string(route),
            "path": .string(request.uri.path),
            "status": .string(statusText),
            "duration_ms": .string(duration),
        ]
        if let address {
            metadata["client_address"] = .string(address)
        }
        logger.log(level: level, "request", metadata: metadata)
    }
}
