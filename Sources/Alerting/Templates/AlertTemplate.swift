/// An annotation or label template of an alerting rule, parsed once when the rule loads and expanded on every
/// evaluation with the alert's labels and value, as Prometheus expands them.
public struct AlertTemplate: Sendable {
    /// The data a template sees: `.Labels`/`$labels`, `.Value`/`$value`, `.ExternalLabels`/`$externalLabels`,
    /// `.ExternalURL`/`$externalURL`.
    public struct Data: Sendable {
        /// The alert's labels.
        public var labels: [String: String]
        /// The alert's value.
        public var value: Double
        /// External labels of the evaluator.
        public var externalLabels: [String: String] = [:]
        /// External URL of the evaluator.
        public var externalURL: String = ""

        /// Template data.
        public init(labels: [String: String], value: Double, externalLabels: [String: String] = [:], externalURL: String = "") {
            self.labels = labels
            self.value = value
            self.externalLabels = externalLabels
            self.externalURL = externalURL
        }
    }

    /// The template text as written.
    public let source: String
    private let nodes: [TemplateNodeBox]

    /// Parses `source`; a template that does not parse, or calls a function that does not exist, throws.
    public init(_ source: String) throws(TemplateError) {
        self.source = source
        if !source.contains("{{") {
            self.nodes = [TemplateNodeBox(.text(source))]
            return
        }
        var parser = TemplateParser(source, functions: TemplateFunctions.names)
        self.nodes = try parser.parse().map(TemplateNodeBox.init)
    }

    /// Expands the template; an error during expansion gives `<error expanding template: ...>` as Prometheus does.
    public func expand(_ data: Data) -> String {
        do {
            var context = TemplateContext(data: data)
            return try context.render(self.nodes.map(\.node))
        } catch {
            return "<error expanding template: \(error.message)>"
        }
    }
}

/// Holds a parsed node; the tree is immutable after parsing, so sharing it across tasks is safe.
struct TemplateNodeBox: @unchecked Sendable {
    let node: TemplateNode
    init(_ node: TemplateNode) { self.node = node }
}

/// The state of one expansion: the dot and the variables in scope.
struct TemplateContext {
    let data: AlertTemplate.Data
    var variables: [String: TemplateValue]
    var dot: TemplateValue = .missing
    var useRootDot = true

    init(data: AlertTemplate.Data) {
        self.data = data
        self.variables = [
            "$labels": .map(data.labels), "$value": .float(data.value), "$externalLabels": .map(data.externalLabels),
            "$externalURL": .string(data.externalURL),
        ]
    }

    mutating func render(_ nodes: [TemplateNode]) throws(TemplateError) -> String {
        var out = ""
        for node in nodes {
            switch node {
            case .text(let text): out += text
            case .action(let pipeline):
                let value = try self.evaluate(pipeline)
                if pipeline.declaration == nil { out += value.printed }
            case .conditional(let kind, let branches, let otherwise):
                var taken = false
                for (condition, body) in branches {
                    let value = try self.evaluate(condition)
                    guard value.isTruthy else { continue }
                    taken = true
                    var inner = self
                    switch kind {
                    case .if: break
                    case .with:
                        inner.dot = value
                        inner.useRootDot = false
                    case .range:
                        guard case .map(let map) = value else { throw TemplateError(message: "range can't iterate over \(value.printed)") }
                        for key in map.keys.sorted() {
                            inner.dot = .string(map[key]!)
                            inner.useRootDot = false
                            out += try inner.render(body)
                        }
                        break
                    }
                    if kind != .range { out += try inner.render(body) }
                    break
                }
                if !taken { out += try self.render(otherwise) }
            }
        }
        return out
    }

    mutating func evaluate(_ pipeline: Pipeline) throws(TemplateError) -> TemplateValue {
        var piped: TemplateValue?
        for command in pipeline.commands {
            piped = try self.run(command, piped: piped)
        }
        let result = piped ?? .missing
        if let name = pipeline.declaration { self.variables[name] = result }
        return result
    }

    private mutating func run(_ command: [Operand], piped: TemplateValue?) throws(TemplateError) -> TemplateValue {
        if case .function(let name) = command[0] {
            var arguments: [TemplateValue] = []
            for operand in command.dropFirst() { arguments.append(try self.value(of: operand)) }
            if let piped { arguments.append(piped) }
            return try TemplateFunctions.call(name, arguments)
        }
        guard command.count == 1 else { throw TemplateError(message: "can't give argument to non-function \(command[0])") }
        guard piped == nil else { throw TemplateError(message: "can't give argument to non-function") }
        return try self.value(of: command[0])
    }

    private mutating func value(of operand: Operand) throws(TemplateError) -> TemplateValue {
        switch operand {
        case .literal(let value): return value
        case .nested(let pipeline): return try self.evaluate(pipeline)
        case .function(let name): return try TemplateFunctions.call(name, [])
        case .variable(let name, let path):
            guard let value = self.variables[name] else { throw TemplateError(message: "undefined variable \"\(name)\"") }
            return try Self.walk(value, path)
        case .field(let path):
            if !self.useRootDot { return try Self.walk(self.dot, path) }
            guard let first = path.first else {
                return .map(self.data.labels)
            }
            let root: TemplateValue
            switch first {
            case "Labels": root = .map(self.data.labels)
            case "Value": root = .float(self.data.value)
            case "ExternalLabels": root = .map(self.data.externalLabels)
            case "ExternalURL": root = .string(self.data.externalURL)
            default: throw TemplateError(message: "can't evaluate field \(first)")
            }
            return try Self.walk(root, Array(path.dropFirst()))
        }
    }

    private static func walk(_ value: TemplateValue, _ path: [String]) throws(TemplateError) -> TemplateValue {
        var current = value
        for name in path {
            guard case .map(let map) = current else { throw TemplateError(message: "can't evaluate field \(name) in \(current.printed)") }
            // Prometheus sets missingkey=zero: a missing label reads as the empty string.
            current = .string(map[name] ?? "")
        }
        return current
    }
}
