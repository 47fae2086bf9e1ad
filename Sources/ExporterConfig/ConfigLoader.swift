import Alerting
import Clients
import LibYAML

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads an ``ExporterConfiguration`` from YAML, or from the environment when there is no file.
///
/// Unknown keys, wrong types, bad durations, bad URLs and missing environment variables are errors that name the
/// file, line and column. `${VAR}` is expanded in every string; a key ending in `_file` (`api_key_file`,
/// `password_file`, `url_file`, `bearer_token_file`) reads the secret from that file instead.
public struct ConfigLoader: Sendable {
    package var environment: [String: String]

    /// A loader that expands `${VAR}` from `environment` (the process's, unless a test or fuzzer passes its own).
    public init(environment: [String: String]? = nil) {
        self.environment = environment ?? ProcessInfo.processInfo.environment
    }

    /// Loads `path`.
    public func load(path: String) throws(ConfigError) -> ExporterConfiguration {
        try self.parse(yaml: Self.text(of: path), file: path)
    }

    /// The UTF-8 text of the file at `path`.
    static func text(of path: String) throws(ConfigError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, reason: "cannot read the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, reason: "the file is not UTF-8")
        }
        return text
    }

    /// The YAML tree of `yaml` (`nil` for an empty document); a syntax error names `file`, line and column.
    static func compose(_ yaml: String, file: String) throws(ConfigError) -> YAMLNode? {
        do {
            return try YAMLNode.compose(yaml: yaml)
        } catch {
            throw ConfigError(file: file, line: error.mark?.line, column: error.mark?.column, reason: "invalid YAML: \(error.problem)")
        }
    }

    /// Parses YAML text; `file` is used in error messages and to resolve relative `*_file` paths.
    public func parse(yaml: String, file: String) throws(ConfigError) -> ExporterConfiguration {
        guard let root = try Self.compose(yaml, file: file) else { return ExporterConfiguration() }
        let reader = NodeReader(file: file, environment: self.environment, baseDirectory: FilePaths.directory(of: file))
        let configuration = try reader.configuration(root)
        // Rule files are checked with the configuration, so that check-config catches a rule the engine cannot run.
        let groups: [RuleGroup]
        do {
            groups = try RuleFileLoader.load(paths: configuration.alerting.ruleFiles, compatibility: configuration.alerting.compatibility)
        } catch {
            throw ConfigError(file: error.file, line: error.line, reason: error.message)
        }
        let alerts = Set(
            groups.flatMap(\.rules).compactMap { rule -> String? in
                if case .alerting(let definition) = rule { return definition.name }
                return nil
            }
        )
        for name in configuration.alerting.alertForOverrides.keys.sorted() where !alerts.contains(name) {
            throw ConfigError(
                file: file,
                reason: "alert_for_overrides names \(name.debugDescription), which no rule file defines as an alert"
            )
        }
        return configuration
    }

    /// Builds the configuration from `DATABASE_URL`, `REDIS_URL`, `ANTHROPIC_API_KEY` (+ `ANTHROPIC_BASE_URL`) and
    /// `OPENAI_API_KEY` (+ `OPENAI_BASE_URL`), as the core API's own settings name them.
    package func fromEnvironment() throws(ConfigError) -> ExporterConfiguration {
        var configuration = ExporterConfiguration()
        func value(_ name: String) -> String? {
            guard let value = self.environment[name]?.trimmingWhitespace(), !value.isEmpty else { return nil }
            return value
        }
        if let url = value("DATABASE_URL") {
            configuration.dependencies.append(.init(name: "database", kind: .postgres, url: url, critical: true))
        }
        if let url = value("REDIS_URL") {
            configuration.dependencies.append(.init(name: "redis", kind: .redis, url: url, critical: true))
        }
        let providers: [(name: String, kind: ExporterConfiguration.Dependency.Kind, prefix: String, url: String)] = [
            ("anthropic", .anthropic, "ANTHROPIC", "https://api.anthropic.com"),
            ("openai", .openai, "OPENAI", "https://api.openai.com"),
        ]
        for provider in providers {
            guard let key = value("\(provider.prefix)_API_KEY") else { continue }
            let url = value("\(provider.prefix)_BASE_URL") ?? provider.url
            configuration.dependencies.append(.init(name: provider.name, kind: provider.kind, url: url, critical: false, apiKey: key))
        }
        if let level = value("LOG_LEVEL") { configuration.logLevel = level }
        try Validation.check(configuration, file: "environment", marks: [:])
        return configuration
    }
}
