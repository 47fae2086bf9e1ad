/// The rules a `SECRET_KEY` must meet before `serve` starts: present, at least 32 bytes, and not a placeholder.
///
/// jwt-kit only `assert`s the 32-byte HMAC minimum (gone in release builds), so it is enforced here.
public enum SecretKeyPolicy {
    /// The fewest bytes accepted (HS256's key is as strong as its 256 bits).
    public static let minimumBytes = 32

    /// Words that mark a key copied from an example rather than generated.
    static let placeholderWords = [
        "changeme", "change-me", "change_me", "secret", "placeholder", "example", "your-", "your_", "xxxx", "todo",
    ]

    /// The key's bytes, or an error that says how to make a good one (and never echoes the key).
    public static func validate(_ key: String?) throws(APIConfigurationError) -> [UInt8] {
        let advice = "generate one with: openssl rand -base64 48"
        guard let key, !key.isEmpty else {
            throw APIConfigurationError(variable: "SECRET_KEY", reason: "is required and has no default; \(advice)")
        }
        let bytes = Array(key.utf8)
        guard bytes.count >= Self.minimumBytes else {
            throw APIConfigurationError(
                variable: "SECRET_KEY",
                reason: "is \(bytes.count) bytes; at least \(Self.minimumBytes) are needed; \(advice)"
            )
        }
        let lowered = key.lowercased()
        if Self.placeholderWords.contains(where: { lowered.contains($0) }) || Set(bytes).count < 8 {
            throw APIConfigurationError(variable: "SECRET_KEY", reason: "looks like a placeholder, not a random key; \(advice)")
        }
        return bytes
    }
}
