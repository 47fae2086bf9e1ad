import CoreMetrics
import Testing

@testable import PrometheusRegistry

@Suite struct SwiftMetricsFactoryTests {
    let registry = PrometheusRegistry()
    var factory: RegistryMetricsFactory { RegistryMetricsFactory(registry: self.registry) }

    @Test func countersTimersRecordersAndMetersReachTheRegistry() throws {
        let factory = self.factory
        let dimensions = [("http.route", "/users/{id}"), ("http.request.method", "GET"), ("http.response.status_code", "200")]
        factory.makeCounter(label: "hb.requests", dimensions: dimensions).increment(by: 2)
        factory.makeFloatingPointCounter(label: "ai.cost", dimensions: []).increment(by: 0.5)
        factory.makeTimer(label: "http.server.request.duration", dimensions: dimensions).recordNanoseconds(30_000_000)
        factory.makeRecorder(label: "payload", dimensions: [], aggregate: true).record(Int64(3))
        factory.makeRecorder(label: "pool.size", dimensions: [], aggregate: false).record(Double(7))
        let meter = factory.makeMeter(label: "active", dimensions: [("m", "GET")])
        meter.increment(by: 3)
        meter.decrement(by: 1)
        let text = self.registry.renderString()
        let labels = #"http_request_method="GET",http_response_status_code="200",http_route="/users/{id}""#
        #expect(text.contains("# TYPE hb_requests counter\nhb_requests{\(labels)} 2\n"))
        #expect(text.contains("ai_cost 0.5\n"))
        #expect(text.contains("http_server_request_duration_bucket{\(labels),le=\"0.05\"} 1\n"))
        #expect(text.contains("http_server_request_duration_bucket{\(labels),le=\"0.025\"} 0\n"))
        #expect(text.contains("http_server_request_duration_sum{\(labels)} 0.03\n"))
        #expect(text.contains("# TYPE payload histogram\n"))
        #expect(text.contains("payload_count 1\n"))
        #expect(text.contains("pool_size 7\n"))
        #expect(text.contains("active{m=\"GET\"} 2\n"))
    }

    @Test func repeatedLookupsAreTheSameHandlerAndOrderDoesNotMatter() throws {
        let factory = self.factory
        let first = factory.makeCounter(label: "req", dimensions: [("a", "1"), ("b", "2")])
        let second = factory.makeCounter(label: "req", dimensions: [("a", "1"), ("b", "2")])
        let reordered = factory.makeCounter(label: "req", dimensions: [("b", "2"), ("a", "1")])
        #expect(first === second)
        first.increment(by: 1)
        reordered.increment(by: 1)
        #expect(self.registry.renderString().contains("req{a=\"1\",b=\"2\"} 2\n"))
    }

    @Test func differentDimensionSetsShareAFamily() throws {
        let factory = self.factory
        factory.makeCounter(label: "events", dimensions: []).increment(by: 1)
        factory.makeCounter(label: "events", dimensions: [("kind", "x")]).increment(by: 1)
        let text = self.registry.renderString()
        #expect(text.contains("events 1\nevents{kind=\"x\"} 1\n"))
        #expect(text.components(separatedBy: "# TYPE events").count == 2)
    }

    @Test func typeConflictsAndNegativeIncrementsAreCountedNotCrashes() throws {
        let factory = self.factory
        factory.makeCounter(label: "things", dimensions: []).increment(by: 1)
        factory.makeMeter(label: "things", dimensions: []).set(Int64(5))
        factory.makeCounter(label: "things", dimensions: []).increment(by: -3)
        let text = self.registry.renderString()
        #expect(text.contains("things 1\n"))
        #expect(text.contains("registry_type_conflicts_total{metric=\"things\"} 1\n"))
        #expect(text.contains("registry_rejected_updates_total{metric=\"things\"} 1\n"))
    }

    @Test func destroyRemovesTheSeriesAndResetZeroes() throws {
        let factory = self.factory
        let counter = factory.makeCounter(label: "gone", dimensions: [("k", "v")])
        counter.increment(by: 5)
        counter.reset()
        #expect(self.registry.renderString().contains("gone{k=\"v\"} 0\n"))
        factory.destroyCounter(counter)
        #expect(!self.registry.renderString().contains("gone{"))
        factory.makeCounter(label: "gone", dimensions: [("k", "v")]).increment(by: 1)
        #expect(self.registry.renderString().contains("gone{k=\"v\"} 1\n"))
    }

    @Test func worksThroughTheSwiftMetricsAPI() throws {
        let counter = CoreMetrics.Counter(label: "api.calls", dimensions: [("x", "y")], factory: self.factory)
        counter.increment(by: 4)
        let timer = CoreMetrics.Timer(label: "api.latency", factory: self.factory)
        timer.recordMilliseconds(250)
        let text = self.registry.renderString()
        #expect(text.contains("api_calls{x=\"y\"} 4\n"))
        #expect(text.contains("api_latency_sum 0.25\n"))
    }

    @Test func customBucketsByName() throws {
        let factory = RegistryMetricsFactory(registry: self.registry, configuration: .init(bucketsByName: ["job_duration": [1, 10]]))
        factory.makeTimer(label: "job.duration", dimensions: []).recordNanoseconds(5_000_000_000)
        let text = self.registry.renderString()
        #expect(
            text.contains("job_duration_bucket{le=\"1.0\"} 0\njob_duration_bucket{le=\"10.0\"} 1\njob_duration_bucket{le=\"+Inf\"} 1\n")
        )
    }
}
