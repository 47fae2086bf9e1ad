import Clients

/// Checks that apply however the configuration was given (file or environment).
package enum Validation {
    /// Why `dependency` cannot be probed, or `nil` when it can.
    package static func problem(with dependency: ExporterConfiguration.Dependency) -> String? {
        guard !dependency.name.isEmpty, dependency.name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
        else {
            return "dependency name \"\(dependency.name)\" must be letters, digits, '_' or '-'"
        }
        if let position = HTTPFieldSyntax.controlCharacterPosition(inURL: dependency.url) {
            return "\(dependency.name): the URL contains a control character or space at character \(position + 1)"
        }
        for header in dependency.headers {
            guard HTTPFieldSyntax.isToken(header.name) else {
                return "\(dependency.name): header name \"\(header.name)\" is not an RFC 9110 token"
            }
            guard HTTPFieldSyntax.isFieldValue(header.value) else {
                return
                    "\(dependency.name): the value of header \(header.name) contains CR, LF or another control character, or starts or ends with a space"
            }
        }
        if let apiKey = dependency.apiKey, !HTTPFieldSyntax.isFieldValue(apiKey) {
            return "\(dependency.name): api_key contains CR, LF or another control character (check the file or variable it comes from)"
        }
        let url: ConnectionURL
        do {
            url = try ConnectionURL(dependency.url)
        } catch {
            return "\(dependency.name): \(error)"
        }
        switch dependency.kind {
        case .postgres:
            guard url.scheme == "postgres" || url.scheme == "postgresql" else {
                return "\(dependency.name): a postgres dependency needs a postgres:// or postgresql:// URL, got \(url.scheme)://"
            }
        case .redis:
            guard ["redis", "unix", "redis+unix"].contains(url.scheme) else {
                if url.scheme == "rediss" {
                    return
                        "\(dependency.name): rediss:// (TLS) is not supported by this build (hiredis 0.14 has no TLS); use redis:// or a TLS-terminating sidecar"
                }
                return "\(dependency.name): a redis dependency needs a redis:// or unix:// URL, got \(url.scheme)://"
            }
        case .http, .anthropic, .openai:
            guard url.scheme == "http" || url.scheme == "https", !url.host.isEmpty else {
                return "\(dependency.name): needs an http:// or https:// URL"
            }
        }
        if (dependency.kind == .anthropic || dependency.kind == .openai) && (dependency.apiKey ?? "").isEmpty {
            return "\(dependency.name): an \(dependency.kind.rawValue) dependency needs api_key or api_key_file"
        }
        if let timeout = dependency.timeout, timeout <= .zero {
            return "\(dependency.name): timeout must be positive"
        }
        return nil
    }

    /// Checks the whole configuration; `marks` maps a dependency name to where it is defined.
    package static func check(
        _ configuration: ExporterConfiguration,
        file: String,
        marks: [String: (line: Int, column: Int)]
    ) throws(ConfigError) {
        guard configuration.probeInterval > .zero else {
            throw ConfigError(file: file, reason: "probe_interval must be positive")
        }
        guard configuration.probeTimeout > .zero, configuration.probeTimeout <= configuration.probeInterval else {
            throw ConfigError(file: file, reason: "probe_timeout must be positive and no longer than probe_interval")
        }
        guard configuration.failureThreshold >= 1, configuration.successThreshold >= 1 else {
            throw ConfigError(file: file, reason: "failure_threshold and success_threshold must be at least 1")
        }
        guard ["trace", "debug", "info", "notice", "warning", "warn", "error", "critical"].contains(configuration.logLevel.lowercased())
        else {
            throw ConfigError(file: file, reason: "log_level must be trace, debug, info, notice, warning, error or critical")
        }
        var seen = Set<String>()
        for dependency in configuration.dependencies {
            let mark = marks[dependency.name]
            if let problem = self.problem(with: dependency) {
                throw ConfigError(file: file, line: mark?.line, column: mark?.column, reason: problem)
            }
            guard seen.insert(dependency.name).inserted else {
                throw ConfigError(
                    file: file,
                    line: mark?.line,
                    column: mark?.column,
                    reason: "dependency name \"\(dependency.name)\" is used twice"
                )
            }
        }
    }
}
