/// `${VAR}` and `${VAR:-default}` in configuration values, from the environment; `$$` is a literal `$`.
package enum EnvironmentInterpolation {
    /// Why a value could not be expanded.
    package enum Failure: Error {
        case unset(String)
        case unterminated
    }

    /// `text` with every reference replaced.
    package static func expand(_ text: String, environment: [String: String]) throws(Failure) -> String {
        guard text.contains("$") else { return text }
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            let next = text.index(after: index)
            guard character == "$", next < text.endIndex else {
                result.append(character)
                index = next
                continue
            }
            if text[next] == "$" {
                result.append("$")
                index = text.index(after: next)
            } else if text[next] == "{" {
                guard let close = text[next...].firstIndex(of: "}") else { throw .unterminated }
                let reference = text[text.index(after: next)..<close]
                let name: Substring
                let fallback: Substring?
                if let separator = reference.firstRange(of: ":-") {
                    name = reference[..<separator.lowerBound]
                    fallback = reference[separator.upperBound...]
                } else {
                    name = reference
                    fallback = nil
                }
                if let value = environment[String(name)], !value.isEmpty {
                    result += value
                } else if let fallback {
                    result += fallback
                } else {
                    throw .unset(String(name))
                }
                index = text.index(after: close)
            } else {
                result.append(character)
                index = next
            }
        }
        return result
    }
}
