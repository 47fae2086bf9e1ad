/// What `--web.config.file` holds, in exporter-toolkit's format (the file every official exporter reads): TLS for the
/// listener, HTTP basic authentication of every request, and extra response headers.
public struct WebConfiguration: Sendable, Equatable {
    /// `tls_server_config`; `nil` serves plain HTTP.
    public var tls: TLSServer?
    /// `basic_auth_users`: user name → bcrypt hash (`$2a$`, `$2b$` or htpasswd's `$2y$`). Empty: no authentication.
    public var basicAuthUsers: [String: String] = [:]
    /// `http_server_config.headers`, added to every response.
    public var headers: [Header] = []

    /// An empty configuration: plain HTTP, no authentication.
    public init() {}

    /// One response header.
    public struct Header: Sendable, Equatable {
        /// Its name as written in the file.
        public var name: String
        /// Its value.
        public var value: String

        /// A header.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// `tls_server_config`: the certificate and key (read again whenever either file changes), client certificates, and
    /// the protocol versions and cipher suites offered.
    public struct TLSServer: Sendable, Equatable {
        /// `cert_file`, as an absolute path or relative to the working directory.
        public var certificateFile: String
        /// `key_file`.
        public var keyFile: String
        /// `client_auth_type`.
        public var clientAuth: ClientAuth = .none
        /// `client_ca_file`: the authorities client certificates are verified against.
        public var clientCAFile: String?
        /// `min_version` (TLS 1.2 unless set, as exporter-toolkit).
        public var minimumVersion: TLSVersion = .tls12
        /// `max_version` (TLS 1.3).
        public var maximumVersion: TLSVersion = .tls13
        /// `cipher_suites`, as IANA numbers (for TLS 1.2 and below; TLS 1.3's suites are not configurable, as in Go).
        public var cipherSuites: [UInt16] = []
    }

    /// exporter-toolkit's (and Go's) client authentication policies.
    public enum ClientAuth: String, Sendable, CaseIterable {
        /// `NoClientCert`: no certificate is asked for.
        case none = "NoClientCert"
        /// `RequestClientCert`: one is asked for, and neither required nor verified.
        case request = "RequestClientCert"
        /// `RequireAnyClientCert`: one is required, and not verified.
        case requireAny = "RequireAnyClientCert"
        /// `VerifyClientCertIfGiven`: one is verified against `client_ca_file` when sent.
        case verifyIfGiven = "VerifyClientCertIfGiven"
        /// `RequireAndVerifyClientCert`: one is required and verified against `client_ca_file`.
        case requireAndVerify = "RequireAndVerifyClientCert"

        /// Whether a certificate is checked against `client_ca_file`.
        public var verifies: Bool { self == .verifyIfGiven || self == .requireAndVerify }
    }

    /// `TLS10` … `TLS13`.
    public enum TLSVersion: String, Sendable, CaseIterable, Comparable {
        case tls10 = "TLS10"
        case tls11 = "TLS11"
        case tls12 = "TLS12"
        case tls13 = "TLS13"

        /// Older first.
        public static func < (lhs: Self, rhs: Self) -> Bool {
            Self.allCases.firstIndex(of: lhs)! < Self.allCases.firstIndex(of: rhs)!
        }
    }

    /// The headers exporter-toolkit lets a file set, and what it requires of their values.
    static let allowedHeaders: [String: @Sendable (String) -> String?] = [
        "strict-transport-security": { _ in nil },
        "content-security-policy": { _ in nil },
        "x-xss-protection": { _ in nil },
        "x-content-type-options": { value in value.lowercased() == "nosniff" ? nil : "X-Content-Type-Options must be nosniff" },
        "x-frame-options": { value in
            ["deny", "sameorigin"].contains(value.lowercased()) ? nil : "X-Frame-Options must be deny or sameorigin"
        },
    ]

    /// The cipher suites Go (and so exporter-toolkit) names, by IANA number; BoringSSL offers the TLS 1.2 ones.
    static let cipherSuites: [String: UInt16] = [
        "TLS_RSA_WITH_AES_128_CBC_SHA": 0x002F,
        "TLS_RSA_WITH_AES_256_CBC_SHA": 0x0035,
        "TLS_RSA_WITH_AES_128_GCM_SHA256": 0x009C,
        "TLS_RSA_WITH_AES_256_GCM_SHA384": 0x009D,
        "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": 0xC009,
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA": 0xC00A,
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA": 0xC013,
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA": 0xC014,
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256": 0xC02B,
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384": 0xC02C,
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": 0xC02F,
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": 0xC030,
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCA8,
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256": 0xCCA9,
    ]
}
