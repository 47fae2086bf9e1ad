/// One label: a name and its value.
public struct LabelPair: Hashable, Sendable {
    /// The label name.
    public var name: String
    /// The label value.
    public var value: String

    /// A label.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A set of labels kept sorted by name, so that equal sets compare and hash equal whatever order they were given in.
/// The metric name is the label `__name__`, as in Prometheus.
public struct Labels: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The reserved label that holds the metric name.
    public static let metricName = "__name__"

    /// The labels, sorted by name, names unique, no empty values.
    public private(set) var items: [LabelPair]

    /// The empty set.
    public init() { self.items = [] }

    /// Labels from pairs in any order; empty values are dropped (Prometheus treats them as absent); a repeated name
    /// keeps its last value.
    public init(_ pairs: [(String, String)]) {
        var items: [LabelPair] = []
        items.reserveCapacity(pairs.count)
        for (name, value) in pairs where !value.isEmpty { items.append(LabelPair(name, value)) }
        items.sort { $0.name < $1.name }
        var unique: [LabelPair] = []
        unique.reserveCapacity(items.count)
        for item in items {
            if let last = unique.last, last.name == item.name { unique[unique.count - 1] = item } else { unique.append(item) }
        }
        self.items = unique
    }

    /// Labels from a dictionary.
    public init(_ dictionary: [String: String]) { self.init(dictionary.map { ($0.key, $0.value) }) }

    init(sorted items: [LabelPair]) { self.items = items }

    /// The value of `name`, or the empty string when absent (as Prometheus reads a missing label).
    public subscript(name: String) -> String {
        for item in self.items where item.name == name { return item.value }
        return ""
    }

    /// The metric name, or the empty string.
    public var name: String { self[Self.metricName] }

    /// Whether the set is empty.
    public var isEmpty: Bool { self.items.isEmpty }

    /// These labels with `name` set to `value`; an empty value removes the label.
    public func setting(_ name: String, to value: String) -> Labels {
        var items = self.items.filter { $0.name != name }
        if !value.isEmpty {
            let index = items.firstIndex { $0.name > name } ?? items.count
            items.insert(LabelPair(name, value), at: index)
        }
        return Labels(sorted: items)
    }

    /// These labels without the metric name (the same storage when there is none: no copy).
    public var droppingMetricName: Labels {
        guard let index = self.items.firstIndex(where: { $0.name == Self.metricName }) else { return self }
        var items = self.items
        items.remove(at: index)
        return Labels(sorted: items)
    }

    /// Only the labels named in `names`.
    public func keeping(_ names: Set<String>) -> Labels { Labels(sorted: self.items.filter { names.contains($0.name) }) }

    /// All labels except those named in `names`.
    public func removing(_ names: Set<String>) -> Labels { Labels(sorted: self.items.filter { !names.contains($0.name) }) }

    /// `{a="1", b="2"}` with the metric name in front when there is one, as Prometheus prints a series.
    public var description: String {
        var text = self.name
        let rest = self.items.filter { $0.name != Self.metricName }
        if rest.isEmpty && !text.isEmpty { return text }
        text += "{"
        text += rest.map { "\($0.name)=\"\(Self.escape($0.value))\"" }.joined(separator: ", ")
        text += "}"
        return text
    }

    static func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// Orders label sets the way Prometheus's `labels.Compare` does: label by label, name then value, shorter first.
    public static func < (lhs: Labels, rhs: Labels) -> Bool {
        let count = min(lhs.items.count, rhs.items.count)
        for index in 0..<count {
            let left = lhs.items[index]
            let right = rhs.items[index]
            if left.name != right.name { return left.name < right.name }
            if left.value != right.value { return left.value < right.value }
        }
        return lhs.items.count < rhs.items.count
    }
}
