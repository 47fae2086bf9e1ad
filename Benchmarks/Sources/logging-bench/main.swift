import BenchmarkSupport
import Glibc
import JSONLogging
import Logging

// logging-bench: JSONLogHandler against swift-log's StreamLogHandler, both writing to /dev/null with one write(2)
// per line, in one process, interleaved. Prints one JSON line per case (see DESIGN.md, "Benchmarks").

/// A TextOutputStream for StreamLogHandler that writes each string with one write(2), as our sink does.
struct DevNullStream: TextOutputStream, Sendable {
    let descriptor: Int32
    mutating func write(_ string: String) {
        var string = string
        string.withUTF8 { _ = Glibc.write(self.descriptor, $0.baseAddress, $0.count) }
    }
}

let devNull = open("/dev/null", O_WRONLY)
let ours = Logger(label: "copythat.api") { label in
    JSONLogHandler(label: label, sink: FileDescriptorLogSink(descriptor: devNull), logLevel: .info, metadataProvider: nil)
}
let theirs = Logger(label: "copythat.api") { label in
    var handler = StreamLogHandler(label: label, stream: DevNullStream(descriptor: devNull))
    handler.logLevel = .info
    return handler
}
let peerName = "swift-log StreamLogHandler"
let benchmark = Benchmark()

benchmark.compare("log_plain", iterations: 200_000, peer: peerName) { n in
    Benchmark.time { for _ in 0..<n { ours.info("request completed") } }
} theirs: { n in
    Benchmark.time { for _ in 0..<n { theirs.info("request completed") } }
}

let metadata: Logger.Metadata = ["request_id": "4f1c2a9e-77b1-4d0e-9a55-0c3b1f2d9e10", "user_id": "u-1842", "status": "200"]
benchmark.compare("log_with_metadata", iterations: 200_000, peer: peerName) { n in
    Benchmark.time { for _ in 0..<n { ours.info("request completed", metadata: metadata) } }
} theirs: { n in
    Benchmark.time { for _ in 0..<n { theirs.info("request completed", metadata: metadata) } }
}

benchmark.compare("log_below_level", iterations: 2_000_000, peer: peerName) { n in
    Benchmark.time { for _ in 0..<n { ours.debug("not written") } }
} theirs: { n in
    Benchmark.time { for _ in 0..<n { theirs.debug("not written") } }
}
