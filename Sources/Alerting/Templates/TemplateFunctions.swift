#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The template functions Prometheus offers in alert templates (those that need no query), plus Go's built-ins.
enum TemplateFunctions {
    static let names: Set<String> = [
        "humanize", "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp", "printf", "print", "println",
        "title", "toUpper", "toLower", "reReplaceAll", "match", "stripPort", "stripDomain", "safeHtml", "eq", "ne", "lt", "le", "gt",
        "ge", "and", "or", "not", "len", "index", "urlquery", "pathPrefix", "externalURL",
    ]

    static func call(_ name: String, _ arguments: [TemplateValue]) throws(TemplateError) -> TemplateValue {
        func argument(_ index: Int) throws(TemplateError) -> TemplateValue {
            guard index < arguments.count else {
                throw TemplateError(message: "wrong number of args for \(name): want \(index + 1) got \(arguments.count)")
            }
            return arguments[index]
        }
        switch name {
        case "humanize": return .string(Humanize.metric(try argument(0).asFloat()))
        case "humanize1024": return .string(Humanize.binary(try argument(0).asFloat()))
        case "humanizeDuration": return .string(Humanize.duration(try argument(0).asFloat()))
        case "humanizePercentage": return .string(GoPrintf.format("%.4g%%", [.float(try argument(0).asFloat() * 100)]))
        case "humanizeTimestamp": return .string(Humanize.timestamp(try argument(0).asFloat()))
        case "printf":
            guard case .string(let format) = try argument(0) else { throw TemplateError(message: "printf needs a format string") }
            return .string(GoPrintf.format(format, Array(arguments.dropFirst())))
        case "print": return .string(GoPrintf.sprint(arguments))
        case "println": return .string(arguments.map(\.printed).joined(separator: " ") + "\n")
        case "title":
            return .string(
                try argument(0).printed.split(separator: " ", omittingEmptySubsequences: false).map {
                    $0.prefix(1).uppercased() + $0.dropFirst()
                }.joined(separator: " ")
            )
        case "toUpper": return .string(try argument(0).printed.uppercased())
        case "toLower": return .string(try argument(0).printed.lowercased())
        case "safeHtml", "urlquery": return .string(try argument(0).printed)
        case "pathPrefix": return .string("")
        case "externalURL": return .string("")
        case "stripPort":
            let text = try argument(0).printed
            if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
                return .string(String(text[text.index(after: text.startIndex)..<close]))
            }
            if let colon = text.lastIndex(of: ":"), text.filter({ $0 == ":" }).count == 1 { return .string(String(text[..<colon])) }
            return .string(text)
        case "stripDomain":
            let text = try argument(0).printed
            guard let dot = text.firstIndex(of: ".") else { return .string(text) }
            return .string(String(text[..<dot]))
        case "reReplaceAll", "match":
            let pattern = try argument(0).printed
            let regex: Regex<AnyRegexOutput>
            do { regex = try Regex(pattern) } catch { throw TemplateError(message: "error parsing regexp: \(pattern)") }
            if name == "match" { return .bool((try? regex.firstMatch(in: try argument(1).printed)) != nil) }
            let replacement = try argument(1).printed
            let text = try argument(2).printed
            var out = ""
            var rest = Substring(text)
            while let match = try? regex.firstMatch(in: rest), !match.range.isEmpty {
                out += rest[..<match.range.lowerBound]
                let captures = match.output.map { $0.substring.map(String.init) ?? "" }
                var named: [String: String] = [:]
                for capture in match.output { if let name = capture.name { named[name] = capture.substring.map(String.init) ?? "" } }
                out += Evaluator.expand(replacement, captures: captures, named: named)
                rest = rest[match.range.upperBound...]
            }
            return .string(out + rest)
        case "eq", "ne", "lt", "le", "gt", "ge":
            let (a, b) = (try argument(0), try argument(1))
            let order = try Self.compare(a, b)
            switch name {
            case "eq": return .bool(order == 0)
            case "ne": return .bool(order != 0)
            case "lt": return .bool(order < 0)
            case "le": return .bool(order <= 0)
            case "gt": return .bool(order > 0)
            default: return .bool(order >= 0)
            }
        case "and":
            for value in arguments where !value.isTruthy { return value }
            return arguments.last ?? .missing
        case "or":
            for value in arguments where value.isTruthy { return value }
            return arguments.last ?? .missing
        case "not": return .bool(!(try argument(0)).isTruthy)
        case "len":
            switch try argument(0) {
            case .string(let text): return .int(text.utf8.count)
            case .map(let map): return .int(map.count)
            default: throw TemplateError(message: "len of \(try argument(0).printed)")
            }
        case "index":
            guard case .map(let map) = try argument(0) else { throw TemplateError(message: "can't index item") }
            return .string(map[try argument(1).printed] ?? "")
        default:
            throw TemplateError(message: "function \"\(name)\" not defined")
        }
    }

    private static func compare(_ a: TemplateValue, _ b: TemplateValue) throws(TemplateError) -> Int {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x == y ? 0 : x < y ? -1 : 1
        case (.bool(let x), .bool(let y)): return x == y ? 0 : 1
        default:
            let (x, y) = (try a.asFloat(), try b.asFloat())
            return x == y ? 0 : x < y ? -1 : 1
        }
    }
}

