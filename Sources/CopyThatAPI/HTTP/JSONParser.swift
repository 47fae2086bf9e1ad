/// A strict RFC 8259 parser from bytes to ``JSONValue``: what request bodies and cached answers are read with.
///
/// Foundation's `JSONDecoder` builds its own tree and then walks it again through `Decodable`; on the extraction
/// path that was a tenth of the API's CPU. This reads once. It accepts exactly what RFC 8259 accepts (no comments,
/// no trailing commas, no leading zeros, no `NaN`), any whitespace around the value, strings of valid UTF-8 with
/// every escape (a `\u` surrogate pair is one scalar; a lone surrogate is an error), numbers as doubles (one out of a
/// double's range is an error, not infinity), a later duplicate key replacing an earlier one, and nesting to 512
/// levels (deeper is an error, never a stack overflow).
enum JSONParser {
    /// Why the bytes are not JSON, and where.
    struct Failure: Error, Equatable {
        /// The byte offset.
        var offset: Int
        /// What was expected or found.
        var reason: String
    }

    /// How deep arrays and objects may nest.
    static let maximumDepth = 512

    /// The one value `bytes` hold.
    static func parse(_ bytes: some Collection<UInt8>) throws(Failure) -> JSONValue {
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { buffer throws(Failure) in
            var reader = Reader(bytes: buffer)
            reader.skipWhitespace()
            let value = try reader.value(depth: 0)
            reader.skipWhitespace()
            guard reader.offset == buffer.count else { throw reader.failure("unexpected text after the value") }
            return value
        }
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var offset = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        func failure(_ reason: String) -> Failure { Failure(offset: self.offset, reason: reason) }

        var current: UInt8? { self.offset < self.bytes.count ? self.bytes[self.offset] : nil }

        mutating func skipWhitespace() {
            while let byte = self.current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { self.offset += 1 }
        }

        mutating func expect(_ word: StaticString, _ value: JSONValue) throws(Failure) -> JSONValue {
            let count = word.utf8CodeUnitCount
            guard self.offset + count <= self.bytes.count else { throw self.failure("unexpected end of input") }
            for index in 0..<count where self.bytes[self.offset + index] != word.utf8Start[index] {
                throw self.failure("unexpected character")
            }
            self.offset += count
            return value
        }

        mutating func value(depth: Int) throws(Failure) -> JSONValue {
            guard let byte = self.current else { throw self.failure("unexpected end of input") }
            switch byte {
            case UInt8(ascii: "{"): return try self.object(depth: depth + 1)
            case UInt8(ascii: "["): return try self.array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try self.string())
            case UInt8(ascii: "t"): return try self.expect("true", .bool(true))
            case UInt8(ascii: "f"): return try self.expect("false", .bool(false))
            case UInt8(ascii: "n"): return try self.expect("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try self.number())
            default: throw self.failure("unexpected character")
            }
        }

        mutating func object(depth: Int) throws(Failure) -> JSONValue {
            guard depth <= JSONParser.maximumDepth else { throw self.failure("nested too deeply") }
            self.offset += 1
            var members: [String: JSONValue] = [:]
            self.skipWhitespace()
            if self.current == UInt8(ascii: "}") {
                self.offset += 1
                return .object(members)
            }
            while true {
                self.skipWhitespace()
                guard self.current == UInt8(ascii: "\"") else { throw self.failure("expected a string key") }
                let key = try self.string()
                self.skipWhitespace()
                guard self.current == UInt8(ascii: ":") else { throw self.failure("expected ':'") }
                self.offset += 1
                self.skipWhitespace()
                members[key] = try self.value(depth: depth)
                self.skipWhitespace()
                switch self.current {
                case UInt8(ascii: ","): self.offset += 1
                case UInt8(ascii: "}"):
                    self.offset += 1
                    return .object(members)
                default: throw self.failure("expected ',' or '}'")
                }
            }
        }

        mutating func array(depth: Int) throws(Failure) -> JSONValue {
            guard depth <= JSONParser.maximumDepth else { throw self.failure("nested too deeply") }
            self.offset += 1
            var elements: [JSONValue] = []
            self.skipWhitespace()
            if self.current == UInt8(ascii: "]") {
                self.offset += 1
                return .array(elements)
            }
            while true {
                self.skipWhitespace()
                elements.append(try self.value(depth: depth))
                self.skipWhitespace()
                switch self.current {
                case UInt8(ascii: ","): self.offset += 1
                case UInt8(ascii: "]"):
                    self.offset += 1
                    return .array(elements)
                default: throw self.failure("expected ',' or ']'")
                }
            }
        }

        /// A string from its opening quote; the fast path copies a run without escapes at once.
        mutating func string() throws(Failure) -> String {
            self.offset += 1
            let start = self.offset
            while let byte = self.current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\"), byte >= 0x20 { self.offset += 1 }
            if self.current == UInt8(ascii: "\"") {
                let run = UnsafeBufferPointer(rebasing: self.bytes[start..<self.offset])
                guard let text = String(validating: run, as: UTF8.self) else {
                    throw Failure(offset: start, reason: "invalid UTF-8 in a string")
                }
                self.offset += 1
                return text
            }
            var scalars = Array(self.bytes[start..<self.offset])
            while true {
                guard let byte = self.current else { throw self.failure("unterminated string") }
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: scalars, as: UTF8.self) else {
                        throw Failure(offset: start, reason: "invalid UTF-8 in a string")
                    }
                    self.offset += 1
                    return text
                case UInt8(ascii: "\\"):
                    self.offset += 1
                    try self.escape(into: &scalars)
                case 0..<0x20:
                    throw self.failure("control character in a string")
                default:
                    scalars.append(byte)
                    self.offset += 1
                }
            }
        }

        mutating func escape(into output: inout [UInt8]) throws(Failure) {
            guard let byte = self.current else { throw self.failure("unterminated string") }
            self.offset += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): output.append(byte)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = UInt32(try self.hexQuad())
                if (0xD800..<0xDC00).contains(scalar) {
                    guard self.offset + 1 < self.bytes.count, self.bytes[self.offset] == UInt8(ascii: "\\"),
                        self.bytes[self.offset + 1] == UInt8(ascii: "u")
                    else { throw self.failure("a high surrogate without its low half") }
                    self.offset += 2
                    let low = UInt32(try self.hexQuad())
                    guard (0xDC00..<0xE000).contains(low) else { throw self.failure("a high surrogate without its low half") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw self.failure("a low surrogate without its high half")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw self.failure("not a Unicode scalar") }
                output.append(contentsOf: UTF8.encode(unicode)!)
            default:
                throw self.failure("unknown escape")
            }
        }

        mutating func hexQuad() throws(Failure) -> UInt16 {
            guard self.offset + 4 <= self.bytes.count else { throw self.failure("unterminated \\u escape") }
            var value: UInt16 = 0
            for _ in 0..<4 {
                let byte = self.bytes[self.offset]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw self.failure("not a hexadecimal digit in a \\u escape")
                }
                value = value << 4 | UInt16(digit)
                self.offset += 1
            }
            return value
        }

        /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, then Swift's correctly rounded conversion.
        mutating func number() throws(Failure) -> Double {
            let start = self.offset
            if self.current == UInt8(ascii: "-") { self.offset += 1 }
            guard let first = self.current, Self.isDigit(first) else { throw self.failure("expected a digit") }
            self.offset += 1
            if first != UInt8(ascii: "0") { self.skipDigits() }
            if self.current == UInt8(ascii: ".") {
                self.offset += 1
                guard let digit = self.current, Self.isDigit(digit) else { throw self.failure("expected a digit after '.'") }
                self.skipDigits()
            }
            if self.current == UInt8(ascii: "e") || self.current == UInt8(ascii: "E") {
                self.offset += 1
                if self.current == UInt8(ascii: "+") || self.current == UInt8(ascii: "-") { self.offset += 1 }
                guard let digit = self.current, Self.isDigit(digit) else { throw self.failure("expected a digit in the exponent") }
                self.skipDigits()
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: self.bytes[start..<self.offset]), as: UTF8.self)
            guard let value = Double(text), value.isFinite else {
                throw Failure(offset: start, reason: "number out of range")
            }
            return value
        }

        mutating func skipDigits() {
            while let byte = self.current, Self.isDigit(byte) { self.offset += 1 }
        }

        static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    }
}
