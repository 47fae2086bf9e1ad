import Foundation
import Testing

@testable import JSONLogging

/// BufferedLogSink against a real file: order, completeness, flush on interval, on a full buffer and on release.
@Suite struct BufferedLogSinkTests {
    /// A temporary file and a descriptor writing to it.
    final class TemporaryFile {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("buffered-\(UUID().uuidString).log").path
        let descriptor: Int32

        init() {
            self.descriptor = open(self.path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        }

        deinit {
            close(self.descriptor)
            unlink(self.path)
        }

        var contents: String { (try? String(contentsOfFile: self.path, encoding: .utf8)) ?? "" }
    }

    @Test func everyLineArrivesWholeAndInOrderFromConcurrentWriters() throws {
        let file = TemporaryFile()
        let sink = BufferedLogSink(descriptor: file.descriptor, capacity: 4096, flushInterval: .seconds(60))
        let threads = 4
        let perThread = 5_000
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in 0..<perThread {
                sink.write(
                    line: Array("{\"thread\":\(thread),\"index\":\(index),\"pad\":\"\(String(repeating: "x", count: index % 50))\"}\n".utf8)
                )
            }
        }
        sink.flush()
        let lines = file.contents.split(separator: "\n")
        #expect(lines.count == threads * perThread)
        var next = Array(repeating: 0, count: threads)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let thread = try #require(object["thread"] as? Int)
            #expect(object["index"] as? Int == next[thread], "lines of one thread keep their order")
            next[thread] += 1
        }
        #expect(next == Array(repeating: perThread, count: threads))
    }

    @Test func pendingLinesAreWrittenWithinTheFlushInterval() async throws {
        let file = TemporaryFile()
        let sink = BufferedLogSink(descriptor: file.descriptor, capacity: 4096, flushInterval: .milliseconds(50))
        sink.write(line: Array("one\n".utf8))
        #expect(file.contents == "", "buffered, not yet written")
        let deadline = ContinuousClock.now + .seconds(5)
        while file.contents.isEmpty && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(file.contents == "one\n")
        withExtendedLifetime(sink) {}
    }

    @Test func aFullBufferIsWrittenBeforeTheLineThatDoesNotFitAndAnOversizedLineGoesStraightThrough() {
        let file = TemporaryFile()
        let sink = BufferedLogSink(descriptor: file.descriptor, capacity: 10, flushInterval: .seconds(60))
        sink.write(line: Array("aaaaaa\n".utf8))
        #expect(file.contents == "")
        sink.write(line: Array("bbbbbb\n".utf8))
        #expect(file.contents == "aaaaaa\n")
        sink.write(line: Array("a line longer than the buffer\n".utf8))
        #expect(file.contents == "aaaaaa\nbbbbbb\na line longer than the buffer\n")
        withExtendedLifetime(sink) {}
    }

    @Test func releasingTheSinkWritesWhatIsPending() {
        let file = TemporaryFile()
        var sink: BufferedLogSink? = BufferedLogSink(descriptor: file.descriptor, capacity: 4096, flushInterval: .seconds(60))
        sink?.write(line: Array("last words\n".utf8))
        #expect(file.contents == "")
        sink = nil
        #expect(file.contents == "last words\n")
    }

    @Test func theHandlerWritesThroughIt() throws {
        let file = TemporaryFile()
        let sink = BufferedLogSink(descriptor: file.descriptor, capacity: 4096, flushInterval: .seconds(60))
        let handler = JSONLogHandler(label: "api", sink: sink, logLevel: .info, metadataProvider: nil)
        handler.logAccess(
            level: .info,
            fields: AccessLogFields(method: "GET", route: "/", path: "/", status: 200, durationMicroseconds: 1500, clientAddress: nil),
            callSite: LogCallSite(message: "request", source: "test")
        )
        sink.flush()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(file.contents.utf8)) as? [String: Any])
        #expect(object["duration_ms"] as? String == "1.5")
    }
}
