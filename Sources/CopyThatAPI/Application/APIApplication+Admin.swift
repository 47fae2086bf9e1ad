/// Why `create-admin` refused its input.
public struct AdminError: Error, Sendable {
    /// What is wrong.
    public var message: String
}

extension APIApplication {
    /// Creates an admin with `password`, or makes the account with `email` an admin with that password.
    public func createAdmin(email: String, password: String) async throws -> (user: User, created: Bool) {
        let email = email.trimmingCharacters(in: .whitespaces)
        guard email.count <= Validation.emailMaxLength, Validation.isEmail(email) else {
            throw AdminError(message: "\"\(email)\" is not a valid email address")
        }
        guard (Validation.passwordMinLength...Validation.passwordMaxLength).contains(password.count) else {
            throw AdminError(message: "the password must be 12 to 128 characters")
        }
        let hash = try await self.services.passwords.hash(password)
        return try await self.services.users.upsertAdmin(email: email, passwordHash: hash)
    }
}
