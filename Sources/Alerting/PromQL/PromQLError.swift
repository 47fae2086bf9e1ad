/// An expression that cannot be parsed or evaluated, with the reason.
public struct PromQLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// The character offset in the expression, when the error has a place.
    public var position: Int?

    /// An error.
    public init(message: String, position: Int? = nil) {
        self.message = message
        self.position = position
    }

    /// `message` with its position, as Prometheus prints parse errors.
    public var description: String {
        guard let position else { return self.message }
        return "1:\(position + 1): parse error: \(self.message)"
    }
}
