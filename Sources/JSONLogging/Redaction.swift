/// Masks secrets before a log line is written: values under sensitive metadata keys, and credentials found inside
/// any string (the message, metadata values, error text).
///
/// Found inside strings: the password of a URL's user info (`postgres://user:pass@host`, `redis://:pass@host`),
/// `password=…` parameters (URL queries and libpq `key=value` DSNs), `Bearer …` and `Basic …` credentials, and
/// `sk-…` API keys. Each secret becomes ``mask``; the rest of the string is kept so the line stays useful.
public struct Redaction: Sendable {
    /// What a secret is replaced with.
    public static let mask = "[REDACTED]"

    /// Lower-cased fragments: a metadata key containing any of them has its whole value masked.
    public var sensitiveKeyFragments: [String] {
        didSet { self.fragmentBytes = self.sensitiveKeyFragments.map { Array($0.lowercased().utf8) } }
    }
    private var fragmentBytes: [[UInt8]]
    /// Whether strings are scanned for credentials.
    public var scansValues: Bool

    /// Redaction as it is by default: the usual secret-bearing keys, and value scanning on.
    public static let `default` = Redaction()
    /// No redaction at all, for tests of the handler itself.
    public static let disabled = Redaction(sensitiveKeyFragments: [], scansValues: false)

    /// Creates a redaction policy.
    /// - Parameters:
    ///   - sensitiveKeyFragments: lower-cased key fragments whose values are masked.
    ///   - scansValues: whether to look for credentials inside every string.
    public init(
        sensitiveKeyFragments: [String] = [
            "password", "passwd", "pwd", "secret", "token", "api_key", "apikey", "api-key", "authorization", "cookie",
            "credential", "private_key",
        ],
        scansValues: Bool = true
    ) {
        self.sensitiveKeyFragments = sensitiveKeyFragments
        self.fragmentBytes = sensitiveKeyFragments.map { Array($0.lowercased().utf8) }
        self.scansValues = scansValues
    }

    /// Whether values under `key` are masked whole: its lower-cased form contains one of the fragments.
    public func isSensitive(key: String) -> Bool {
        guard !self.fragmentBytes.isEmpty else { return false }
        let check = { (keyBytes: UnsafeBufferPointer<UInt8>) -> Bool in
            self.fragmentBytes.contains { fragment in
                fragment.withUnsafeBufferPointer { CredentialScanner.containsCaseInsensitive(keyBytes, lowercaseNeedle: $0) }
            }
        }
        if let result = key.utf8.withContiguousStorageIfAvailable(check) {
            return result
        }
        return Array(key.utf8).withUnsafeBufferPointer(check)
    }

    /// `string` with every credential found in it masked; the same string when none is found.
    public func redact(_ string: String) -> String {
        guard self.scansValues else { return string }
        let redacted: [UInt8]? =
            string.utf8.withContiguousStorageIfAvailable { CredentialScanner.redact($0) }
            ?? Array(string.utf8).withUnsafeBufferPointer { CredentialScanner.redact($0) }
        guard let redacted else { return string }
        return String(decoding: redacted, as: UTF8.self)
    }
}

/// Finds credentials in UTF-8 bytes. Pure functions over bytes, so they are easy to test exhaustively.
enum CredentialScanner {
    private static let mask = Array(Redaction.mask.utf8)

    /// The redacted bytes, or `nil` when nothing needed masking (the common case, decided in one pass).
    static func redact(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard self.mayContainCredential(input) else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        var changed = false
        while index < input.count {
            if let end = self.secretEnd(in: input, afterPrefixAt: index, output: &output) {
                output.append(contentsOf: self.mask)
                index = end
                changed = true
            } else {
                output.append(input[index])
                index += 1
            }
        }
        return changed ? output : nil
    }

    /// A fast pre-check: the bytes that every pattern needs.
    private static func mayContainCredential(_ input: UnsafeBufferPointer<UInt8>) -> Bool {
        for index in input.indices {
            switch input[index] {
            case UInt8(ascii: "@"), UInt8(ascii: "="): return true
            case UInt8(ascii: "-") where index >= 2 && (input[index - 2] | 0x20) == UInt8(ascii: "s"): return true
            case UInt8(ascii: " ") where index >= 5:
                // "bearer " and "basic " end in r or c before the space.
                let previous = input[index - 1] | 0x20
                if previous == UInt8(ascii: "r") || previous == UInt8(ascii: "c") { return true }
            default: continue
            }
        }
        return false
    }

