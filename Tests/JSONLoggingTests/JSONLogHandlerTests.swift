import Foundation
import Logging
import Testing

@testable import JSONLogging

/// Decodes one log line with Foundation's JSON parser.
func decode(_ line: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
    return try #require(object as? [String: Any])
}

func makeLogger(
    _ sink: InMemoryLogSink,
    label: String = "test",
    level: Logger.Level = .trace,
    provider: Logger.MetadataProvider? = nil,
    redaction: Redaction = .default
) -> Logger {
    Logger(label: label) { label in
        JSONLogHandler(label: label, sink: sink, logLevel: level, metadataProvider: provider, redaction: redaction)
    }
}

@Suite struct JSONLogHandlerTests {
    @Test func aLineHasTheSeedsFieldsInOrder() throws {
        let sink = InMemoryLogSink()
        var logger = makeLogger(sink, label: "copythat.api")
        logger[metadataKey: "request_id"] = "req-1"
        logger.warning("disk almost full", metadata: ["user_id": "u-7", "project_id": "p-9", "free_mb": .stringConvertible(42)])
        let line = try #require(sink.lines.first)
        let keys = line.split(separator: ",").compactMap {
            $0.split(separator: ":").first.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "{\"")) }
        }
        #expect(
            Array(keys.prefix(8)) == ["timestamp", "level", "logger", "message", "source", "file", "function", "line"]
        )
        let object = try decode(line)
        #expect(object["level"] as? String == "WARNING")
        #expect(object["logger"] as? String == "copythat.api")
        #expect(object["message"] as? String == "disk almost full")
        #expect(object["source"] as? String == "JSONLoggingTests")
        #expect((object["file"] as? String)?.hasSuffix("JSONLogHandlerTests.swift") == true)
        #expect((object["function"] as? String)?.hasPrefix("aLineHasTheSeedsFieldsInOrder") == true)
        #expect((object["line"] as? Int ?? 0) > 0)
        #expect(object["request_id"] as? String == "req-1")
        #expect(object["user_id"] as? String == "u-7")
        #expect(object["project_id"] as? String == "p-9")
        #expect(object["free_mb"] as? String == "42")
    }

    @Test func timestampIsRFC3339UTCWithMillisecondsAndNow() throws {
        let sink = InMemoryLogSink()
        makeLogger(sink).info("tick")
        let object = try decode(try #require(sink.lines.first))
        let timestamp = try #require(object["timestamp"] as? String)
        #expect(timestamp.count == 24)
        #expect(timestamp.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#, options: .regularExpression) != nil)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let date = try #require(formatter.date(from: timestamp))
        #expect(abs(date.timeIntervalSinceNow) < 5)
    }

    @Test(arguments: [
        (0 as Int64, "1970-01-01T00:00:00.000Z"),
        (951_782_400_123, "2000-02-29T00:00:00.123Z"),
        (1_795_419_644_999, "2026-11-23T07:40:44.999Z"),
        (4_102_444_799_000, "2099-12-31T23:59:59.000Z"),
    ])
    func civilDateConversion(milliseconds: Int64, expected: String) {
        var writer = JSONWriter(capacity: 32)
        writer.appendTimestamp(millisecondsSinceEpoch: milliseconds)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "\"\(expected)\"")
    }

    /// Against Foundation's formatter, over random instants from 1970 to 9999, written after other bytes so that
    /// the writer has to grow in the middle of some of them.
    @Test func timestampsMatchFoundationsISO8601Formatter() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]  // whole seconds from Foundation, milliseconds added here
        formatter.timeZone = TimeZone(identifier: "UTC")
        var generator = SystemRandomNumberGenerator()
        for index in 0..<2_000 {
            let milliseconds = Int64.random(in: 0...253_402_300_799_999, using: &generator)
            var writer = JSONWriter(capacity: 64)
            for _ in 0..<(index % 60) { writer.append(UInt8(ascii: "x")) }
            writer.appendTimestamp(millisecondsSinceEpoch: milliseconds)
            let written = String(decoding: writer.bytes, as: UTF8.self)
            let seconds = formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds / 1000))).dropLast()
            let expected = seconds + "." + String(String(milliseconds % 1000 + 1000).dropFirst()) + "Z"
            #expect(written == String(repeating: "x", count: index % 60) + "\"\(expected)\"", "\(milliseconds)")
        }
    }

    @Test func nestedMetadataStaysJSONAndCollidingKeysAreKept() throws {
        let sink = InMemoryLogSink()
        makeLogger(sink).info(
            "nested",
            metadata: [
                "request": ["method": "GET", "tags": ["a", "b"]],
                "message": "shadowed",
                "level": "also shadowed",
            ]
        )
        let object = try decode(try #require(sink.lines.first))
        let request = try #require(object["request"] as? [String: Any])
        #expect(request["method"] as? String == "GET")
        #expect(request["tags"] as? [String] == ["a", "b"])
        #expect(object["message"] as? String == "nested")
        #expect(object["metadata.message"] as? String == "shadowed")
        #expect(object["level"] as? String == "INFO")
        #expect(object["metadata.level"] as? String == "also shadowed")
    }

    @Test func attachedErrorsBecomeTypeAndMessage() throws {
        struct UpstreamFailure: Error, CustomStringConvertible {
            var description: String { "upstream said no to postgres://app:hunter2@db:5432/x" }
        }
        let sink = InMemoryLogSink()
        makeLogger(sink).error("call failed", error: UpstreamFailure())
        let object = try decode(try #require(sink.lines.first))
        let error = try #require(object["error"] as? [String: Any])
        #expect((error["type"] as? String)?.hasSuffix("UpstreamFailure") == true)
        #expect(error["message"] as? String == "upstream said no to postgres://app:[REDACTED]@db:5432/x")
    }

    @Test func metadataMergesHandlerThenProviderThenCall() throws {
        let sink = InMemoryLogSink()
        let provider = Logger.MetadataProvider { ["request_id": "from-provider", "user_id": "provider-user"] }
        var logger = makeLogger(sink, provider: provider)
        logger[metadataKey: "request_id"] = "from-handler"
        logger[metadataKey: "service"] = "api"
        logger.info("merged", metadata: ["user_id": "call-user"])
        let object = try decode(try #require(sink.lines.first))
        #expect(object["request_id"] as? String == "from-provider")
        #expect(object["user_id"] as? String == "call-user")
        #expect(object["service"] as? String == "api")
        // Each key once, in key order, after the fixed keys.
        let line = try #require(sink.lines.first)
        #expect(line.components(separatedBy: "\"request_id\"").count == 2)
        #expect(line.components(separatedBy: "\"user_id\"").count == 2)
        #expect(line.hasSuffix(#","request_id":"from-provider","service":"api","user_id":"call-user"}"#))
    }

    /// Copies of a handler (and of the loggers holding them) are independent values: metadata, provider and level
    /// changed on one never show on another, however the copies were made.
    @Test func handlerCopiesAreIndependent() throws {
        let sink = InMemoryLogSink()
        var original = JSONLogHandler(label: "api", sink: sink, logLevel: .info, metadataProvider: nil)
        original[metadataKey: "tenant"] = "t1"
        var copy = original
        copy[metadataKey: "tenant"] = "t2"
        copy[metadataKey: "extra"] = "x"
        copy.metadataProvider = Logger.MetadataProvider { ["provided": "p"] }
        copy.logLevel = .debug
        #expect(original.metadata == ["tenant": "t1"])
        #expect(original.metadataProvider == nil)
        #expect(original.logLevel == .info)
        #expect(copy.metadata == ["tenant": "t2", "extra": "x"])
        #expect(copy.metadataProvider?.get() == ["provided": "p"])

        var logger = Logger(label: "api") { _ in original }
        var derived = logger
        derived[metadataKey: "tenant"] = "t3"
        logger.info("from the original")
        derived.info("from the copy")
        logger[metadataKey: "tenant"] = nil
        logger.info("after removing")
        let tenants = try sink.lines.map { try decode($0)["tenant"] as? String }
        #expect(tenants == ["t1", "t3", nil])
        #expect(original.label == "api" && copy.label == "api")
    }

    /// The task's request id reaches the lines of every logger in the task and its child tasks, and only there;
    /// the logger's, the provider's and the call's `request_id` win over it.
    @Test func theTasksRequestIDIsOnEveryLoggersLinesAndLosesEveryClash() async throws {
        let sink = InMemoryLogSink()
        let database = makeLogger(sink, label: "db")
        var tagged = makeLogger(sink, label: "tagged")
        tagged[metadataKey: "request_id"] = "from-handler"
        await LogContext.$requestID.withValue("req-42") {
            database.info("query")
            await withTaskGroup(of: Void.self) { group in
                group.addTask { database.info("child task") }
            }
            tagged.info("own id")
            makeLogger(sink, provider: Logger.MetadataProvider { ["request_id": "from-provider"] }).info("provided")
            database.info("call", metadata: ["request_id": "from-call"])
        }
        database.info("after the request")
        let ids = try sink.lines.map { try decode($0)["request_id"] as? String }
        #expect(ids == ["req-42", "req-42", "from-handler", "from-provider", "from-call", nil])
        #expect(sink.lines.allSatisfy { $0.components(separatedBy: "\"request_id\"").count <= 2 })
    }

    /// An id bound by someone other than the middleware is scanned like any value.
    @Test func aTaskRequestIDThatIsNotAPlainTokenIsScanned() throws {
        let sink = InMemoryLogSink()
        LogContext.$requestID.withValue("x token=sk-ant-api03-abcdefghijklmnopqrstuvwxyz") {
            makeLogger(sink).info("hostile")
        }
        let line = try #require(sink.lines.first)
        #expect(!line.contains("sk-ant-api03"))
        #expect((try decode(line)["request_id"] as? String)?.hasPrefix("x ") == true)
    }

    /// Handlers other than JSONLogHandler get the task's id through the provider.
    @Test func theProviderGivesTheTasksRequestID() {
        #expect(LogContext.metadataProvider.get().isEmpty)
        LogContext.$requestID.withValue("req-7") {
            #expect(LogContext.metadataProvider.get() == ["request_id": "req-7"])
        }
    }

    @Test func everyFixedKeyInMetadataIsPrefixed() throws {
        let sink = InMemoryLogSink()
        let fixed = ["timestamp", "level", "logger", "message", "source", "file", "function", "line", "error"]
        var metadata: Logger.Metadata = ["files": "not fixed", "lines": "not fixed either"]
        for key in fixed { metadata[key] = .string("user \(key)") }
        makeLogger(sink).info("shadowing", metadata: metadata)
        let object = try decode(try #require(sink.lines.first))
        for key in fixed {
            #expect(object["metadata.\(key)"] as? String == "user \(key)")
        }
        #expect(object["files"] as? String == "not fixed")
        #expect(object["lines"] as? String == "not fixed either")
        #expect(object["message"] as? String == "shadowing")
    }

    @Test func levelFiltering() throws {
        let sink = InMemoryLogSink()
        let logger = makeLogger(sink, level: .warning)
        logger.info("dropped")
        logger.debug("dropped")
        logger.warning("kept")
        logger.critical("kept too")
        #expect(sink.lines.count == 2)
        #expect(try decode(sink.lines[1])["level"] as? String == "CRITICAL")
    }

    @Test(arguments: [
        ("debug", Logger.Level.debug), ("DEBUG", .debug), ("Info", .info), ("warn", .warning), ("WARNING", .warning),
        ("error", .error), ("critical", .critical), ("fatal", .critical), ("trace", .trace), ("notice", .notice),
    ])
    func levelNamesParse(name: String, level: Logger.Level) {
        #expect(Logger.Level(parsing: name) == level)
    }

    @Test func unknownLevelNamesAreNil() {
        #expect(Logger.Level(parsing: "loud") == nil)
        #expect(Logger.Level(parsing: "") == nil)
    }

    @Test func logLevelComesFromTheEnvironment() {
        setenv("COPYTHAT_TEST_LOG_LEVEL", "error", 1)
        #expect(Logger.Level.fromEnvironment("COPYTHAT_TEST_LOG_LEVEL") == .error)
        setenv("COPYTHAT_TEST_LOG_LEVEL", "nonsense", 1)
        #expect(Logger.Level.fromEnvironment("COPYTHAT_TEST_LOG_LEVEL") == nil)
        unsetenv("COPYTHAT_TEST_LOG_LEVEL")
        #expect(Logger.Level.fromEnvironment("COPYTHAT_TEST_LOG_LEVEL") == nil)
    }
}

@Suite struct RFC3339Tests {
    @Test func formatsUTCWithMilliseconds() {
        #expect(RFC3339.format(secondsSinceEpoch: 0) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.format(secondsSinceEpoch: 951_782_400.123) == "2000-02-29T00:00:00.123Z")
        #expect(RFC3339.format(secondsSinceEpoch: 1_795_419_644.9999) == "2026-11-23T07:40:44.999Z")
    }
}
