/// One node of a YAML document: a scalar, a mapping or a sequence, each with where it starts in the text.
///
/// Scalars keep their text as written (after YAML's quoting and folding rules); nothing is converted to a number
/// or a boolean, so a reader decides what each value means and reports the position when it is wrong.
public enum YAMLNode: Sendable, Hashable {
    /// A single value.
    case scalar(Scalar)
    /// Keys and values, in the order written.
    case mapping(Mapping)
    /// Items, in the order written.
    case sequence(Sequence)

    /// How a scalar was written.
    public enum ScalarStyle: Sendable, Hashable {
        /// Without quotes.
        case plain
        /// Between single quotes.
        case singleQuoted
        /// Between double quotes.
        case doubleQuoted
        /// A `|` block.
        case literal
        /// A `>` block.
        case folded
    }

    /// A single value and where it was written.
    public struct Scalar: Sendable, Hashable {
        /// The text of the value.
        public var string: String
        /// How it was quoted.
        public var style: ScalarStyle
        /// Where it starts; nil for a value made in code.
        public var mark: YAMLMark?

        /// A scalar from its text.
        public init(_ string: String, style: ScalarStyle = .plain, mark: YAMLMark? = nil) {
            self.string = string
            self.style = style
            self.mark = mark
        }
    }

    /// Keys and values in the order written; iterating yields `(key, value)` pairs.
    public struct Mapping: Sendable, Hashable, RandomAccessCollection {
        /// Where the mapping starts.
        public var mark: YAMLMark?
        private var keyNodes: [YAMLNode]
        private var valueNodes: [YAMLNode]

        /// A mapping from its entries.
        public init(_ entries: [(key: YAMLNode, value: YAMLNode)], mark: YAMLMark? = nil) {
            self.keyNodes = entries.map(\.key)
            self.valueNodes = entries.map(\.value)
            self.mark = mark
        }

        /// The first position.
        public var startIndex: Int { 0 }
        /// One past the last position.
        public var endIndex: Int { self.keyNodes.count }
        /// The entry at `position`.
        public subscript(position: Int) -> (key: YAMLNode, value: YAMLNode) {
            (self.keyNodes[position], self.valueNodes[position])
        }
        /// The keys, in order.
        public var keys: [YAMLNode] { self.keyNodes }
        /// The value of the first entry whose key is the scalar `key`.
        public subscript(key: String) -> YAMLNode? {
            self.keyNodes.firstIndex { $0.string == key }.map { self.valueNodes[$0] }
        }
    }

    /// Items in the order written.
    public struct Sequence: Sendable, Hashable, RandomAccessCollection {
        /// The items.
        public var nodes: [YAMLNode]
        /// Where the sequence starts.
        public var mark: YAMLMark?

        /// A sequence from its items.
        public init(_ nodes: [YAMLNode], mark: YAMLMark? = nil) {
            self.nodes = nodes
            self.mark = mark
        }

        /// The first position.
        public var startIndex: Int { self.nodes.startIndex }
        /// One past the last position.
        public var endIndex: Int { self.nodes.endIndex }
        /// The item at `position`.
        public subscript(position: Int) -> YAMLNode { self.nodes[position] }
    }

    /// Where the node starts in the text; nil for a node made in code.
    public var mark: YAMLMark? {
        switch self {
        case .scalar(let scalar): scalar.mark
        case .mapping(let mapping): mapping.mark
        case .sequence(let sequence): sequence.mark
        }
    }

    /// The scalar, if this node is one.
    public var scalar: Scalar? {
        if case .scalar(let scalar) = self { return scalar }
        return nil
    }

    /// The scalar's text, if this node is a scalar.
    public var string: String? { self.scalar?.string }

    /// The mapping, if this node is one.
    public var mapping: Mapping? {
        if case .mapping(let mapping) = self { return mapping }
        return nil
    }

    /// The sequence, if this node is one.
    public var sequence: Sequence? {
        if case .sequence(let sequence) = self { return sequence }
        return nil
    }
}
