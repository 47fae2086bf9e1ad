/// Why YAML text could not be read: libyaml's own description of the problem, and where it is.
public struct YAMLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, in libyaml's words (for example "mapping values are not allowed in this context"), with the
    /// construct being read when it was found (for example "while parsing a flow sequence") where libyaml gives one.
    public var problem: String
    /// Where the problem is, if known.
    public var mark: YAMLMark?

    /// An error from its description and position.
    public init(problem: String, mark: YAMLMark?) {
        self.problem = problem
        self.mark = mark
    }

    /// The problem, then its position.
    public var description: String {
        guard let mark else { return self.problem }
        return "\(self.problem) (line \(mark.line), column \(mark.column))"
    }
}
