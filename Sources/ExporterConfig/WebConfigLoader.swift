import Clients
import LibYAML

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads `--web.config.file` (exporter-toolkit's format) as strictly as the rest of the configuration: an unknown key,
/// a wrong value or a missing file is an error naming the file, line and column. Keys exporter-toolkit has and this
/// exporter does not implement (`rate_limit`, `curve_preferences`, `client_allowed_sans`, inline `cert`/`key`/
/// `client_ca`) are refused by name rather than ignored, so that nobody believes they are in force.
public struct WebConfigLoader: Sendable {
    let environment: [String: String]

    /// A loader that expands `${VAR}` from `environment` (the process's unless given).
    public init(environment: [String: String]? = nil) {
        self.environment = environment ?? ProcessInfo.processInfo.environment
    }

    /// Loads `path`; relative file names in it are relative to its directory, as exporter-toolkit resolves them.
    public func load(path: String) throws(ConfigError) -> WebConfiguration {
        try self.parse(yaml: ConfigLoader.text(of: path), file: path)
    }

    /// Parses YAML text; `file` names it in errors and anchors relative paths.
    public func parse(yaml: String, file: String) throws(ConfigError) -> WebConfiguration {
        guard let root = try ConfigLoader.compose(yaml, file: file) else { return WebConfiguration() }
        let reader = NodeReader(file: file, environment: self.environment, baseDirectory: FilePaths.directory(of: file))
        return try reader.webConfiguration(root)
    }
}

extension NodeReader {
    private static let webKeys: Set<String> = ["tls_server_config", "http_server_config", "basic_auth_users", "rate_limit"]
    private static let tlsKeys: Set<String> = [
        "cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version", "cipher_suites",
        "prefer_server_cipher_suites", "curve_preferences", "client_allowed_sans", "cert", "key", "client_ca",
    ]
    private static let unsupported: [String: String] = [
        "rate_limit": "rate_limit is not supported by copythat-exporter (limit scrapes at a proxy)",
        "curve_preferences": "curve_preferences is not supported: BoringSSL's default curves are offered",
        "client_allowed_sans": "client_allowed_sans is not supported: issue client certificates from a CA of their own",
        "cert": "an inline cert is not supported: write it to a file and name it in cert_file",
        "key": "an inline key is not supported: write it to a file and name it in key_file",
        "client_ca": "an inline client_ca is not supported: write it to a file and name it in client_ca_file",
    ]

    func webConfiguration(_ root: YAMLNode) throws(ConfigError) -> WebConfiguration {
        var configuration = WebConfiguration()
        for (key, keyNode, value) in try self.mapping(root, allowed: Self.webKeys, what: "the web configuration") {
            if let reason = Self.unsupported[key] { throw self.error(keyNode, reason) }
            switch key {
            case "tls_server_config": configuration.tls = try self.tlsServer(value)
            case "http_server_config": configuration.headers = try self.httpServer(value)
            default: configuration.basicAuthUsers = try self.basicAuthUsers(value)
            }
        }
        return configuration
    }

    private func tlsServer(_ node: YAMLNode) throws(ConfigError) -> WebConfiguration.TLSServer? {
        if case .scalar(let scalar) = node, scalar.string.isEmpty || scalar.string == "null" { return nil }
        var certificate: String?
        var key: String?
        var clientAuth = WebConfiguration.ClientAuth.none
        var clientAuthNode: YAMLNode?
        var clientCA: String?
        var minimum = WebConfiguration.TLSVersion.tls12
        var maximum = WebConfiguration.TLSVersion.tls13
        var versionNode: YAMLNode?
        var suites: [UInt16] = []
        for (name, keyNode, value) in try self.mapping(node, allowed: Self.tlsKeys, what: "tls_server_config") {
            if let reason = Self.unsupported[name] { throw self.error(keyNode, reason) }
            switch name {
            case "cert_file": certificate = try self.existingFile(value, key: name)
            case "key_file": key = try self.existingFile(value, key: name)
            case "client_ca_file": clientCA = try self.existingFile(value, key: name)
            case "client_auth_type":
                let text = try self.string(value)
                // Go's old name for RequireAnyClientCert, which exporter-toolkit still reads.
                guard let policy = text == "RequireClientCert" ? .requireAny : WebConfiguration.ClientAuth(rawValue: text) else {
                    let names = WebConfiguration.ClientAuth.allCases.map(\.rawValue).joined(separator: ", ")
                    throw self.error(value, "client_auth_type must be one of \(names), got \"\(text)\"")
                }
                clientAuth = policy
                clientAuthNode = value
            case "min_version", "max_version":
                let text = try self.string(value)
                guard let version = WebConfiguration.TLSVersion(rawValue: text) else {
                    throw self.error(value, "\(name) must be TLS10, TLS11, TLS12 or TLS13, got \"\(text)\"")
                }
                if name == "min_version" { minimum = version } else { maximum = version }
                versionNode = value
            case "cipher_suites":
                for item in try self.list(value, what: "cipher_suites") {
                    let name = try self.string(item)
                    guard let number = WebConfiguration.cipherSuites[name] else {
                        throw self.error(
                            item,
                            "unknown cipher suite \"\(name)\" (TLS 1.3's suites are always offered and cannot be listed)"
                        )
                    }
                    suites.append(number)
                }
            default: _ = try self.bool(value)  // prefer_server_cipher_suites: BoringSSL's server order is used either way
            }
        }
        guard let certificate else { throw self.error(node, "tls_server_config needs cert_file") }
        guard let key else { throw self.error(node, "tls_server_config needs key_file") }
        if clientCA != nil && clientAuth == .none {
            throw self.error(node, "client_ca_file is set but client_auth_type is NoClientCert: say which client certificates to ask for")
        }
        if clientAuth.verifies && clientCA == nil {
            throw self.error(clientAuthNode ?? node, "client_auth_type \(clientAuth.rawValue) needs client_ca_file to verify against")
        }
        if minimum > maximum {
            throw self.error(versionNode ?? node, "min_version \(minimum.rawValue) is above max_version \(maximum.rawValue)")
        }
        return WebConfiguration.TLSServer(
            certificateFile: certificate,
            keyFile: key,
            clientAuth: clientAuth,
            clientCAFile: clientCA,
            minimumVersion: minimum,
            maximumVersion: maximum,
            cipherSuites: suites
        )
    }

    private func httpServer(_ node: YAMLNode) throws(ConfigError) -> [WebConfiguration.Header] {
        var headers: [WebConfiguration.Header] = []
        for (key, _, value) in try self.mapping(node, allowed: ["headers", "http2"], what: "http_server_config") {
            guard key == "headers" else {
                _ = try self.bool(value)  // http2: the exporter serves HTTP/1.1, which is what Prometheus scrapes with
                continue
            }
            var seen = Set<String>()
            for (name, nameNode, headerValue) in try self.mapping(value, allowed: nil, what: "headers") {
                let lowered = name.lowercased()
                guard let check = WebConfiguration.allowedHeaders[lowered] else {
                    throw self.error(
                        nameNode,
                        "HTTP header \"\(name)\" cannot be configured (only Strict-Transport-Security, Content-Security-Policy, X-Frame-Options, X-Content-Type-Options and X-XSS-Protection)"
                    )
                }
                guard seen.insert(lowered).inserted else { throw self.error(nameNode, "header \"\(name)\" appears twice") }
                let text = try self.string(headerValue)
                if let problem = check(text) { throw self.error(headerValue, problem) }
                guard HTTPFieldSyntax.isFieldValue(text) else {
                    throw self.error(headerValue, "the value of \(name) has a control character")
                }
                headers.append(.init(name: name, value: text))
            }
        }
        return headers
    }

    private func basicAuthUsers(_ node: YAMLNode) throws(ConfigError) -> [String: String] {
        var users: [String: String] = [:]
        for (user, userNode, value) in try self.mapping(node, allowed: nil, what: "basic_auth_users") {
            guard !user.isEmpty, !user.contains(":") else { throw self.error(userNode, "a user name must be non-empty and without ':'") }
            let hash = try self.string(value)
            guard BcryptHash.isWellFormed(hash) else {
                throw self.error(
                    value,
                    "the password of \(user) is not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters: make one with htpasswd -nBC 10 \(user))"
                )
            }
            users[user] = hash
        }
        return users
    }

    /// A path that names a readable file (relative to the configuration's directory).
    private func existingFile(_ node: YAMLNode, key: String) throws(ConfigError) -> String {
        var path = try self.string(node)
        guard !path.isEmpty else { throw self.error(node, "\(key) is empty") }
        if !path.hasPrefix("/") && !self.baseDirectory.isEmpty { path = self.baseDirectory + "/" + path }
        guard FileManager.default.isReadableFile(atPath: path) else { throw self.error(node, "\(key) \(path) cannot be read") }
        return path
    }
}

/// The shape of a bcrypt hash, checked when the file is read so that a typo is an error at start-up, not a refused scrape.
package enum BcryptHash {
    /// `$2a$`, `$2b$` or `$2y$`, a two-digit cost from 04 to 31, `$`, then 53 characters of bcrypt's base64.
    package static func isWellFormed(_ hash: String) -> Bool {
        let bytes = Array(hash.utf8)
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
            [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]), bytes[3] == UInt8(ascii: "$"),
            bytes[6] == UInt8(ascii: "$"), let cost = Int(String(decoding: bytes[4..<6], as: UTF8.self)), (4...31).contains(cost)
        else { return false }
        let alphabet = Set("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
        return bytes[7...].allSatisfy(alphabet.contains)
    }

    /// htpasswd writes `$2y$`, which is `$2b$` under another name; the bcrypt C code reads only `$2a$` and `$2b$`.
    package static func normalized(_ hash: String) -> String {
        hash.hasPrefix("$2y$") ? "$2b$" + hash.dropFirst(4) : hash
    }
}
