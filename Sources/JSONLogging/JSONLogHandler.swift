public import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A swift-log handler that writes one JSON object per line.
///
/// Each line carries, in this order: `timestamp` (RFC 3339, UTC, milliseconds), `level` (`INFO`, `WARNING`, …),
/// `logger` (the label), `message`, `source` (the module), `file`, `function`, `line`, then the metadata flattened
/// into top-level keys sorted by name (`request_id`, `user_id`, `project_id` and the rest; nested dictionaries and
/// arrays stay JSON), then `error` (`{"type": …, "message": …}`) when one is attached. A metadata key that would
/// collide with one of the fixed keys is written as `metadata.<key>`.
///
/// Metadata merges as swift-log specifies: handler metadata, then the metadata provider, then the call's metadata;
/// the task's ``LogContext/requestID`` comes first, so any of those overrides it.
/// Secrets are masked by ``redaction`` before anything is written (on by default). Each line goes to the ``sink`` in
/// one call, so lines from concurrent loggers never interleave.
public struct JSONLogHandler: LogHandler {
    /// Everything but the level, in one copy-on-write reference: swift-log copies the handler out of the logger
    /// whenever it reads the level or logs, so a copy is one retain (and the handler fits in the existential's
    /// inline buffer, with no box to allocate). Changed only through ``JSONLogHandler``'s setters, which copy it
    /// unless this handler is its only owner; that discipline is what makes it `Sendable`.
    final class State: @unchecked Sendable {
        let label: String
        let sink: any LogSink
        let redaction: Redaction
        var metadataProvider: Logger.MetadataProvider?
        var metadata: Logger.Metadata

        init(
            label: String,
            sink: any LogSink,
            redaction: Redaction,
            metadataProvider: Logger.MetadataProvider?,
            metadata: Logger.Metadata
        ) {
            self.label = label
            self.sink = sink
            self.redaction = redaction
            self.metadataProvider = metadataProvider
            self.metadata = metadata
        }

        func copy() -> State {
            State(
                label: self.label,
                sink: self.sink,
                redaction: self.redaction,
                metadataProvider: self.metadataProvider,
                metadata: self.metadata
            )
        }
    }

    private var state: State
    /// The minimum level written.
    public var logLevel: Logger.Level

    /// The logger's label, written as `logger`.
    public var label: String { self.state.label }
    /// Where lines go.
    public var sink: any LogSink { self.state.sink }
    /// How secrets are masked.
    public var redaction: Redaction { self.state.redaction }
    /// Metadata added to every line of this logger.
    public var metadata: Logger.Metadata {
        get { self.state.metadata }
        set { self.uniqueState().metadata = newValue }
    }
    /// Request-scoped metadata, read on every line.
    public var metadataProvider: Logger.MetadataProvider? {
        get { self.state.metadataProvider }
        set { self.uniqueState().metadataProvider = newValue }
    }

    /// The state, copied first unless this handler is its only owner.
    private mutating func uniqueState() -> State {
        if !isKnownUniquelyReferenced(&self.state) {
            self.state = self.state.copy()
        }
        return self.state
    }

    /// Creates a handler.
    /// - Parameters:
    ///   - label: the logger's label.
    ///   - sink: where lines go (default standard output).
    ///   - logLevel: the minimum level (default: `LOG_LEVEL` from the environment, else `info`).
    ///   - metadataProvider: request-scoped metadata (default: the one bootstrapped with `LoggingSystem`).
    ///   - redaction: how secrets are masked (default: ``Redaction/default``).
    public init(
        label: String,
        sink: any LogSink = FileDescriptorLogSink.standardOutput,
        logLevel: Logger.Level = .fromEnvironment() ?? .info,
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider,
        redaction: Redaction = .default
    ) {
        self.state = State(label: label, sink: sink, redaction: redaction, metadataProvider: metadataProvider, metadata: [:])
        self.logLevel = logLevel
    }

