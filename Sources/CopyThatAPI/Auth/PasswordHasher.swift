import Crypto
import ExtrasBase64
import HummingbirdBcrypt
public import NIOPosix

/// bcrypt over a keyed pre-hash, on its own thread pool.
///
/// bcrypt reads at most 72 bytes and HummingbirdBcrypt's C code stops at the first NUL, so the password is first
/// turned into HMAC-SHA256(key, password) encoded as base64 (44 ASCII bytes, no NUL): every byte of a 128-character
/// password counts, and nothing is silently truncated. The key is derived from `SECRET_KEY`, so a stolen database
/// alone cannot be attacked offline. bcrypt is CPU-bound: it runs on `threadPool` (one thread per core by default),
/// never on an event loop or the cooperative pool, so logins queue among themselves and nothing else waits.
public struct PasswordHasher: Sendable {
    let key: SymmetricKey
    let cost: UInt8
    let threadPool: NIOThreadPool
    /// A hash of a random password, verified when the email is unknown so that the answer takes as long.
    let dummyHash: String

    /// Creates the hasher; computes the dummy hash once, on `threadPool` like every other hash.
    public init(secretKey: [UInt8], cost: UInt8, threadPool: NIOThreadPool) async throws {
        let key = KeyDerivation.key(from: secretKey, purpose: "password-prehash")
        self.key = key
        self.cost = cost
        self.threadPool = threadPool
        let random = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let prehashed = Self.prehash(String(decoding: random.map { $0 % 94 + 33 }, as: UTF8.self), key: key)
        self.dummyHash = try await threadPool.runIfActive { Bcrypt.hash(prehashed, cost: cost) }
    }

    /// The bcrypt hash to store for `password`.
    public func hash(_ password: String) async throws -> String {
        let prehashed = Self.prehash(password, key: self.key)
        let cost = self.cost
        return try await self.threadPool.runIfActive { Bcrypt.hash(prehashed, cost: cost) }
    }

    /// Whether `password` matches `hash`; with `hash` nil (an unknown account) it verifies against the dummy hash
    /// and returns `false`, doing the same work.
    public func verify(_ password: String, against hash: String?) async throws -> Bool {
        let prehashed = Self.prehash(password, key: self.key)
        let target = hash ?? self.dummyHash
        let matched = try await self.threadPool.runIfActive { Bcrypt.verify(prehashed, hash: target) }
        return matched && hash != nil
    }

    static func prehash(_ password: String, key: SymmetricKey) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(password.utf8), using: key)
        return Base64.encodeToString(bytes: Array(mac))
    }
}

/// Keys for separate purposes derived from `SECRET_KEY` (HKDF-SHA256), so that no two uses share a key.
enum KeyDerivation {
    static func key(from secret: [UInt8], purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: secret),
            salt: Array("copythat-api".utf8),
            info: Array(purpose.utf8),
            outputByteCount: 32
        )
    }
}
