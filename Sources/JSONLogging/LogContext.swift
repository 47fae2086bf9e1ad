public import Logging

/// Values that belong to the work the current task is doing rather than to one logger: the id of the request being
/// served. ``JSONLogHandler`` writes it as `request_id` on every line logged in the task and its child tasks, through
/// any logger (the request's, the database layer's, the AI cost tracker's), with no metadata copied per request.
///
/// The HTTP middleware of `CopyThatInstrumentation` binds it for the length of each request. Other handlers see it
/// through ``metadataProvider``; metadata set on a logger, by a provider or on the call wins over it.
public enum LogContext {
    /// The id of the request the current task is serving, if any.
    @TaskLocal public static var requestID: String?

    /// `request_id` from ``requestID``, for handlers other than ``JSONLogHandler`` (which reads it directly): pass it
    /// to `LoggingSystem.bootstrap(_:metadataProvider:)` or a logger's initialiser.
    public static let metadataProvider = Logger.MetadataProvider {
        guard let id = LogContext.requestID else { return [:] }
        return [requestIDKey: .string(id)]
    }

    /// The key the id is written under.
    public static let requestIDKey = "request_id"

    /// Whether `logger` writes ``requestID`` by itself: a ``JSONLogHandler`` does; any other handler needs the id in
    /// its metadata (or ``metadataProvider``).
    package static func isWrittenByHandler(of logger: Logger) -> Bool {
        // A comparison of type metadata: `is` takes the general dynamic-cast path, a tenth of a microsecond here.
        type(of: logger.handler) == JSONLogHandler.self
    }
}
