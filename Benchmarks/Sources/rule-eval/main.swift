import Alerting
import BenchmarkSupport
import Glibc

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - self.count)) + self }
}

// One evaluation of the shipped rules (alerts/copythat.rules.yml) over 10,000 series holding one hour of 15-second
// samples, and the memory each held sample costs. No peer runs in process; the targets are under 20 ms per
// evaluation and under 16 bytes per sample.

let repository = #filePath.split(separator: "/").dropLast(4).joined(separator: "/")
let groups = try RuleFileLoader.load(path: "/" + repository + "/alerts/copythat.rules.yml")

let step: Int64 = 15_000
let steps = 240  // one hour
var store = SampleStore()
var seriesCount = 0

/// Adds one series whose value at step i is `value(i)`.
@MainActor func add(_ pairs: [(String, String)], _ value: (Int) -> Double) {
    guard let id = store.id(for: Labels(pairs)) else { fatalError("the store's series limit is below this benchmark's") }
    for index in 0..<steps { store.append(id: id, t: Int64(index) * step, v: value(index)) }
    seriesCount += 1
}

let jobs = (0..<10).map { "api-\($0)" }
let endpoints = (0..<20).map { "/api/v1/resource\($0)/{id}" }
let statuses = ["200", "201", "404", "500", "503"]
let buckets = ["0.01", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]
// http_requests_total: 10 jobs × 20 endpoints × 5 statuses × 4 methods = 4,000 series.
for job in jobs {
    for endpoint in endpoints {
        for status in statuses {
            for method in ["GET", "POST", "PUT", "DELETE"] {
                let speed = status.hasPrefix("5") ? 0.2 : 3.0
                add([
                    ("__name__", "http_requests_total"), ("job", job), ("instance", job + ":8000"), ("method", method),
                    ("endpoint", endpoint), ("status", status),
                ]) {
                    (Double($0) * speed * 15).rounded()
                }
            }
        }
    }
}
// http_request_duration_seconds_bucket: 10 jobs × 20 endpoints × 2 methods × 10 buckets = 4,000 series.
for job in jobs {
    for endpoint in endpoints {
        for method in ["GET", "POST"] {
            for (rank, bucket) in buckets.enumerated() {
                add([
                    ("__name__", "http_request_duration_seconds_bucket"), ("job", job), ("instance", job + ":8000"), ("method", method),
                    ("endpoint", endpoint), ("le", bucket),
                ]) {
                    Double($0) * Double(rank + 1) * 4
                }
            }
        }
    }
}
// The rest of the catalogue, to 10,000: pools, AI cost, rate limits, probes, up.
let models = (0..<20).map { "model-\($0)" }
for job in jobs {
    for state in ["idle", "active", "overflow"] {
        add([("__name__", "db_pool_connections"), ("job", job), ("instance", job + ":8000"), ("state", state)]) { Double($0 % 20) }
    }
    for model in models {
        add([("__name__", "ai_cost_usd_total"), ("job", job), ("instance", job + ":8000"), ("model", model)]) { Double($0) * 0.01 }
    }
}
var filler = 0
while seriesCount < 10_000 {
    let job = jobs[filler % jobs.count]
    switch filler % 4 {
    case 0: add([("__name__", "rate_limit_hits_total"), ("job", job), ("limit_type", "t\(filler)")]) { Double($0) }
    case 1:
        add([
            ("__name__", "probe_success"), ("job", "copythat-exporter"), ("dependency", "d\(filler)"),
            ("type", filler % 8 == 1 ? "postgres" : "http"),
        ]) { _ in 1 }
    case 2: add([("__name__", "up"), ("job", "copythat-\(filler)"), ("instance", "i\(filler)")]) { _ in 1 }
    default: add([("__name__", "ai_tokens_used_total"), ("job", job), ("model", "m\(filler)"), ("type", "input")]) { Double($0) * 100 }
    }
    filler += 1
}

