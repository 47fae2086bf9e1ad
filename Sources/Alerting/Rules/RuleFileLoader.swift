import LibYAML

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Loads Prometheus rule files (`groups:` of `alert:` and `record:` rules), checking them as `promtool check rules`
/// does and rejecting what this engine cannot evaluate, each with the file, line and reason.
public enum RuleFileLoader {
    /// Loads one file, its expressions parsed as `compatibility`'s Prometheus release parses them.
    public static func load(path: String, compatibility: PromQLCompatibility = .prometheus3) throws(RuleFileError) -> [RuleGroup] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw RuleFileError(file: path, line: nil, message: "cannot read the rule file")
        }
        return try self.parse(text, file: path, compatibility: compatibility)
    }

    /// Loads several files, each path possibly a glob (`rules/*.yml`) as in Prometheus's `rule_files`; group names
    /// must be unique within each file. A pattern that matches no file is an error (a typo would otherwise silence
    /// every alert it meant to load).
    public static func load(paths: [String], compatibility: PromQLCompatibility = .prometheus3) throws(RuleFileError) -> [RuleGroup] {
        var groups: [RuleGroup] = []
        for path in try self.expand(paths) { groups += try self.load(path: path, compatibility: compatibility) }
        return groups
    }

    /// `patterns` with globs expanded (sorted, as Prometheus does), plain paths kept as they are.
    public static func expand(_ patterns: [String]) throws(RuleFileError) -> [String] {
        var paths: [String] = []
        for pattern in patterns {
            guard pattern.contains(where: { "*?[".contains($0) }) else {
                paths.append(pattern)
                continue
            }
            var result = glob_t()
            defer { globfree(&result) }
            guard glob(pattern, 0, nil, &result) == 0 else {
                throw RuleFileError(file: pattern, line: nil, message: "the pattern matches no rule file")
            }
            var matches: [String] = []
            for index in 0..<Int(result.gl_pathc) {
                if let path = result.gl_pathv[index] { matches.append(String(cString: path)) }
            }
            paths += matches.sorted()
        }
        return paths
    }

    /// Parses rule-file text.
    public static func parse(
        _ text: String,
        file: String,
        compatibility: PromQLCompatibility = .prometheus3
    ) throws(RuleFileError)
        -> [RuleGroup]
    {
        let reader = YAMLReader(file: file)
        let root = try reader.load(text)
        let top = try reader.fields(root, allowed: ["groups"], what: "the rule file")
        guard let groupsNode = top["groups"] else { return [] }
        var groups: [RuleGroup] = []
        var names = Set<String>()
        for groupNode in try reader.sequence(groupsNode, what: "groups") {
            let fields = try reader.fields(
                groupNode,
                allowed: ["name", "interval", "rules", "limit", "query_offset"],
                what: "a rule group"
            )
            guard let nameNode = fields["name"], case let name = try reader.string(nameNode), !name.isEmpty else {
                throw reader.error(groupNode, "Groupname must not be empty")
            }
            guard names.insert(name).inserted else { throw reader.error(nameNode, "groupname: \"\(name)\" is repeated in the same file") }
            var group = RuleGroup(name: name, file: file, intervalMilliseconds: nil, rules: [])
            if let interval = fields["interval"] {
                let milliseconds = try reader.duration(interval, what: "interval")
                guard milliseconds > 0 else { throw reader.error(interval, "interval must be positive") }
                group.intervalMilliseconds = milliseconds
            }
            for ruleNode in try reader.sequence(fields["rules"] ?? .scalar(.init("")), what: "rules") {
                group.rules.append(try self.rule(ruleNode, reader: reader, group: name, compatibility: compatibility))
            }
            groups.append(group)
        }
        return groups
    }

    private static func rule(
        _ node: YAMLNode,
        reader: YAMLReader,
        group: String,
        compatibility: PromQLCompatibility
    ) throws(RuleFileError) -> Rule {
        let fields = try reader.fields(
            node,
            allowed: ["alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"],
            what: "a rule"
        )
        let alert = try fields["alert"].map { node throws(RuleFileError) in try reader.string(node) }
        let record = try fields["record"].map { node throws(RuleFileError) in try reader.string(node) }
        let what = alert.map { "alert \($0)" } ?? record.map { "record \($0)" } ?? "rule"
        guard (alert == nil) != (record == nil) else {
            throw reader.error(node, "one of 'record' or 'alert' must be set (group \(group))")
        }
        guard let exprNode = fields["expr"], case let exprText = try reader.string(exprNode), !exprText.isEmpty else {
            throw reader.error(node, "\(what): field 'expr' must be set in rule")
        }
        let expression: Expression
        do {
            expression = try Parser.parse(exprText, compatibility: compatibility)
        } catch {
            throw reader.error(exprNode, "\(what): could not parse expression: \(error)")
        }
        guard expression.valueType == .vector || expression.valueType == .scalar else {
            throw reader.error(
                exprNode,
                "\(what): expression must be of type instant vector or scalar, got \(expression.valueType.rawValue)"
            )
        }
        let labels = try reader.stringMap(fields["labels"] ?? .scalar(.init("")), what: "labels")
        for label in labels where !LabelNames.isValid(label.key) || label.key == Labels.metricName {
            throw reader.error(label.node, "\(what): invalid label name: \(label.key)")
        }
        if let record {
            guard LabelNames.isValidMetricName(record) else {
                throw reader.error(fields["record"], "invalid recording rule name: \(record)")
            }
            for key in ["for", "keep_firing_for", "annotations"] where fields[key] != nil {
                throw reader.error(fields[key], "\(what): invalid field '\(key)' in recording rule")
            }
            return .recording(RecordingRuleDefinition(name: record, expression: expression, labels: labels.map { ($0.key, $0.value) }))
        }
        var definition = AlertingRuleDefinition(name: alert!, expression: expression)
        guard !definition.name.isEmpty else { throw reader.error(fields["alert"], "alert name must not be empty") }
        if let hold = fields["for"] { definition.holdMilliseconds = try reader.duration(hold, what: "\(what): for") }
        if let keep = fields["keep_firing_for"] {
            definition.keepFiringForMilliseconds = try reader.duration(keep, what: "\(what): keep_firing_for")
        }
        for label in labels {
            definition.labels.append((label.key, try self.template(label.value, node: label.node, reader: reader, what: what)))
        }
        for annotation in try reader.stringMap(fields["annotations"] ?? .scalar(.init("")), what: "annotations") {
            definition.annotations.append(
                (annotation.key, try self.template(annotation.value, node: annotation.node, reader: reader, what: what))
            )
        }
        return .alerting(definition)
    }

    private static func template(_ text: String, node: YAMLNode, reader: YAMLReader, what: String) throws(RuleFileError) -> AlertTemplate {
        do {
            return try AlertTemplate(text)
        } catch {
            throw reader.error(node, "\(what): template: \(error.message)")
        }
    }
}
