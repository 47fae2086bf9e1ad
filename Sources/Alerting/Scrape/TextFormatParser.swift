/// Reads the Prometheus text exposition format (0.0.4) into samples: every `name{labels} value [timestamp]` line,
/// `# HELP`/`# TYPE` comments skipped. A malformed line fails the whole scrape with its line number, as Prometheus
/// fails it, rather than silently dropping samples; so does a line that is not UTF-8 (comments included).
public enum TextFormatParser {
    /// A parsed sample line.
    public struct Line: Sendable {
        /// The labels including `__name__`.
        public var labels: Labels
        /// The value.
        public var value: Double
    }

    /// A parsed exposition.
    public struct Exposition: Sendable {
        /// The sample lines kept.
        public var lines: [Line]
        /// Sample lines in the exposition, kept or not (`scrape_samples_scraped`).
        public var sampleCount: Int
    }

    /// Parses a whole exposition, keeping every sample, without limits.
    public static func parse(_ bytes: [UInt8]) throws(PromQLError) -> [Line] {
        do {
            return try self.parse(bytes, limits: .unlimited, keeping: { _ in true }).lines
        } catch {
            throw PromQLError(message: error.message)
        }
    }

    /// Parses a whole exposition, keeping only samples whose metric name `keep` accepts: a dropped line is read only
    /// as far as its name (its labels are never built, and a malformed rest is not reported), so series no rule reads
    /// cost no memory. Then applies `limits` to what is kept.
    /// - Throws: ``ExpositionError`` with the line number, and the limit when one was exceeded.
    public static func parse(
        _ bytes: [UInt8],
        limits: ScrapeLimits,
        keeping keep: (String) -> Bool
    ) throws(ExpositionError) -> Exposition {
        var lines: [Line] = []
        var sampleCount = 0
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let line = bytes[start..<end]
            start = end + 1
            // Prometheus fails a scrape that is not UTF-8 rather than replacing what it cannot read.
            if line.contains(where: { $0 >= 0x80 }), String(validating: line, as: UTF8.self) == nil {
                throw ExpositionError(message: "line \(lineNumber): invalid UTF-8")
            }
            guard let first = line.first(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) else { continue }
            if first == UInt8(ascii: "#") { continue }
            sampleCount += 1
            guard let name = self.metricName(line) else { throw ExpositionError(message: "line \(lineNumber): expected a metric name") }
            guard keep(name) else { continue }
            let sample: Line
            do {
                sample = try self.sample(line)
            } catch {
                throw ExpositionError(message: "line \(lineNumber): \(error.message)")
            }
            try self.check(sample.labels, against: limits, line: lineNumber)
            lines.append(sample)
            if limits.sampleLimit > 0 && lines.count > limits.sampleLimit {
                throw ExpositionError(
                    message: "sample_limit exceeded: more than \(limits.sampleLimit) samples kept (line \(lineNumber))",
                    limit: .sampleLimit
                )
            }
        }
        return Exposition(lines: lines, sampleCount: sampleCount)
    }

    /// The metric name at the start of a sample line.
    private static func metricName(_ line: ArraySlice<UInt8>) -> String? {
        var index = line.startIndex
        while index < line.endIndex && (line[index] == UInt8(ascii: " ") || line[index] == UInt8(ascii: "\t")) { index += 1 }
        let nameStart = index
        while index < line.endIndex && Lexer.isIdentifierPart(line[index]) { index += 1 }
        guard index > nameStart else { return nil }
        return String(decoding: line[nameStart..<index], as: UTF8.self)
    }

    /// Prometheus's label limits, counted with the `job` and `instance` labels the scrape adds; messages as its own.
    private static func check(_ labels: Labels, against limits: ScrapeLimits, line: Int) throws(ExpositionError) {
        let metric = String(labels.name.prefix(50))
        let count = labels.items.count + 2
        if limits.labelLimit > 0 && count > limits.labelLimit {
            throw ExpositionError(
                message:
                    "label_limit exceeded (metric: \(metric), number of labels: \(count), limit: \(limits.labelLimit)) at line \(line)",
                limit: .labelLimit
            )
        }
        for item in labels.items {
            if limits.labelNameLengthLimit > 0 && item.name.utf8.count > limits.labelNameLengthLimit {
                throw ExpositionError(
                    message: "label_name_length_limit exceeded (metric: \(metric), label name: \(item.name.prefix(50)), "
                        + "length: \(item.name.utf8.count), limit: \(limits.labelNameLengthLimit)) at line \(line)",
                    limit: .labelNameLengthLimit
                )
            }
            if limits.labelValueLengthLimit > 0 && item.value.utf8.count > limits.labelValueLengthLimit {
                throw ExpositionError(
                    message: "label_value_length_limit exceeded (metric: \(metric), label name: \(item.name.prefix(50)), "
                        + "length: \(item.value.utf8.count), limit: \(limits.labelValueLengthLimit)) at line \(line)",
                    limit: .labelValueLengthLimit
                )
            }
        }
    }

    private static func sample(_ line: ArraySlice<UInt8>) throws(PromQLError) -> Line {
        var index = line.startIndex
        func skipSpaces() {
            while index < line.endIndex && (line[index] == UInt8(ascii: " ") || line[index] == UInt8(ascii: "\t")) { index += 1 }
        }
        skipSpaces()
        let nameStart = index
        while index < line.endIndex && (Lexer.isIdentifierPart(line[index])) { index += 1 }
        guard index > nameStart else { throw PromQLError(message: "expected a metric name") }
        var pairs: [(String, String)] = [(Labels.metricName, String(decoding: line[nameStart..<index], as: UTF8.self))]
        skipSpaces()
        if index < line.endIndex && line[index] == UInt8(ascii: "{") {
            index += 1
            while true {
                skipSpaces()
                guard index < line.endIndex else { throw PromQLError(message: "unterminated label set") }
                if line[index] == UInt8(ascii: "}") {
                    index += 1
                    break
                }
                let labelStart = index
                while index < line.endIndex && Lexer.isIdentifierPart(line[index]) && line[index] != UInt8(ascii: ":") { index += 1 }
                guard index > labelStart else { throw PromQLError(message: "expected a label name") }
                let name = String(decoding: line[labelStart..<index], as: UTF8.self)
                skipSpaces()
                guard index < line.endIndex, line[index] == UInt8(ascii: "=") else {
                    throw PromQLError(message: "expected = after label \(name)")
                }
                index += 1
                skipSpaces()
                guard index < line.endIndex, line[index] == UInt8(ascii: "\"") else {
                    throw PromQLError(message: "expected a quoted value for label \(name)")
                }
                index += 1
                var value: [UInt8] = []
                var closed = false
                while index < line.endIndex {
                    let byte = line[index]
                    index += 1
                    if byte == UInt8(ascii: "\"") {
                        closed = true
                        break
                    }
                    if byte == UInt8(ascii: "\\") && index < line.endIndex {
                        let escaped = line[index]
                        index += 1
                        value.append(escaped == UInt8(ascii: "n") ? UInt8(ascii: "\n") : escaped)
                        continue
                    }
                    value.append(byte)
                }
                guard closed else { throw PromQLError(message: "unterminated value for label \(name)") }
                pairs.append((name, String(decoding: value, as: UTF8.self)))
                skipSpaces()
                if index < line.endIndex && line[index] == UInt8(ascii: ",") { index += 1 }
            }
        }
        skipSpaces()
        let valueStart = index
        while index < line.endIndex && line[index] != UInt8(ascii: " ") && line[index] != UInt8(ascii: "\t") { index += 1 }
        let text = String(decoding: line[valueStart..<index], as: UTF8.self)
        guard let value = self.value(text) else { throw PromQLError(message: "invalid sample value \"\(text)\"") }
        return Line(labels: Labels(pairs), value: value)
    }

    private static func value(_ text: String) -> Double? {
        switch text {
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(text)
        }
    }
}
