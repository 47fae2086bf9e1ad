/// A PostgreSQL failure: what kind, the server's SQLSTATE when it sent one, and a message safe to show.
public struct PostgresError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The URL could not be used.
        public static let invalidURL = Code("invalid_url")
        /// The connection could not be made (refused, unresolvable, authentication failed, …).
        public static let connectionFailed = Code("connection_failed")
        /// The deadline passed before the server answered.
        public static let timeout = Code("timeout")
        /// The server reported an error for a statement.
        public static let queryFailed = Code("query_failed")
        /// The connection broke or was closed.
        public static let connectionClosed = Code("connection_closed")

        /// The code's name.
        public var description: String { self.name }
    }

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