/// Prometheus's humanize family.
enum Humanize {
    static func metric(_ value: Double) -> String {
        var v = value
        if v == 0 || v.isNaN || v.isInfinite { return GoPrintf.format("%.4g", [.float(v)]) }
        var prefix = ""
        if Swift.abs(v) >= 1 {
            for candidate in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
                if Swift.abs(v) < 1000 { break }
                prefix = candidate
                v /= 1000
            }
        } else {
            for candidate in ["m", "u", "n", "p", "f", "a", "z", "y"] {
                if Swift.abs(v) >= 1 { break }
                prefix = candidate
                v *= 1000
            }
        }
        return GoPrintf.format("%.4g", [.float(v)]) + prefix
    }

    static func binary(_ value: Double) -> String {
        var v = value
        if Swift.abs(v) <= 1 || v.isNaN || v.isInfinite { return GoPrintf.format("%.4g", [.float(v)]) }
        var prefix = ""
        for candidate in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
            if Swift.abs(v) < 1024 { break }
            prefix = candidate
            v /= 1024
        }
        return GoPrintf.format("%.4g", [.float(v)]) + prefix
    }

    static func duration(_ value: Double) -> String {
        var v = value
        if v.isNaN || v.isInfinite { return GoPrintf.format("%.4g", [.float(v)]) }
        if v == 0 { return GoPrintf.format("%.4gs", [.float(v)]) }
        if Swift.abs(v) >= 1 {
            var sign = ""
            if v < 0 {
                sign = "-"
                v = -v
            }
            let whole = Int64(v)
            let seconds = whole % 60
            let minutes = (whole / 60) % 60
            let hours = (whole / 3600) % 24
            let days = whole / 86400
            if days != 0 { return "\(sign)\(days)d \(hours)h \(minutes)m \(seconds)s" }
            if hours != 0 { return "\(sign)\(hours)h \(minutes)m \(seconds)s" }
            if minutes != 0 { return "\(sign)\(minutes)m \(seconds)s" }
            return sign + GoPrintf.format("%.4gs", [.float(v)])
        }
        var prefix = ""
        for candidate in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if Swift.abs(v) >= 1 { break }
            prefix = candidate
            v *= 1000
        }
        return GoPrintf.format("%.4g", [.float(v)]) + prefix + "s"
    }

    static func timestamp(_ value: Double) -> String {
        if value.isNaN || value.isInfinite { return GoPrintf.format("%.4g", [.float(value)]) }
        let seconds = value.rounded(.down)
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let nanoseconds = Int(((value - seconds) * 1e9).rounded())
        var text = CFormat.format(
            "%04ld-%02ld-%02ld %02ld:%02ld:%02ld",
            Int(parts.tm_year) + 1900,
            Int(parts.tm_mon) + 1,
            Int(parts.tm_mday),
            Int(parts.tm_hour),
            Int(parts.tm_min),
            Int(parts.tm_sec)
        )
        if nanoseconds > 0 {
            var fraction = CFormat.format("%09ld", nanoseconds)
            while fraction.last == "0" { fraction.removeLast() }
            text += "." + fraction
        }
        return text + " +0000 UTC"
    }
}

