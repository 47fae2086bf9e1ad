/// Appends exposition text to a byte buffer: headers, samples, escaped labels and numbers.
///
/// Both formats share one writer; the differences (HELP escaping, family names, `# UNIT`, exemplars, `# EOF`)
/// are decided here from ``format`` so that every metric type renders the same way.
struct ExpositionWriter {
    var bytes: [UInt8]
    let format: ExpositionFormat

    init(format: ExpositionFormat, capacity: Int = 4096) {
        self.format = format
        self.bytes = []
        self.bytes.reserveCapacity(capacity)
    }

    /// `# HELP`, `# TYPE` and, in OpenMetrics, `# UNIT` for a family.
    mutating func writeHeader(_ names: FamilyNames, help: String, type: MetricType, unit: String) {
        let familyName = self.format.isOpenMetrics ? names.openMetrics : names.text
        if !help.isEmpty || self.format.isOpenMetrics {
            self.append("# HELP ")
            self.append(familyName)
            self.bytes.append(UInt8(ascii: " "))
            self.appendEscaped(help, escapeQuotes: self.format.isOpenMetrics)
            self.bytes.append(UInt8(ascii: "\n"))
        }
        self.append("# TYPE ")
        self.append(familyName)
        self.bytes.append(UInt8(ascii: " "))
        self.append(type.typeWord(in: self.format))
        self.bytes.append(UInt8(ascii: "\n"))
        if self.format.isOpenMetrics && !unit.isEmpty {
            self.append("# UNIT ")
            self.append(familyName)
            self.bytes.append(UInt8(ascii: " "))
            self.append(unit)
            self.bytes.append(UInt8(ascii: "\n"))
        }
    }

    /// Writes `name{labels,extra="value"}` and a space: the part of a sample line before its value.
    mutating func writeSeriesPrefix(
        _ name: [UInt8],
        suffix: StaticString = "",
        labels: [UInt8],
        extraLabel: StaticString = "",
        extraValue: Double? = nil
    ) {
        self.appendBytes(name)
        if suffix.utf8CodeUnitCount > 0 {
            suffix.withUTF8Buffer { self.bytes.append(contentsOf: $0) }
        }
        if !labels.isEmpty || extraValue != nil {
            self.bytes.append(UInt8(ascii: "{"))
            self.appendBytes(labels)
            if let extraValue {
                if !labels.isEmpty { self.bytes.append(UInt8(ascii: ",")) }
                extraLabel.withUTF8Buffer { self.bytes.append(contentsOf: $0) }
                self.append("=\"")
                self.appendCanonicalFloat(extraValue)
                self.bytes.append(UInt8(ascii: "\""))
            }
            self.bytes.append(UInt8(ascii: "}"))
        }
        self.bytes.append(UInt8(ascii: " "))
    }

    /// Writes an exemplar (OpenMetrics only) and ends the line.
    mutating func endSample(exemplar: Exemplar?) {
        if let exemplar, self.format.isOpenMetrics {
            self.append(" # {")
            self.bytes.append(contentsOf: exemplar.renderedLabels)
            self.append("} ")
            self.appendDouble(exemplar.value)
            if let timestamp = exemplar.timestamp {
                self.bytes.append(UInt8(ascii: " "))
                self.appendDouble(timestamp)
            }
        }
        self.bytes.append(UInt8(ascii: "\n"))
    }

    /// The OpenMetrics terminator; nothing in text 0.0.4.
    mutating func finish() {
        if self.format.isOpenMetrics {
            self.append("# EOF\n")
        }
    }

    /// Appends bytes without taking ownership of the array (no reference-count traffic on the hot path).
    @inline(__always)
    mutating func appendBytes(_ source: [UInt8]) {
        source.withUnsafeBufferPointer { self.bytes.append(contentsOf: $0) }
    }

    @inline(__always)
    mutating func append(_ string: String) {
        self.bytes.append(contentsOf: string.utf8)
    }

    /// Escapes `\` and newline (and `"` when asked), as HELP text and label values require.
    mutating func appendEscaped(_ string: String, escapeQuotes: Bool) {
        Self.appendEscaped(string, escapeQuotes: escapeQuotes, to: &self.bytes)
    }

    static func appendEscaped(_ string: String, escapeQuotes: Bool, to bytes: inout [UInt8]) {
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "\n"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "n"))
            case UInt8(ascii: "\"") where escapeQuotes:
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "\""))
            default: bytes.append(byte)
            }
        }
    }

    /// Renders `a="x",b="y"` with escaped values: the label part of a series, computed once per series.
    static func renderLabels(names: [String], values: [String]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (index, name) in names.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: name.utf8)
            bytes.append(UInt8(ascii: "="))
            bytes.append(UInt8(ascii: "\""))
            self.appendEscaped(values[index], escapeQuotes: true, to: &bytes)
            bytes.append(UInt8(ascii: "\""))
        }
        return bytes
    }

    @inline(__always)
    mutating func appendUInt(_ value: UInt64) {
        NumberFormatting.appendUInt(value, to: &self.bytes)
    }

    @inline(__always)
    mutating func appendDouble(_ value: Double) {
        NumberFormatting.appendDouble(value, to: &self.bytes)
    }

    @inline(__always)
    mutating func appendCanonicalFloat(_ value: Double) {
        NumberFormatting.appendCanonicalFloat(value, to: &self.bytes)
    }
}

/// The names a family is exposed under: its text 0.0.4 name and its OpenMetrics family name.
struct FamilyNames: Sendable {
    /// The name in text 0.0.4, and the stem of every sample name.
    let text: String
    /// The `# TYPE` name in OpenMetrics: a counter's name without `_total`, an info's without `_info`.
    let openMetrics: String
    /// The sample-name stem in OpenMetrics (a counter's samples are `<stem>_total`).
    let openMetricsStem: String
    /// ``text`` as bytes, for sample lines.
    let textBytes: [UInt8]
    /// ``openMetricsStem`` as bytes, for sample lines.
    let openMetricsStemBytes: [UInt8]

    init(name: String, type: MetricType) {
        self.text = name
        switch type {
        case .counter:
            let stem = name.hasSuffix("_total") ? String(name.dropLast(6)) : name
            self.openMetrics = stem
            self.openMetricsStem = stem
        case .info:
            self.openMetrics = name.hasSuffix("_info") ? String(name.dropLast(5)) : name
            self.openMetricsStem = name
        default:
            self.openMetrics = name
            self.openMetricsStem = name
        }
        self.textBytes = Array(self.text.utf8)
        self.openMetricsStemBytes = Array(self.openMetricsStem.utf8)
    }
}
