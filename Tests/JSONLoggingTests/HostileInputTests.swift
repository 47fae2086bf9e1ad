import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

@testable import JSONLogging

/// Log lines with hostile content, read back by independent parsers (Python's `json`, `jq`).
@Suite struct HostileInputTests {
    static let hostileMessages: [String] = [
        "double \"quotes\" and \\backslashes\\",
        "newline\nand\r\ncarriage return\tand tab",
        "NUL\u{0}inside",
        String(decoding: (0..<32).map { UInt8($0) } + [0x7F], as: UTF8.self),
        // An encoded lone surrogate (invalid UTF-8): Swift repairs it to U+FFFD, and the line must stay valid JSON.
        String(decoding: [0x61, 0xED, 0xA0, 0x80, 0x62], as: UTF8.self),
        String(decoding: [0xFF, 0xFE, 0xC0, 0xAF], as: UTF8.self),
        "unicode ✓ ünï 中文 🚀 \u{2028}\u{2029} line separators",
        "</script><script>alert(1)</script>",
        String(repeating: "x", count: 1_000_000) + "\n" + String(repeating: "é", count: 1000),
    ]

    @Test func pythonReadsBackEveryMessageExactly() async throws {
        let sink = InMemoryLogSink()
        let logger = makeLogger(sink, redaction: .disabled)
        for message in Self.hostileMessages {
            logger.info("\(message)", metadata: ["echo": .string(message)])
        }
        let lines = sink.rawLines
        #expect(lines.count == Self.hostileMessages.count)
        for line in lines {
            #expect(line.last == UInt8(ascii: "\n"))
            #expect(line.dropLast().firstIndex(of: UInt8(ascii: "\n")) == nil, "a raw newline inside a line")
        }
        let script = """
            import sys, json
            for raw in sys.stdin.buffer.read().split(b'\\n'):
                if raw:
                    obj = json.loads(raw.decode('utf-8'))
                    assert obj['echo'] == obj['message']
                    print(obj['message'].encode('utf-8', 'surrogatepass').hex())
            """
        let output = try await ExternalTool.run("python3", ["-c", script], input: Data(lines.joined()))
        #expect(output.status == 0, "python: \(output.standardError.prefix(2000))")
        let decoded = output.standardOutput.split(separator: "\n").map(String.init)
        let expected = Self.hostileMessages.map { Array($0.utf8).map { String(format: "%02x", $0) }.joined() }
        #expect(decoded.count == expected.count)
        for (index, pair) in zip(decoded, expected).enumerated() {
            #expect(pair.0 == pair.1, "message \(index) changed")
        }
    }

    @Test func jqParsesEveryLine() async throws {
        let sink = InMemoryLogSink()
        let logger = makeLogger(sink, redaction: .disabled)
        for message in Self.hostileMessages {
            logger.error("\(message)", metadata: ["nested": ["k": .string(message), "list": [.string(message)]]])
        }
        let output = try await ExternalTool.run(
            "jq",
            ["-c", "[.level, (.message | length), (.nested.k == .message)]"],
            input: Data(sink.rawLines.joined())
        )
        #expect(output.status == 0, "jq: \(output.standardError.prefix(2000))")
        let results = output.standardOutput.split(separator: "\n")
        #expect(results.count == Self.hostileMessages.count)
        #expect(results.allSatisfy { $0.hasPrefix("[\"ERROR\",") && $0.hasSuffix(",true]") })
    }

    @Test func concurrentLoggersNeverInterleaveLinesInAFile() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("jsonlog-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = try FileDescriptorLogSink(appendingTo: path)
        let tasks = 8
        let linesPerTask = 50
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    let logger = Logger(label: "writer-\(task)") { JSONLogHandler(label: $0, sink: sink, logLevel: .info) }
                    let payload = String(repeating: Character(UnicodeScalar(UInt8(65 + task))), count: 70_000)
                    for index in 0..<linesPerTask {
                        logger.info("\(payload)", metadata: ["index": "\(index)"])
                    }
                }
            }
        }
        let output = try await ExternalTool.run("jq", ["-c", "[.logger, (.message | length)]", path])
        #expect(output.status == 0, "jq: \(output.standardError.prefix(500))")
        let lines = output.standardOutput.split(separator: "\n")
        #expect(lines.count == tasks * linesPerTask)
        #expect(lines.allSatisfy { $0.hasSuffix(",70000]") })
    }

    @Test func aBrokenDescriptorNeverCrashes() {
        let sink = FileDescriptorLogSink(descriptor: 987_654)
        let logger = Logger(label: "x") { JSONLogHandler(label: $0, sink: sink) }
        logger.info("goes nowhere")
        #expect(throws: LogSinkError.self) { try FileDescriptorLogSink(appendingTo: "/nonexistent-dir/x.log") }
    }
}