/// The parts of Go's `fmt` that templates use: `printf` verbs for numbers and strings, and `print`.
enum GoPrintf {
    static func sprint(_ arguments: [TemplateValue]) -> String {
        // fmt.Sprint adds spaces between operands when neither is a string.
        var out = ""
        for (index, argument) in arguments.enumerated() {
            if index > 0 {
                let previousIsString: Bool
                if case .string = arguments[index - 1] { previousIsString = true } else { previousIsString = false }
                let currentIsString: Bool
                if case .string = argument { currentIsString = true } else { currentIsString = false }
                if !previousIsString && !currentIsString { out += " " }
            }
            out += argument.printed
        }
        return out
    }

    static func format(_ format: String, _ arguments: [TemplateValue]) -> String {
        var out = ""
        var characters = Array(format)
        var index = 0
        var argumentIndex = 0
        characters.append("\0")
        while index < characters.count - 1 {
            let character = characters[index]
            guard character == "%" else {
                out.append(character)
                index += 1
                continue
            }
            var spec = "%"
            index += 1
            while "+-# 0".contains(characters[index]) && characters[index] != "\0" {
                spec.append(characters[index])
                index += 1
            }
            while characters[index].isNumber || characters[index] == "." {
                spec.append(characters[index])
                index += 1
            }
            let verb = characters[index]
            index += 1
            if verb == "%" {
                out += "%"
                continue
            }
            guard argumentIndex < arguments.count else {
                out += "%!\(verb)(MISSING)"
                continue
            }
            let argument = arguments[argumentIndex]
            argumentIndex += 1
            out += Self.formatOne(spec, verb, argument)
        }
        if argumentIndex < arguments.count {
            out += "%!(EXTRA " + arguments[argumentIndex...].map { "\(Self.goType($0))=\($0.printed)" }.joined(separator: ", ") + ")"
        }
        return out
    }

    private static func goType(_ value: TemplateValue) -> String {
        switch value {
        case .string: return "string"
        case .float: return "float64"
        case .int: return "int"
        case .bool: return "bool"
        case .map: return "map[string]string"
        case .missing: return "<nil>"
        }
    }

    private static func formatOne(_ spec: String, _ verb: Character, _ argument: TemplateValue) -> String {
        switch (verb, argument) {
        case ("f", .float(let v)), ("F", .float(let v)), ("e", .float(let v)), ("E", .float(let v)), ("g", .float(let v)),
            ("G", .float(let v)):
            if v.isNaN { return "NaN" }
            if v.isInfinite { return spec.contains("+") || v < 0 ? (v < 0 ? "-Inf" : "+Inf") : "+Inf" }
            if verb == "g" && !spec.contains(".") { return GoFloat.format(v) }
            return CFormat.format(spec + String(verb), v)
        case ("f", .int(let v)), ("e", .int(let v)), ("g", .int(let v)):
            return "%!\(verb)(int=\(v))"
        case ("d", .int(let v)): return CFormat.format(spec + "ld", v)
        case ("d", .float(let v)): return "%!d(float64=\(GoFloat.format(v)))"
        case ("s", .string(let text)), ("v", .string(let text)): return Self.pad(text, spec)
        case ("q", .string(let text)): return "\"" + Labels.escape(text) + "\""
        case ("v", .float(let v)): return GoFloat.format(v)
        case ("s", .float(let v)): return "%!s(float64=\(GoFloat.format(v)))"
        case ("v", let value), ("s", let value): return Self.pad(value.printed, spec)
        case ("x", .int(let v)): return String(v, radix: 16)
        default: return "%!\(verb)(\(Self.goType(argument))=\(argument.printed))"
        }
    }

    private static func pad(_ text: String, _ spec: String) -> String {
        let digits = spec.filter(\.isNumber)
        guard let width = Int(digits), width > text.count else { return text }
        let padding = String(repeating: " ", count: width - text.count)
        return spec.contains("-") ? text + padding : padding + text
    }
}
