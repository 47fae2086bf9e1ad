import BenchmarkSupport
import CoreMetrics
import Prometheus
import PrometheusRegistry

// registry-bench: PrometheusRegistry against swift-prometheus 2.4.1, in one process, interleaved.
// Prints one JSON line per case (see DESIGN.md, "Benchmarks").

let peerName = "swift-prometheus 2.4.1"
let seedBuckets: [Double] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
let benchmark = Benchmark()

// MARK: counter_inc
if Benchmark.isSelected("counter_inc") {
    let ours = try PrometheusRegistry().makeCounter(name: "requests_total", help: "Requests.")
    let theirs = PrometheusCollectorRegistry().makeCounter(
        descriptor: .init(metricName: "requests", unitName: "total", helpText: "Requests.")
    )
    benchmark.compare("counter_inc", iterations: 2_000_000, peer: peerName) { n in
        Benchmark.time { for _ in 0..<n { ours.inc() } }
    } theirs: { n in
        Benchmark.time { for _ in 0..<n { theirs.increment() } }
    }
}

// MARK: counter_labeled_inc
if Benchmark.isSelected("counter_labeled_inc") {
    let ours = try PrometheusRegistry().makeCounterFamily(
        name: "http_requests_total",
        help: "Requests.",
        labelNames: ["method", "endpoint", "status"]
    )
    let peerRegistry = PrometheusCollectorRegistry()
    let descriptor = MetricNameDescriptor(metricName: "http_requests", unitName: "total", helpText: "Requests.")
    // A realistic handful of series already exists, as in a running API.
    let endpoints = ["/api/v1/projects", "/api/v1/projects/{id}", "/api/v1/extract", "/health"]
    for endpoint in endpoints {
        _ = try ours.labels("GET", endpoint, "200")
        _ = peerRegistry.makeCounter(descriptor: descriptor, labels: [("method", "GET"), ("endpoint", endpoint), ("status", "200")])
    }
    benchmark.compare("counter_labeled_inc", iterations: 300_000, peer: peerName) { n in
        Benchmark.time {
            for index in 0..<n { try! ours.labels("GET", endpoints[index & 3], "200").inc() }
        }
    } theirs: { n in
        Benchmark.time {
            for index in 0..<n {
                peerRegistry.makeCounter(
                    descriptor: descriptor,
                    labels: [("method", "GET"), ("endpoint", endpoints[index & 3]), ("status", "200")]
                ).increment()
            }
        }
    }
}

// MARK: histogram_observe
if Benchmark.isSelected("histogram_observe") {
    let ours = try PrometheusRegistry().makeHistogram(name: "latency_seconds", help: "Latency.", buckets: seedBuckets)
    let theirs = PrometheusCollectorRegistry().makeValueHistogram(
        descriptor: .init(metricName: "latency", unitName: "seconds", helpText: "Latency."),
        buckets: seedBuckets
    )
    let values = (0..<1024).map { Double($0 % 200) / 100 }
    benchmark.compare("histogram_observe", iterations: 1_000_000, peer: peerName) { n in
        Benchmark.time { for index in 0..<n { ours.observe(values[index & 1023]) } }
    } theirs: { n in
        Benchmark.time { for index in 0..<n { theirs.record(values[index & 1023]) } }
    }
}

// MARK: histogram_labeled_observe
if Benchmark.isSelected("histogram_labeled_observe") {
    let ours = try PrometheusRegistry().makeHistogramFamily(
        name: "http_request_duration_seconds",
        help: "Latency.",
        labelNames: ["method", "endpoint"],
        buckets: seedBuckets
    )
    let peerRegistry = PrometheusCollectorRegistry()
    let descriptor = MetricNameDescriptor(metricName: "http_request_duration", unitName: "seconds", helpText: "Latency.")
    let endpoints = ["/api/v1/projects", "/api/v1/projects/{id}", "/api/v1/extract", "/health"]
    benchmark.compare("histogram_labeled_observe", iterations: 300_000, peer: peerName) { n in
        Benchmark.time {
            for index in 0..<n { try! ours.labels("GET", endpoints[index & 3]).observe(0.042) }
        }
    } theirs: { n in
        Benchmark.time {
            for index in 0..<n {
                peerRegistry.makeValueHistogram(
                    descriptor: descriptor,
                    labels: [("method", "GET"), ("endpoint", endpoints[index & 3])],
                    buckets: seedBuckets
                ).record(0.042)
            }
        }
    }
}

