import Clients

/// A value inside a template: what Go's text/template would hold as `interface{}` for Prometheus's data.
enum TemplateValue: Equatable {
    case string(String)
    case float(Double)
    case int(Int)
    case bool(Bool)
    case map([String: String])
    case missing

    /// How text/template prints the value (`fmt.Print`).
    var printed: String {
        switch self {
        case .string(let text): return text
        case .float(let value): return GoFloat.format(value)
        case .int(let value): return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .map(let map): return "map[" + map.keys.sorted().map { "\($0):\(map[$0]!)" }.joined(separator: " ") + "]"
        case .missing: return ""
        }
    }

    /// Go template truthiness: empty strings, zero numbers, false and empty maps are false.
    var isTruthy: Bool {
        switch self {
        case .string(let text): return !text.isEmpty
        case .float(let value): return value != 0
        case .int(let value): return value != 0
        case .bool(let value): return value
        case .map(let map): return !map.isEmpty
        case .missing: return false
        }
    }

    /// The number Prometheus's functions convert the value to (`convertToFloat`).
    func asFloat() throws(TemplateError) -> Double {
        switch self {
        case .float(let value): return value
        case .int(let value): return Double(value)
        case .string(let text):
            guard let value = Double(text.trimmingWhitespace()) else {
                throw TemplateError(message: "strconv.ParseFloat: parsing \"\(text)\": invalid syntax")
            }
            return value
        default: throw TemplateError(message: "can't convert \(self.printed) to float")
        }
    }
}

/// A template that does not parse or cannot be expanded.
public struct TemplateError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// The message.
    public var description: String { self.message }
}