    /// Reads or writes one metadata value of this logger.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.uniqueState().metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var entries = MetadataEntries(capacity: self.metadata.count + (event.metadata?.count ?? 0) + 2)
        self.addContextMetadata(to: &entries)
        if let metadata = event.metadata {
            entries.add(metadata)
        }
        self.writeLine(
            level: event.level,
            message: event.message.description,
            entries: &entries,
            source: event.source,
            file: event.file,
            function: event.function,
            line: event.line,
            error: event.error
        )
    }

    /// Writes a line whose extra fields are plain strings, without building a `Logger.Metadata` dictionary: the
    /// access log's path, one line per request. The fields merge with the handler's and the provider's metadata as
    /// call metadata would. Fields marked `trusted` hold values this package produced (a status code, a route
    /// template) and skip the credential scan; their keys must not be sensitive.
    package func log(
        level: Logger.Level,
        message: String,
        fields: [(key: String, value: String, trusted: Bool)],
        source: String,
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        guard self.logLevel <= level else { return }
        var entries = MetadataEntries(capacity: self.metadata.count + fields.count + 2)
        self.addContextMetadata(to: &entries)
        for field in fields {
            entries.add(key: field.key, value: .string(field.value), trusted: field.trusted)
        }
        self.writeLine(
            level: level,
            message: message,
            entries: &entries,
            source: source,
            file: file,
            function: function,
            line: line,
            error: nil
        )
    }

    /// The task's request id (``LogContext/requestID``), then the handler's metadata, then the provider's.
    func addContextMetadata(to entries: inout MetadataEntries) {
        if let id = LogContext.requestID {
            entries.add(key: LogContext.requestIDKey, value: .string(id), trusted: Self.isWellFormedRequestID(id))
        }
        self.addLoggerMetadata(to: &entries)
    }

    /// The handler's metadata, then the provider's.
    func addLoggerMetadata(to entries: inout MetadataEntries) {
        entries.add(self.metadata)
        if let provided = self.metadataProvider?.get(), !provided.isEmpty {
            entries.add(provided)
        }
    }

    private func writeLine(
        level: Logger.Level,
        message: String,
        entries: inout MetadataEntries,
        source: String,
        file: String,
        function: String,
        line: UInt,
        error: (any Error)?
    ) {
        entries.sortByKeyKeepingLast()
        var writer = self.beginLine(level: level, capacity: 512 + message.utf8.count)
        writer.appendCallSite(message: self.redaction.redact(message), source: source, file: file, function: function, line: line)
        for entry in entries.entries {
            self.append(entry, to: &writer)
        }
        if let error {
            writer.appendRaw(",\"error\":{\"type\":")
            writer.appendString(String(reflecting: type(of: error)))
            writer.appendRaw(",\"message\":")
            writer.appendString(self.redaction.redact(String(describing: error)))
            writer.append(UInt8(ascii: "}"))
        }
        self.finishLine(&writer)
    }

    /// The line up to its call site: `{"timestamp":…,"level":…,"logger":…`.
    /// - Parameter capacity: the bytes the line is expected to take (an access line is about 400).
    func beginLine(level: Logger.Level, capacity: Int) -> JSONWriter {
        var writer = JSONWriter(capacity: capacity)
        writer.appendRaw("{\"timestamp\":")
        writer.appendTimestamp(millisecondsSinceEpoch: Self.nowMilliseconds())
        writer.appendRaw(",\"level\":")
        writer.appendString(level.jsonName)
        writer.appendRaw(",\"logger\":")
        writer.appendString(self.label)
        return writer
    }

    /// Closes the line and hands it to the sink in one call.
    func finishLine(_ writer: inout JSONWriter) {
        writer.appendRaw("}\n")
        writer.withBytes { self.sink.write(bytes: $0) }
    }

    /// `,"key":value` for one metadata entry; a key that clashes with a fixed one is written as `metadata.<key>`.
    func append(_ entry: MetadataEntries.Entry, to writer: inout JSONWriter) {
        writer.append(UInt8(ascii: ","))
        writer.appendKey(Self.isReserved(entry.key) ? "metadata." + entry.key : entry.key)
        if entry.trusted, case .string(let string) = entry.value {
            writer.appendString(string)
        } else {
            self.append(entry.value, key: entry.key, to: &writer)
        }
    }

    /// The handler's and the provider's metadata (not the task's request id), sorted by key, the provider winning a
    /// clash.
    func loggerEntries(extra: Int) -> MetadataEntries {
        var entries = MetadataEntries(capacity: self.metadata.count + extra)
        self.addLoggerMetadata(to: &entries)
        entries.sortByKeyKeepingLast()
        return entries
    }

    /// Whether `key` is one of the fixed keys (`timestamp`, `level`, `logger`, `message`, `source`, `file`,
    /// `function`, `line`, `error`). A switch on the length first: no hashing on every key of every line.
    static func isReserved(_ key: String) -> Bool {
        switch key.utf8.count {
        case 4: return key == "file" || key == "line"
        case 5: return key == "level" || key == "error"
        case 6: return key == "logger" || key == "source"
        case 7: return key == "message"
        case 8: return key == "function"
        case 9: return key == "timestamp"
        default: return false
        }
    }

    func append(_ value: Logger.Metadata.Value, key: String, to writer: inout JSONWriter) {
        if self.redaction.isSensitive(key: key) {
            writer.appendString(Redaction.mask)
            return
        }
        switch value {
        case .string(let string):
            writer.appendString(self.redaction.redact(string))
        case .stringConvertible(let convertible):
            writer.appendString(self.redaction.redact(convertible.description))
        case .array(let values):
            writer.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { writer.append(UInt8(ascii: ",")) }
                self.append(element, key: key, to: &writer)
            }
            writer.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            writer.append(UInt8(ascii: "{"))
            for (index, (nestedKey, nestedValue)) in dictionary.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { writer.append(UInt8(ascii: ",")) }
                writer.appendKey(nestedKey)
                self.append(nestedValue, key: nestedKey, to: &writer)
            }
            writer.append(UInt8(ascii: "}"))
        }
    }

    static func nowMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

extension Logger.Level {
    /// The level as the seeds' Python formatter writes it: `DEBUG`, `INFO`, `WARNING`, …
    var jsonName: String {
        switch self {
        case .trace: return "TRACE"
        case .debug: return "DEBUG"
        case .info: return "INFO"
        case .notice: return "NOTICE"
        case .warning: return "WARNING"
        case .error: return "ERROR"
        case .critical: return "CRITICAL"
        }
    }

    /// Parses a level name in any case; `warn` and `fatal` are accepted as aliases. `nil` for anything else.
    public init?(parsing name: String) {
        switch name.lowercased() {
        case "trace": self = .trace
        case "debug": self = .debug
        case "info": self = .info
        case "notice": self = .notice
        case "warning", "warn": self = .warning
        case "error": self = .error
        case "critical", "fatal": self = .critical
        default: return nil
        }
    }

    /// The level named by the `LOG_LEVEL` environment variable, if it is set to a valid name.
    public static func fromEnvironment(_ variable: String = "LOG_LEVEL") -> Logger.Level? {
        guard let raw = getenv(variable) else { return nil }
        return Logger.Level(parsing: String(cString: raw))
    }
}
