import Clients
import CopyThatInstrumentation

/// Reads `NAME` or `NAME_FILE` from an environment, with typed checks whose errors name the variable.
struct EnvironmentReader {
    let environment: [String: String]
    let readFile: (String) throws -> String

    /// The value of `name`, or the contents of the file `name_FILE` names; `nil` when neither is set. Both set is an
    /// error, so that nobody wonders which one won.
    func value(_ name: String) throws(APIConfigurationError) -> String? {
        let direct = self.environment[name]
        let file = self.environment[name + "_FILE"]
        switch (direct, file) {
        case (.some, .some):
            throw APIConfigurationError(variable: name, reason: "both \(name) and \(name)_FILE are set; set one")
        case (.some(let value), nil):
            return value
        case (nil, .some(let path)):
            do {
                return try self.readFile(path)
            } catch {
                throw APIConfigurationError(variable: name + "_FILE", reason: "cannot read \(path)")
            }
        case (nil, nil):
            return nil
        }
    }

    func required(_ name: String) throws(APIConfigurationError) -> String {
        guard let value = try self.value(name), !value.isEmpty else {
            throw APIConfigurationError(variable: name, reason: "is required (set \(name) or \(name)_FILE)")
        }
        return value
    }

    func url(_ name: String) throws(APIConfigurationError) -> ConnectionURL {
        let text = try self.required(name)
        do {
            return try ConnectionURL(text)
        } catch {
            throw APIConfigurationError(variable: name, reason: "is not a valid URL: \(error)")
        }
    }

    func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(APIConfigurationError) -> Int {
        guard let text = try self.value(name), !text.isEmpty else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIConfigurationError(
                variable: name,
                reason: "must be a whole number from \(range.lowerBound) to \(range.upperBound), got \"\(text)\""
            )
        }
        return value
    }

    func networks(_ name: String) throws(APIConfigurationError) -> [IPNetwork] {
        guard let text = try self.value(name) else { return [] }
        var networks: [IPNetwork] = []
        for item in text.split(separator: ",") {
            let trimmed = item.trimmingWhitespace()
            if trimmed.isEmpty { continue }
            guard let network = IPNetwork(trimmed) else {
                throw APIConfigurationError(variable: name, reason: "\"\(trimmed)\" is not an address or CIDR network")
            }
            networks.append(network)
        }
        return networks
    }

    func imageFetchPolicy(_ name: String) throws(APIConfigurationError) -> ImageFetchPolicy {
        guard let text = try self.value(name) else { return ImageFetchPolicy() }
        switch ImageFetchPolicy.parse(allowList: text) {
        case .success(let policy): return policy
        case .failure(let error):
            throw APIConfigurationError(variable: name, reason: "\"\(error.entry)\" is neither a network (CIDR or address) nor a host name")
        }
    }

    func anthropic() throws(APIConfigurationError) -> AnthropicSettings? {
        guard let key = try self.value("ANTHROPIC_API_KEY"), !key.isEmpty else { return nil }
        let base = try self.value("ANTHROPIC_BASE_URL").flatMap { $0.isEmpty ? nil : $0 } ?? "https://api.anthropic.com"
        guard let url = CurlURL(base), url.scheme == "https" || url.scheme == "http" else {
            throw APIConfigurationError(variable: "ANTHROPIC_BASE_URL", reason: "must be an http or https URL")
        }
        let model = try self.value("ANTHROPIC_MODEL").flatMap { $0.isEmpty ? nil : $0 } ?? AnthropicSettings.defaultModel
        guard model.utf8.count <= 100, model.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7f }) else {
            throw APIConfigurationError(variable: "ANTHROPIC_MODEL", reason: "must be a model name (printable ASCII, at most 100 bytes)")
        }
        return AnthropicSettings(baseURL: base, apiKey: key, model: model)
    }

    /// A sum of dollars written as `12`, `0.5` or `499.99` (at most nine decimals; no sign, no exponent).
    func dollars(_ name: String, default fallback: Money) throws(APIConfigurationError) -> Money {
        guard let text = try self.value(name)?.trimmingWhitespace(), !text.isEmpty else { return fallback }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let isDigits: (Substring) -> Bool = { !$0.isEmpty && $0.utf8.allSatisfy { (48...57).contains($0) } }
        guard parts.count <= 2, isDigits(parts[0]), parts.count == 1 || (isDigits(parts[1]) && parts[1].count <= 9),
            parts[0].count <= 9, let whole = Int64(parts[0])
        else {
            throw APIConfigurationError(variable: name, reason: "must be an amount of dollars such as 10 or 2.50, got \"\(text)\"")
        }
        let fraction = parts.count == 2 ? Int64(parts[1] + String(repeating: "0", count: 9 - parts[1].count)) ?? 0 : 0
        return Money(nanodollars: whole * 1_000_000_000 + fraction)
    }
}
