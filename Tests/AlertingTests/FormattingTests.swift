import Testing

@testable import Alerting

/// Values and templates print exactly as Prometheus (Go) prints them.
@Suite struct FormattingTests {
    @Test(arguments: [
        (16.0, "16"), (0.16666666666666669, "0.16666666666666669"), (1e6, "1e+06"), (123456.0, "123456"), (1234567.0, "1.234567e+06"),
        (1.5e-5, "1.5e-05"), (0.0001, "0.0001"), (-2.5, "-2.5"), (.infinity, "+Inf"), (-.infinity, "-Inf"), (1e21, "1e+21"),
        (0.1 + 0.2, "0.30000000000000004"),
    ])
    func valuesPrintAsGoPercentV(_ value: Double, _ expected: String) {
        #expect(GoFloat.format(value) == expected)
    }

    @Test func exponentFormsMatchStrconv() {
        #expect(GoFloat.formatExponent(2) == "2E+00")
        #expect(GoFloat.formatExponent(0.03333333333333333) == "3.333333333333333E-02")
        #expect(GoFloat.formatLowerExponent(1) == "1e+00")
        #expect(GoFloat.formatPlain(1e21) == "1000000000000000000000")
        #expect(GoFloat.formatPlain(0.25) == "0.25")
        // strconv.FormatFloat(v, 'f', -1, 64), as the query API prints every value: no exponent, no ".0".
        let plain: [(Double, String)] = [
            (1234, "1234"), (0.1 + 0.2, "0.30000000000000004"), (1e15, "1000000000000000"), (9.5e15, "9500000000000000"),
            (1e16, "10000000000000000"), (0.0001, "0.0001"), (1e-5, "0.00001"), (-0.5, "-0.5"), (-0.0, "-0"),
            (123456789.125, "123456789.125"), (2.5e-7, "0.00000025"),
        ]
        for (value, expected) in plain { #expect(GoFloat.formatPlain(value) == expected, "\(value)") }
    }

    static func expand(
        _ template: String,
        labels: [String: String] = ["job": "api", "instance": "host-1:9090"],
        value: Double
    ) throws
        -> String
    {
        try AlertTemplate(template).expand(AlertTemplate.Data(labels: labels, value: value, externalURL: "http://x"))
    }

    @Test func templatesExpandValuesLabelsAndFunctions() throws {
        #expect(try Self.expand("{{ $value }} on {{ $labels.job }}", value: 0.5) == "0.5 on api")
        #expect(try Self.expand("{{ .Value }} {{ .Labels.instance }} {{ $externalURL }}", value: 2) == "2 host-1:9090 http://x")
        #expect(try Self.expand("{{ $value | printf \"%.3f\" }}", value: 1) == "1.000")
        #expect(try Self.expand("{{ humanize $value }}", value: 1_234_567) == "1.235M")
        #expect(try Self.expand("{{ humanize $value }}", value: 0.000123) == "123u")
        #expect(try Self.expand("{{ humanize1024 $value }}", value: 2048) == "2ki")
        #expect(try Self.expand("{{ humanizePercentage $value }}", value: 0.256) == "25.6%")
        #expect(try Self.expand("{{ humanizeDuration $value }}", value: 93784) == "1d 2h 3m 4s")
        #expect(try Self.expand("{{ humanizeDuration $value }}", value: 0.25) == "250ms")
        #expect(try Self.expand("{{ humanizeTimestamp $value }}", value: 1_700_000_000) == "2023-11-14 22:13:20 +0000 UTC")
        #expect(try Self.expand("{{ $labels.missing }}|", value: 1) == "|")
        #expect(try Self.expand("{{ if gt $value 1.0 }}big{{ else }}small{{ end }}", value: 2) == "big")
        #expect(try Self.expand("{{ if gt $value 1.0 }}big{{ else }}small{{ end }}", value: 0.5) == "small")
        #expect(try Self.expand("{{ $labels.instance | stripPort | toUpper }}", value: 1) == "HOST-1")
        #expect(try Self.expand("{{ reReplaceAll \"-([0-9])\" \"_$1\" $labels.instance }}", value: 1) == "host_1:9090")
        #expect(try Self.expand("{{- \" a \" -}} b", value: 1) == " a b")
        #expect(try Self.expand("{{ $x := 3 }}{{ $x }}", value: 1) == "3")
    }

    @Test func templateErrorsAreCaughtAtLoadOrReportedAsPrometheusDoes() throws {
        #expect(throws: TemplateError.self) { try AlertTemplate("{{ nosuch $value }}") }
        #expect(throws: TemplateError.self) { try AlertTemplate("{{ $value ") }
        #expect(throws: TemplateError.self) { try AlertTemplate("{{ if $value }}open") }
        #expect(throws: TemplateError.self) { try AlertTemplate("{{ template \"x\" }}") }
        #expect(try Self.expand("{{ humanize \"abc\" }}", value: 1).hasPrefix("<error expanding template: "))
    }

    @Test func seriesNotationExpandsAsPromtool() throws {
        #expect(try SeriesNotation.values("1+2x3") == [.value(1), .value(3), .value(5), .value(7)])
        #expect(
            try SeriesNotation.values("5x2 _ _x2 stale -1-1x1") == [
                .value(5), .value(5), .value(5), .omitted, .omitted, .omitted, .stale, .value(-1), .value(-2),
            ]
        )
        #expect(try SeriesNotation.values("1e3 Inf -Inf").prefix(2) == [.value(1000), .value(.infinity)])
        #expect(throws: PromQLError.self) { try SeriesNotation.values("1+x") }
        // No hexadecimal in series notation: `0x3` is four zeros (as promtool reads it), and `0x1f` is nothing.
        #expect(try SeriesNotation.values("1x1 0x3") == [.value(1), .value(1), .value(0), .value(0), .value(0), .value(0)])
        #expect(throws: PromQLError.self) { try SeriesNotation.values("0x1f") }
        #expect(throws: PromQLError.self) { try SeriesNotation.values("0x1fx2") }
        #expect(try SeriesNotation.labels("up{job=\"a\"}").description == "up{job=\"a\"}")
        #expect(throws: PromQLError.self) { try SeriesNotation.labels("up{job=~\"a\"}") }
    }

    /// Found by the `series` fuzz target: a term with nothing before its `x` crashed (a substring index out of
    /// bounds); and a count that would only exhaust memory is refused.
    @Test(arguments: ["x00", "x5", "+x1", "1x99999999999", "_x99999999999"])
    func malformedSeriesTermsAreErrorsNotCrashes(term: String) {
        #expect(throws: PromQLError.self) { try SeriesNotation.values(term) }
    }
}
