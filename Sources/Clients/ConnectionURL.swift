/// A parsed `scheme://[user[:password]@]host[:port][/path][?query]` URL, as DSNs for PostgreSQL and Redis are written.
///
/// Parsing is strict enough to give a precise error for a malformed DSN, and ``redacted`` renders it with the
/// password (in user info or a `password=` parameter) masked, so it can appear in logs and error bodies.
public struct ConnectionURL: Sendable, Hashable, CustomStringConvertible {
    /// The scheme, lower-cased (`postgres`, `redis`, `unix`, …).
    public var scheme: String
    /// The user name, percent-decoded, if any.
    public var user: String?
    /// The password, percent-decoded, if any.
    public var password: String?
    /// The host (without brackets for IPv6); empty for unix sockets.
    public var host: String
    /// The port, if given.
    public var port: Int?
    /// The path without its leading `/`, percent-decoded (a database name or number, or a socket path).
    public var path: String
    /// Query parameters in order, percent-decoded.
    public var query: [(name: String, value: String)]

    /// Parses `string`.
    /// - Throws: ``ConnectionURLError`` naming what is wrong; the message never contains the password.
    public init(_ string: String) throws(ConnectionURLError) {
        guard let schemeEnd = string.firstRange(of: "://") else {
            throw ConnectionURLError("expected a URL such as scheme://host:port/path")
        }
        self.scheme = String(string[..<schemeEnd.lowerBound]).lowercased()
        guard !self.scheme.isEmpty, self.scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) else {
            throw ConnectionURLError("invalid URL scheme")
        }
        var rest = string[schemeEnd.upperBound...]
        var queryPart: Substring = ""
        if let questionMark = rest.firstIndex(of: "?") {
            queryPart = rest[rest.index(after: questionMark)...]
            rest = rest[..<questionMark]
        }
        var authority = rest
        var pathPart: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            pathPart = rest[rest.index(after: slash)...]
        }
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                self.user = try Self.decode(userInfo[..<colon], what: "user name")
                self.password = try Self.decode(userInfo[userInfo.index(after: colon)...], what: "password")
            } else {
                self.user = try Self.decode(userInfo, what: "user name")
            }
            if self.user?.isEmpty == true { self.user = nil }
        }
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw ConnectionURLError("unterminated IPv6 address") }
            self.host = String(authority[authority.index(after: authority.startIndex)..<close])
            authority = authority[authority.index(after: close)...]
            if authority.hasPrefix(":") {
                self.port = try Self.port(authority.dropFirst())
            } else if !authority.isEmpty {
                throw ConnectionURLError("unexpected text after the IPv6 address")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            self.host = String(authority[..<colon])
            self.port = try Self.port(authority[authority.index(after: colon)...])
        } else {
            self.host = String(authority)
        }
        self.path = try Self.decode(pathPart, what: "path")
        self.query = []
        for pair in queryPart.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.decode(parts[0], what: "query parameter")
            let value = parts.count > 1 ? try Self.decode(parts[1], what: "query parameter \(name)") : ""
            self.query.append((name, value))
        }
    }

    /// The value of the first query parameter called `name`.
    public func parameter(_ name: String) -> String? {
        self.query.first { $0.name == name }?.value
    }

    /// The URL with its password, and any `password` parameter, replaced by `****`; so is that secret wherever else
    /// in the URL it appears (a path or parameter that repeats it), when it is at least 4 characters long.
    public var redacted: String {
        var result = self.scheme + "://"
        if let user {
            result += Self.encode(user)
            if self.password != nil { result += ":****" }
            result += "@"
        } else if self.password != nil {
            result += ":****@"
        }
        result += self.host.contains(":") ? "[\(self.host)]" : self.host
        if let port { result += ":\(port)" }
        if !self.path.isEmpty { result += "/" + Self.encode(self.path, keepSlash: true) }
        if !self.query.isEmpty {
            result +=
                "?"
                + self.query.map { "\(Self.encode($0.name))=\($0.name.lowercased().contains("password") ? "****" : Self.encode($0.value))" }
                .joined(separator: "&")
        }
        let secrets = [self.password] + self.query.filter { $0.name.lowercased().contains("password") }.map(\.value)
        for secret in secrets.compactMap({ $0 }) where secret.count >= 4 {
            result = result.replacingAll(Self.encode(secret), with: "****").replacingAll(secret, with: "****")
        }
        return result
    }

    /// The redacted form; a `ConnectionURL` never prints its password.
    public var description: String { self.redacted }

    public static func == (lhs: ConnectionURL, rhs: ConnectionURL) -> Bool {
        lhs.scheme == rhs.scheme && lhs.user == rhs.user && lhs.password == rhs.password && lhs.host == rhs.host
            && lhs.port == rhs.port && lhs.path == rhs.path && lhs.query.map(\.name) == rhs.query.map(\.name)
            && lhs.query.map(\.value) == rhs.query.map(\.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.redacted)
    }

    private static func port(_ text: Substring) throws(ConnectionURLError) -> Int {
        guard let port = Int(text), (1...65535).contains(port) else {
            throw ConnectionURLError("port must be a number from 1 to 65535")
        }
        return port
    }

    static func decode(_ text: Substring, what: String) throws(ConnectionURLError) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue) else {
                    throw ConnectionURLError("invalid percent-encoding in the \(what)")
                }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Percent-encodes everything but unreserved characters, for building a URL from parts.
    public static func encodeComponent(_ text: String) -> String {
        self.encode(text)
    }

    static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(UnicodeScalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                result.append("/")
            default:
                let hex = Array("0123456789ABCDEF")
                result += "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 0xF)])"
            }
        }
        return result
    }
}

/// A DSN or URL that cannot be used; the reason never includes the password.
public struct ConnectionURLError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public var reason: String

    init(_ reason: String) {
        self.reason = reason
    }

    /// `invalid URL: <reason>`.
    public var description: String { "invalid URL: \(self.reason)" }
}
