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

    /// Parses a whole exposition.
    public static func parse(_ bytes: [UInt8]) throws(PromQLError) -> [Line] {
        var lines: [Line] = []
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
                throw PromQLError(message: "line \(lineNumber): invalid UTF-8")
            }
            guard let first = line.first(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") }) else { continue }
            if first == UInt8(ascii: "#") { continue }
            do {
                lines.append(try self.sample(line))
            } catch {
                throw PromQLError(message: "line \(lineNumber): \(error.message)")
            }
        }
        return lines
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
