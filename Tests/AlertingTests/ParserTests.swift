import Testing

@testable import Alerting

@Suite struct ParserTests {
    @Test(arguments: [
        "sum by (job) (rate(http_requests_total{status=~\"5..\"}[5m])) > 0.1",
        "histogram_quantile(0.99, sum by (job, le) (rate(http_request_duration_seconds_bucket[5m]))) > 2",
        "max by (job) (db_pool_connections{state=\"overflow\"}) > 15",
        "probe_success{type=~\"postgres|redis\"} == 0",
        "a / ignoring (code) group_left (team) b",
        "a and on (job) b or c unless d",
        "-x ^ 2 % 3",
        "rate(x[5m] offset 1h)",
        "count_values(\"v\", x) without (instance)",
        "topk(3, x)",
        "label_replace(up, \"host\", \"$1\", \"instance\", \"(.*):.*\")",
        "x > bool 3",
        "absent(nonexistent{job=\"a\"})",
        "max_over_time(rate(x[5m])[1h:1m])",
        "min_over_time(sum by (job) (x)[30m:] offset 5m)",
        "x @ 1609746000",
        "rate(x[5m] @ end() offset -1m)",
        "avg_over_time(x[10m:1m] @ start())",
    ])
    func parsesAndPrintsBackToTheSameExpression(_ text: String) throws {
        let expression = try Parser.parse(text)
        let printed = expression.description
        // Printing and parsing again is stable.
        #expect(try Parser.parse(printed).description == printed)
    }

    @Test func precedenceFollowsPrometheus() throws {
        let store = try Fixtures.store([("x", "2")])
        #expect(try Fixtures.values("-2 ^ 2", at: 0, in: store) == [-4])
        #expect(try Fixtures.values("2 ^ 3 ^ 2", at: 0, in: store) == [512])
        #expect(try Fixtures.values("1 + 2 * 3 - 4 / 2", at: 0, in: store) == [5])
        #expect(try Fixtures.values("x * 2 + 1", at: 0, in: store) == [5])
        #expect(try Fixtures.values("7 % 4", at: 0, in: store) == [3])
    }

    @Test(arguments: [
        ("rate(x)", "expected type range vector in call to function \"rate\", got instant vector"),
        ("sum(x[5m])", "expected type instant vector in aggregation expression, got range vector"),
        ("1 > 2", "comparisons between scalars must use BOOL modifier"),
        ("nosuch(x)", "unknown function with name \"nosuch\""),
        ("x{job=~\"(\"}", "invalid regular expression"),
        ("{job=\"\"}", "vector selector must contain at least one non-empty matcher"),
        ("rate(x[5m])[5m:1m][1h:1m]", "subquery is only allowed on instant vector, got range vector"),
        ("x[5m:1m] offset 1m offset 2m", "offset may not be set multiple times"),
        ("(x + 1) offset 1m", "offset modifier must be preceded by an instant vector selector"),
        ("x @ 1 @ 2", "@ <timestamp> may not be set multiple times"),
        ("x @ later()", "a timestamp, start() or end() after @"),
        ("sum by (job) (x", "unexpected end of input"),
        ("x + on(a) group_left(a) y", "must not occur in ON and GROUP clause at once"),
        ("histogram_count(x)", "native histogram function"),
        ("1 and 2", "set operator \"and\" not allowed in binary scalar expression"),
    ])
    func rejectsWhatItCannotEvaluateWithAReason(_ text: String, _ reason: String) {
        #expect {
            _ = try Parser.parse(text)
        } throws: { error in
            guard let error = error as? PromQLError else { return false }
            return error.message.contains(reason)
        }
    }

    /// Prometheus 3 reads a plain number where a duration goes as seconds; 2.x refuses it, as promtool 2.42 does.
    @Test func plainNumbersAreDurationsInPrometheus3() throws {
        #expect(try Parser.parse("rate(x[100])").description == "rate(x[1m40s])")
        #expect(try Parser.parse("x offset 50").description == "x offset 50s")
        #expect(try Parser.parse("max_over_time(x[300:30])").description == "max_over_time(x[5m:30s])")
        #expect(throws: PromQLError.self) { try Parser.parse("rate(x[100])", compatibility: .prometheus2) }
        #expect(throws: PromQLError.self) { try Parser.parse("x offset 50", compatibility: .prometheus2) }
    }

    /// Prometheus 3 also reads a duration as a float literal, its seconds (`1h30m` is 5400); 2.x refuses it.
    @Test func durationsAreNumbersInPrometheus3() throws {
        #expect(try Parser.parse("predict_linear(x[50m], 1h)").description == "predict_linear(x[50m], 3600)")
        #expect(try Parser.parse("time() - 1h30m").description == "time() - 5400")
        #expect(try Parser.parse("54s321ms").description == "54.321")
        #expect(try Parser.parse("-2h").description == "-7200")
        #expect(try Parser.parse("x @ 1m").description == "x @ 60.000")
        #expect(throws: PromQLError.self) { try Parser.parse("predict_linear(x[50m], 1h)", compatibility: .prometheus2) }
        #expect(throws: PromQLError.self) { try Parser.parse("1.5h") }
    }

    @Test func errorsCarryTheirPosition() {
        do {
            _ = try Parser.parse("sum(rate(x[5m])) + rate(y)")
            Issue.record("expected an error")
        } catch {
            #expect(error.position == 19)
            #expect(error.description.hasPrefix("1:20: parse error:"))
        }
    }

    @Test func durationsAndNumbers() throws {
        #expect(PrometheusDuration.milliseconds("1h30m") == 5_400_000)
        #expect(PrometheusDuration.milliseconds("500ms") == 500)
        #expect(PrometheusDuration.milliseconds("1m1h") == nil)
        #expect(PrometheusDuration.milliseconds("5") == nil)
        #expect(PrometheusDuration.format(milliseconds: 5_400_000) == "1h30m")
        #expect(PrometheusDuration.format(milliseconds: 90 * 86_400_000) == "90d")
        #expect(PrometheusDuration.format(milliseconds: 14 * 86_400_000) == "2w")
        #expect(PrometheusDuration.format(milliseconds: 0) == "0s")
        let store = SampleStore()
        #expect(try Fixtures.values("0x10 + 1e3 + 1.5", at: 0, in: store) == [1017.5])
        #expect(try Fixtures.values("Inf", at: 0, in: store) == [.infinity])
    }
}
