import Foundation
import Yams

/// Reads YAML nodes with positions, rejecting unknown keys, for rule files and rule unit-test files.
struct YAMLReader {
    let file: String

    func load(_ text: String) throws(RuleFileError) -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw RuleFileError(file: self.file, line: nil, message: "the file is empty")
            }
            return node
        } catch let error as RuleFileError {
            throw error
        } catch let error as YamlError {
            throw RuleFileError(file: self.file, line: Self.line(of: error), message: "invalid YAML: \(Self.describe(error))")
        } catch {
            throw RuleFileError(file: self.file, line: nil, message: "invalid YAML: \(error)")
        }
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _), .composer(let context, let problem, _, _):
            return [context?.text, problem].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        default: return "\(error)"
        }
    }

    func error(_ node: Node?, _ message: String) -> RuleFileError {
        RuleFileError(file: self.file, line: node?.mark?.line, message: message)
    }

    /// The entries of a mapping, in order; keys not in `allowed` are errors.
    func mapping(_ node: Node, allowed: Set<String>?, what: String) throws(RuleFileError) -> [(key: String, value: Node)] {
        guard case .mapping(let mapping) = node else { throw self.error(node, "\(what) must be a mapping") }
        var seen = Set<String>()
        var entries: [(key: String, value: Node)] = []
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

    func fields(_ node: Node, allowed: Set<String>, what: String) throws(RuleFileError) -> [String: Node] {
        Dictionary(try self.mapping(node, allowed: allowed, what: what).map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    func string(_ node: Node) throws(RuleFileError) -> String {
        guard case .scalar(let scalar) = node else { throw self.error(node, "expected a single value") }
        return scalar.string
    }

    func sequence(_ node: Node, what: String) throws(RuleFileError) -> [Node] {
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "null" || scalar.string == "~" { return [] }
        guard case .sequence(let sequence) = node else { throw self.error(node, "\(what) must be a list") }
        return Array(sequence)
    }

    func duration(_ node: Node, what: String) throws(RuleFileError) -> Int64 {
        let text = try self.string(node)
        guard let milliseconds = PrometheusDuration.milliseconds(text) else {
            throw self.error(node, "\(what): \"\(text)\" is not a valid duration (write 30s, 5m, 1h)")
        }
        return milliseconds
    }

    func stringMap(_ node: Node, what: String) throws(RuleFileError) -> [(key: String, value: String, node: Node)] {
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "null" { return [] }
        var result: [(key: String, value: String, node: Node)] = []
        for (key, value) in try self.mapping(node, allowed: nil, what: what) {
            result.append((key, try self.string(value), value))
        }
        return result
    }
}
