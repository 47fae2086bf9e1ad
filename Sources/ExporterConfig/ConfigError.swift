/// A configuration problem, located in its file.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// The file, or `environment` for settings read from environment variables.
    package var file: String
    /// The 1-based line, when known.
    package var line: Int?
    /// The 1-based column, when known.
    package var column: Int?
    /// What is wrong. Never contains a secret's value.
    package var reason: String

    /// `file:line:column: reason`.
    public var description: String {
        var location = self.file
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return "\(location): \(self.reason)"
    }
}
