import Alerting
import CFuzzerDriver
import Clients
import ExporterConfig
import Foundation
import JSONLogging
import Logging

/// The parsers fuzzed, by name (`FUZZ_TARGET`). Each must return or throw a typed error for any input: a crash, a
/// hang or a sanitizer report is a finding. Some also check a property (a round trip, a redaction).
enum FuzzTarget: String, CaseIterable {
    /// The Prometheus text exposition parser, with and without limits and the parse-time drop.
    case exposition
    /// The PromQL parser; with `FUZZ_PROMQL_ROUND_TRIP=1` also the printer round trip (what parses prints to text that
    /// parses to the same print), off by default until a known failure is fixed: a string holding a combining mark
    /// right after a quote prints to text that does not parse (the quote and the mark make one `Character`).
    case promql
    /// LibYAML's composer and the rule-file reader over it (groups, rules, templates, expressions).
    case rules
    /// The exporter's configuration reader over LibYAML: keys, durations, sizes, URLs, headers, `${VAR}`, limits.
    case config
    /// The promtool series notation (`a{b="c"}` and `1+2x3 _ stale`).
    case series
    /// The Go template parser of labels and annotations.
    case template
    /// `ConnectionURL`: parsing, and the redacted form never contains the password.
    case url
    /// The JSON log handler's string escaping: every message comes back from a JSON parser unchanged.
    case json

    static let promQLRoundTrip = ProcessInfo.processInfo.environment["FUZZ_PROMQL_ROUND_TRIP"] == "1"

    static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            fatalError("set FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return target
    }()

    func run(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        switch self {
        case .exposition:
            _ = try? TextFormatParser.parse(bytes)
            var limits = ScrapeLimits()
            limits.sampleLimit = 10
            limits.labelValueLengthLimit = 16
            _ = try? TextFormatParser.parse(bytes, limits: limits, keeping: { $0.hasPrefix("a") })
        case .promql:
            guard let expression = try? Parser.parse(text), Self.promQLRoundTrip else { return }
            let printed = expression.description
            guard let again = try? Parser.parse(printed) else {
                fatalError("printed expression does not parse: \(printed.debugDescription) (from \(text.debugDescription))")
            }
            if again.description != printed {
                fatalError("print is not stable: \(printed.debugDescription) -> \(again.description.debugDescription)")
            }
        case .rules:
            _ = try? RuleFileLoader.parse(text, file: "fuzz.yml")
        case .config:
            // A file in a folder that does not exist: relative `*_file` and `rule_files` paths fail to read.
            _ = try? Self.configLoader.parse(yaml: text, file: "/nonexistent-fuzz-folder/exporter.yaml")
        case .series:
            _ = try? SeriesNotation.labels(text)
            _ = try? SeriesNotation.values(text)
        case .template:
            _ = try? AlertTemplate(text)
        case .url:
            guard let url = try? ConnectionURL(text) else { return }
            // The standard library's search: Foundation's `contains` crashes on some strings of U+FFFD.
            if let password = url.password, password.count >= 4, url.redacted.utf8.firstRange(of: password.utf8) != nil {
                fatalError("redacted URL shows the password: \(url.redacted.debugDescription)")
            }
        case .json:
            Self.checkJSONRoundTrip(text)
        }
    }

    private static let configLoader = ConfigLoader(environment: ["FUZZ_TOKEN": "s3cr3t-value", "EMPTY": ""])
    private static let sink = InMemoryLogSink()
    private static let logger = Logger(label: "fuzz") { label in JSONLogHandler(label: label, sink: sink, logLevel: .info) }

    private static func checkJSONRoundTrip(_ text: String) {
        Self.logger.info("\(text)", metadata: ["field": "\(text)"])
        guard let line = Self.sink.lines.last else { fatalError("nothing was logged") }
        Self.sink.clear()
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            fatalError("the log line is not JSON: \(line.debugDescription)")
        }
        // The handler may mask what looks like a credential; anything else must come back exactly.
        if let message = object["message"] as? String, message != text, message.utf8.firstRange(of: Redaction.mask.utf8) == nil {
            fatalError("message changed: \(text.debugDescription) -> \(message.debugDescription)")
        }
    }
}

/// One input, as libFuzzer calls it (the name its runtime expects, too).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    FuzzTarget.selected.run(data.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? [])
    return 0
}

/// The executable's entry point (SwiftPM links `main` to `<module>_main`): hands the command line to libFuzzer.
@_cdecl("copythat_fuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    _ = FuzzTarget.selected  // fail at once, before fuzzing, when FUZZ_TARGET is missing
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in fuzzOne(data, size) }
}
