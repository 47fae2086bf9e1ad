/// A JSON body built byte by byte, in the exact shapes Prometheus's API writes (timestamps as seconds with up to
/// three decimals, sample values as strings in Go's shortest form).
struct JSONText {
    private(set) var bytes: [UInt8] = []

    mutating func raw(_ text: String) { self.bytes += text.utf8 }

    /// A quoted string, escaped for JSON.
    mutating func string(_ text: String) {
        self.bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): self.raw("\\\"")
            case UInt8(ascii: "\\"): self.raw("\\\\")
            case UInt8(ascii: "\n"): self.raw("\\n")
            case UInt8(ascii: "\r"): self.raw("\\r")
            case UInt8(ascii: "\t"): self.raw("\\t")
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                self.raw("\\u00")
                self.bytes += [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: self.bytes.append(byte)
            }
        }
        self.bytes.append(UInt8(ascii: "\""))
    }

    /// Seconds since the epoch, as Prometheus's `marshalTimestamp` writes them: `1435781451.781`, `1435781451`.
    mutating func timestamp(_ milliseconds: Int64) {
        var value = milliseconds
        if value < 0 {
            self.raw("-")
            value = -value
        }
        self.raw(String(value / 1000))
        let fraction = value % 1000
        if fraction != 0 {
            self.raw(fraction < 10 ? ".00" : fraction < 100 ? ".0" : ".")
            self.raw(String(fraction))
        }
    }

    /// `[time, "value"]`.
    mutating func point(_ time: Int64, _ value: Double) {
        self.raw("[")
        self.timestamp(time)
        self.raw(",\"")
        self.raw(GoFloat.formatPlain(value))
        self.raw("\"]")
    }

    /// `{"name":"value",…}`.
    mutating func labels(_ labels: Labels) {
        self.raw("{")
        for (index, label) in labels.items.enumerated() {
            if index > 0 { self.raw(",") }
            self.string(label.name)
            self.raw(":")
            self.string(label.value)
        }
        self.raw("}")
    }

    /// `{"metric":{…},"values":[[t,"v"],…]}`.
    mutating func series(_ labels: Labels, _ points: [Point]) {
        self.raw("{\"metric\":")
        self.labels(labels)
        self.raw(",\"values\":[")
        for (index, point) in points.enumerated() {
            if index > 0 { self.raw(",") }
            self.point(point.t, point.v)
        }
        self.raw("]}")
    }

    /// `,"warnings":[…]` when there are any.
    mutating func warnings(_ warnings: [String]) {
        guard !warnings.isEmpty else { return }
        self.raw(",\"warnings\":[")
        for (index, warning) in warnings.enumerated() {
            if index > 0 { self.raw(",") }
            self.string(warning)
        }
        self.raw("]")
    }
}
