import Clients
import Crypto
import ExtrasBase64

/// API keys: `ctk_<8 characters>_<43 characters>`, 256 random bits after a visible, indexed prefix.
///
/// Only the prefix (`ctk_` and the 8 characters) and HMAC-SHA256 of the whole key under a key derived from
/// `SECRET_KEY` are stored; a presented key is found by its prefix and accepted when its MAC matches, compared in
/// constant time. A leaked database therefore holds no usable key, and no key can be guessed from its prefix.
public struct APIKeyCodec: Sendable {
    /// What every key starts with, so that scanners (and people) recognise one.
    public static let marker = "ctk_"
    static let prefixCharacters = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)

    let key: SymmetricKey

    /// Creates the codec with its MAC key derived from `secretKey`.
    public init(secretKey: [UInt8]) {
        self.key = KeyDerivation.key(from: secretKey, purpose: "api-key-mac")
    }

    /// A new key with its stored prefix and MAC (hex).
    public func generate() -> (key: String, prefix: String, hash: String) {
        var generator = SystemRandomNumberGenerator()
        let prefixBody = String(decoding: (0..<8).map { _ in Self.prefixCharacters.randomElement(using: &generator)! }, as: UTF8.self)
        let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let prefix = Self.marker + prefixBody
        let key = prefix + "_" + Base64.encodeToString(bytes: secret, options: [.base64UrlAlphabet, .omitPaddingCharacter])
        return (key, prefix, self.mac(key))
    }

    /// The stored prefix of a presented key, or `nil` when it does not have a key's shape.
    public static func prefix(of key: String) -> String? {
        let bytes = Array(key.utf8)
        guard bytes.count == 4 + 8 + 1 + 43, key.hasPrefix(Self.marker), bytes[12] == UInt8(ascii: "_") else { return nil }
        guard bytes[4..<12].allSatisfy({ Self.prefixCharacters.contains($0) }) else { return nil }
        return String(decoding: bytes[0..<12], as: UTF8.self)
    }

    /// Whether `key`'s MAC equals `storedHash`, in time that does not depend on where they differ.
    public func matches(_ key: String, storedHash: String) -> Bool {
        ConstantTime.equals(Array(storedHash.utf8), Array(self.mac(key).utf8))
    }

    func mac(_ key: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(key.utf8), using: self.key))
    }
}
