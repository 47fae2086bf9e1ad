/// A user as the API shows it: `{id, email, full_name, roles, is_active, created_at}`.
public struct User: Sendable, Hashable, Encodable {
    /// The id (a UUID).
    public var id: String
    /// The email, as registered.
    public var email: String
    /// The full name, if given.
    public var fullName: String?
    /// `user`, and `admin` for administrators.
    public var roles: [String]
    /// Whether the account may sign in; a disabled account's tokens and keys stop working at once.
    public var isActive: Bool
    /// ISO 8601, UTC.
    public var createdAt: String

    /// Whether the user holds the `admin` role.
    public var isAdmin: Bool { self.roles.contains("admin") }

    enum CodingKeys: String, CodingKey {
        case id, email, roles
        case fullName = "full_name"
        case isActive = "is_active"
        case createdAt = "created_at"
    }

    /// Encodes `full_name` as `null` when absent (the contract lists the key on every user).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.id, forKey: .id)
        try container.encode(self.email, forKey: .email)
        try container.encode(self.fullName, forKey: .fullName)
        try container.encode(self.roles, forKey: .roles)
        try container.encode(self.isActive, forKey: .isActive)
        try container.encode(self.createdAt, forKey: .createdAt)
    }

    /// The columns a ``User`` is read from, in order (prefix with a table alias as needed).
    static let columns = "id::text, email, full_name, roles, is_active, iso8601(created_at)"

    init(row: Row, offset: Int = 0) {
        self.id = row.string(offset)
        self.email = row.string(offset + 1)
        self.fullName = row[offset + 2]
        self.roles = row.array(offset + 3)
        self.isActive = row.bool(offset + 4)
        self.createdAt = row.string(offset + 5)
    }

    /// Creates a user value.
    public init(id: String, email: String, fullName: String?, roles: [String], isActive: Bool, createdAt: String) {
        self.id = id
        self.email = email
        self.fullName = fullName
        self.roles = roles
        self.isActive = isActive
        self.createdAt = createdAt
    }
}