// MARK: gauge_set
if Benchmark.isSelected("gauge_set") {
    let ours = try PrometheusRegistry().makeGauge(name: "pool_connections", help: "Pool.")
    let theirs = PrometheusCollectorRegistry().makeGauge(descriptor: .init(metricName: "pool_connections", unitName: "", helpText: "Pool."))
    benchmark.compare("gauge_set", iterations: 2_000_000, peer: peerName) { n in
        Benchmark.time { for index in 0..<n { ours.set(Double(index)) } }
    } theirs: { n in
        Benchmark.time { for index in 0..<n { theirs.set(Double(index)) } }
    }
}

// MARK: render_1k_series, render_10k_series (ns per series)
for seriesCount in [1_000, 10_000] where Benchmark.isSelected(seriesCount == 1_000 ? "render_1k_series" : "render_10k_series") {
    let ours = PrometheusRegistry()
    let peerRegistry = PrometheusCollectorRegistry()
    let family = try ours.makeCounterFamily(name: "http_requests_total", help: "Requests.", labelNames: ["method", "endpoint", "status"])
    let descriptor = MetricNameDescriptor(metricName: "http_requests", unitName: "total", helpText: "Requests.")
    for index in 0..<seriesCount {
        let endpoint = "/api/v1/resource\(index / 10)"
        let status = String(200 + index % 10)
        try family.labels("GET", endpoint, status).inc(by: index)
        peerRegistry.makeCounter(descriptor: descriptor, labels: [("method", "GET"), ("endpoint", endpoint), ("status", status)])
            .increment(by: Int64(index))
    }
    let renders = 10_000_000 / seriesCount / 50
    benchmark.compare(seriesCount == 1_000 ? "render_1k_series" : "render_10k_series", iterations: renders * seriesCount, peer: peerName) {
        n in
        Benchmark.time { for _ in 0..<(n / seriesCount) { blackHole(ours.render()) } }
    } theirs: { n in
        Benchmark.time {
            for _ in 0..<(n / seriesCount) {
                var buffer: [UInt8] = []
                peerRegistry.emit(into: &buffer)
                blackHole(buffer)
            }
        }
    }
}

// MARK: counter_inc_2_threads (ns per increment, wall clock)
if Benchmark.isSelected("counter_inc_2_threads") {
    let ours = try PrometheusRegistry().makeCounter(name: "requests_total", help: "Requests.")
    let theirs = PrometheusCollectorRegistry().makeCounter(
        descriptor: .init(metricName: "requests", unitName: "total", helpText: "Requests.")
    )
    benchmark.compare("counter_inc_2_threads", iterations: 2_000_000, peer: peerName) { n in
        timeOnThreads(2) { for _ in 0..<(n / 2) { ours.inc() } }
    } theirs: { n in
        timeOnThreads(2) { for _ in 0..<(n / 2) { theirs.increment() } }
    }
}

// MARK: series_create_10k (ns per new series while one family grows to 10,000)
if Benchmark.isSelected("series_create_10k") {
    let labelValues = (0..<10_000).map { "user-\($0)" }
    Benchmark(rounds: 5, warmUpRounds: 1).compare("series_create_10k", iterations: 10_000, peer: peerName) { n in
        let registry = PrometheusRegistry()
        let family = try! registry.makeCounterFamily(name: "user_requests_total", help: "Per user.", labelNames: ["user"])
        return Benchmark.time { for index in 0..<n { try! family.labels(labelValues[index]).inc() } }
    } theirs: { n in
        let registry = PrometheusCollectorRegistry()
        let descriptor = MetricNameDescriptor(metricName: "user_requests", unitName: "total", helpText: "Per user.")
        return Benchmark.time {
            for index in 0..<n { registry.makeCounter(descriptor: descriptor, labels: [("user", labelValues[index])]).increment() }
        }
    }
}

// MARK: swift_metrics_request (a counter and a timer with 3 dimensions, as Hummingbird's middleware per request)
if Benchmark.isSelected("swift_metrics_request") {
    let ours = RegistryMetricsFactory(registry: PrometheusRegistry())
    let theirs = PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())
    let routes = ["/api/v1/projects", "/api/v1/projects/{id}", "/api/v1/extract", "/health"]
    func request(_ factory: some MetricsFactory, _ index: Int) {
        let dimensions = [("http.route", routes[index & 3]), ("http.request.method", "GET"), ("http.response.status_code", "200")]
        factory.makeCounter(label: "hb.requests", dimensions: dimensions).increment(by: 1)
        factory.makeTimer(label: "http.server.request.duration", dimensions: dimensions).recordNanoseconds(1_500_000)
    }
    benchmark.compare("swift_metrics_request", iterations: 20_000, peer: peerName) { n in
        Benchmark.time { for index in 0..<n { request(ours, index) } }
    } theirs: { n in
        Benchmark.time { for index in 0..<n { request(theirs, index) } }
    }
}
