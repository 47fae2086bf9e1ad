import LibYAML

/// Reads YAML nodes with positions, rejecting unknown keys, for rule files and rule unit-test files.
struct YAMLReader {
    let file: String

    func load(_ text: String) throws(RuleFileError) -> YAMLNode {
        let node: YAMLNode?
        do {
            node = try YAMLNode.compose(yaml: text)
        } catch {
            throw RuleFileError(file: self.file, line: error.mark?.line, message: "invalid YAML: \(error.problem)")
        }
        guard let node else { throw RuleFileError(file: self.file, line: nil, message: "the file is empty") }
        return node
    }

    func error(_ node: YAMLNode?, _ message: String) -> RuleFileError {
        RuleFileError(file: self.file, line: node?.mark?.line, message: message)
    }

    /// The entries of a mapping, in order; keys not in `allowed` are errors.
    func mapping(_ node: YAMLNode, allowed: Set<String>?, what: String) throws(RuleFileError) -> [(key: String, value: YAMLNode)] {
        guard case .mapping(let mapping) = node else { throw self.error(node, "\(what) must be a mapping") }
        var seen = Set<String>()
        var entries: [(key: String, value: YAMLNode)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let scalar) = keyNode else { throw self.error(keyNode, "keys must be plain strings") }
            let key = scalar.string
            if let allowed, !allowed.contains(key) {
                throw self.error(
                    keyNode,
                    "field \(key) not found in \(what) (expected one of: \(allowed.sorted().joined(separator: ", ")))"
                )
            }
            guard seen.insert(key).inserted else { throw self.error(keyNode, "\(key) appears twice in \(what)") }
            entries.append((key, value))
        }
        return entries
    }

    func fields(_ node: YAMLNode, allowed: Set<String>, what: String) throws(RuleFileError) -> [String: YAMLNode] {
        Dictionary(try self.mapping(node, allowed: allowed, what: what).map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    func string(_ node: YAMLNode) throws(RuleFileError) -> String {
        guard case .scalar(let scalar) = node else { throw self.error(node, "expected a single value") }
        return scalar.string
    }

    func sequence(_ node: YAMLNode, what: String) throws(RuleFileError) -> [YAMLNode] {
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "null" || scalar.string == "~" { return [] }
        guard case .sequence(let sequence) = node else { throw self.error(node, "\(what) must be a list") }
        return Array(sequence)
    }

    func duration(_ node: YAMLNode, what: String) throws(RuleFileError) -> Int64 {
        let text = try self.string(node)
        guard let milliseconds = PrometheusDuration.milliseconds(text) else {
            throw self.error(node, "\(what): \"\(text)\" is not a valid duration (write 30s, 5m, 1h)")
        }
        return milliseconds
    }

    func stringMap(_ node: YAMLNode, what: String) throws(RuleFileError) -> [(key: String, value: String, node: YAMLNode)] {
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "null" { return [] }
        var result: [(key: String, value: String, node: YAMLNode)] = []
        for (key, value) in try self.mapping(node, allowed: nil, what: what) {
            result.append((key, try self.string(value), value))
        }
        return result
    }
}
