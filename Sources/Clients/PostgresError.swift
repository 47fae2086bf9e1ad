/// A PostgreSQL failure: what kind, the server's SQLSTATE when it sent one, and a message safe to show.
public struct PostgresError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public typealias Code = ClientErrorCode

    /// What kind of failure this is.
    public var code: Code
    /// The five-character SQLSTATE, when the server sent one (`28P01` for a bad password, `57014` for a cancelled
    /// statement, …).
    public var sqlState: String?
    /// The reason, with any credentials masked.
    public var message: String

    /// `<code>[ (SQLSTATE xxxxx)]: <message>`.
    public var description: String {
        "\(self.code)\(self.sqlState.map { " (SQLSTATE \($0))" } ?? ""): \(self.message)"
    }
}