// With RULE_EVAL_OPENMETRICS=FILE the program writes the same series as OpenMetrics for `promtool tsdb
// create-blocks-from openmetrics`, the last sample at RULE_EVAL_END_MS (Unix milliseconds), and exits: the peer run
// in Benchmarks/rule-eval-bench loads it into Prometheus.
if let path = getenv("RULE_EVAL_OPENMETRICS").map({ String(cString: $0) }) {
    let end = getenv("RULE_EVAL_END_MS").flatMap { Int64(String(cString: $0)) } ?? 0
    guard let file = fopen(path, "w") else { fatalError("cannot write \(path)") }
    let shift = end - Int64(steps - 1) * step
    store.forEachSeries { labels, points in
        let name = labels.name
        let rest = labels.items.filter { $0.name != "__name__" }.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ",")
        let prefix = name + (rest.isEmpty ? "" : "{" + rest + "}") + " "
        for point in points {
            let t = point.t + shift
            fputs(prefix + "\(point.v) \(t / 1000).\(String(t % 1000).leftPadded(3))\n", file)
        }
    }
    fputs("# EOF\n", file)
    fclose(file)
    exit(0)
}

let now = Int64(steps - 1) * step
let cache = SelectorCache()
let options = EvaluationOptions()

@MainActor func evaluateOnce() -> Double {
    // Fresh rule states each time, the same store: what an evaluation writes (ALERTS at `now`) is there after the
    // first one, so later rounds write nothing new and every round does the same work.
    var states = groups.map(RuleGroupState.init)
    return Benchmark.time {
        for index in states.indices { _ = states[index].evaluate(at: now, store: &store, options: options, cache: cache) }
    }
}

// Warm-up (the first evaluation fills the selector cache), then the median of 15.
for _ in 0..<2 { _ = evaluateOnce() }
let times = (0..<15).map { _ in evaluateOnce() / 1e6 }.sorted()
if Benchmark.isSelected("rule_eval_10k_series") {
    Benchmark.printLine(name: "rule_eval_10k_series", unit: "ms", ours: times[times.count / 2], peer: "none", peerValue: nil, speedup: nil)
}
// A rule with a subquery (the peer evaluates the same one, Benchmarks/rule-eval-bench): the 5xx rate's 30-minute
// peak at 1-minute steps, per job.
let subqueryRule = try RuleFileLoader.parse(
    """
    groups:
      - name: subquery
        rules:
          - alert: ErrorRatePeak
            expr: max_over_time(sum by (job) (rate(http_requests_total{status=~"5.."}[5m]))[30m:1m]) > 1
    """,
    file: "subquery.rules.yml"
)
/// Times `body` `rounds` times after two warm-up rounds and prints the median in milliseconds as case `name`.
@MainActor func printMedian(_ name: String, rounds: Int, _ body: () -> Void) {
    let samples = (0..<rounds + 2).map { _ in Benchmark.time(body) / 1e6 }.dropFirst(2).sorted()
    Benchmark.printLine(name: name, unit: "ms", ours: samples[samples.count / 2], peer: "none", peerValue: nil, speedup: nil)
}
if Benchmark.isSelected("rule_eval_subquery") {
    printMedian("rule_eval_subquery", rounds: 10) {
        var states = subqueryRule.map(RuleGroupState.init)
        for index in states.indices { _ = states[index].evaluate(at: now, store: &store, options: options, cache: cache) }
    }
}
// query_range over the last hour at 15 s steps for 1,000 series (5 jobs × 20 endpoints × 5 statuses × 2 methods),
// answered as the exporter's /api/v1/query_range answers (the JSON body included, not the HTTP exchange).
let rangeQuery = #"rate(http_requests_total{job=~"api-[0-4]",method=~"GET|POST"}[5m])"#
if Benchmark.isSelected("query_range_1h_1k_series") {
    let parameters = [
        "query": rangeQuery, "start": String(Double(now - 3_600_000 + step) / 1000), "end": String(Double(now) / 1000), "step": "15",
    ]
    var bodyBytes = 0
    printMedian("query_range_1h_1k_series", rounds: 5) {
        let answer = QueryAPI.range(
            parameters: parameters,
            store: store,
            options: options,
            window: QueryAPI.Window(oldest: 0, retention: 3_600_000)
        )
        bodyBytes = answer.body.count
    }
    _ = "rule-eval: query_range body \(bodyBytes) bytes\n".withCString { write(2, $0, strlen($0)) }
}
if Benchmark.isSelected("rule_store_bytes_per_sample") {
    let perSample = Double(store.sampleBytes) / Double(store.sampleCount)
    Benchmark.printLine(
        name: "rule_store_bytes_per_sample",
        unit: "bytes/sample",
        ours: perSample,
        peer: "none",
        peerValue: nil,
        speedup: nil
    )
}
