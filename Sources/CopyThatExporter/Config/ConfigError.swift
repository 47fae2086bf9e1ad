/// A configuration problem, located in its file.
struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// The file, or `environment` for settings read from environment variables.
    var file: String
    /// The 1-based line, when known.
    var line: Int?
    /// The 1-based column, when known.
    var column: Int?
    /// What is wrong. Never contains a secret's value.
    var reason: String

    /// `file:line:column: reason`.
    var description: String {
        var location = self.file
        if let line { location += ":\(line)" }
        if let column { location += ":\(column)" }
        return "\(location): \(self.reason)"
    }
}
