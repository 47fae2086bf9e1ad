import Alerting
import Clients
package import LibYAML

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Walks the YAML tree of a configuration file, keeping every node's position for error messages.
package struct NodeReader {
    package let file: String
    package let environment: [String: String]
    package let baseDirectory: String

    private static let topLevelKeys: Set<String> = [
        "listen", "probe_interval", "probe_timeout", "failure_threshold", "success_threshold", "shutdown_delay",
        "shutdown_grace", "log_level", "metrics_auth", "dependencies", "rule_files", "evaluation_interval", "external_labels",
        "external_url", "resend_delay", "scrape_targets", "scrape_self", "alertmanagers", "webhooks", "http_idle_timeout",
        "max_connections", "scrape_limits", "max_series", "alert_for_overrides", "compatibility",
        "query_retention",
    ]
    private static let dependencyKeys: Set<String> = [
        "name", "type", "url", "url_file", "password_file", "critical", "timeout", "api_key", "api_key_file", "base_url",
        "method", "headers", "expected_status",
    ]

    package func configuration(_ root: YAMLNode) throws(ConfigError) -> ExporterConfiguration {
        var configuration = ExporterConfiguration()
        var marks: [String: (line: Int, column: Int)] = [:]
        // Per-target scrape_limits apply over the top-level ones, which may come later in the file.
        var targetLimits: [YAMLNode?] = []
        for (key, keyNode, value) in try self.mapping(root, allowed: Self.topLevelKeys, what: "the configuration") {
            _ = keyNode
            switch key {
            case "listen":
                let text = try self.string(value)
                guard let address = ExporterConfiguration.ListenAddress.parse(text) else {
                    throw self.error(value, "listen must be HOST:PORT, got \"\(text)\"")
                }
                configuration.listen = address
            case "probe_interval": configuration.probeInterval = try self.duration(value, key: key)
            case "probe_timeout": configuration.probeTimeout = try self.duration(value, key: key)
            case "shutdown_delay": configuration.shutdownDelay = try self.duration(value, key: key, allowZero: true)
            case "shutdown_grace": configuration.shutdownGrace = try self.duration(value, key: key)
            case "failure_threshold": configuration.failureThreshold = try self.positiveInt(value, key: key)
            case "success_threshold": configuration.successThreshold = try self.positiveInt(value, key: key)
            case "log_level": configuration.logLevel = try self.string(value)
            case "http_idle_timeout": configuration.httpIdleTimeout = try self.duration(value, key: key)
            case "max_connections": configuration.maxConnections = try self.positiveInt(value, key: key)
            case "metrics_auth": configuration.metricsAuth = try self.metricsAuth(value)
            case "dependencies":
                guard case .sequence(let sequence) = value else { throw self.error(value, "dependencies must be a list") }
                for item in sequence {
                    let dependency = try self.dependency(item, defaultTimeout: nil)
                    if let mark = item.mark { marks[dependency.name] = (mark.line, mark.column) }
                    if let problem = Validation.problem(with: dependency) { throw self.error(item, problem) }
                    configuration.dependencies.append(dependency)
                }
            case "rule_files":
                for item in try self.list(value, what: "rule_files") {
                    var path = try self.string(item)
                    if !path.hasPrefix("/") && !self.baseDirectory.isEmpty { path = self.baseDirectory + "/" + path }
                    configuration.alerting.ruleFiles.append(path)
                }
            case "evaluation_interval": configuration.alerting.evaluationInterval = try self.duration(value, key: key)
            case "resend_delay": configuration.alerting.resendDelay = try self.duration(value, key: key)
            case "external_url": configuration.alerting.externalURL = try self.string(value)
            case "scrape_self": configuration.alerting.scrapeSelf = try self.bool(value)
            case "external_labels":
                for (name, nameNode, labelValue) in try self.mapping(value, allowed: nil, what: "external_labels") {
                    guard LabelNames.isValid(name) else { throw self.error(nameNode, "invalid label name \"\(name)\" in external_labels") }
                    configuration.alerting.externalLabels[name] = try self.string(labelValue)
                }
            case "alert_for_overrides":
                for (name, _, hold) in try self.mapping(value, allowed: nil, what: "alert_for_overrides") {
                    configuration.alerting.alertForOverrides[name] = try self.duration(
                        hold,
                        key: "alert_for_overrides.\(name)",
                        allowZero: true
                    )
                }
            case "query_retention": configuration.alerting.queryRetention = try self.duration(value, key: key)
            case "compatibility":
                let mode = try self.string(value)
                guard let compatibility = PromQLCompatibility(rawValue: mode) else {
                    let modes = PromQLCompatibility.allCases.map(\.rawValue).joined(separator: " or ")
                    throw self.error(value, "compatibility must be \(modes), not \"\(mode)\"")
                }
                configuration.alerting.compatibility = compatibility
            case "scrape_targets":
                for item in try self.list(value, what: "scrape_targets") {
                    configuration.alerting.scrapeTargets.append(try self.scrapeTarget(item, defaultTimeout: configuration.probeTimeout))
                    targetLimits.append(item.mapping?["scrape_limits"])
                }
            case "scrape_limits": configuration.alerting.scrapeLimits = try self.scrapeLimits(value, over: ScrapeLimits())
            case "max_series": configuration.alerting.maxSeries = try self.positiveInt(value, key: key)
            case "alertmanagers", "webhooks":
                for item in try self.list(value, what: key) {
                    configuration.alerting.destinations.append(
                        try self.destination(item, kind: key == "webhooks" ? .webhook : .alertmanager)
                    )
                }
            default:
                break
            }
        }
        for index in configuration.alerting.scrapeTargets.indices {
            let defaults = configuration.alerting.scrapeLimits
            configuration.alerting.scrapeTargets[index].limits =
                try targetLimits[index].map { node throws(ConfigError) in try self.scrapeLimits(node, over: defaults) } ?? defaults
        }
        let presentKeys = Set(root.mapping?.keys.compactMap(\.string) ?? [])
        if !configuration.alerting.isEnabled,
            let stray = ["scrape_targets", "alertmanagers", "webhooks"].first(where: presentKeys.contains)
        {
            throw self.error(root, "\(stray) is set but rule_files is empty: nothing would be evaluated")
        }
        try Validation.check(configuration, file: self.file, marks: marks)
        return configuration
    }

    private func dependency(_ node: YAMLNode, defaultTimeout: Duration?) throws(ConfigError) -> ExporterConfiguration.Dependency {
        let entries = try self.mapping(node, allowed: Self.dependencyKeys, what: "a dependency")
        let fields = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let nameNode = fields["name"] else { throw self.error(node, "a dependency needs a name") }
        let name = try self.string(nameNode)
        guard let typeNode = fields["type"] else {
            throw self.error(node, "dependency \(name) needs a type (postgres, redis, http, anthropic, openai)")
        }
        let typeText = try self.string(typeNode)
        guard let kind = ExporterConfiguration.Dependency.Kind(rawValue: typeText) else {
            throw self.error(typeNode, "unknown dependency type \"\(typeText)\"; expected postgres, redis, http, anthropic or openai")
        }
        var url: String
        switch kind {
        case .anthropic:
            url = try fields["base_url"].map { node throws(ConfigError) in try self.string(node) } ?? "https://api.anthropic.com"
        case .openai:
            url = try fields["base_url"].map { node throws(ConfigError) in try self.string(node) } ?? "https://api.openai.com"
        default:
            guard let secret = try self.secret(fields, key: "url") else {
                throw self.error(node, "dependency \(name) needs url or url_file")
            }
            url = secret
        }
        if let passwordNode = fields["password_file"] {
            let password = try self.readSecretFile(passwordNode)
            guard var parsed = try? ConnectionURL(url) else { throw self.error(node, "dependency \(name): invalid URL") }
            parsed.password = password
            url = Self.rebuild(parsed)
        }
        var dependency = ExporterConfiguration.Dependency(
            name: name,
            kind: kind,
            url: url,
            critical: try fields["critical"].map { node throws(ConfigError) in try self.bool(node) }
                ?? (kind == .postgres || kind == .redis),
            timeout: try fields["timeout"].map { node throws(ConfigError) in try self.duration(node, key: "timeout") } ?? defaultTimeout,
            apiKey: try self.secret(fields, key: "api_key")
        )
        if let method = fields["method"] { dependency.method = try self.string(method).uppercased() }
        if let headers = fields["headers"] {
            for (key, keyNode, value) in try self.mapping(headers, allowed: nil, what: "headers") {
                guard HTTPFieldSyntax.isToken(key) else { throw self.error(keyNode, "header name \"\(key)\" is not an RFC 9110 token") }
                let text = try self.string(value)
                guard HTTPFieldSyntax.isFieldValue(text) else {
                    throw self.error(
                        value,
                        "the value of header \(key) contains CR, LF or another control character, or starts or ends with a space"
                    )
                }
                dependency.headers.append((key, text))
            }
        }
        if let statuses = fields["expected_status"] {
            guard case .sequence(let sequence) = statuses else {
                throw self.error(statuses, "expected_status must be a list of status codes")
            }
            for item in sequence {
                guard let code = Int(try self.string(item)), (100...599).contains(code) else {
                    throw self.error(item, "expected_status entries must be HTTP status codes")
                }
                dependency.expectedStatus.insert(code)
            }
        }
        return dependency
    }

    func list(_ node: YAMLNode, what: String) throws(ConfigError) -> [YAMLNode] {
        guard case .sequence(let sequence) = node else { throw self.error(node, "\(what) must be a list") }
        return Array(sequence)
    }

    private func httpURL(_ node: YAMLNode, what: String) throws(ConfigError) -> String {
        let url = try self.string(node)
        if let position = HTTPFieldSyntax.controlCharacterPosition(inURL: url) {
            throw self.error(node, "\(what) contains a control character or space at character \(position + 1)")
        }
        guard let parsed = try? ConnectionURL(url), parsed.scheme == "http" || parsed.scheme == "https", !parsed.host.isEmpty else {
            throw self.error(node, "\(what) must be an http:// or https:// URL")
        }
        return url
    }

    private func scrapeTarget(_ node: YAMLNode, defaultTimeout: Duration) throws(ConfigError) -> ScrapeTarget {
        let entries = try self.mapping(
            node,
            allowed: ["job", "url", "timeout", "bearer_token", "bearer_token_file", "scrape_limits"],
            what: "a scrape target"
        )
        let fields = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let jobNode = fields["job"], let urlNode = fields["url"] else { throw self.error(node, "a scrape target needs job and url") }
        let job = try self.string(jobNode)
        guard !job.isEmpty else { throw self.error(jobNode, "job must not be empty") }
        var target = ScrapeTarget(
            job: job,
            url: try self.httpURL(urlNode, what: "url"),
            timeout: try fields["timeout"].map { node throws(ConfigError) in try self.duration(node, key: "timeout") } ?? defaultTimeout
        )
        if let token = try self.headerSecret(fields, key: "bearer_token") { target.headers["Authorization"] = "Bearer " + token }
        return target
    }

    /// `scrape_limits`: any of Prometheus's five limits over `defaults`; 0 turns one off, `body_size_limit` takes
    /// bytes or a size with a unit (`32MiB`, `512KB`).
    private func scrapeLimits(_ node: YAMLNode, over defaults: ScrapeLimits) throws(ConfigError) -> ScrapeLimits {
        var limits = defaults
        let keys = ScrapeLimit.allCases.map(\.rawValue)
        for (key, _, value) in try self.mapping(node, allowed: Set(keys), what: "scrape_limits") {
            let text = try self.string(value)
            let number: Int?
            if key == ScrapeLimit.bodySizeLimit.rawValue {
                number = ByteSize.parse(text)
            } else {
                number = Int(text).flatMap { $0 >= 0 ? $0 : nil }
            }
            guard let number else {
                throw self.error(
                    value,
                    key == ScrapeLimit.bodySizeLimit.rawValue
                        ? "\(key) must be a size such as 32MiB, 512KB or a byte count, got \"\(text)\""
                        : "\(key) must be a whole number (0 for no limit), got \"\(text)\""
                )
            }
            switch ScrapeLimit(rawValue: key) {
            case .sampleLimit: limits.sampleLimit = number
            case .labelLimit: limits.labelLimit = number
            case .labelNameLengthLimit: limits.labelNameLengthLimit = number
            case .labelValueLengthLimit: limits.labelValueLengthLimit = number
            case .bodySizeLimit: limits.bodySizeLimit = number
            case nil: break
            }
        }
        return limits
    }

    private func destination(_ node: YAMLNode, kind: NotificationDestination.Kind) throws(ConfigError) -> NotificationDestination {
        if case .scalar = node { return NotificationDestination(kind: kind, url: try self.httpURL(node, what: "url")) }
        let entries = try self.mapping(node, allowed: ["url", "bearer_token", "bearer_token_file"], what: "a notification destination")
        let fields = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        guard let urlNode = fields["url"] else { throw self.error(node, "a notification destination needs url") }
        var destination = NotificationDestination(kind: kind, url: try self.httpURL(urlNode, what: "url"))
        if let token = try self.headerSecret(fields, key: "bearer_token") { destination.headers["Authorization"] = "Bearer " + token }
        return destination
    }

    private func metricsAuth(_ node: YAMLNode) throws(ConfigError) -> ExporterConfiguration.MetricsAuth {
        let entries = try self.mapping(node, allowed: ["bearer_token", "bearer_token_file", "basic_auth"], what: "metrics_auth")
        let fields = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        if let token = try self.secret(fields, key: "bearer_token") {
            guard !token.isEmpty else { throw self.error(node, "bearer_token is empty") }
            return .bearer(token: token)
        }
        if let basic = fields["basic_auth"] {
            let basicEntries = try self.mapping(basic, allowed: ["username", "password", "password_file"], what: "basic_auth")
            let basicFields = Dictionary(basicEntries.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
            guard let username = try basicFields["username"].map({ node throws(ConfigError) in try self.string(node) }),
                let password = try self.secret(basicFields, key: "password"), !password.isEmpty
            else {
                throw self.error(basic, "basic_auth needs username and password (or password_file)")
            }
            return .basic(username: username, password: password)
        }
        throw self.error(node, "metrics_auth needs bearer_token, bearer_token_file or basic_auth")
    }

    // MARK: Scalars

    /// `key` from the value itself or from the file named by `key_file`; both set is an error.
    /// A secret that is sent in a header: it must be a field value (no CR, LF or other control character), or it
    /// would end the header line and start another.
    private func headerSecret(_ fields: [String: YAMLNode], key: String) throws(ConfigError) -> String? {
        guard let value = try self.secret(fields, key: key) else { return nil }
        guard HTTPFieldSyntax.isFieldValue(value) else {
            let node = fields[key] ?? fields[key + "_file"]!
            throw self.error(node, "\(key) contains CR, LF or another control character, or starts or ends with a space")
        }
        return value
    }

    private func secret(_ fields: [String: YAMLNode], key: String) throws(ConfigError) -> String? {
        let direct = fields[key]
        let file = fields[key + "_file"]
        if let direct, file != nil { throw self.error(direct, "set \(key) or \(key)_file, not both") }
        if let direct { return try self.string(direct) }
        if let file { return try self.readSecretFile(file) }
        return nil
    }

    private func readSecretFile(_ node: YAMLNode) throws(ConfigError) -> String {
        var path = try self.string(node)
        if !path.hasPrefix("/") && !self.baseDirectory.isEmpty { path = self.baseDirectory + "/" + path }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw self.error(node, "cannot read the secret file \(path)")
        }
        return text.trimmingWhitespace()
    }

    func string(_ node: YAMLNode) throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node else { throw self.error(node, "expected a single value") }
        do {
            return try EnvironmentInterpolation.expand(scalar.string, environment: self.environment)
        } catch {
            switch error {
            case .unset(let name):
                throw self.error(node, "environment variable \(name) is not set (write ${\(name):-default} for a default)")
            case .unterminated:
                throw self.error(node, "unterminated ${ in value")
            }
        }
    }

    func bool(_ node: YAMLNode) throws(ConfigError) -> Bool {
        switch try self.string(node).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw self.error(node, "expected true or false")
        }
    }

    private func positiveInt(_ node: YAMLNode, key: String) throws(ConfigError) -> Int {
        guard let value = Int(try self.string(node)), value >= 1 else {
            throw self.error(node, "\(key) must be a whole number of at least 1")
        }
        return value
    }

    private func duration(_ node: YAMLNode, key: String, allowZero: Bool = false) throws(ConfigError) -> Duration {
        let text = try self.string(node)
        guard let duration = PrometheusDuration.parse(text), allowZero || duration > .zero else {
            throw self.error(node, "\(key): \"\(text)\" is not a\(allowZero ? "" : " positive") duration (write 500ms, 10s, 1m, 1h30m)")
        }
        return duration
    }

    func mapping(
        _ node: YAMLNode,
        allowed: Set<String>?,
        what: String
    ) throws(ConfigError) -> [(key: String, keyNode: YAMLNode, value: YAMLNode)] {
        guard case .mapping(let mapping) = node else { throw self.error(node, "\(what) must be a mapping of keys to values") }
        var seen = Set<String>()
        var result: [(key: String, keyNode: YAMLNode, value: YAMLNode)] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else { throw self.error(keyNode, "keys must be plain strings") }
            if let allowed, !allowed.contains(key) {
                let suggestion = allowed.min { Self.distance($0, key) < Self.distance($1, key) }.map { "; did you mean \($0)?" } ?? ""
                throw self.error(keyNode, "unknown key \"\(key)\" in \(what)\(suggestion)")
            }
            guard seen.insert(key).inserted else { throw self.error(keyNode, "key \"\(key)\" appears twice") }
            result.append((key, keyNode, value))
        }
        return result
    }

    func error(_ node: YAMLNode?, _ reason: String) -> ConfigError {
        ConfigError(file: self.file, line: node?.mark?.line, column: node?.mark?.column, reason: reason)
    }

    private static func rebuild(_ url: ConnectionURL) -> String {
        var text = url.scheme + "://"
        if let user = url.user { text += ConnectionURL.encodeComponent(user) }
        if let password = url.password { text += ":" + ConnectionURL.encodeComponent(password) }
        if url.user != nil || url.password != nil { text += "@" }
        text += url.host.contains(":") ? "[\(url.host)]" : url.host
        if let port = url.port { text += ":\(port)" }
        if !url.path.isEmpty { text += "/" + url.path }
        if !url.query.isEmpty {
            text += "?" + url.query.map { "\($0.name)=\(ConnectionURL.encodeComponent($0.value))" }.joined(separator: "&")
        }
        return text
    }

    /// Edit distance, for "did you mean" suggestions.
    private static func distance(_ lhs: String, _ rhs: String) -> Int {
        let a = Array(lhs)
        let b = Array(rhs)
        var previous = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(1, b.count) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
