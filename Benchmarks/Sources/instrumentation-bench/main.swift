import BenchmarkSupport
import CopyThatInstrumentation
import Glibc
import Hummingbird
import JSONLogging
import Logging
import NIOEmbedded
import PrometheusRegistry

// instrumentation-bench: what the request-id, metrics and access-log middleware add to a request, measured as the
// same route answered through the router with and without them, in one process, interleaved.

let devNull = open("/dev/null", O_WRONLY)
let logger = Logger(label: "api") {
    JSONLogHandler(label: $0, sink: FileDescriptorLogSink(descriptor: devNull), logLevel: .info, metadataProvider: nil)
}
// The same logger over a BufferedLogSink: lines copied to memory, written in batches by the sink's own thread.
let bufferedLogger = Logger(label: "api") {
    JSONLogHandler(label: $0, sink: BufferedLogSink(descriptor: devNull), logLevel: .info, metadataProvider: nil)
}
let registry = PrometheusRegistry()
let metrics = try CopyThatMetrics(registry: registry, version: "bench", environment: "bench")

/// The benchmark's route behind the middlewares `configure` adds.
func route(_ configure: (Router<BasicRequestContext>) -> Void = { _ in }) -> any HTTPResponder<BasicRequestContext> {
    let router = Router()
    configure(router)
    router.get("/api/v1/projects/{id}") { _, _ in "ok" }
    return router.buildResponder()
}

let bareResponder = route()
// The recommended wiring: the three jobs in one middleware.
let instrumentedResponder = route { $0.add(middleware: RequestInstrumentationMiddleware(metrics: metrics)) }
// The same three as separate middlewares in a chain, and each alone, to show where the overhead goes.
let single: [(String, any HTTPResponder<BasicRequestContext>)] = [
    (
        "middleware_chain_overhead",
        route {
            $0.add(middleware: RequestIDMiddleware())
            $0.add(middleware: HTTPMetricsMiddleware(metrics: metrics))
            $0.add(middleware: AccessLogMiddleware())
        }
    ),
    ("middleware_request_id_alone", route { $0.add(middleware: RequestIDMiddleware()) }),
    // What the access line costs: the combined middleware writing none.
    (
        "middleware_overhead_without_access_line",
        route { $0.add(middleware: RequestInstrumentationMiddleware(metrics: metrics, accessLogLevel: nil)) }
    ),
    // The floor: a middleware that only calls the next responder.
    ("middleware_pass_through_alone", route { $0.add(middleware: PassThroughMiddleware()) }),
    ("middleware_metrics_alone", route { $0.add(middleware: HTTPMetricsMiddleware(metrics: metrics)) }),
    ("middleware_access_log_alone", route { $0.add(middleware: AccessLogMiddleware()) }),
]
let channel = EmbeddedChannel()

/// A middleware that does nothing but call the next responder: what any middleware costs.
struct PassThroughMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await next(request, context)
    }
}

func request() -> Request {
    Request(
        head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/api/v1/projects/42"),
        body: .init(buffer: ByteBuffer())
    )
}

/// Answers `count` requests through `responder` and returns the nanoseconds taken.
func run(_ responder: any HTTPResponder<BasicRequestContext>, _ count: Int, logger: Logger = logger) async -> Double {
    let start = ContinuousClock.now
    for _ in 0..<count {
        let context = BasicRequestContext(source: .init(channel: channel, logger: logger))
        _ = try? await responder.respond(to: request(), context: context)
    }
    let (seconds, attoseconds) = (ContinuousClock.now - start).components
    return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
}

/// The median time `responder` adds over the bare route, per request, interleaved round by round.
func added(
    _ responder: any HTTPResponder<BasicRequestContext>,
    iterations: Int,
    rounds: Int,
    logger: Logger = logger
) async -> (added: Double, baseline: Double) {
    // BENCH_PROFILE=ours answers through `responder` only, for `perf record`: the figure is the whole request's time,
    // not what the middleware adds, and there is no baseline.
    if let side = getenv("BENCH_PROFILE").map({ String(cString: $0) }), side == "ours" {
        var times: [Double] = []
        for _ in 0..<rounds * 2 {
            times.append(await run(responder, iterations, logger: logger) / Double(iterations))
        }
        return (times.sorted()[times.count / 2], 0)
    }
    for _ in 0..<2 {
        _ = await run(bareResponder, iterations, logger: logger)
        _ = await run(responder, iterations, logger: logger)
    }
    var added: [Double] = []
    var baseline: [Double] = []
    for round in 0..<rounds {
        let without: Double
        let with: Double
        if round % 2 == 0 {
            without = await run(bareResponder, iterations, logger: logger)
            with = await run(responder, iterations, logger: logger)
        } else {
            with = await run(responder, iterations, logger: logger)
            without = await run(bareResponder, iterations, logger: logger)
        }
        baseline.append(without / Double(iterations))
        added.append((with - without) / Double(iterations))
    }
    let median = { (values: [Double]) -> Double in values.sorted()[values.count / 2] }
    return (median(added), median(baseline))
}

if Benchmark.isSelected("middleware_overhead") {
    let result = await added(instrumentedResponder, iterations: 50_000, rounds: 15)
    Benchmark.printLine(name: "middleware_overhead", unit: "ns/op", ours: result.added, peer: "none", peerValue: nil, speedup: nil)
    if result.baseline > 0 {
        Benchmark.printLine(
            name: "route_without_middleware",
            unit: "ns/op",
            ours: result.baseline,
            peer: "none",
            peerValue: nil,
            speedup: nil
        )
    }
}

if Benchmark.isSelected("middleware_overhead_buffered_sink") {
    let result = await added(instrumentedResponder, iterations: 50_000, rounds: 15, logger: bufferedLogger)
    Benchmark.printLine(
        name: "middleware_overhead_buffered_sink",
        unit: "ns/op",
        ours: result.added,
        peer: "none",
        peerValue: nil,
        speedup: nil
    )
}

for (name, responder) in single where Benchmark.isSelected(name) {
    let result = await added(responder, iterations: 30_000, rounds: 9)
    Benchmark.printLine(name: name, unit: "ns/op", ours: result.added, peer: "none", peerValue: nil, speedup: nil)
}
