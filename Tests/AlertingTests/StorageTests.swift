import Testing

@testable import Alerting

@Suite struct StorageTests {
    @Test func samplesAreKeptInOrderAndOutOfOrderOnesRefused() {
        var store = SampleStore()
        let labels = Labels([("__name__", "x")])
        let accepted = [(1000, 1.0), (2000, 2), (2000, 3), (1500, 3)].map { store.append(labels, t: Int64($0.0), v: $0.1) }
        #expect(accepted == [true, true, false, false])
        #expect(store.sampleCount == 2)
    }

    @Test func anHourOfSamplesCostsLessThanSixteenBytesEach() {
        var store = SampleStore()
        for series in 0..<500 {
            let labels = Labels([("__name__", "x"), ("id", "\(series)")])
            for step in 0..<240 { store.append(labels, t: Int64(step) * 15_000, v: Double(step)) }
        }
        #expect(store.sampleCount == 120_000)
        let perSample = Double(store.sampleBytes) / Double(store.sampleCount)
        #expect(perSample < 16, "\(perSample) bytes per sample")
    }

    @Test func droppingOldSamplesForgetsEmptySeries() {
        var store = SampleStore()
        let old = Labels([("__name__", "old")])
        let live = Labels([("__name__", "live")])
        store.append(old, t: 0, v: 1)
        for step in 0..<300 { store.append(live, t: Int64(step) * 1000, v: 1) }
        let generation = store.generation
        store.dropSamples(before: 200_000)
        #expect(store.seriesCount == 1)
        #expect(store.generation != generation)
        // Whole chunks go: the chunk holding 200 s is kept.
        #expect(store.sampleCount == 180)
        #expect(store.lastTime(of: live) == 299_000)
    }

    @Test func textFormatParserReadsTheRegistrysOwnOutput() throws {
        let text = """
            # HELP http_requests_total Requests.
            # TYPE http_requests_total counter
            http_requests_total{method="GET",endpoint="/a \\"b\\"\\\\n",status="200"} 12
            up 1 1700000000000
            nan_metric NaN
            inf_metric{le="+Inf"} +Inf

            """
        let lines = try TextFormatParser.parse(Array(text.utf8))
        #expect(lines.count == 4)
        #expect(lines[0].labels["endpoint"] == "/a \"b\"\\n")
        #expect(lines[0].value == 12)
        #expect(lines[2].value.isNaN)
        #expect(lines[3].value == .infinity)
        #expect(throws: PromQLError.self) { try TextFormatParser.parse(Array("x{a=\"1\" 2\n".utf8)) }
        #expect(throws: PromQLError.self) { try TextFormatParser.parse(Array("x abc\n".utf8)) }
        // Invalid UTF-8 fails the whole scrape with the line, in a label value, a name or a comment; valid UTF-8 passes.
        for bad in [
            Array("ok 1\nx{a=\"".utf8) + [0xC3, 0x28] + Array("\"} 1\n".utf8),
            Array("ok 1\n# HELP x ".utf8) + [0xFF] + Array("\nx 1\n".utf8),
        ] {
            do {
                _ = try TextFormatParser.parse(bad)
                Issue.record("accepted invalid UTF-8")
            } catch {
                #expect(error.message == "line 2: invalid UTF-8")
            }
        }
        #expect(try TextFormatParser.parse(Array("x{a=\"café ✓\"} 1\n".utf8)).first?.labels["a"] == "café ✓")
    }

    @Test func notificationQueueDropsTheOldestWhenFull() {
        var queue = NotificationQueue(capacity: 3)
        func alert(_ n: Int) -> OutgoingAlert {
            OutgoingAlert(labels: Labels([("n", "\(n)")]), annotations: Labels(), startsAt: 0, endsAt: 0, generatorURL: "", resolved: false)
        }
        #expect(queue.append(contentsOf: [alert(1), alert(2)]) == 0)
        #expect(queue.append(contentsOf: [alert(3), alert(4), alert(5)]) == 2)
        #expect(queue.next(upTo: 2).map { $0.labels["n"] } == ["3", "4"])
        #expect(queue.next(upTo: 2).map { $0.labels["n"] } == ["5"])
        #expect(queue.count == 0)
    }

    @Test func retentionCoversTheLongestRangeAndOnlyTheNamesRulesRead() throws {
        let groups = try RuleFileLoader.parse(
            """
            groups:
              - name: g
                rules:
                  - alert: A
                    expr: increase(cost[1h]) > 1 and up offset 5m == 1
            """,
            file: "inline.yml"
        )
        let plan = RetentionPlan(groups: groups, lookbackMilliseconds: 300_000)
        #expect(plan.milliseconds == 3_600_000 + 300_000)
        #expect(plan.keeps("cost") && plan.keeps("up") && plan.keeps("ALERTS"))
        #expect(!plan.keeps("other"))
    }

    /// A subquery's range and offset add to what its inner selectors need: max_over_time(rate(x[5m])[1h:1m] offset
    /// 10m) reads x back to 1 h 10 min plus 5 min before the evaluation, plus the lookback.
    @Test func retentionCoversSubqueries() throws {
        let groups = try RuleFileLoader.parse(
            """
            groups:
              - name: g
                rules:
                  - alert: A
                    expr: max_over_time(rate(x[5m])[1h:1m] offset 10m) > 1
            """,
            file: "inline.yml"
        )
        let plan = RetentionPlan(groups: groups, lookbackMilliseconds: 300_000)
        #expect(plan.milliseconds == 3_600_000 + 600_000 + 300_000 + 300_000)
        #expect(plan.keeps("x"))
    }
}
