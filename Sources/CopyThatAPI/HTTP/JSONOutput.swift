/// JSON text written directly, byte for byte what `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes`
/// writes (a test holds the two equal), for the hot responses: the walk through `Encodable`'s containers cost more
/// than the rest of a cached extraction's work in the API.
struct JSONOutput {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    init(capacity: Int = 1024) { self.bytes.reserveCapacity(capacity) }

    /// The text written.
    var text: String { String(decoding: self.bytes, as: UTF8.self) }

    /// An object; `body` writes its members with ``member(_:_:)``, in sorted key order.
    mutating func object(_ body: (inout JSONOutput) -> Void) {
        self.separate()
        self.bytes.append(UInt8(ascii: "{"))
        self.needsComma = false
        body(&self)
        self.bytes.append(UInt8(ascii: "}"))
        self.needsComma = true
    }

    /// An array of `elements`, each written by `write`.
    mutating func array<Element>(_ elements: [Element], _ write: (inout JSONOutput, Element) -> Void) {
        self.separate()
        self.bytes.append(UInt8(ascii: "["))
        self.needsComma = false
        for element in elements { write(&self, element) }
        self.bytes.append(UInt8(ascii: "]"))
        self.needsComma = true
    }

    /// A member's key; its value follows.
    mutating func key(_ key: StaticString) {
        self.separate()
        self.bytes.append(UInt8(ascii: "\""))
        self.bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        self.bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        self.needsComma = false
    }

    /// A string, or `null`.
    mutating func string(_ value: String?) {
        self.separate()
        guard let value else { return self.null() }
        self.bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x08: self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x09: self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x0A: self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0C: self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0D: self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                self.bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                self.bytes.append(contentsOf: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
            default: self.bytes.append(byte)
            }
        }
        self.bytes.append(UInt8(ascii: "\""))
        self.needsComma = true
    }

    /// An integer, or `null`.
    mutating func integer(_ value: Int?) {
        self.separate()
        guard let value else { return self.null() }
        self.bytes.append(contentsOf: String(value).utf8)
        self.needsComma = true
    }

    /// A finite double as `JSONEncoder` prints it (its shortest form, without a trailing `.0`), or `null`.
    mutating func number(_ value: Double?) {
        self.separate()
        guard let value else { return self.null() }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        self.bytes.append(contentsOf: text.utf8)
        self.needsComma = true
    }

    /// `true` or `false`.
    mutating func bool(_ value: Bool) {
        self.separate()
        self.bytes.append(contentsOf: (value ? "true" : "false").utf8)
        self.needsComma = true
    }

    private mutating func null() {
        self.bytes.append(contentsOf: "null".utf8)
        self.needsComma = true
    }

    private mutating func separate() {
        if self.needsComma {
            self.bytes.append(UInt8(ascii: ","))
            self.needsComma = false
        }
    }
}

/// A value with a hand-written JSON form (see ``JSONOutput``).
protocol JSONWritable {
    /// Writes the value, object keys in sorted order.
    func write(to output: inout JSONOutput)
}

extension ColorToken: JSONWritable {
    func write(to output: inout JSONOutput) {
        output.object { output in
            output.key("confidence")
            output.number(self.confidence)
            output.key("created_at")
            output.string(self.createdAt)
            output.key("design_intent")
            output.string(self.designIntent)
            output.key("extraction_job_id")
            output.integer(self.extractionJobID)
            output.key("hex")
            output.string(self.hex)
            output.key("id")
            output.integer(self.id)
            output.key("name")
            output.string(self.name)
            output.key("prominence")
            output.number(self.prominence)
            output.key("role")
            output.string(self.role)
            output.key("usage")
            output.string(self.usage)
        }
    }
}

extension ExtractionResult: JSONWritable {
    func write(to output: inout JSONOutput) {
        output.object { output in
            output.key("cached")
            output.bool(self.cached)
            output.key("colors")
            output.array(self.colors) { output, token in token.write(to: &output) }
            output.key("dominant_colors")
            output.array(self.dominantColors) { output, hex in output.string(hex) }
            output.key("job_id")
            output.integer(self.jobID)
            output.key("model")
            output.string(self.model)
            output.key("overall_confidence")
            output.number(self.overallConfidence)
            output.key("palette_description")
            output.string(self.paletteDescription)
            output.key("project_id")
            output.integer(self.projectID)
            output.key("provider")
            output.string(self.provider)
        }
    }
}