    /// When a secret starts at `index` (after a recognised prefix, which is copied to `output`), where it ends.
    private static func secretEnd(in input: UnsafeBufferPointer<UInt8>, afterPrefixAt index: Int, output: inout [UInt8]) -> Int? {
        let byte = input[index]
        // scheme://user:PASSWORD@host
        if byte == UInt8(ascii: ":"), index + 2 < input.count, input[index + 1] == UInt8(ascii: "/"),
            input[index + 2] == UInt8(ascii: "/")
        {
            return self.userInfoPassword(in: input, schemeEnd: index, output: &output)
        }
        // password=SECRET (query parameters, libpq key=value DSNs)
        if byte | 0x20 == UInt8(ascii: "p"), self.hasPrefix(input, at: index, "password=") {
            let start = index + 9
            var end = start
            while end < input.count, !self.isParameterEnd(input[end]) { end += 1 }
            guard end > start else { return nil }
            output.append(contentsOf: input[index..<start])
            return end
        }
        // Bearer TOKEN, Basic CREDENTIALS
        if byte | 0x20 == UInt8(ascii: "b") {
            for scheme in ["bearer ", "basic "] where self.hasPrefix(input, at: index, scheme) {
                guard index == 0 || !self.isTokenByte(input[index - 1]) else { return nil }
                let start = index + scheme.utf8.count
                var end = start
                while end < input.count,
                    self.isTokenByte(input[end]) || input[end] == UInt8(ascii: ".")
                        || input[end] == UInt8(ascii: "/") || input[end] == UInt8(ascii: "+") || input[end] == UInt8(ascii: "=")
                {
                    end += 1
                }
                guard end - start >= 8 else { return nil }
                output.append(contentsOf: input[index..<start])
                return end
            }
        }
        // sk-KEY (OpenAI and Anthropic style API keys)
        if byte == UInt8(ascii: "s"), index + 3 < input.count, input[index + 1] == UInt8(ascii: "k"),
            input[index + 2] == UInt8(ascii: "-"), index == 0 || !self.isTokenByte(input[index - 1])
        {
            var end = index + 3
            while end < input.count, self.isTokenByte(input[end]) { end += 1 }
            guard end - index - 3 >= 16 else { return nil }
            output.append(contentsOf: input[index..<(index + 3)])
            return end
        }
        return nil
    }

    /// After `://`: if user info with a password precedes an `@` in the authority, copy up to the password's `:`
    /// and return where the password ends (at the `@`).
    private static func userInfoPassword(in input: UnsafeBufferPointer<UInt8>, schemeEnd: Int, output: inout [UInt8]) -> Int? {
        let authorityStart = schemeEnd + 3
        var at: Int?
        var cursor = authorityStart
        while cursor < input.count {
            let byte = input[cursor]
            if byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") || byte == UInt8(ascii: " ")
                || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\n")
            {
                break
            }
            if byte == UInt8(ascii: "@") { at = cursor }  // the last @ ends the user info
            cursor += 1
        }
        guard let at, let colon = input[authorityStart..<at].firstIndex(of: UInt8(ascii: ":")), colon + 1 < at else {
            return nil
        }
        output.append(contentsOf: input[schemeEnd...colon])
        return at
    }

    /// Whether `haystack` contains `lowercaseNeedle`, comparing ASCII letters case-insensitively.
    static func containsCaseInsensitive(_ haystack: UnsafeBufferPointer<UInt8>, lowercaseNeedle: UnsafeBufferPointer<UInt8>) -> Bool {
        guard lowercaseNeedle.count <= haystack.count else { return false }
        guard let first = lowercaseNeedle.first else { return true }
        for start in 0...(haystack.count - lowercaseNeedle.count) where self.lowercased(haystack[start]) == first {
            var matched = true
            for offset in 1..<lowercaseNeedle.count where self.lowercased(haystack[start + offset]) != lowercaseNeedle[offset] {
                matched = false
                break
            }
            if matched { return true }
        }
        return false
    }

    @inline(__always)
    private static func lowercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    private static func hasPrefix(_ input: UnsafeBufferPointer<UInt8>, at index: Int, _ lowercasePrefix: String) -> Bool {
        var position = index
        for expected in lowercasePrefix.utf8 {
            guard position < input.count else { return false }
            let actual = input[position]
            let folded = (actual >= UInt8(ascii: "A") && actual <= UInt8(ascii: "Z")) ? actual | 0x20 : actual
            guard folded == expected else { return false }
            position += 1
        }
        return true
    }

    private static func isParameterEnd(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "&") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "\"")
            || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: ",")
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }
}
