/// A rule or rule-unit-test file that cannot be loaded: the file, the line when known, and the reason.
public struct RuleFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file.
    public var file: String
    /// The 1-based line, when known.
    public var line: Int?
    /// What is wrong.
    public var message: String

    /// An error.
    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`.
    public var description: String {
        if let line { return "\(self.file):\(line): \(self.message)" }
        return "\(self.file): \(self.message)"
    }
}
