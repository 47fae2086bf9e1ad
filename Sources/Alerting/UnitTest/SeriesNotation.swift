/// promtool's notation for test input: `metric{a="b"}` series descriptions and expanding values like `0+10x5 _ stale`.
public enum SeriesNotation {
    /// One value of an expanded sequence.
    public enum Item: Equatable, Sendable {
        case value(Double)
        case omitted
        case stale
    }

    /// Parses a series description into labels; `{}` or an empty string is the empty set.
    public static func labels(_ text: String) throws(PromQLError) -> Labels {
        let trimmed = text.trimmingWhitespace
        if trimmed.isEmpty || trimmed == "{}" { return Labels() }
        guard case .vector(let selector) = try Parser.parse(trimmed), selector.offset == 0 else {
            throw PromQLError(message: "\"\(text)\" is not a series description")
        }
        var pairs: [(String, String)] = []
        for matcher in selector.matchers {
            guard matcher.kind == .equal else { throw PromQLError(message: "series description \"\(text)\" may only use = matchers") }
            pairs.append((matcher.name, matcher.value))
        }
        return Labels(pairs)
    }

    /// The most values one expanding term may give (a test needs far fewer; more would only exhaust memory).
    public static let maximumExpansion = 1_000_000

    /// Expands a values string: `a+bxn` gives n+1 values from a stepping by b, `axn` n+1 copies of a, `_` a missing
    /// sample, `_xn` n missing samples, `stale` a stale marker.
    public static func values(_ text: String) throws(PromQLError) -> [Item] {
        var items: [Item] = []
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
            let token = String(word)
            if token == "_" {
                items.append(.omitted)
                continue
            }
            if token == "stale" {
                items.append(.stale)
                continue
            }
            if token.hasPrefix("_x") {
                guard let count = Int(token.dropFirst(2)), count >= 0, count <= Self.maximumExpansion else { throw self.invalid(token) }
                items += Array(repeating: .omitted, count: count)
                continue
            }
            // Hexadecimal is not series notation (promtool's lexer refuses it there): `0x30` is 0, thirty more times.
            guard let x = token.lastIndex(of: "x") else {
                guard let value = self.number(token) else { throw self.invalid(token) }
                items.append(.value(value))
                continue
            }
            guard let count = Int(token[token.index(after: x)...]), count >= 0, count < Self.maximumExpansion else {
                throw self.invalid(token)
            }
            let head = token[..<x]
            guard !head.isEmpty else { throw self.invalid(token) }  // "x5": no value to repeat
            if head == "stale" {
                items += Array(repeating: .stale, count: count + 1)
                continue
            }
            // Split `a+b` / `a-b` at the sign that is neither leading nor part of an exponent.
            var splitIndex: String.Index?
            var index = head.index(after: head.startIndex)
            while index < head.endIndex {
                let character = head[index]
                let previous = head[head.index(before: index)]
                if (character == "+" || character == "-") && previous != "e" && previous != "E" {
                    splitIndex = index
                    break
                }
                index = head.index(after: index)
            }
            if let splitIndex {
                guard var value = self.number(head[..<splitIndex]), let step = self.number(head[splitIndex...]) else {
                    throw self.invalid(token)
                }
                items.append(.value(value))
                for _ in 0..<count {
                    value += step
                    items.append(.value(value))
                }
            } else {
                guard let value = self.number(head) else { throw self.invalid(token) }
                items += Array(repeating: .value(value), count: count + 1)
            }
        }
        return items
    }

    static func number(_ text: some StringProtocol) -> Double? {
        var body = Substring(text)
        var sign = 1.0
        if body.first == "+" || body.first == "-" {
            sign = body.first == "-" ? -1 : 1
            body = body.dropFirst()
        }
        switch body.lowercased() {
        case "inf": return sign * .infinity
        case "nan": return .nan
        default: break
        }
        guard !body.contains(where: { $0 == "x" || $0 == "X" }), let value = Lexer.parseNumber(String(body)) else { return nil }
        return sign * value
    }

    private static func invalid(_ token: String) -> PromQLError {
        PromQLError(message: "invalid value \"\(token)\" in series values (expected a number, a+bxn, axn, _, _xn or stale)")
    }
}
