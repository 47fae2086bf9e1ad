extension YAMLNode {
    /// The most nodes one document may hold once its aliases are expanded, so that nested aliases ("billion
    /// laughs") cannot make a small file describe an enormous tree for a reader to walk.
    public static let nodeLimit = 1_000_000

    /// The deepest nesting of sequences and mappings a document may have: nodes are built recursively, and a file of
    /// a hundred thousand `[` must be an error, not a stack overflow. Configuration and rule files nest a few levels.
    public static let nestingLimit = 256

    /// Reads the single YAML document in `yaml` into nodes; nil when the text holds no document.
    ///
    /// Anchors and aliases are resolved (an alias is a copy of its anchored node); a second document, an unknown
    /// alias, more than ``nodeLimit`` nodes with aliases expanded, or nesting deeper than ``nestingLimit`` are errors,
    /// as is anything libyaml rejects.
    public static func compose(yaml: String) throws(YAMLError) -> YAMLNode? {
        var composer = Composer(parser: try LibYAMLParser(text: yaml))
        return try composer.document()
    }
}

/// Builds nodes from libyaml's event stream.
private struct Composer {
    let parser: LibYAMLParser
    /// Each anchored node, with how many nodes it holds.
    var anchors: [String: (node: YAMLNode, size: Int)] = [:]
    /// Nodes so far, aliases counted at their expanded size.
    var nodeCount = 0
    /// Sequences and mappings open around the node being built.
    var depth = 0

    init(parser: LibYAMLParser) {
        self.parser = parser
    }

    mutating func document() throws(YAMLError) -> YAMLNode? {
        guard case .streamStart = try self.parser.next() else { throw YAMLError(problem: "expected the start of a stream", mark: nil) }
        switch try self.parser.next() {
        case .streamEnd: return nil
        case .documentStart: break
        default: throw YAMLError(problem: "expected a document", mark: nil)
        }
        let root = try self.node(try self.parser.next())
        guard case .documentEnd = try self.parser.next() else {
            throw YAMLError(problem: "expected the end of the document", mark: root.mark)
        }
        switch try self.parser.next() {
        case .streamEnd: return root
        case .documentStart: throw YAMLError(problem: "expected a single document, found a second one", mark: nil)
        default: throw YAMLError(problem: "expected the end of the stream", mark: nil)
        }
    }

    private mutating func node(_ event: LibYAMLParser.Event) throws(YAMLError) -> YAMLNode {
        let countBefore = self.nodeCount
        try self.count(1, at: nil)
        switch event {
        case .scalar(let value, let anchor, let style, let mark):
            return self.remember(.scalar(.init(value, style: style, mark: mark)), as: anchor, since: countBefore)
        case .alias(let anchor, let mark):
            guard let anchored = self.anchors[anchor] else { throw YAMLError(problem: "found undefined alias \(anchor)", mark: mark) }
            try self.count(anchored.size - 1, at: mark)
            return anchored.node
        case .sequenceStart(let anchor, let mark):
            try self.enter(at: mark)
            defer { self.depth -= 1 }
            var items: [YAMLNode] = []
            while true {
                let next = try self.parser.next()
                if case .sequenceEnd = next { break }
                items.append(try self.node(next))
            }
            return self.remember(.sequence(.init(items, mark: mark)), as: anchor, since: countBefore)
        case .mappingStart(let anchor, let mark):
            try self.enter(at: mark)
            defer { self.depth -= 1 }
            var entries: [(key: YAMLNode, value: YAMLNode)] = []
            while true {
                let next = try self.parser.next()
                if case .mappingEnd = next { break }
                let key = try self.node(next)
                entries.append((key, try self.node(try self.parser.next())))
            }
            return self.remember(.mapping(.init(entries, mark: mark)), as: anchor, since: countBefore)
        case .streamStart, .streamEnd, .documentStart, .documentEnd, .sequenceEnd, .mappingEnd:
            throw YAMLError(problem: "unexpected \(event) event", mark: nil)
        }
    }

    private mutating func enter(at mark: YAMLMark) throws(YAMLError) {
        self.depth += 1
        guard self.depth <= YAMLNode.nestingLimit else {
            throw YAMLError(problem: "sequences and mappings nest more than \(YAMLNode.nestingLimit) levels deep", mark: mark)
        }
    }

    private mutating func count(_ nodes: Int, at mark: YAMLMark?) throws(YAMLError) {
        self.nodeCount += nodes
        guard self.nodeCount <= YAMLNode.nodeLimit else {
            throw YAMLError(problem: "the document holds more than \(YAMLNode.nodeLimit) nodes once its aliases are expanded", mark: mark)
        }
    }

    private mutating func remember(_ node: YAMLNode, as anchor: String?, since countBefore: Int) -> YAMLNode {
        if let anchor { self.anchors[anchor] = (node, self.nodeCount - countBefore) }
        return node
    }
}
