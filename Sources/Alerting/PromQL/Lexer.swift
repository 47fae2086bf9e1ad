/// A PromQL token.
enum Token: Equatable {
    case identifier(String)
    case number(Double)
    case duration(Int64)
    case string(String)
    case op(String)
    case leftParen, rightParen, leftBrace, rightBrace, leftBracket, rightBracket, comma, colon
    case end
}

/// Splits PromQL text into tokens.
struct Lexer {
    private let bytes: [UInt8]
    private(set) var position = 0

    init(_ text: String) { self.bytes = Array(text.utf8) }

    /// The next token and the offset it starts at.
    mutating func next() throws(PromQLError) -> (Token, Int) {
        self.skipSpaceAndComments()
        let start = self.position
        guard self.position < self.bytes.count else { return (.end, start) }
        let byte = self.bytes[self.position]
        switch byte {
        case UInt8(ascii: "("): return self.single(.leftParen, start)
        case UInt8(ascii: ")"): return self.single(.rightParen, start)
        case UInt8(ascii: "{"): return self.single(.leftBrace, start)
        case UInt8(ascii: "}"): return self.single(.rightBrace, start)
        case UInt8(ascii: "["): return self.single(.leftBracket, start)
        case UInt8(ascii: "]"): return self.single(.rightBracket, start)
        case UInt8(ascii: ","): return self.single(.comma, start)
        case UInt8(ascii: ":"): return self.single(.colon, start)
        case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "`"): return (.string(try self.string()), start)
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."): return (try self.numberOrDuration(), start)
        default: break
        }
        if Self.isIdentifierStart(byte) {
            while self.position < self.bytes.count && Self.isIdentifierPart(self.bytes[self.position]) { self.position += 1 }
            let word = String(decoding: self.bytes[start..<self.position], as: UTF8.self)
            let lower = word.lowercased()
            if lower == "inf" || lower == "nan" { return (.number(lower == "inf" ? .infinity : .nan), start) }
            return (.identifier(word), start)
        }
        for candidate in ["==", "!=", ">=", "<=", "=~", "!~", "+", "-", "*", "/", "%", "^", ">", "<", "=", "@"] {
            let candidateBytes = Array(candidate.utf8)
            if self.bytes[self.position...].starts(with: candidateBytes) {
                self.position += candidateBytes.count
                return (.op(candidate), start)
            }
        }
        throw PromQLError(message: "unexpected character: '\(Character(Unicode.Scalar(byte)))'", position: start)
    }

    private mutating func single(_ token: Token, _ start: Int) -> (Token, Int) {
        self.position += 1
        return (token, start)
    }

    private mutating func skipSpaceAndComments() {
        while self.position < self.bytes.count {
            let byte = self.bytes[self.position]
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                self.position += 1
            } else if byte == UInt8(ascii: "#") {
                while self.position < self.bytes.count && self.bytes[self.position] != UInt8(ascii: "\n") { self.position += 1 }
            } else {
                return
            }
        }
    }

    static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_")
    }

    static func isIdentifierPart(_ byte: UInt8) -> Bool {
        Self.isIdentifierStart(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ":")
    }

    private mutating func numberOrDuration() throws(PromQLError) -> Token {
        let start = self.position
        // A duration is digits followed by a unit, possibly repeated: 5m, 1h30m, 500ms.
        var end = start
        while end < self.bytes.count && self.bytes[end] != UInt8(ascii: ":")
            && (Self.isIdentifierPart(self.bytes[end]) || self.bytes[end] == UInt8(ascii: "."))
        {
            end += 1
        }
        // Exponents carry a sign: 1e-3, 2.5E+2.
        while end < self.bytes.count,
            self.bytes[end] == UInt8(ascii: "-") || self.bytes[end] == UInt8(ascii: "+"),
            end > start, self.bytes[end - 1] == UInt8(ascii: "e") || self.bytes[end - 1] == UInt8(ascii: "E"),
            !self.bytes[start..<end].starts(with: Array("0x".utf8))
        {
            end += 1
            while end < self.bytes.count && (self.bytes[end] >= UInt8(ascii: "0") && self.bytes[end] <= UInt8(ascii: "9")) { end += 1 }
        }
        let text = String(decoding: self.bytes[start..<end], as: UTF8.self)
        self.position = end
        if let milliseconds = PrometheusDuration.milliseconds(text), text.last.map({ !$0.isNumber }) == true {
            return .duration(milliseconds)
        }
        if let number = Self.parseNumber(text) { return .number(number) }
        throw PromQLError(message: "bad number or duration syntax: \"\(text)\"", position: start)
    }

    /// Decimal, hexadecimal (`0x1F`) or exponent notation.
    static func parseNumber(_ text: String) -> Double? {
        let lower = text.lowercased()
        if lower.hasPrefix("0x"), let value = UInt64(lower.dropFirst(2), radix: 16) { return Double(value) }
        guard !lower.isEmpty, lower.allSatisfy({ $0.isNumber || $0 == "." || $0 == "e" || $0 == "-" || $0 == "+" }) else {
            return nil
        }
        return Double(lower)
    }

    private mutating func string() throws(PromQLError) -> String {
        let start = self.position
        let quote = self.bytes[self.position]
        self.position += 1
        var out: [UInt8] = []
        while self.position < self.bytes.count {
            let byte = self.bytes[self.position]
            self.position += 1
            if byte == quote { return String(decoding: out, as: UTF8.self) }
            if byte == UInt8(ascii: "\\") && quote != UInt8(ascii: "`") {
                guard self.position < self.bytes.count else { break }
                let escaped = self.bytes[self.position]
                self.position += 1
                switch escaped {
                case UInt8(ascii: "n"): out.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): out.append(UInt8(ascii: "\t"))
                case UInt8(ascii: "r"): out.append(UInt8(ascii: "\r"))
                case UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "'"): out.append(escaped)
                default:
                    throw PromQLError(
                        message: "unknown escape sequence \\\(Character(Unicode.Scalar(escaped)))",
                        position: self.position - 2
                    )
                }
                continue
            }
            if byte == UInt8(ascii: "\n") && quote != UInt8(ascii: "`") { break }
            out.append(byte)
        }
        throw PromQLError(message: "unterminated quoted string", position: start)
    }
}
