import Foundation
import Logging
import Testing

@testable import JSONLogging

/// The access-line path writes exactly what the general path writes for the same fields as strings: same keys,
/// same order, same values, same masking, the same winner of a key clash.
@Suite struct AccessLineTests {
    /// The line without its timestamp, which differs between two calls.
    static func withoutTimestamp(_ line: String) -> String {
        guard let comma = line.firstIndex(of: ",") else { return line }
        return String(line[comma...])
    }

    static func generalFields(_ fields: AccessLogFields, duration: String) -> [(key: String, value: String, trusted: Bool)] {
        var result: [(key: String, value: String, trusted: Bool)] = [
            ("method", fields.method, true), ("route", fields.route, true), ("path", fields.path, false),
            ("status", String(fields.status), true), ("duration_ms", duration, true),
        ]
        if let address = fields.clientAddress { result.append(("client_address", address, false)) }
        return result
    }

    @Test(
        arguments: [
            // (handler metadata, provider metadata, client address, microseconds)
            // No logger metadata (the fast path), with and without an address.
            ([:], [:], nil, 0),
            ([:], [:], "10.0.0.1", 1_500),
            (["request_id": "abc"], [:], "10.0.0.1", 1_234),
            (["request_id": "abc", "aaa": "first", "zzz": "last"], ["tenant": "t1"], "::1", 12_000_000),
            // Keys the access fields override, a reserved key, a sensitive key, and a provider clash.
            (["status": "shadowed", "path": "shadowed", "message": "reserved", "api_key": "sk-secret"], ["status": "also"], nil, 999),
            (["client_address": "shadowed", "duration_ms": "shadowed"], ["request_id": "p"], "192.168.0.7", 42),
            // A request id that is not a plain token is scanned like any value.
            (["request_id": "token=sk-ant-api03-abcdefghijklmnopqrstuvwxyz"], [:], nil, 5),
            (["request_id": "0123456789abcdef0123456789abcdef"], [:], nil, 5),
        ] as [([String: String], [String: String], String?, Int64)]
    )
    func matchesTheGeneralPath(handler: [String: String], provided: [String: String], address: String?, microseconds: Int64) throws {
        try self.compareThePaths(handler: handler, provided: provided, address: address, microseconds: microseconds)
    }

    /// The task's request id: written between `path` and `route`, overridden by the logger's own, scanned when it is
    /// not a plain token.
    @Test(
        arguments: [
            // (task's id, handler metadata, provider metadata)
            ("0123456789abcdef0123456789abcdef", [:], [:]),
            ("from-task", ["request_id": "from-handler"], [:]),
            ("from-task", [:], ["request_id": "from-provider"]),
            ("from-task", ["aaa": "1", "qqq": "2", "zzz": "3"], ["rrr": "4"]),
            ("token=sk-ant-api03-abcdefghijklmnopqrstuvwxyz", [:], [:]),
        ] as [(String, [String: String], [String: String])]
    )
    func theTasksRequestIDMatchesTheGeneralPath(id: String, handler: [String: String], provided: [String: String]) throws {
        let lines = try LogContext.$requestID.withValue(id) {
            try self.compareThePaths(handler: handler, provided: provided, address: "10.0.0.1", microseconds: 7)
        }
        let object = try decode(lines[0])
        let expected = handler["request_id"] ?? provided["request_id"] ?? id
        if expected.contains("sk-ant") {
            #expect(object["request_id"] as? String != expected)
        } else {
            #expect(object["request_id"] as? String == expected)
        }
        #expect(lines[0].components(separatedBy: "\"request_id\"").count == 2)
    }

    /// Exactly letters, digits, `-`, `_` and `.` are allowed, checked against every ASCII character and beyond.
    @Test func aWellFormedRequestIDHasOnlyTheSafeCharacters() {
        let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.".unicodeScalars)
        for value in UInt8(0)...127 {
            let scalar = Unicode.Scalar(value)
            #expect(JSONLogHandler.isWellFormedRequestID("id" + String(scalar)) == safe.contains(scalar), "\(value)")
        }
        for text in ["é", "日本", "id\u{7F}", "😀"] {
            #expect(!JSONLogHandler.isWellFormedRequestID(text))
        }
        #expect(JSONLogHandler.isWellFormedRequestID(String(repeating: "a", count: 128)))
        #expect(!JSONLogHandler.isWellFormedRequestID(String(repeating: "a", count: 129)))
        #expect(!JSONLogHandler.isWellFormedRequestID(""))
    }

    /// Writes one access line both ways and checks they match; returns the two lines.
    @discardableResult
    func compareThePaths(handler: [String: String], provided: [String: String], address: String?, microseconds: Int64) throws -> [String] {
        let sink = InMemoryLogSink()
        var handlerValue = JSONLogHandler(
            label: "api",
            sink: sink,
            logLevel: .info,
            metadataProvider: provided.isEmpty ? nil : Logger.MetadataProvider { provided.mapValues { .string($0) } }
        )
        for (key, value) in handler { handlerValue[metadataKey: key] = .string(value) }
        let fields = AccessLogFields(
            method: "GET",
            route: "/api/v1/projects/{id}",
            path: "/api/v1/projects/42?token=sk-ant-api03-abcdefghijklmnopqrstuvwxyz",
            status: 404,
            durationMicroseconds: microseconds,
            clientAddress: address
        )
        let callSite = LogCallSite(message: "request", source: "test", file: "F", function: "f", line: 1)
        handlerValue.logAccess(level: .info, fields: fields, callSite: callSite)
        let duration = String((Double(microseconds) / 1000 * 1000).rounded() / 1000)
        handlerValue.log(
            level: .info,
            message: "request",
            fields: Self.generalFields(fields, duration: duration),
            source: "test",
            file: "F",
            function: "f",
            line: 1
        )
        let lines = sink.lines
        try #require(lines.count == 2)
        #expect(Self.withoutTimestamp(lines[0]) == Self.withoutTimestamp(lines[1]))
        #expect(!lines[0].contains("sk-ant-api03") && !lines[0].contains("sk-secret"))
        _ = try decode(lines[0])
        return lines
    }

    @Test(
        arguments: [(0, "0.0"), (1, "0.001"), (10, "0.01"), (1_500, "1.5"), (12_000, "12.0"), (123_456_789, "123456.789")]
            as [(Int64, String)]
    )
    func millisecondsArePrintedAsSwiftPrintsTheDouble(microseconds: Int64, expected: String) {
        var writer = JSONWriter(capacity: 16)
        writer.appendQuotedMilliseconds(microseconds: microseconds)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "\"\(expected)\"")
        #expect(String(Double(microseconds) / 1000) == expected)
    }

    @Test func belowTheLevelNothingIsWritten() {
        let sink = InMemoryLogSink()
        let handler = JSONLogHandler(label: "api", sink: sink, logLevel: .warning, metadataProvider: nil)
        let fields = AccessLogFields(method: "GET", route: "/", path: "/", status: 200, durationMicroseconds: 1, clientAddress: nil)
        handler.logAccess(level: .info, fields: fields, callSite: LogCallSite(message: "request", source: "test"))
        #expect(sink.lines.isEmpty)
    }
}
